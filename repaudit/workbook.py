"""How an audit's tables are laid out in a workbook people can use: one sheet per indicator, each in the
order of its ranking, after a "Read me" sheet that says in words what was measured, how, and for which years.
The CSV files keep every row in one table at full precision for analysts."""
from __future__ import annotations

import pandas as pd

from . import describe

ORDER = {  # table: (columns to sort by, ascending) — each table's own ranking first, then its key
    "schools": (["rank", "urn"], [True, True]),
    "trusts": (["ranked", "z_adjusted", "trust_code"], [False, True, True]),
}

COLUMNS_IN_WORDS = {
    "schools": [
        ("rank", "1 = least representative: ordered by the shrunken gap (the gap allowing for chance and for the "
                 "spread schools genuinely show); excluded schools have no rank and come last"),
        ("pupils", "pupils the school's rate is counted over (averaged over the pooled years)"),
        ("school_rate, community_rate", "the share of the school's pupils in the group, and of its community"),
        ("gap_pp", "school rate minus community rate, in percentage points (negative: fewer than its community)"),
        ("gap_shrunk_pp", "the gap after allowing for chance (empirical Bayes), with its 95% interval beside it"),
        ("shortfall", "pupils of the group the school would need to admit to match its community"),
        ("flag", "where the school falls against the funnel limits (below_95, below_998, within, above_95, ...)"),
        ("status, exclusion_reason", "audited, or excluded with the rule that excluded it"),
    ],
    "trusts": [
        ("ranked", "whether the trust has enough audited schools to be ranked; ranked trusts come first"),
        ("z_adjusted", "the trust's pooled z allowing for the spread schools show: the lowest first"),
        ("shortfall", "pupils of the group its schools would need to admit, in total"),
    ],
    "areas": [
        ("D, D_bc", "dissimilarity index D (raw, and bias-corrected): the share of the group that would have to "
                    "move school for every school to have the same share; 0 = none, 1 = complete separation"),
        ("D_random", "D expected if pupils were allocated to schools at random (chance alone)"),
        ("share", "the group's share of the area's pupils"),
    ],
}


def sheet_name(indicator) -> str:
    """A sheet name for an indicator: its short label, within Excel's 31 characters and allowed characters."""
    name = describe.indicator_short(str(indicator))
    return "".join(ch for ch in name if ch not in '[]:*?/\\')[:31] or "sheet"


def sheets(table: str, frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(sheet name, rows) per indicator of FRAME, each in its ranking's order; one sheet when FRAME has no
    indicator column."""
    by, ascending = ORDER.get(table, ([], []))
    keys = [(c, a) for c, a in zip(by, ascending) if c in frame.columns]

    def ordered(rows: pd.DataFrame) -> pd.DataFrame:
        if not keys:
            return rows
        return rows.sort_values([c for c, _ in keys], ascending=[a for _, a in keys], na_position="last",
                                kind="mergesort")

    if "indicator" not in frame.columns or frame["indicator"].nunique() == 0:
        return [(table, ordered(frame))]
    return [(sheet_name(ind), ordered(rows)) for ind, rows in frame.groupby("indicator", sort=False)]


def readme(table: str, meta: dict) -> list[str]:
    """The lines of the "Read me" sheet of TABLE's workbook."""
    indicators = ", ".join(describe.indicator_label(i) for i in meta.get("indicators") or [])
    model = meta.get("community_model", "not stated")
    lines = [describe.title(meta),
             "SYNTHETIC DATA: made up for demonstration, not real schools." if meta.get("synthetic") else "",
             f"What: {indicators or 'indicators not stated'}; one sheet per indicator.",
             f"Where: {describe.area_text(meta)}.",
             f"Years: {describe.years_by_indicator_text(meta)}.",
             f"Community: each school is compared with {describe.model_text(model)} (model '{model}').",
             f"Data: {describe.vintage_text(meta) or 'sources not stated'}.",
             "Counts of 1 to 4 from private data are suppressed." if meta.get("suppressed") else "",
             "",
             "Columns:"]
    lines += [f"{name}: {words}" for name, words in COLUMNS_IN_WORDS.get(table, [])]
    lines += ["", "Numbers are shown rounded (whole pupils, % and pp to one decimal); the cells hold full precision. "
                  "The CSV files hold the same rows in one table.",
              "Method: docs/methodology.md in the repaudit repository."]
    return [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
