"""Allen's (2007) proximity counterfactual: every LSOA cohort goes to its nearest school with room.

With the same distance ranking on both sides (a child prefers the nearer school, a full school keeps
the nearer children), the nearest-school-with-room allocation is the unique stable matching, and
assigning (LSOA, school) pairs greedily in order of distance finds it: each pair gets as many of the
LSOA's unplaced children as the school still has room for.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def local_demand(pairs: pd.DataFrame, children: pd.Series, schools: pd.DataFrame) -> pd.Series:
    """Children by LSOA scaled so that, in every LA, they add up to its schools' pupils on roll.

    Each LSOA counts in the LA of its nearest school. Scaling LA by LA (not nationally) keeps areas
    where many children go to independent schools, or where sixth forms swell the rolls, from sending
    their surplus children to queue for places they could never reach.
    pairs: lsoa, urn, dist; children by lsoa; schools indexed by urn with la and roll."""
    nearest = pairs.loc[pairs.groupby("lsoa")["dist"].idxmin(), ["lsoa", "urn"]]
    la = nearest.set_index("lsoa")["urn"].map(schools["la"]).reindex(children.index)
    la = la.fillna("?")
    roll = schools.groupby(schools["la"].fillna("?"))["roll"].sum()
    kids = children.groupby(la).sum()
    scale = (roll / kids).reindex(la.to_numpy()).fillna(roll.sum() / children.sum()).to_numpy()
    return children * scale


def allocate(pairs: pd.DataFrame, demand: pd.Series, capacity: pd.Series) -> pd.DataFrame:
    """Children placed per (lsoa, urn).

    pairs: lsoa, urn, dist (the candidate schools of each LSOA); demand: children by lsoa;
    capacity: places by urn. Returns lsoa, urn, pupils (> 0 only). Children whose candidate schools are
    all full stay unplaced (the caller reports how many).
    """
    if pairs.empty:
        return pd.DataFrame({"lsoa": [], "urn": [], "pupils": []})
    order = pairs.sort_values(["dist", "lsoa", "urn"], kind="stable")
    lsoa_idx, lsoa_codes = pd.factorize(order["lsoa"])
    urn_idx, urn_codes = pd.factorize(order["urn"])
    lsoa_codes, urn_codes = np.asarray(lsoa_codes), np.asarray(urn_codes)
    left = demand.reindex(lsoa_codes).fillna(0.0).to_numpy(dtype=float).tolist()
    room = capacity.reindex(urn_codes).fillna(0.0).to_numpy(dtype=float).tolist()
    placed = [0.0] * len(order)
    for i, (li, ui) in enumerate(zip(lsoa_idx.tolist(), urn_idx.tolist())):
        take = left[li] if left[li] < room[ui] else room[ui]
        if take > 0:
            placed[i] = take
            left[li] -= take
            room[ui] -= take
    out = pd.DataFrame({"lsoa": lsoa_codes[lsoa_idx], "urn": urn_codes[urn_idx], "pupils": placed})
    return out[out["pupils"] > 0].reset_index(drop=True)
