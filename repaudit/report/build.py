"""The shareable HTML report of an AuditResult (`write_report`): one self-contained file with inline CSS,
JS and SVG. The result passes through disclosure control first.

The layout is a fixed Jinja template shipped with the package (template.html); data reach it only as
context variables, autoescaped, never as template text, and the environment is sandboxed. The SVG figures
are built in Python with every name passed through html.escape."""
from __future__ import annotations

import functools
import os
from importlib.resources import files
from pathlib import Path

import jinja2
import pandas as pd
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .. import describe, plain
from ..auditing import conservation, dispersion, robustness
from ..disclosure import RULE, for_sharing
from ..maps.build import COMMUNITY_LABELS
from ..maps.features import drawable, excluded_counts
from ..maps.palette import gap_legend
from ..output_set import new_run_id, write_text_atomically
from ..ranking import schools_in_order, trusts_in_order
from . import format as fmt
from .dotmap import dotmap_svg
from .findings import findings
from .funnel import funnel_svg

FLAG_TEXT = {"below_998": "below 99.8% limit", "below_95": "below 95% limit", "within": "within limits",
             "above_95": "above 95% limit", "above_998": "above 99.8% limit"}
LEVELS = {"england": 0, "region": 1, "la": 2, "trust": 3}
MAX_TRUST_AREAS = 100    # more trust-level index rows than this stay in areas.csv (repaudit audit), not the report
MAX_LA_AREAS = 30        # local-authority index rows shown per indicator and phase (most segregated first)
MAX_EXCLUDED = 100       # schools not audited listed in the report; all are in schools.csv
TABLE_FILES = ("schools", "trusts", "areas")


@functools.cache
def _env() -> jinja2.Environment:
    """The report's templates, read from the package; autoescaped, strict and sandboxed. One environment per
    process, so each template is compiled once however many pages are rendered from it (a site renders
    thousands)."""
    return ImmutableSandboxedEnvironment(loader=jinja2.FunctionLoader(
        lambda name: files("repaudit.report").joinpath(name).read_text(encoding="utf-8")),
        autoescape=True, undefined=jinja2.StrictUndefined)


def _hidden(row) -> bool:
    return bool(row.get("suppressed", False)) if hasattr(row, "get") else False


def school_table(rows: pd.DataFrame, top: int) -> list[dict]:
    """Audited schools of one indicator, least representative first (the audit's rank: shrunken gap)."""
    audited = rows[rows["status"] == "audited"]
    out = []
    for rank, (_, r) in enumerate(schools_in_order(audited).head(top).iterrows(), start=1):
        hide = _hidden(r)
        out.append({"rank": rank, "urn": int(r["urn"]), "name": plain.name_case(r["name"]), "la": fmt.text(r.get("la_name")),
                    "trust": plain.name_case(r.get("trust")), "selective": bool(r.get("selective")), "faith": bool(r.get("faith")),
                    "pupils": fmt.count(r["pupils"]), "school_rate": fmt.pct(r["school_rate"], hide),
                    "community_rate": fmt.pct(r["community_rate"]), "gap_pp": fmt.gap(r["gap_pp"], hide),
                    "z": fmt.num(r["z"], 2, hide), "flag": fmt.SUPPRESSED if hide else FLAG_TEXT.get(r["flag"], fmt.MISSING),
                    "flag_key": "" if hide else fmt.text(r["flag"]), "shortfall": fmt.count(r["shortfall"], hide),
                    "rank_interval": "" if hide else _rank_interval(r),
                    "models": "" if hide else robustness.words(r) or ""})
    return out


def _rank_interval(r) -> str:
    low, high = r.get("rank_low"), r.get("rank_high")
    return "" if low is None or high is None or pd.isna(low) or pd.isna(high) else f"{low:,.0f} to {high:,.0f}"


def trust_table(rows: pd.DataFrame, top: int) -> list[dict]:
    """Trust rows of one indicator: the TOP ranked trusts by pooled z, then every LA-maintained comparison group."""
    if rows.empty:
        return []
    comparison = rows["comparison"].astype(bool)
    ranked = trusts_in_order(rows[rows["ranked"].astype(bool) & ~comparison]).head(top)
    out = []
    for _, r in pd.concat([ranked, trusts_in_order(rows[comparison])]).iterrows():
        hide = _hidden(r)
        out.append({"code": fmt.text(r["trust_code"]), "name": plain.name_case(r["trust_name"]),
                    "comparison": bool(r["comparison"]), "schools": fmt.count(r["schools"]),
                    "pupils": fmt.count(r["pupils"]), "observed": fmt.count(r["observed"], hide),
                    "expected": fmt.count(r["expected"]), "gap_pp": fmt.gap(r["gap_pp"], hide),
                    "shortfall": fmt.count(r["shortfall"], hide), "z": fmt.num(r["z"], 2, hide),
                    "ranked_by": fmt.num(r["z_adjusted"] if "z_adjusted" in r and not plain.missing(r["z_adjusted"])
                                         else r["z"], 2, hide), "n_below": fmt.count(r["n_below"], hide),
                    "share_below": fmt.pct(r["share_below"], hide)})
    return out


def _cap_las(areas: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """AREAS keeping, per indicator and phase, the MAX_LA_AREAS local authorities with the highest D; and how
    many LA rows were left out."""
    las = areas[areas["level"] == "la"]
    keys = [las["indicator"], las["phase"].fillna("").astype(str)] if "phase" in las else [las["indicator"]]
    kept = las.sort_values("D", ascending=False, na_position="last").groupby(keys, sort=False).head(MAX_LA_AREAS)
    return pd.concat([areas[areas["level"] != "la"], kept]), len(las) - len(kept)


def area_table(areas: pd.DataFrame) -> tuple[list[dict], int, int]:
    """Segregation indices by area (England, region, the most segregated LAs; trusts too when there are at
    most MAX_TRUST_AREAS rows of them), each with its interval for D; also how many trust and LA rows were
    left to the areas table written beside the report."""
    if areas.empty:
        return [], 0, 0
    trusts = areas["level"] == "trust"
    left_out = int(trusts.sum()) if trusts.sum() > MAX_TRUST_AREAS else 0
    if left_out:
        areas = areas[~trusts]
    areas, las_left_out = _cap_las(areas)
    areas = areas.assign(_level=areas["level"].map(LEVELS).fillna(9))
    out = []
    for _, r in areas.sort_values(["indicator", "_level", "area_name"]).iterrows():
        hide = _hidden(r)
        out.append({"level": fmt.text(r["level"]), "code": fmt.text(r["area_code"]), "name": fmt.text(r["area_name"]),
                    "indicator": describe.indicator_short(r["indicator"]), "indicator_key": fmt.text(r["indicator"]),
                    "phase": fmt.text(r.get("phase")), "schools": fmt.count(r["schools"]),
                    "pupils": fmt.count(r["pupils"]), "group_pupils": fmt.count(r["group_pupils"], hide),
                    "share": fmt.pct(r["share"], hide), "D": fmt.num(r["D"], 3, hide),
                    "D_interval": fmt.SUPPRESSED if hide else _d_text(r),
                    "D_excess": fmt.SUPPRESSED if hide else _excess_text(r),
                    "GS": fmt.num(r["GS"], 3, hide), "isolation": fmt.num(r["isolation"], 3, hide)})
    return out, left_out, las_left_out


def funnel_allowance(meta, indicator, audited) -> tuple[float, str]:
    """The between-school variance the funnel limits allow for and its scale: the additive tau^2 of the
    indicator's phases (pupil-weighted over the phases plotted together); (0, 'raw') when the flags do not
    use it. Any tau^2 draws limits that agree with the flags, since schools are placed by their own z."""
    by_phase = ((meta.get("overdispersion") or {}).get(indicator)) or {}
    if not isinstance(by_phase, dict) or not by_phase or audited.empty:
        return 0.0, "raw"
    if any(not isinstance(e, dict) or e.get("mode") != "additive" for e in by_phase.values()):
        return 0.0, "raw"
    weights = audited.groupby("phase")["pupils"].sum()
    total = sum(weights.get(p, 0.0) for p in by_phase)
    tau2 = float(sum(weights.get(p, 0.0) * e["tau2"] for p, e in by_phase.items()) / total) if total else 0.0
    return tau2, next(iter(by_phase.values())).get("scale", "raw")


def _excess_text(r) -> str:
    """D - D under random allocation with its 95% interval, 'mostly chance' where it is; blank when D is not
    defined or the result has no excess."""
    if isinstance(r.get("D_undefined"), str) or "D_excess" not in r or pd.isna(r["D_excess"]):
        return ""
    text = f"{r['D_excess']:+.3f} ({r['D_excess95_low']:+.3f} to {r['D_excess95_high']:+.3f})"
    return text + ("; mostly chance" if r.get("mostly_chance") is True or r.get("mostly_chance") == 1 else "")


def _d_text(r) -> str:
    """Bias-corrected D with its bootstrap interval and D under random allocation, or why D is not defined."""
    if isinstance(r.get("D_undefined"), str):
        return fmt.text(r["D_undefined"])
    return (f"{fmt.num(r['D_bc'], 3)} ({fmt.num(r['D_bc_bootstrap95_low'], 3)} to "
            f"{fmt.num(r['D_bc_bootstrap95_high'], 3)}); random allocation {fmt.num(r['D_random'], 3)}")


def excluded_table(schools: pd.DataFrame, limit: int = MAX_EXCLUDED) -> tuple[list[dict], int]:
    out = schools[schools["status"] != "audited"]
    grouped = (out.groupby(["urn", "name"], dropna=False)
               .agg(reason=("exclusion_reason", lambda s: "; ".join(sorted({fmt.text(x) or "no reason given" for x in s}))),
                    indicators=("indicator", lambda s: ", ".join(describe.indicator_short(x) for x in sorted(set(s)))))
               .reset_index())
    rows = [{"urn": int(r.urn), "name": fmt.text(r.name), "reason": r.reason, "indicators": r.indicators}
            for r in grouped.head(limit).itertuples(index=False)]
    return rows, len(grouped)


CALIBRATION_FIELDS = ("phase", "year", "level", "area", "intercept", "slope", "r2", "schools", "used_by")


def _calibration(meta) -> dict | None:
    """The IDACI -> FSM fit: headline (level, intercept, slope, R2...) and the table of fits, if any."""
    cal = meta.get("calibration")
    if not cal:
        return None
    def show(v):
        return fmt.num(v, 4) if isinstance(v, float) else fmt.text(v)
    headline = [(k, show(v)) for k, v in cal.items() if not isinstance(v, (dict, list))]
    fits = [[show(fit.get(k)) for k in CALIBRATION_FIELDS] for fit in cal.get("fits") or []]
    return {"headline": headline, "fields": CALIBRATION_FIELDS, "fits": fits}


def _value_text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value_text(v)}" for k, v in value.items())
    if value is None:
        return "not set"
    return fmt.text(value)


def params_in_words(meta) -> list[dict]:
    """The audit's parameters as (what it means, value) pairs, in words taken from the model registry and
    the audit-wide settings; a parameter neither knows keeps its own name."""
    from ..auditing import models
    from ..auditing.settings import GENERAL
    helps = {k: h for k, (_, h) in GENERAL.items()}
    model = models.MODELS.get(meta.get("community_model")) if meta.get("community_model") in models.names() else None
    if model is not None:
        helps.update({p.name: p.help for p in model.params})
    out = []
    for key, value in sorted((meta.get("params") or {}).items()):
        words = helps.get(key, str(key).replace("_", " "))
        out.append({"name": fmt.text(key), "words": words[0].upper() + words[1:], "value": _value_text(value)})
    return out


def _vintages(meta) -> list[tuple[str, str]]:
    """(warehouse table, 'file (vintage); ...') for every table the audit read."""
    out = []
    for table, items in (meta.get("vintages") or {}).items():
        items = items if isinstance(items, (list, tuple)) else [items]
        out.append((str(table), "; ".join(describe.source_text(i) for i in items)))
    return out


def _years(meta) -> str:
    """The pooled years, per indicator when they differ."""
    return describe.years_by_indicator_text(meta)


def table_links(files: dict | None) -> dict:
    """{table: href} for the full tables written beside the report (CSV preferred, then XLSX)."""
    out = {}
    for table in TABLE_FILES:
        for ext in ("csv", "xlsx"):
            name = f"{table}.{ext}"
            if files and name in files:
                out[table] = files[name]
                break
    return out


def context(shared, *, map_href: str | None, top: int, run_id: str = "", tables: dict | None = None) -> dict:
    """Everything the template shows, from a result that has been through disclosure control; TABLES maps
    written file names (schools.csv ...) to their links from the report."""
    meta = shared.meta
    drawn = drawable(shared.schools)
    indicators = [str(i) for i in meta.get("indicators") or shared.schools["indicator"].unique()]
    sections = []
    for ind in indicators:
        rows = shared.schools[shared.schools["indicator"] == ind]
        trusts = shared.trusts[shared.trusts["indicator"] == ind] if not shared.trusts.empty else shared.trusts
        audited = rows[rows["status"] == "audited"]
        sections.append({
            "key": ind, "short": describe.indicator_short(ind), "label": describe.indicator_label(ind),
            "audited": len(audited), "excluded": excluded_counts(shared.schools, ind),
            "below": int(audited["flag"].isin(["below_95", "below_998"]).sum()),
            "below_998": int((audited["flag"] == "below_998").sum()),
            "above": int(audited["flag"].isin(["above_95", "above_998"]).sum()),
            "suppressed": int(rows.get("suppressed", pd.Series(dtype=bool)).sum()),
            "shortfall": fmt.count(audited.loc[audited["shortfall"] > 0, "shortfall"].sum()),
            "flagged_shortfall": fmt.count(audited.loc[audited["flag"].isin(["below_95", "below_998"]) &
                                                       (audited["shortfall"] > 0), "shortfall"].sum()),
            "funnel": Markup(funnel_svg(rows, describe.indicator_short(ind), plot_id=f"funnel-{ind}",
                                        **dict(zip(("tau2", "scale"), funnel_allowance(meta, ind, audited))))),
            "schools": school_table(rows, top), "trusts": trust_table(trusts, top),
            "ranked_trusts": int((trusts["ranked"].astype(bool) & ~trusts["comparison"].astype(bool)).sum()) if not trusts.empty else 0,
            "unranked": int((~trusts["ranked"].astype(bool) & ~trusts["comparison"].astype(bool)).sum()) if not trusts.empty else 0,
        })
    first = indicators[0] if indicators else None
    excluded, n_excluded = excluded_table(shared.schools)
    areas, trust_areas_left_out, la_areas_left_out = area_table(shared.areas)
    links = table_links(tables)
    return {
        "title": describe.title(meta), "subtitle": describe.subtitle(meta), "meta": meta,
        "description": f"Audit of how representative school intakes are: {describe.area_text(meta)}, {_years(meta)}.",
        "generated_at": fmt.text(meta.get("generated_at")),
        "unsuppressed_warning": meta.get("unsuppressed_warning"), "synthetic": bool(meta.get("synthetic")),
        "area": describe.area_text(meta), "years": _years(meta),
        "model": fmt.text(meta.get("community_model")),
        "model_text": meta.get("community_description") or describe.model_text(meta.get("community_model")),
        "notes": [fmt.text(n) for n in meta.get("notes") or []],
        "overdispersion": {describe.indicator_short(k): "; ".join(dispersion.describe(meta["overdispersion"], k))
                           for k in (meta.get("overdispersion") or {})},
        "conservation": {describe.indicator_short(k): "; ".join(conservation.describe(v))
                         for k, v in (meta.get("conservation") or {}).items() if v},
        "years_note": meta.get("years_note"),
        "params": params_in_words(meta), "links": links,
        "findings": findings(shared), "la_areas_left_out": la_areas_left_out,
        "calibration": _calibration(meta), "vintages": _vintages(meta),
        "school_sources": describe.vintage_text(meta),
        "suppression": meta.get("suppression"), "rule": RULE, "top": top,
        "indicators": sections, "areas": areas, "trust_areas_left_out": trust_areas_left_out,
        "excluded": excluded, "n_excluded": n_excluded,
        "map_href": map_href, "legend": gap_legend(), "run_id": run_id,
        "dotmap": Markup(dotmap_svg(drawn[drawn["indicator"] == first], "Schools coloured by gap")) if first else "",
        "dotmap_indicator": describe.indicator_label(first) if first else "",
        "community_labels": COMMUNITY_LABELS,
    }


def report_page(result, *, map_href: str | None = None, unsuppressed: bool = False, top: int = 50,
                run_id: str | None = None, tables: dict | None = None, nav: dict | None = None,
                school_links: dict | None = None) -> str:
    """The HTML of the report of RESULT, linking the map at MAP_HREF (relative), the full tables TABLES
    ({file name: href}) and the schools of SCHOOL_LINKS ({urn: href} of their own pages), carrying RUN_ID."""
    shared = for_sharing(result, unsuppressed)
    return _env().get_template("template.html").render(
        **context(shared, map_href=map_href, top=top, run_id=run_id or new_run_id(), tables=tables), nav=nav,
        school_links=school_links or {})


def map_href(map_path, report_path) -> str | None:
    """The link from the report at REPORT_PATH to the map at MAP_PATH (None: no map)."""
    if not map_path:
        return None
    return os.path.relpath(Path(map_path), Path(report_path).parent).replace(os.sep, "/")


def write_report(result, path, *, map_path=None, unsuppressed: bool = False, top: int = 50,
                 run_id: str | None = None) -> Path:
    """Write the report of RESULT to PATH (replaced only once complete); MAP_PATH (an interactive map file)
    is linked, not embedded."""
    run_id = run_id or new_run_id()
    page = report_page(result, map_href=map_href(map_path, path), unsuppressed=unsuppressed, top=top, run_id=run_id)
    return write_text_atomically(path, page, run_id)
