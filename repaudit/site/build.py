"""Build the static site of a national audit: index.html (England summary, every LA and trust ranked,
a search box), la/<code>/index.html per local authority (its report: findings, schools, segregation against
region and England, trusts; its map; its schools.csv), trust/<n>.html per trust (with its CSV) and
school/<urn>.html per school that is flagged (its card), linked from its LA's report and map and its trust.

Pages come from fixed, sandboxed, autoescaping templates; every name is a context variable shown as text.
Folder and file names are numbers, never input text: an LA's folder is its three-digit code (la/846/), a
school's page its URN (school/114579.html). The site is written into a temporary folder beside
OUT and swapped in only once complete (repaudit.output_set.OutputFolder): a failed build leaves OUT as it was,
and a folder that is not an earlier site is never replaced."""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import jinja2
import pandas as pd
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .. import describe, plain
from ..auditing.result import AuditResult
from ..disclosure import RULE, for_sharing, part_of
from ..maps import map_page
from ..output_set import OutputFolder
from ..maps.features import FLAGGED
from ..report import report_page
from ..ranking import schools_in_order
from ..report.card import card_page, cards_from_result, missing_data
from ..report import format as fmt
from ..safe_text import for_csv
from .tables import la_ranking, trust_ranking

SCHOOL_COLUMNS = ["urn", "name", "la_name", "region", "trust", "phase", "type", "indicator", "pupils", "school_rate",
                  "community_rate", "gap_pp", "z", "flag", "shortfall", "status", "exclusion_reason", "years"]


@dataclass
class Site:
    """What was built: the folder, pages written, bytes on disk, seconds taken, LA pages with audited schools."""
    folder: Path
    pages: int
    bytes: int
    seconds: float
    la_pages: int
    trust_pages: int
    notes: list = field(default_factory=list)


def _env() -> jinja2.Environment:
    return ImmutableSandboxedEnvironment(loader=jinja2.FunctionLoader(
        lambda name: files("repaudit.site").joinpath(name).read_text(encoding="utf-8")),
        autoescape=True, undefined=jinja2.StrictUndefined)


def _footer(meta) -> dict:
    return {"years": describe.years_text(meta.get("years")), "model": str(meta.get("community_model", "not stated")),
            "model_text": meta.get("community_description") or describe.model_text(meta.get("community_model")),
            "rule": RULE, "sources": describe.vintage_text(meta), "synthetic": bool(meta.get("synthetic"))}


def la_result(shared: AuditResult, la_name: str, schools: pd.DataFrame | None = None) -> AuditResult:
    """The part of a national result (through disclosure control) about one LA: its schools (SCHOOLS when
    already split out), the trusts (and comparison group) they belong to, the LA's own, its region's and
    England's segregation rows, meta filtered to the LA."""
    if schools is None:
        schools = shared.schools[shared.schools["la_name"] == la_name]
    groups = set(schools["group_code"].dropna()) if "group_code" in schools else set()
    trusts = shared.trusts[shared.trusts["trust_code"].isin(groups)] if not shared.trusts.empty else shared.trusts
    regions = set(schools["region"].dropna())
    areas = shared.areas
    if not areas.empty:
        keep = (areas["level"] == "england") | ((areas["level"] == "region") & areas["area_name"].isin(regions)) | \
               ((areas["level"] == "la") & (areas["area_name"] == la_name))
        areas = areas[keep]
    meta = {**shared.meta, "filters": {**(shared.meta.get("filters") or {}), "la": la_name}}
    return part_of(shared, schools, trusts, areas, meta)


def _split(frame: pd.DataFrame, column: str) -> dict:
    """{value: rows of FRAME with that value in COLUMN}, in FRAME's order: one pass over a national table
    instead of one search of it per page."""
    if column not in frame:
        return {}
    return {key: frame.iloc[rows] for key, rows in frame.groupby(column, sort=False).indices.items()}


def school_pages(schools: pd.DataFrame) -> list[int]:
    """URNs of the schools that get a page: every audited school outside a funnel limit for some indicator,
    or below the lower 95% limit under any public community model (models_flagged) where the result has it."""
    audited = schools[schools["status"] == "audited"]
    flagged = audited["flag"].isin(FLAGGED)
    if "models_flagged" in audited:
        flagged |= pd.to_numeric(audited["models_flagged"], errors="coerce").fillna(0) > 0
    return sorted({int(u) for u in audited.loc[flagged, "urn"]})


def la_folders(schools: pd.DataFrame, la_names) -> dict[str, str]:
    """{LA name: folder name}: the LA's three-digit code (la/846/), or a number for an LA whose code is not
    three digits or is shared, so that no folder name is ever text from an input file."""
    codes = schools.dropna(subset=["la_name"]).groupby("la_name")["la"].agg(
        lambda c: c.dropna().astype(str).mode().iloc[0] if c.notna().any() else "")
    chosen = {name: str(codes.get(name, "")) for name in la_names}
    counts = pd.Series(list(chosen.values())).value_counts()
    out = {}
    for k, name in enumerate(la_names):
        code = chosen[name]
        out[name] = code if re.fullmatch(r"\d{3}", code) and counts[code] == 1 else f"n{k + 1:03d}"
    return out


def _progress(total: int, show: bool):
    from tqdm import tqdm
    return tqdm(total=total, disable=not show, unit="page", desc="Writing site", leave=False)


def site_run_id(meta) -> str:
    """The run id every page of a site carries, made from the audit's own record (its time, model, filters,
    data): the same result gives the same site, byte for byte."""
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return f"site-{digest[:16]}"


def _clean_table(schools: pd.DataFrame) -> pd.DataFrame:
    """The site's school table (SCHOOL_COLUMNS) made safe for CSV once, indexed 0..n-1 like SCHOOLS' rows."""
    clean, _ = for_csv(schools[[c for c in SCHOOL_COLUMNS if c in schools]].reset_index(drop=True))
    return clean


def build_site(result: AuditResult, out, wh=None, *, progress: bool = False, top: int = 50) -> Site:
    """Write the site of RESULT (a national audit) into the folder OUT, replacing it only when complete.

    The national tables are split by LA, trust and school once, and each template compiled once, so the time
    grows with the number of pages, not with pages x schools."""
    start = time.perf_counter()
    place = OutputFolder(out, kind="site")
    shared = for_sharing(result, False)
    meta = shared.meta
    run_id = site_run_id(result.meta)
    indicator = str((meta.get("indicators") or shared.schools["indicator"].unique())[0])
    env, footer = _env(), _footer(meta)
    las = la_ranking(shared.schools, shared.areas, indicator)
    trusts = trust_ranking(shared.trusts, indicator)
    table = shared.schools.reset_index(drop=True)
    clean = _clean_table(table)
    with place:
        temp = place.temp
        (temp / "la").mkdir()
        (temp / "trust").mkdir()
        (temp / "school").mkdir()
        pages = school_pages(shared.schools)
        with_page = set(pages)
        bar = _progress(len(las) + len(trusts) + len(pages) + 1, progress)
        folders = la_folders(shared.schools, las["la_name"])
        la_parts = _split(shared.schools, "la_name")
        la_rows = table.groupby("la_name", sort=False).groups
        la_links = {}
        for _, row in las.iterrows():
            name = row["la_name"]
            folder = temp / "la" / folders[name]
            folder.mkdir()
            part = la_result(shared, name, la_parts[name])
            urns = set(part.schools["urn"])
            links = {u: f"../../school/{u}.html" for u in pages if u in urns}
            clean.loc[la_rows[name]].to_csv(folder / "schools.csv", index=False)
            (folder / "map.html").write_text(map_page(part, wh, school_links=links, run_id=run_id), encoding="utf-8")
            (folder / "index.html").write_text(report_page(
                part, map_href="map.html", top=top, tables={"schools.csv": "schools.csv"}, run_id=run_id,
                nav={"home": "../../index.html", "label": "All local authorities and trusts"},
                school_links=links), encoding="utf-8")
            la_links[name] = f"la/{folders[name]}/index.html"
            bar.update()
        scope = f"audited schools in this audit ({describe.area_text(meta)})"
        for card in cards_from_result(shared, pages, scope, missing_data(wh) if wh is not None else ()):
            la = card.school.get("la_name")
            nav = {"href": "../" + la_links[la], "label": f"{la}: all its schools"} if la in la_links else \
                {"href": "../index.html", "label": "All local authorities and trusts"}
            (temp / "school" / f"{int(card.school['urn'])}.html").write_text(card_page(card, nav=nav),
                                                                           encoding="utf-8")
            bar.update()
        of_indicator = table[table["indicator"] == indicator]
        trust_rows = of_indicator.groupby("group_code", sort=False).groups if "group_code" in table else {}
        ranked: dict = {}
        for r in schools_in_order(of_indicator[of_indicator["status"] == "audited"]).to_dict("records"):
            ranked.setdefault(r.get("group_code"), []).append(r)
        none = table.iloc[0:0]
        trust_links = {}
        page = env.get_template("trust.html")
        for k, row in trusts.iterrows():
            name = f"{k + 1:04d}"
            code = row["trust_code"]
            clean.loc[trust_rows.get(code, none.index)].to_csv(temp / "trust" / f"{name}.csv", index=False)
            (temp / "trust" / f"{name}.html").write_text(page.render(
                name=plain.name_case(row["trust_name"]), footer=footer, csv=f"{name}.csv", home="../index.html",
                indicator=describe.indicator_label(indicator), ranked=bool(row["ranked"]),
                summary={"schools": fmt.count(row["schools"]), "pupils": fmt.count(row["pupils"]),
                         "gap": fmt.gap(row["gap_pp"]), "z": fmt.num(_ranked_by(row), 1),
                         "below": fmt.count(row["n_below"]),
                         "shortfall": plain.shortfall_words(row["shortfall"], plain.trust_shortfall_range(row))},
                schools=[{"name": plain.name_case(r["name"]), "la": fmt.text(r.get("la_name")),
                          "href": f"../school/{int(r['urn'])}.html" if int(r["urn"]) in with_page else None,
                          "la_href": "../" + la_links[r["la_name"]] if r.get("la_name") in la_links else None,
                          "sentence": plain.school_sentence(r, indicator), "flag": plain.flag_words(r.get("flag"))}
                         for r in ranked.get(code, [])]), encoding="utf-8")
            trust_links[code] = f"trust/{name}.html"
            bar.update()
        clean.loc[of_indicator.index].to_csv(temp / "schools.csv", index=False)
        _write_index(env, temp, shared, indicator, las, trusts, la_links, trust_links, footer)
        bar.update()
        bar.close()
    size = sum(p.stat().st_size for p in place.out.rglob("*") if p.is_file())
    pages = sum(1 for _ in place.out.rglob("*.html"))
    return Site(Path(out), pages, size, time.perf_counter() - start, len(la_links), len(trust_links), place.notes)


def _write_index(env, folder, shared, indicator, las, trusts, la_links, trust_links, footer) -> None:
    schools = shared.schools[(shared.schools["indicator"] == indicator)]
    audited = schools[schools["status"] == "audited"]
    under = audited[audited["flag"].map(plain.under)]
    from ..report.findings import segregation_items
    england = segregation_items(shared.areas[shared.areas["level"] != "la"], indicator) if not shared.areas.empty else []
    (folder / "index.html").write_text(env.get_template("index.html").render(
        title="How representative are schools of their communities? England", footer=footer,
        indicator=describe.indicator_label(indicator), short=describe.indicator_short(indicator),
        summary={"audited": f"{audited['urn'].nunique():,}", "under": f"{len(under):,}",
                 "shortfall": plain.whole(under.loc[under["shortfall"] > 0, "shortfall"].sum()) if len(under) else "0",
                 "las": f"{len(las):,}", "trusts": f"{len(trusts):,}"},
        segregation=england,
        las=[{"rank": k + 1, "name": fmt.text(r["la_name"]), "href": la_links.get(r["la_name"]),
              "region": fmt.text(r["region"]), "audited": fmt.count(r["audited"]), "gap": fmt.gap(r["gap"]),
              "below": fmt.count(r["below"]), "shortfall": fmt.count(r["shortfall"]),
              "d_primary": _segregation_cell(r, "primary"), "d_secondary": _segregation_cell(r, "secondary")}
             for k, r in las.iterrows()],
        trusts=[{"rank": k + 1 if r["ranked"] else "", "name": plain.name_case(r["trust_name"]),
                 "href": trust_links.get(r["trust_code"]), "schools": fmt.count(r["schools"]),
                 "gap": fmt.gap(r["gap_pp"]), "z": fmt.num(_ranked_by(r), 1), "below": fmt.count(r["n_below"]),
                 "shortfall": fmt.count(r["shortfall"])} for k, r in trusts.iterrows()]), encoding="utf-8")


def _ranked_by(row):
    """The trust's pooled z the ranking uses: allowing for the spread schools show where the result has it."""
    adjusted = row.get("z_adjusted")
    return row["z"] if adjusted is None or pd.isna(adjusted) else adjusted


def _segregation_cell(row, phase: str) -> str:
    """An LA's segregation for the index: D net of chance ('+0.12', ', mostly chance' where it is) when the
    result has it, else the raw D."""
    net = row.get(f"net_{phase}")
    if net is None or pd.isna(net):
        return fmt.num(row[f"D_{phase}"], 2)
    chance = row.get(f"chance_{phase}")
    return f"{float(net):+.2f}" + (", mostly chance" if chance is True or chance == 1 else "")
