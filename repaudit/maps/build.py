"""Assemble the interactive map of an AuditResult and write it as one HTML file (`write_map`).

The result passes through disclosure control first; the page loads only Leaflet from a CDN (the version
folium pins) and draws everything else with its own inline script (map.js). No text from the data is ever
part of a template: it reaches the page as JSON after rendering (page.py)."""
from __future__ import annotations

import re
from pathlib import Path

import folium
from folium.folium import _default_css, _default_js

from .. import describe, plain
from ..disclosure import for_sharing
from .community import area_box, community_data
from .features import drawable, excluded_counts, flagged_urns, indicator_columns, school_table, unplaced_text
from .geometry import catchment_polygons
from ..output_set import new_run_id, write_text_atomically
from . import page
from .areas import area_layer
from .layers import AreaLayer, CatchmentLayer, CommunityLayer, Controls, SchoolLayer, Setup, SharedData
from .palette import palette_json

CANVAS_ABOVE = 3000      # more circles than this are drawn on a canvas rather than as SVG elements
COMMUNITY_LABELS = {"polygons": "LSOA areas", "centroids": "LSOA centroids",
                    "schools": "around each school: no LSOA geometry loaded or school-based model"}
SUPPRESSED_TEXT = "suppressed (fewer than 5 children)"
AREA_ZOOM = 9            # below this zoom a national map shows local authorities, from it the schools
SEARCH_ZOOM = 14         # a school found by the search box is shown at least this close
AREA_NOTE = ("Outlines are approximate: each local authority is the area nearer its own schools than any "
             "other authority's (built from school locations; load real outlines with `repaudit load "
             "la-boundaries`).")
REAL_AREA_NOTE = "Local authority outlines: the loaded boundary file, simplified."


def leaflet_assets() -> tuple[list, list]:
    """Folium's own Leaflet JS and CSS links (same versions folium was built for), nothing else."""
    js = [pair for pair in _default_js if pair[0] == "leaflet"]
    css = [pair for pair in _default_css if pair[0] == "leaflet_css"]
    return js, css


def _indicators(result) -> list[str]:
    listed = [str(i) for i in result.meta.get("indicators") or []]
    present = [str(i) for i in result.schools["indicator"].dropna().unique()]
    return listed + [i for i in present if i not in listed]


def _banners(meta, unplaced: str | None = None) -> list[dict]:
    banners = [{"kind": "unplaced", "text": unplaced}] if unplaced else []
    if meta.get("unsuppressed_warning"):
        banners.append({"kind": "unsuppressed", "text": meta["unsuppressed_warning"]})
    if meta.get("synthetic"):
        banners.append({"kind": "synthetic", "text": "Synthetic sample data: these are not real schools."})
    if meta.get("years_note"):
        banners.append({"kind": "vintage", "text": meta["years_note"]})
    return banners


def _label(text: str) -> str:
    """A layer-control label: letters, digits, spaces and plain punctuation only (folium renders layer names
    through its templates, and Leaflet shows them as HTML)."""
    return re.sub(r"[^\w ,.()+:/-]", "", text)


def _one_area(meta) -> bool:
    """True when the audit was limited to an area (LA, region or trust): its map carries only nearby data."""
    filters = meta.get("filters") or {}
    return any(filters.get(k) for k in ("la", "region", "trust"))


def _bounds(drawn):
    if drawn.empty:
        return None
    return [[float(drawn["lat"].min()), float(drawn["lon"].min())], [float(drawn["lat"].max()), float(drawn["lon"].max())]]


def build_map(result, wh=None, *, unsuppressed: bool = False, school_links: dict | None = None) -> folium.Map:
    """The folium Map of RESULT (after disclosure control); WH supplies LSOA and catchment geometry. Render
    it with page.render (folium's own rendering leaves out the title, script and data)."""
    shared = for_sharing(result, unsuppressed)
    meta = shared.meta
    drawn = drawable(shared.schools)
    indicators = _indicators(shared)
    table, index = school_table(drawn, indicators[0] if indicators else None)
    layers = {ind: indicator_columns(drawn, ind, index) for ind in indicators}
    community = community_data(shared, wh, indicators, drawn, box=area_box(drawn) if _one_area(meta) else None)
    catchments = catchment_polygons(wh, flagged_urns(drawn)) if wh is not None else None
    areas = None if _one_area(meta) else area_layer(shared.schools, drawn, indicators, shared.areas, wh)
    config = {
        "title": describe.title(meta), "subtitle": describe.subtitle(meta),
        "banners": _banners(meta, unplaced_text(shared.schools, drawn)),
        "community_model": str(meta.get("community_model", "not stated")),
        "palette": palette_json(), "schools": table, "bounds": _bounds(drawn), "search_zoom": SEARCH_ZOOM,
        "school_links": {str(int(u)): str(h) for u, h in (school_links or {}).items()},
        "suppressed_text": SUPPRESSED_TEXT, "vintage": describe.vintage_text(meta),
        "community": {"kind": community["kind"], "label": COMMUNITY_LABELS[community["kind"]],
                      "breaks": community["breaks"]},
        "flag_words": plain.FLAG_WORDS,
        "areas": None if areas is None else {"classes": areas["classes"], "measure": areas["measure"],
                                            "zoom": AREA_ZOOM, "note": REAL_AREA_NOTE if areas["real"] else AREA_NOTE},
        "phases": sorted({str(p).lower() for p in drawn["phase"].dropna()} & {"primary", "secondary"})
        if "phase" in drawn else [],
        "indicators": {ind: {"short": describe.indicator_short(ind), "label": describe.indicator_label(ind),
                             "phrase": plain.group_phrase(ind),
                             "counts": {"drawn": layers[ind]["count"],
                                        "excluded": sum(excluded_counts(shared.schools, ind).values()),
                                        "reasons": excluded_counts(shared.schools, ind)}}
                       for ind in indicators},
    }
    fmap = folium.Map(location=[52.5, -1.5], zoom_start=7, tiles=None, prefer_canvas=len(drawn) > CANVAS_ABOVE,
                      control_scale=True)
    fmap.default_js, fmap.default_css = leaflet_assets()
    folium.TileLayer("OpenStreetMap", control=False).add_to(fmap)
    Setup(config).add_to(fmap)
    for k, ind in enumerate(indicators):
        SchoolLayer(layers[ind], ind, _label(f"Schools: {describe.indicator_label(ind)}"), show=k == 0).add_to(fmap)
    data_name = None
    if community["geojson"] is not None:
        data_name = SharedData(community["geojson"]).add_to(fmap).get_name()
    where = COMMUNITY_LABELS[community["kind"]].split(":")[0]
    for layer in community["layers"]:        # off at first: the map opens on the schools, the community is a choice
        phase = f", {layer['phase']}" if layer["phase"] and layer["key"] != layer["indicator"] else ""
        CommunityLayer(community["kind"], data_name, layer["key"], layer["indicator"],
                       _label(f"Community {describe.indicator_short(layer['indicator'])} rate{phase} ({where})"),
                       show=False).add_to(fmap)
    if catchments is not None:
        CatchmentLayer(catchments, "Catchments of flagged schools").add_to(fmap)
    if areas is not None:
        AreaLayer(areas["geojson"]).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    Controls().add_to(fmap)
    fmap.repaudit_title = describe.title(meta)
    fmap.repaudit_description = f"Map of how representative school intakes are: {describe.subtitle(meta)}"
    return fmap


def map_page(result, wh=None, *, unsuppressed: bool = False, run_id: str | None = None,
             school_links: dict | None = None) -> str:
    """The HTML page of the interactive map of RESULT, carrying RUN_ID (a new one if not given); a school of
    SCHOOL_LINKS ({urn: href}) gets a link to its own page in its popup."""
    fmap = build_map(result, wh, unsuppressed=unsuppressed, school_links=school_links)
    return page.render(fmap, fmap.repaudit_title, run_id or new_run_id(), fmap.repaudit_description)


def write_map(result, path, wh=None, *, unsuppressed: bool = False, run_id: str | None = None) -> Path:
    """Write the interactive map of RESULT to PATH (one HTML file, replaced only once complete); returns PATH."""
    run_id = run_id or new_run_id()
    return write_text_atomically(path, map_page(result, wh, unsuppressed=unsuppressed, run_id=run_id), run_id)
