"""The rankings as plain-text tables for the terminal (what `repaudit audit`, `trusts` and
`segregation` print)."""
from __future__ import annotations

import pandas as pd

from .. import plain
from . import conservation, dispersion
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


def text_table(header: list[str], rows: list[list[str]], align: str) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.rjust(w) if a == "r" else c.ljust(w)  # noqa: E731
                                  for c, w, a in zip(cells, widths, align))
    return "\n".join(line.rstrip() for line in [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows])


def schools_table(result, indicator: str, top: int = 10, selective=None, faith=None, school_type=None) -> str:
    """The TOP least representative audited schools for INDICATOR: lowest shrunken gap first, with its 95%
    posterior interval, the plain z, the shortfall in whole pupils and both flags."""
    rows = result.audited(indicator)
    if selective is not None:
        rows = rows[rows["selective"] == selective]
    if faith is not None:
        rows = rows[rows["faith"] == faith]
    if school_type:
        rows = rows[rows["type"].fillna("").str.casefold() == school_type.casefold()]
    body = [[_num(getattr(r, "rank", None), ".0f"), str(r.urn), _cut(plain.name_case(r.name), 40), _cut(r.la_name, 22), r.phase or "",
             _num(r.pupils, ",.0f"), _num(100 * r.school_rate, ".1f"), _num(100 * r.community_rate, ".1f"),
             _num(r.gap_pp, "+.1f"), _num(getattr(r, "gap_shrunk_pp", None), "+.1f"),
             _interval(getattr(r, "gap_shrunk_posterior95_low_pp", None),
                       getattr(r, "gap_shrunk_posterior95_high_pp", None), "+.1f"),
             _num(r.z, "+.2f"), _num(r.shortfall, ",.0f"),
             "suppressed" if _hidden(r) else r.flag or "",
             "suppressed" if _hidden(r) else getattr(r, "beyond_chance_flag", None) or "",
             "" if _hidden(r) else _interval(getattr(r, "rank_low", None), getattr(r, "rank_high", None), ".0f"),
             "" if _hidden(r) else _models(r)]
            for r in rows.head(top).itertuples()]
    return text_table(["rank", "URN", "school", "LA", "phase", "pupils", "school %", "community %", "gap pp",
                       "shrunk gap pp", "posterior 95%", "z", "shortfall", "flag", "beyond chance", "rank 95%",
                       "below under models"], body, "rllllrrrrrrrrllrr")


def _models(row) -> str:
    """'4 of 5 (-16.9 to -5.3)': the models under which the school is below the lower 95% limit, of those
    run, and its gap range across them; empty when the audit did not compare models."""
    run = getattr(row, "models_run", None)
    if run is None or pd.isna(run) or int(run) == 0:
        return ""
    return (f"{int(row.models_flagged)} of {int(run)} "
            f"({_interval(row.gap_min_pp, row.gap_max_pp, '+.1f')})")


def _interval(low, high, fmt) -> str:
    return "" if low is None or pd.isna(low) else f"{_num(low, fmt)} to {_num(high, fmt)}"


def trusts_table(result, indicator: str, top: int = 10) -> str:
    """The TOP ranked trusts for INDICATOR, lowest adjusted pooled z first (LA-maintained groups included)."""
    t = result.trusts
    rows = t[(t["indicator"] == indicator) & t["ranked"]].sort_values("z_adjusted").head(top)
    body = [[_cut(plain.name_case(r.trust_name)), str(r.schools), _num(r.pupils, ",.0f"),
             "suppressed" if _hidden(r) else _num(r.gap_pp, "+.1f"),
             _num(r.shortfall, ",.0f"), _num(r.z_adjusted, "+.2f"), _num(r.z, "+.2f"),
             "" if pd.isna(r.n_below) else f"{r.n_below:.0f} ({_num(100 * r.share_below, '.0f')}%)"]
            for r in rows.itertuples()]
    return text_table(["trust", "schools", "pupils", "gap pp", "shortfall", "adjusted z", "binomial z", "below 95%"],
                  body, "lrrrrrrr")


def areas_table(result, indicator: str, level: str = "la", top: int = 10) -> str:
    """The TOP most segregated areas of LEVEL for INDICATOR, highest segregation net of chance first: the
    excess D - D_random with its 95% interval, raw D, bias-corrected D with its bootstrap interval, D under
    random allocation and, where D_random is at least half of D, "mostly chance"; or why D is not defined."""
    a = result.areas
    rows = a[(a["indicator"] == indicator) & (a["level"] == level)]
    key = ["D_excess", "D"] if "D_excess" in rows else ["D_bc", "D"]
    rows = rows.sort_values(key, ascending=False, na_position="last").head(top)
    body = []
    for r in rows.itertuples():
        undefined = r.D_undefined if isinstance(r.D_undefined, str) else None
        if _hidden(r):
            figures = ["suppressed", "", "", "", "", "", ""]
        elif undefined:
            figures = [undefined, "", "", "", "", "", ""]
        else:
            figures = [_num(getattr(r, "D_excess", None), "+.3f"),
                       _interval(getattr(r, "D_excess95_low", None), getattr(r, "D_excess95_high", None), "+.3f"),
                       chance_words(r), _num(r.D, ".3f"), _num(r.D_bc, ".3f"),
                       _interval(r.D_bc_bootstrap95_low, r.D_bc_bootstrap95_high, ".3f"), _num(r.D_random, ".3f")]
        body.append([_cut(r.area_name, 32), r.phase, str(r.schools), _num(100 * r.share, ".1f"), *figures,
                     "" if undefined or _hidden(r) else _num(r.GS, ".3f"),
                     "" if _hidden(r) else _num(r.isolation, ".3f"), missing_words(r)])
    return text_table(["area", "phase", "schools", "group %", "D net of chance", "95%", "chance", "D raw",
                       "D bias-corrected", "bootstrap 95%", "D random allocation", "GS", "isolation",
                       "schools left out"], body, "llrrrrlrrrrrrl")


def chance_words(row) -> str:
    """'mostly chance' where D under random allocation is at least half of D (repaudit/auditing/indices.py)."""
    value = getattr(row, "mostly_chance", None) if not isinstance(row, dict) else row.get("mostly_chance")
    return "mostly chance" if value is True or (value is not None and not pd.isna(value) and bool(value)) else ""


def missing_words(row) -> str:
    """How many of the area's schools its figures leave out, and why (repaudit/auditing/areas.py)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k, None)
    text = get("schools_left_out_note")
    return "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)


def robustness_lines(result, indicator: str) -> list[str]:
    """How many audited schools are below the lower 95% limit under most, some or none of the models run."""
    info = result.meta.get("robustness")
    rows = result.schools[(result.schools["indicator"] == indicator) & (result.schools["status"] == "audited")]
    if not info or "models_run" not in rows:
        return []
    from .robustness import flagged_by_most
    flagged = pd.to_numeric(rows["models_flagged"], errors="coerce").fillna(0)
    most = int(flagged_by_most(rows).sum())
    lines = [f"  across community models ({', '.join(info['models'])}): {most} schools below their community under "
             f"more than half of the ways of measuring it, {int(((flagged > 0) & ~flagged_by_most(rows)).sum())} "
             f"under some but not most, {int((flagged == 0).sum())} under none"]
    lines += [f"  not run: {name} ({why})" for name, why in (info.get("not_run") or {}).items()]
    if result.meta.get("rank_interval"):
        lines.append(f"  rank 95% = interval of each school's rank over {result.meta['rank_interval']['draws']:,} "
                     "draws from its shrunken gap")
    return lines


def summary(result, top: int = 10, sections=("schools", "trusts", "areas")) -> str:
    """Heading, counts, the share flagged with phi and tau, and the top of each ranking for every
    indicator of RESULT; the years of each indicator, and one line when they differ."""
    meta = result.meta
    parts = [f"note: {meta['years_note']}"] if meta.get("years_note") else []
    for indicator in meta["indicators"]:
        label = INDICATORS[indicator].label
        years = label_years(meta["years_by_indicator"][indicator])
        rows = result.schools[result.schools["indicator"] == indicator]
        counts = rows["status"].value_counts()
        head = (f"{label}, {years}, community: {meta['community_model']} - "
                f"{counts.get('audited', 0):,} schools audited, {counts.get('excluded', 0):,} excluded")
        parts.append(head)
        reasons = rows.loc[rows["status"] == "excluded", "exclusion_reason"].value_counts()
        parts += [f"  excluded: {n:,} {reason}" for reason, n in reasons.head(5).items()]
        if len(reasons) > 5:
            parts.append(f"  excluded: {reasons.iloc[5:].sum():,} for {len(reasons) - 5} other reasons (see schools.csv)")
        parts += [f"  flagged, {line}" for line in dispersion.describe(meta.get("overdispersion") or {}, indicator)]
        parts += robustness_lines(result, indicator)
        parts += [f"  {line}" for line in conservation.describe((meta.get("conservation") or {}).get(indicator) or {})]
        if "schools" in sections:
            parts += [f"\nLeast representative schools ({label}, {years}, lowest shrunken gap first; flag = "
                      "unusual among schools, beyond chance = plain binomial test):",
                      schools_table(result, indicator, top)]
        if "trusts" in sections:
            parts += [f"\nTrusts ({label}, {years}, pooled z allowing for over-dispersion, at least "
                      f"{meta['params']['min_trust_schools']} schools):", trusts_table(result, indicator, top)]
        if "areas" in sections:
            names = {"england": "England", "region": "region", "la": "LA"}
            for level in ("england", "region", "la"):
                if level == "england" and not (result.areas["level"] == "england").any():
                    continue
                parts += [f"\nSegregation{'' if level == 'england' else ' by ' + names[level]} "
                          f"({label}, {years}{', highest net of chance first' if level != 'england' else ''}; "
                          "net of chance = D - D under random allocation; 'mostly chance' where D under random "
                          "allocation is at least half of D):",
                          areas_table(result, indicator, level, top)]
        parts.append("")
    for note in meta.get("notes", []):
        parts.append(f"note: {note}")
    return "\n".join(parts).rstrip() + "\n"
