"""The rankings as plain-text tables for the terminal (what `repaudit audit`, `trusts` and
`segregation` print)."""
from __future__ import annotations

import pandas as pd

from .indicators import INDICATORS, label_years

WIDTH = 44


def _cut(text, width=WIDTH) -> str:
    text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _num(value, fmt) -> str:
    return "" if value is None or pd.isna(value) else format(value, fmt)


def _hidden(row) -> bool:
    """True for a row that disclosure control suppressed (its figures are blank for that reason)."""
    value = getattr(row, "suppressed", False)
    return bool(value) and not pd.isna(value)


def _table(header: list[str], rows: list[list[str]], align: str) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.rjust(w) if a == "r" else c.ljust(w)  # noqa: E731
                                  for c, w, a in zip(cells, widths, align))
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def schools_table(result, indicator: str, top: int = 10, selective=None, faith=None, school_type=None) -> str:
    """The TOP least representative audited schools for INDICATOR (lowest z first)."""
    rows = result.audited(indicator)
    if selective is not None:
        rows = rows[rows["selective"] == selective]
    if faith is not None:
        rows = rows[rows["faith"] == faith]
    if school_type:
        rows = rows[rows["type"].fillna("").str.casefold() == school_type.casefold()]
    body = [[str(r.urn), _cut(r.name), _cut(r.la_name, 22), r.phase or "", _num(r.pupils, ".0f"),
             _num(100 * r.school_rate, ".1f"), _num(100 * r.community_rate, ".1f"), _num(r.gap_pp, "+.1f"),
             _num(r.z, "+.2f"), _num(r.shortfall, ".0f"), "suppressed" if _hidden(r) else r.flag or ""]
            for r in rows.head(top).itertuples()]
    return _table(["URN", "school", "LA", "phase", "pupils", "school %", "community %", "gap pp", "z",
                   "shortfall", "flag"], body, "llllrrrrrrl")


def trusts_table(result, indicator: str, top: int = 10) -> str:
    """The TOP ranked trusts for INDICATOR, lowest pooled z first (LA-maintained groups included)."""
    t = result.trusts
    rows = t[(t["indicator"] == indicator) & t["ranked"]].sort_values("z").head(top)
    body = [[_cut(r.trust_name), str(r.schools), _num(r.pupils, ".0f"),
             "suppressed" if _hidden(r) else _num(r.gap_pp, "+.1f"),
             _num(r.shortfall, ".0f"), _num(r.z, "+.2f"),
             "" if pd.isna(r.n_below) else f"{r.n_below:.0f} ({_num(100 * r.share_below, '.0f')}%)"]
            for r in rows.itertuples()]
    return _table(["trust", "schools", "pupils", "gap pp", "shortfall", "pooled z", "below 95%"], body, "lrrrrrr")


def areas_table(result, indicator: str, level: str = "la", top: int = 10) -> str:
    """The TOP most segregated areas of LEVEL for INDICATOR (highest D first), with the interval of D."""
    a = result.areas
    rows = a[(a["indicator"] == indicator) & (a["level"] == level)].sort_values("D", ascending=False).head(top)
    body = [[_cut(r.area_name, 32), r.phase, str(r.schools), _num(100 * r.share, ".1f"),
             "suppressed" if _hidden(r) else _num(r.D, ".3f"),
             "" if pd.isna(r.D_low) else f"{_num(r.D_low, '.3f')}-{_num(r.D_high, '.3f')}", _num(r.GS, ".3f"),
             _num(r.isolation, ".3f")]
            for r in rows.itertuples()]
    return _table(["area", "phase", "schools", "group %", "D", "D interval", "GS", "isolation"], body, "llrrrlrr")


def summary(result, top: int = 10, sections=("schools", "trusts", "areas")) -> str:
    """Heading, counts and the top of each ranking for every indicator of RESULT."""
    meta = result.meta
    parts = []
    for indicator in meta["indicators"]:
        label = INDICATORS[indicator].label
        years = label_years(meta["years_by_indicator"][indicator])
        rows = result.schools[result.schools["indicator"] == indicator]
        counts = rows["status"].value_counts()
        head = (f"{label}, {years}, community: {meta['community_model']} - "
                f"{counts.get('audited', 0)} schools audited, {counts.get('excluded', 0)} excluded")
        parts.append(head)
        reasons = rows.loc[rows["status"] == "excluded", "exclusion_reason"].value_counts()
        parts += [f"  excluded: {n} {reason}" for reason, n in reasons.head(5).items()]
        if len(reasons) > 5:
            parts.append(f"  excluded: {reasons.iloc[5:].sum()} for {len(reasons) - 5} other reasons (see schools.csv)")
        if "schools" in sections:
            parts += [f"\nLeast representative schools ({label}, lowest z first):", schools_table(result, indicator, top)]
        if "trusts" in sections:
            parts += [f"\nTrusts ({label}, pooled z, at least {meta['params']['min_trust_schools']} schools):",
                      trusts_table(result, indicator, top)]
        if "areas" in sections:
            names = {"england": "England", "region": "region", "la": "LA"}
            for level in ("england", "region", "la"):
                if level == "england" and not (result.areas["level"] == "england").any():
                    continue
                parts += [f"\nSegregation{'' if level == 'england' else ' by ' + names[level]} "
                          f"({label}{', highest D first' if level != 'england' else ''}):",
                          areas_table(result, indicator, level, top)]
        parts.append("")
    for note in meta.get("notes", []):
        parts.append(f"note: {note}")
    return "\n".join(parts).rstrip() + "\n"
