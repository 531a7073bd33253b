"""The findings that open the report: a few plain-English statements generated from an audit result
(area and years, schools audited, the least representative schools and trusts with whole-pupil shortfalls
and their 95% ranges, segregation against region and England, and the caveats that matter).

The schools named are the first of the report's own table (repaudit.ranking: the audit's rank), so the
findings and the tables never disagree about who is least representative."""
from __future__ import annotations

import pandas as pd

from .. import describe, plain
from ..auditing import robustness
from ..ranking import schools_in_order, trusts_in_order

FINDINGS_SCHOOLS = 5
FINDINGS_TRUSTS = 3
LEVEL_WORDS = {"england": "England", "region": "region", "la": "local authority", "trust": "trust"}


def least_representative(rows: pd.DataFrame, meta: dict, n: int) -> pd.DataFrame:
    """The N audited, unsuppressed rows ranked lowest, those flagged under-representing first; when the
    audit compared community models, only schools below their community under more than half of them."""
    audited = rows[rows["status"] == "audited"]
    if "suppressed" in audited:
        audited = audited[~audited["suppressed"].astype(bool)]
    if meta.get("robustness") and "models_run" in audited:
        audited = audited[robustness.flagged_by_most(audited)]
    return schools_in_order(audited).head(n)


def _school_items(rows, indicator, meta) -> list[dict]:
    out = []
    for _, r in least_representative(rows, meta, FINDINGS_SCHOOLS).iterrows():
        short = r.get("shortfall")
        if plain.missing(short) or float(short) <= 0:
            continue
        out.append({"urn": int(r["urn"]), "name": plain.name_case(r["name"]), "la": "" if plain.missing(r.get("la_name")) else str(r["la_name"]),
                    "sentence": plain.school_sentence(r, indicator), "flag": plain.flag_words(r.get("flag")),
                    "shortfall": plain.whole(short), "models": robustness.words(r) or ""})
    return out


def _trust_items(trusts: pd.DataFrame) -> list[dict]:
    if trusts.empty:
        return []
    ranked = trusts[trusts["ranked"].astype(bool) & ~trusts["comparison"].astype(bool)]
    if "suppressed" in ranked:
        ranked = ranked[~ranked["suppressed"].astype(bool)]
    ranked = ranked[pd.to_numeric(ranked["shortfall"], errors="coerce") > 0]
    out = []
    for _, t in trusts_in_order(ranked).head(FINDINGS_TRUSTS).iterrows():
        out.append({"name": plain.name_case(t["trust_name"]), "schools": plain.whole(t["schools"]),
                    "gap": f"{float(t['gap_pp']):+.1f}",
                    "shortfall": plain.shortfall_words(t["shortfall"], plain.trust_shortfall_range(t)),
                    "below": plain.whole(t["n_below"]) if not plain.missing(t.get("n_below")) else "n/a"})
    return out


def _d_text(row) -> str:
    """The headline segregation figure: D net of chance (D - D under random allocation) with its interval,
    raw D and D by chance beside it, and "mostly chance" where D by chance is at least half of D; the raw D
    with its interval for a result without the excess."""
    if not plain.missing(row.get("D_excess")):
        text = (f"D net of chance {float(row['D_excess']):+.2f} (95% interval {float(row['D_excess95_low']):+.2f} to "
                f"{float(row['D_excess95_high']):+.2f}; raw D {float(row['D']):.2f}, by chance alone "
                f"{float(row['D_random']):.2f})")
        return text + (", mostly chance" if _mostly_chance(row) else "")
    interval = ""
    if not plain.missing(row.get("D_low")) and not plain.missing(row.get("D_high")):
        interval = f" (interval {float(row['D_low']):.2f} to {float(row['D_high']):.2f})"
    return f"{float(row['D']):.2f}{interval}"


def _equals(row) -> str:
    return _d_text(row) if not plain.missing(row.get("D_excess")) else f"D = {_d_text(row)}"


def _short(row) -> str:
    """'+0.18 net of chance' (with ', mostly chance' when so), or the raw D '0.27' without the excess."""
    if plain.missing(row.get("D_excess")):
        return f"{float(row['D']):.2f}"
    return f"{float(row['D_excess']):+.2f} net of chance" + (", mostly chance" if _mostly_chance(row) else "")


def _mostly_chance(row) -> bool:
    value = row.get("mostly_chance")
    return not plain.missing(value) and bool(value)


def _headline(row) -> float:
    """The figure areas are compared on: D net of chance when the result has it, else the raw D."""
    return float(row["D_excess"]) if not plain.missing(row.get("D_excess")) else float(row["D"])


def segregation_items(areas: pd.DataFrame, indicator: str) -> list[str]:
    """One sentence per phase: D of the area audited, against its region and England when the result has them."""
    if areas.empty:
        return []
    rows = areas[(areas["indicator"] == indicator) & areas["D"].notna() & (areas["level"] != "trust")]
    if "suppressed" in rows:
        rows = rows[~rows["suppressed"].astype(bool)]
    out = []
    for phase, part in rows.groupby(rows["phase"].fillna("all phases").astype(str), sort=True):
        las = part[part["level"] == "la"]
        regions, england = part[part["level"] == "region"], part[part["level"] == "england"]
        if len(las) == 1:
            la = las.iloc[0]
            text = f"{phase} schools in {la['area_name']}: {_equals(la)}"
            if len(regions) == 1:
                text += f"; {regions.iloc[0]['area_name']}: {_short(regions.iloc[0])}"
            text += f"; England: {_short(england.iloc[0])}." if len(england) else \
                "; region and England are not in this result (the audit was limited to this area)."
            if not plain.missing(la.get("schools_left_out_note")):
                text += f" {la['schools_left_out_note']}."
        elif len(england):
            text = f"{phase} schools in England: {_equals(england.iloc[0])}"
            if len(las):
                top = las.assign(_key=[_headline(r) for _, r in las.iterrows()]).sort_values("_key", ascending=False)
                text += ("; most segregated local authorities net of chance: " if "D_excess" in las else
                         "; most segregated local authorities: ") + ", ".join(
                    f"{r['area_name']} ({_short(r)})" for _, r in top.head(3).iterrows())
            text += "."
        elif len(regions) == 1:
            text = f"{phase} schools in {regions.iloc[0]['area_name']}: {_equals(regions.iloc[0])}."
        else:
            continue
        out.append(text[0].upper() + text[1:])
    return out


def _robust_rule(meta, audited, under) -> str:
    """What the list of named schools requires when the audit compared community models, and how many of the
    schools flagged under the chosen model it leaves out for that reason."""
    info = meta.get("robustness")
    if not info or "models_run" not in audited:
        return ""
    left = int((~robustness.flagged_by_most(under)).sum())
    return (f"Named only when below the lower 95% limit under more than half of the ways of measuring the community "
            f"that the data allow ({', '.join(info['models'])})"
            + (f"; {left:,} of the schools flagged under {meta.get('community_model')} "
               f"{'is' if left == 1 else 'are'} not, so {'is' if left == 1 else 'are'} not named." if left else "."))


def findings(shared) -> dict:
    """Everything the findings section says, from a result that has been through disclosure control."""
    meta = shared.meta
    indicators = [str(i) for i in meta.get("indicators") or shared.schools["indicator"].unique()]
    blocks = []
    for ind in indicators:
        rows = shared.schools[shared.schools["indicator"] == ind]
        audited = rows[rows["status"] == "audited"]
        under = audited[audited["flag"].map(plain.under)]
        short = pd.to_numeric(under["shortfall"], errors="coerce")
        trusts = shared.trusts[shared.trusts["indicator"] == ind] if not shared.trusts.empty else shared.trusts
        blocks.append({
            "key": ind, "short": describe.indicator_short(ind), "label": describe.indicator_label(ind),
            "audited": f"{len(audited):,}", "excluded": f"{rows['urn'].nunique() - audited['urn'].nunique():,}",
            "under": f"{len(under):,}", "under_shortfall": plain.whole(short[short > 0].sum()) if len(under) else "0",
            "schools": _school_items(rows, ind, meta), "trusts": _trust_items(trusts),
            "robust_rule": _robust_rule(meta, audited, under),
            "segregation": segregation_items(shared.areas, ind),
        })
    area = describe.area_text(meta)
    return {"area": area[:1].upper() + area[1:], "blocks": blocks}
