"""Offers by oversubscription criterion: which rule admitted each pupil, counted per school and for the LA.

The engine records the step and class that admitted every offer (rules.Rules.criteria_of names it); here
the policy's criterion names are grouped into the categories an admissions officer reports:

  ehcp                     EHC plan naming the school (admitted before any criterion)
  looked_after             looked-after or previously looked-after child
  medical                  medical or social need naming the school
  sibling                  sibling at the school (with or without catchment)
  fsm_catchment            FSM priority, home in the school's catchment
  fsm_out_catchment        FSM priority, home outside it
  single_school_catchment  outside the catchment, in an area served by one school (Brighton and Hove 2026)
  catchment                home in the catchment
  open                     any applicant, places by lottery
  distance                 any applicant, places by distance
  directed                 no preference could be met: directed to the nearest school with room

Every placed pupil falls in exactly one category, so a school's categories add up to its intake.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .game import DIRECTED, EHCP, OFFER, Allocation, Game

CATEGORIES = ("ehcp", "looked_after", "medical", "sibling", "fsm_catchment", "fsm_out_catchment",
              "single_school_catchment", "catchment", "open", "distance", "directed")
LABELS = {"ehcp": "EHC plan", "looked_after": "looked after", "medical": "medical/social", "sibling": "sibling",
          "fsm_catchment": "FSM in catchment", "fsm_out_catchment": "FSM out of catchment",
          "single_school_catchment": "single-school catchment", "catchment": "catchment",
          "open": "open (lottery)", "distance": "distance", "directed": "directed"}
_INDEX = {c: i for i, c in enumerate(CATEGORIES)}


def category_of(criterion: str, lottery: bool) -> str:
    """The reporting category of one policy criterion name ('fsm' parts are split by home later)."""
    parts = criterion.split("+")
    for part, category in (("looked_after", "looked_after"), ("medical_social", "medical"), ("sibling", "sibling"),
                           ("fsm", "fsm_catchment"), ("single_school_catchment", "single_school_catchment"),
                           ("catchment", "catchment")):
        if part in parts:
            return category
    return "open" if lottery else "distance"


def _code_table(rules) -> tuple[np.ndarray, np.ndarray]:
    """(category index per (policy, step, class), classes per (policy, step)): the integer form of
    rules.Rules.criteria_of, so no criterion name is built per pupil."""
    width = max(len(st.criteria) for plan in rules.plans for st in plan) + 1
    table = np.full((len(rules.plans), rules.n_steps, width), _INDEX["distance"], dtype=np.int64)
    size = np.ones((len(rules.plans), rules.n_steps), dtype=np.int64)
    for q, plan in enumerate(rules.plans):
        lottery = rules.policies[q].tie_break == "lottery"
        for t, step in enumerate(plan):
            size[q, t] = len(step.criteria) + 1
            for k, criterion in enumerate(step.criteria):
                table[q, t, k] = _INDEX[category_of(criterion, lottery)]
    return table, size


def categories(game: Game, alloc: Allocation) -> np.ndarray:
    """Index into CATEGORIES of each applicant's placement, -1 when unplaced."""
    out = np.full(game.applicants.n, -1, dtype=np.int64)
    out[alloc.route == EHCP] = _INDEX["ehcp"]
    out[alloc.route == DIRECTED] = _INDEX["directed"]
    offer = np.flatnonzero(alloc.route == OFFER)
    if not offer.size:
        return out
    rules = alloc.rules
    table, size = _code_table(rules)
    school = alloc.school[offer]
    q = rules.policy_of_school[school]
    t = alloc.step[offer].astype(np.int64)
    codes = table[q, t, alloc.klass[offer].astype(np.int64) % size[q, t]]
    fsm = codes == _INDEX["fsm_catchment"]
    if fsm.any():
        inside, _ = game.catchment_flags(offer[fsm], school[fsm])
        codes[np.flatnonzero(fsm)[~inside]] = _INDEX["fsm_out_catchment"]
    out[offer] = codes
    return out


def counts(game: Game, alloc: Allocation) -> np.ndarray:
    """Placements per (category, school): shape (len(CATEGORIES), schools)."""
    code = categories(game, alloc)
    placed = code >= 0
    flat = code[placed] * game.schools.n + alloc.school[placed]
    return np.bincount(flat, minlength=len(CATEGORIES) * game.schools.n).reshape(len(CATEGORIES), -1).astype(float)


def criteria_table(game: Game, base: list, pol: list, wide) -> pd.DataFrame:
    """criteria.csv: one row per school and category, then the LA's ("all") rows: offers under the baseline
    and the policy with 95% intervals over runs. BASE, POL: per-run counts(); WIDE: compare._wide."""
    base, pol = np.array(base), np.array(pol)                      # runs x categories x schools
    n_s = game.schools.n
    frames = []
    for c, category in enumerate(CATEGORIES):
        frames.append(pd.DataFrame({"urn": pd.array(game.schools.urn, dtype="Int64"), "name": game.schools.name,
                                    "criterion": category, **wide(base[:, c, :], pol[:, c, :])}))
    per_school = pd.concat(frames, ignore_index=True)
    per_school["order"] = np.tile(np.arange(n_s), len(CATEGORIES))
    per_school = per_school.sort_values(["order"], kind="stable").drop(columns="order")
    la = pd.DataFrame({"urn": pd.array([pd.NA] * len(CATEGORIES), dtype="Int64"), "name": "all",
                       "criterion": list(CATEGORIES), **wide(base.sum(axis=2), pol.sum(axis=2))})
    return pd.concat([per_school, la], ignore_index=True)


def criteria_text(table: pd.DataFrame, which: str = "policy") -> list[str]:
    """Summary lines: per school (and the LA) the offers under each criterion used, mean (95% interval)."""
    lines = [f"offers by criterion ({which}; mean per run, 95% interval; criteria.csv has the baseline too):"]
    for _, rows in table.groupby("urn", sort=False, dropna=False):
        name = rows["name"].iloc[0]
        used = rows[rows[f"{which}_hi"] > 0]
        parts = [f"{LABELS[r['criterion']]} {_count(r[f'{which}_mean'], r[f'{which}_lo'], r[f'{which}_hi'])}"
                 for r in used.to_dict("records")]
        label = "all schools" if name == "all" else str(name)
        lines.append(f"  {label[:36]}: " + ("; ".join(parts) if parts else "no offers"))
    return lines


def _count(mean: float, lo: float, hi: float) -> str:
    if round(lo) == round(hi):
        return f"{mean:.0f}" if round(mean) == round(lo) else f"{mean:.1f}"
    return f"{mean:.0f} ({lo:.0f}-{hi:.0f})"
