"""The one definition of "least representative", which every output uses and every caption states: schools
by the audit's `rank` (1 = the lowest shrunken, empirical-Bayes, gap: the gap allowing for chance and for the
spread schools genuinely show), trusts by their pooled z allowing for that spread (`z_adjusted`)."""
from __future__ import annotations

import pandas as pd

SCHOOL_WORDS = ("ranked by the shrunken gap (the gap after allowing for chance and for the spread schools "
                "genuinely show), least representative first")
TRUST_WORDS = "ranked by pooled z allowing for the spread schools show, lowest first"


def schools_in_order(rows: pd.DataFrame) -> pd.DataFrame:
    """ROWS least representative first: by `rank` (by the shrunken gap where a result has no rank column),
    then URN; rows without one come last."""
    key = "rank" if "rank" in rows else "gap_shrunk_pp" if "gap_shrunk_pp" in rows else "z"
    order = pd.to_numeric(rows[key], errors="coerce")
    return rows.assign(_order=order).sort_values(["_order", "urn"], na_position="last", kind="mergesort") \
        .drop(columns="_order")


def trusts_in_order(rows: pd.DataFrame) -> pd.DataFrame:
    """ROWS ranked trusts first, lowest `z_adjusted` (plain `z` where a result has none) first, then by name."""
    key = "z_adjusted" if "z_adjusted" in rows else "z"
    ranked = rows["ranked"].astype(bool) if "ranked" in rows else pd.Series(True, index=rows.index)
    name = "trust_name" if "trust_name" in rows else "trust_code"
    return rows.assign(_unranked=~ranked, _order=pd.to_numeric(rows[key], errors="coerce")) \
        .sort_values(["_unranked", "_order", name], na_position="last", kind="mergesort") \
        .drop(columns=["_unranked", "_order"])
