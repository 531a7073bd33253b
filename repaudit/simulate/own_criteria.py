"""Schools' own oversubscription criteria in synthetic cohorts: faith, feeder schools, banding, aptitude, tests.

Real schools rank applicants by criteria open data does not hold, and unlike distance these criteria favour
some children who put the school second or third over others who put it first. A synthetic cohort stands
for them with a draw: each (child, listed school) pair meets the school's own criteria with probability
SHARE[school], independently of the child's home and of the rank the child gave it. Within each criterion
of the policy, pairs meeting them come before the rest (rules._tiebreak), so a child rejected by a higher
preference can displace a nearer first-preference applicant, as happens. The share depends on what open
data says of the school (selective, religious character, own admission authority) and, where the fit found
it better on LAs it did not fit, of its place (London) or its LA (6 preferences allowed); the shares are fitted
on one entry year's offers by preference (bench/fit_own_criteria.py) and shipped in own_criteria_fit.json with
what they were fitted on.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .schools import LA_ADMISSIONS_TYPES

FIT = Path(__file__).with_name("own_criteria_fit.json")
KINDS = ("selective", "faith", "own_admissions", "la_admissions")
NO_FAITH = {"", "none", "no religious character", "does not apply", "not applicable", "nan"}
LONDON = {str(c) for c in range(201, 214)} | {str(c) for c in range(301, 321)}    # old LA codes of the boroughs
SPLITS = ("london", "six_preferences")
TAGS = {"london": ("london", "elsewhere"), "six_preferences": ("six", "fewer")}


def kind_of(schools: pd.DataFrame) -> np.ndarray:
    """Per school its kind: selective; else with a religious character (faith); else its own admission authority
    (academy, free, foundation, voluntary aided); else the LA's (community, voluntary controlled)."""
    n = len(schools)
    selective = schools["selective"].fillna(False).to_numpy(bool) if "selective" in schools else np.zeros(n, bool)
    religion = schools["religion"] if "religion" in schools else pd.Series([""] * n, index=schools.index)
    faith = ~religion.fillna("").astype(str).str.strip().str.lower().isin(NO_FAITH).to_numpy()
    la = schools["type"].fillna("").astype(str).str.lower().isin(LA_ADMISSIONS_TYPES).to_numpy() \
        if "type" in schools else np.zeros(n, bool)
    return np.select([selective, faith, ~la], ["selective", "faith", "own_admissions"], "la_admissions")


def group_of(schools: pd.DataFrame, by: str | None, preferences: int | None = None) -> np.ndarray:
    """Per school the key of its share: its kind, with ':london' / ':elsewhere' (BY 'london': the school's LA is a
    London borough) or ':six' / ':fewer' (BY 'six_preferences': the LA of the market, allowing PREFERENCES,
    allows 6) appended."""
    kinds = kind_of(schools)
    if by == "london":
        inside = schools["la_code"].astype(str).isin(LONDON).to_numpy() if "la_code" in schools else np.zeros(
            len(schools), bool)
        return np.char.add(kinds.astype(str), np.where(inside, ":" + TAGS[by][0], ":" + TAGS[by][1]))
    if by == "six_preferences":
        return np.char.add(kinds.astype(str), ":" + TAGS[by][0 if (preferences or 0) >= 6 else 1])
    return kinds


@lru_cache(maxsize=1)
def fitted() -> dict:
    """The shipped fit: {'shares': kind -> share, 'fitted_on': ..., ...}."""
    return json.loads(FIT.read_text(encoding="utf-8"))


def shares(schools: pd.DataFrame, share: float | dict | None = None, preferences: int | None = None) -> np.ndarray:
    """Per school the probability a listing meets its own criteria: SHARE for every school (a number), per kind
    (a dict keyed as group_of makes them), or the fitted shares (None)."""
    if share is not None and not isinstance(share, dict):
        return np.full(len(schools), float(share))
    table = fitted()["shares"] if share is None else share
    by = next((s for s in SPLITS if any(f":{tag}" in k for k in table for tag in TAGS[s])), None)
    return np.array([float(table.get(k, 0.0)) for k in group_of(schools, by, preferences)])


def draw(prefs: list, share: np.ndarray, school_index: dict, seed: int) -> list:
    """Per applicant, one bool per listed school (URNs in PREFS): meets its own criteria, with probability
    SHARE[school_index[urn]], from a random stream of its own (the rest of the cohort stays as it was)."""
    rng = np.random.default_rng([seed, 3])
    lengths = np.array([len(p) for p in prefs], dtype=np.int64)
    flat = np.array([school_index[int(u)] for p in prefs for u in p], dtype=np.int64)
    met = rng.random(len(flat)) < share[flat] if len(flat) else np.zeros(0, dtype=bool)
    return np.split(met, np.cumsum(lengths)[:-1]) if len(prefs) else []


def describe(share: np.ndarray, kinds: np.ndarray, source: str) -> str:
    """One line: the share per kind of school present (a range where a split gives one kind several), and where
    the shares come from."""
    def shown(values):
        lo, hi = 100 * values.min(), 100 * values.max()
        return f"{lo:.0f}%" if round(lo) == round(hi) else f"{lo:.0f}–{hi:.0f}%"
    parts = [f"{k.replace('_', ' ')} {shown(share[kinds == k])} ({int((kinds == k).sum())})"
             for k in KINDS if (kinds == k).any()]
    return ("schools' own criteria (faith, feeder schools, banding, tests; not in open data): a listing meets them "
            f"with probability by kind of school, {', '.join(parts)}; such applicants come first within each "
            f"criterion of the policy ({source})")
