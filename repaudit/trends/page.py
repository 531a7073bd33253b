"""HTML views of a TrendResult: trend.html and the trend site's pages, from one sandboxed, autoescaping template;
every name is a context variable shown as text and each chart is inline SVG with alt text (repaudit.trends.chart)."""
from __future__ import annotations

from importlib.resources import files

import jinja2
import pandas as pd
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ..auditing.indicators import INDICATORS, label_years
from . import breaks, chart

FOOTER = ("A gap that moved is a reason to ask what changed in admissions, not proof of it. Read changes across "
          "the definition breaks listed above with care (docs/methodology.md, 'Years, series and breaks').")


def _template():
    env = ImmutableSandboxedEnvironment(loader=jinja2.FunctionLoader(
        lambda name: files("repaudit.trends").joinpath(name).read_text(encoding="utf-8")),
        autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("trend.html")


def _label(indicator, phase) -> str:
    return f"{phase} {INDICATORS[indicator].label}"


def _area_cards(areas: pd.DataFrame, level: str, hrefs: dict | None = None) -> list[dict]:
    cards = []
    part = areas[(areas["level"] == level) & areas["D"].notna()]
    for (code, name, indicator, phase), rows in part.groupby(["area_code", "area_name", "indicator", "phase"]):
        records = rows.sort_values("year").to_dict("records")
        alt = chart.area_alt(str(name), indicator, phase, records)
        cards.append({"code": code, "label": f"{name}, {_label(indicator, phase)}",
                      "chart": Markup(chart.area_chart(records, alt)), "href": (hrefs or {}).get(code),
                      "rows": [{"census": r["year"] + 1, "schools": f"{int(r['schools']):,}", "D": f"{r['D']:.3f}",
                                "D_random": f"{r['D_random']:.3f}", "excess": f"{r['excess_over_random']:+.3f}"}
                               for r in records]})
    return cards


def _school_cards(result, schools: pd.DataFrame) -> list[dict]:
    years = result.years[result.years["in_series"]]
    years = years[years["urn"].isin(schools["urn"])]
    by_key = {k: g.to_dict("records") for k, g in years.groupby(["urn", "indicator"])}
    cards = []
    for s in schools.to_dict("records"):
        rows = by_key.get((s["urn"], s["indicator"]), [])
        if not rows or pd.isna(s.get("change_pp")):
            continue
        alt = chart.school_alt(str(s["name"]), s["indicator"], s)
        cards.append({"name": s["name"], "urn": int(s["urn"]), "label": _label(s["indicator"], s["phase"]),
                      "alt": alt, "chart": Markup(chart.school_chart(rows, alt))})
    return cards


def _context(result, title: str, home: str | None = None) -> dict:
    conv = result.meta.get("conversions") or {}
    conversions = (f"{conv['series_continues']:,} of the {conv['converted_with_series']:,} schools that became "
                   f"academies after the January {conv['converted_since'] + 1} census and have an FSM series continue "
                   "it across the conversion (GIAS predecessor links; trend_links lists every link used)."
                   if conv.get("converted_with_series") else "")
    return {"title": title, "home": home, "synthetic": bool(result.meta.get("synthetic")),
            "model": result.meta.get("community_model"), "years": label_years(result.meta.get("years") or []),
            "breaks": [b.text for b in dict.fromkeys(br for i in result.meta.get("indicators", [])
                                                     for br in breaks.crossed(i, result.meta.get("years") or []))],
            "conversions": conversions, "england": [], "areas": [], "schools": [], "schools_heading": "",
            "trusts": [], "footer": FOOTER}


def moved(result) -> pd.DataFrame:
    """Audited schools whose gap moved beyond year-to-year noise, largest |slope z| first."""
    s = result.schools[result.schools["trend"].fillna("").str.startswith(("rising", "falling"))]
    return s.reindex(s["slope_z"].abs().sort_values(ascending=False).index)


def _trust_rows(trusts: pd.DataFrame, top: int = 20, min_schools: int = 3) -> list[dict]:
    """The TOP trusts with at least MIN_SCHOOLS schools on both sides, furthest from no change for their error."""
    if trusts.empty:
        return []
    rows = trusts[trusts["schools_before_and_after"] >= min_schools]
    rows = rows.reindex((rows["change_pp"] / rows["change_se_pp"]).abs().sort_values(ascending=False).index).head(top)
    return [{"trust": f"{r.trust} ({INDICATORS[r.indicator].label})", "schools": int(r.schools_before_and_after),
             "change": f"{r.change_pp:+.1f}", "interval": f"{r.change_95_low_pp:+.1f} to {r.change_95_high_pp:+.1f}"}
            for r in rows.itertuples()]


def report(result) -> str:
    """trend.html: England by year, every LA's chart, and a chart for each school whose gap moved."""
    context = _context(result, "Is it getting better or worse? Trends in how representative intakes are")
    context["england"] = _area_cards(result.areas, "england")
    context["areas"] = _area_cards(result.areas, "la")
    context["schools"] = _school_cards(result, moved(result))
    context["trusts"] = _trust_rows(result.trusts)
    context["schools_heading"] = "Schools whose gap moved beyond year-to-year noise"
    return _template().render(**context)


def site(result) -> dict[str, str]:
    """The trend site: {'index.html': ..., 'la/<n>.html': ...}; every LA page charts every audited school."""
    las = sorted(result.areas.loc[result.areas["level"] == "la", "area_code"].dropna().unique(), key=str)
    numbers = {code: n for n, code in enumerate(las, start=1)}
    pages = {}
    for code, number in numbers.items():
        mine = result.schools[(result.schools["la"].astype(str) == str(code)) & (result.schools["status"] == "audited")]
        name = str(mine["la_name"].iloc[0]) if len(mine) else str(code)
        context = _context(result, f"{name}: trends in how representative intakes are", home="../index.html")
        context["areas"] = _area_cards(result.areas[result.areas["area_code"] == code], "la")
        context["schools"] = _school_cards(result, mine.sort_values(["indicator", "name"]))
        context["schools_heading"] = "Every school"
        pages[f"la/{number}.html"] = _template().render(**context)
    context = _context(result, "Trends in how representative intakes are: England and every local authority")
    context["england"] = _area_cards(result.areas, "england")
    context["areas"] = _area_cards(result.areas, "la", {c: f"la/{n}.html" for c, n in numbers.items()})
    pages["index.html"] = _template().render(**context)
    return pages
