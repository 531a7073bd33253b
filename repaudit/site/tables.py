"""The site's rankings, computed from the audit result: local authorities (pupil-weighted gap, schools
below the funnel, their total shortfall, D by phase) and trusts (as the result ranks them)."""
from __future__ import annotations

import pandas as pd

from .. import plain
from ..ranking import trusts_in_order


def _visible(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["suppressed"].astype(bool)] if "suppressed" in frame else frame


def la_ranking(schools: pd.DataFrame, areas: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """One row per LA: la_name, region, audited, gap (pupil-weighted, pp), below (schools flagged under),
    shortfall (whole pupils short in those schools), D_primary, D_secondary and, when the areas have them,
    net_primary, net_secondary (D - D_random) and chance_primary, chance_secondary (mostly chance); most
    pupils short first."""
    rows = _visible(schools[(schools["indicator"] == indicator) & (schools["status"] == "audited")])
    rows = rows[rows["la_name"].notna()]
    under = rows["flag"].map(plain.under)
    frame = rows.assign(_w=rows["pupils"] * rows["gap_pp"], _under=under,
                        _short=rows["shortfall"].where(under & (rows["shortfall"] > 0), 0.0))
    out = frame.groupby("la_name").agg(region=("region", "first"), audited=("urn", "nunique"),
                                       pupils=("pupils", "sum"), weighted=("_w", "sum"), below=("_under", "sum"),
                                       shortfall=("_short", "sum")).reset_index()
    out["gap"] = out["weighted"] / out["pupils"]
    las = areas[(areas["level"] == "la") & (areas["indicator"] == indicator)] if not areas.empty else areas
    for phase in ("primary", "secondary"):
        part = las[las["phase"].astype(str).str.lower() == phase] if not las.empty else las
        d = dict(zip(part["area_name"], part["D"])) if not part.empty else {}
        out[f"D_{phase}"] = out["la_name"].map(d)
        if not part.empty and "D_excess" in part:
            out[f"net_{phase}"] = out["la_name"].map(dict(zip(part["area_name"], part["D_excess"])))
            out[f"chance_{phase}"] = out["la_name"].map(dict(zip(part["area_name"], part["mostly_chance"])))
    return out.sort_values(["shortfall", "la_name"], ascending=[False, True]).reset_index(drop=True)


def trust_ranking(trusts: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Trust rows of INDICATOR (LA-maintained comparison groups left out): ranked ones first, in the order of
    repaudit.ranking, then those with too few schools to rank."""
    if trusts.empty:
        return trusts
    rows = _visible(trusts[(trusts["indicator"] == indicator) & ~trusts["comparison"].astype(bool)])
    return trusts_in_order(rows).reset_index(drop=True)
