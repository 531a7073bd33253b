"""The terminal summary of a TrendResult: England's D by year with its excess over random allocation, how many
schools' gaps moved beyond year-to-year noise, the schools that moved most, conversions followed, breaks."""
from __future__ import annotations

from ..auditing.indicators import INDICATORS, label_years
from . import page


def lines(result, top: int = 10) -> list[str]:
    meta = result.meta
    out = [f"Trends: {', '.join(INDICATORS[i].label for i in meta['indicators'])}, census years "
           f"{', '.join(label_years([y]) for y in meta['years'])}, community: {meta['community_model']}"]
    if meta.get("years_note"):
        out.insert(0, f"note: {meta['years_note']}")
    england = result.areas[result.areas["level"] == "england"]
    for (indicator, phase), rows in england.groupby(["indicator", "phase"]):
        out.append(f"England, {phase} {INDICATORS[indicator].label}: D by January census (random allocation; excess):")
        out += [f"  {int(r.year) + 1}: D {r.D:.3f} ({r.D_random:.3f}; {r.excess_over_random:+.3f}), "
                f"{int(r.schools):,} schools" for r in rows.sort_values("year").itertuples()]
    audited = result.schools[result.schools["status"] == "audited"]
    for indicator, rows in audited.groupby("indicator"):
        counts = rows["trend"].value_counts()
        out.append(f"{INDICATORS[indicator].label}: {len(rows):,} schools audited; gap rising beyond year-to-year "
                   f"noise at {counts.get('rising beyond year-to-year noise', 0):,}, falling at "
                   f"{counts.get('falling beyond year-to-year noise', 0):,}, no change beyond noise at "
                   f"{counts.get('no change beyond year-to-year noise', 0):,}, too few years at "
                   f"{counts.get('too few years', 0):,}; "
                   f"{int((rows['slope_z_beyond_chance'].abs() > 1.96).sum()):,} moved beyond binomial chance alone")
    conv = meta.get("conversions") or {}
    if conv.get("converted_with_series"):
        out.append(f"Academy conversions after the January {conv['converted_since'] + 1} census: "
                   f"{conv['series_continues']:,} of {conv['converted_with_series']:,} series continue under the "
                   "successor URN")
    joined = result.schools["continuity"].fillna("").ne("").sum()
    out.append(f"Series broken or ended (merger of several schools, split, closure): {int(joined):,} schools "
               "(column continuity)")
    moved = page.moved(result).head(top)
    if len(moved):
        out.append(f"Gaps that moved most (slope z), top {len(moved)}:")
        out += [f"  {r.name} (URN {int(r.urn)}, {r.la_name}), {INDICATORS[r.indicator].label}: "
                f"{r.gap_first_pp:+.1f} pp ({label_years([int(r.first_year)])}) -> {r.gap_last_pp:+.1f} pp "
                f"({label_years([int(r.last_year)])}), {r.slope_pp_per_year:+.2f} pp a year (z {r.slope_z:+.1f})"
                for r in moved.itertuples()]
    crossed = {b for b in result.schools["definition_breaks"].dropna() if b}
    if crossed:
        out.append("Definition breaks crossed by the series (column definition_breaks; docs/methodology.md):")
        out += [f"  {b['text']}" for b in meta["definition_breaks"] if any(b["text"] in c for c in crossed)]
    return out
