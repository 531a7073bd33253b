"""The national map's area layer: one shape per local authority, drawn at national zoom instead of 20,000
dots and coloured by how sorted its schools are: segregation net of chance (D minus D under random
allocation), which is not zero by construction as a pupil-weighted gap is under a community model that adds
up. Without segregation figures it falls back to the pupil-weighted gap of the LA's audited schools.

The outlines are the real ones when the warehouse holds LA boundaries (`repaudit load la-boundaries`):
district outlines are dissolved into the LA their schools belong to (a county's districts into the county).
Otherwise they are built from the audit's own schools (every school the warehouse placed, audited or not):
each school's Voronoi cell, clipped to REACH_M around it, is given to the school's LA and the cells of an LA
are dissolved, which follows real boundaries only roughly but needs no boundary file. Both are simplified
to SIMPLIFY_M together, as one coverage: a border two LAs share is simplified once, so neighbours neither
overlap nor open gaps between them."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely

from .geometry import lonlat
from .palette import RATE_COLOURS as NET_COLOURS

REACH_M = 6000.0        # a cell reaches at most this far from its school (keeps coasts and empty moors open)
SIMPLIFY_M = 400.0      # invisible at national zoom, where this layer is drawn
DECIMALS = 3            # about 100 m
PHASES = ("all", "primary", "secondary")


def _points(schools: pd.DataFrame) -> pd.DataFrame:
    """One row per school with la_name and BNG easting/northing (from lon/lat when only those are known)."""
    one = schools.drop_duplicates("urn")
    one = one[one["la_name"].notna()].copy()
    e = pd.to_numeric(one["easting"], errors="coerce") if "easting" in one else pd.Series(np.nan, one.index)
    n = pd.to_numeric(one["northing"], errors="coerce") if "northing" in one else pd.Series(np.nan, one.index)
    need = (e.isna() | n.isna()) & one["lon"].notna() & one["lat"].notna() if "lon" in one else e.isna() & False
    if need.any():
        from pyproj import Transformer
        bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
        e[need], n[need] = bng.transform(one.loc[need, "lon"].astype(float).to_numpy(),
                                         one.loc[need, "lat"].astype(float).to_numpy())
    one["e"], one["n"] = e, n
    one = one[one["e"].notna() & one["n"].notna()]
    return one.drop_duplicates(["e", "n"])


def outlines(schools: pd.DataFrame) -> dict[str, shapely.Geometry]:
    """{LA name: polygon in EPSG:27700} from the schools' clipped Voronoi cells, dissolved by LA."""
    pts = _points(schools)
    if len(pts) < 3:
        return {}
    points = shapely.points(pts["e"].to_numpy(), pts["n"].to_numpy())
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), ordered=True))
    if len(cells) != len(points):
        return {}
    clipped = shapely.intersection(cells, shapely.buffer(points, REACH_M, quad_segs=4))
    return _dissolve(clipped, pts["la_name"])


def _dissolve(shapes: np.ndarray, las: pd.Series) -> dict[str, shapely.Geometry]:
    """{LA: the union of its SHAPES}, the LAs simplified to SIMPLIFY_M as one coverage (shared borders stay
    shared); LAS gives each shape's LA."""
    names, unions = [], []
    for la, idx in las.groupby(las.to_numpy()).indices.items():
        shape = shapely.union_all(shapes[idx], grid_size=50)
        if not shape.is_empty:
            names.append(str(la))
            unions.append(shape)
    if not unions:
        return {}
    simplified = shapely.coverage_simplify(np.array(unions, dtype=object), SIMPLIFY_M)
    return {la: shape for la, shape in zip(names, simplified) if not shape.is_empty}


def _boundary_areas(wh) -> pd.DataFrame:
    """The warehouse's LA boundaries with the LA (la_name) each belongs to: by its ONS code or name, as a
    district of the schools' LAs (GIAS district codes, or the LSOA lookup's district names) or as an LA."""
    return wh.con.execute("""
        with placed as (                       -- each school's district: from GIAS, else from its LSOA
            select coalesce(s.lad_code, l21.lad_code, l11.lad_code) as lad_code, s.la_name
            from schools s
            left join (select distinct lsoa21, lad_code from lsoa_lookup) l21 on s.lad_code is null and l21.lsoa21 = s.lsoa
            left join (select distinct lsoa11, lad_code from lsoa_lookup) l11
                   on s.lad_code is null and l21.lad_code is null and l11.lsoa11 = s.lsoa
            where s.la_name is not null),
        districts as (
            select lad_code, mode(la_name) as la_name from placed where lad_code is not null group by lad_code),
        names as (select distinct lad_name, lad_code from lsoa_lookup where lad_name is not null),
        las as (select distinct la_name from schools where la_name is not null)
        select b.area, coalesce(d1.la_name, d2.la_name, l.la_name) as la_name, st_aswkb(b.geom) as wkb
        from la_boundaries b
        left join districts d1 on d1.lad_code = b.code
        left join names n on b.code is null and lower(n.lad_name) = lower(b.name)
        left join districts d2 on d2.lad_code = n.lad_code
        left join las l on lower(l.la_name) = lower(b.name)
        order by b.area""").df()


def boundary_outlines(wh) -> dict[str, shapely.Geometry]:
    """{LA name: polygon in EPSG:27700} from the loaded LA boundaries, dissolved by LA; {} when none are loaded."""
    if wh is None or not wh.count("la_boundaries"):
        return {}
    rows = _boundary_areas(wh).dropna(subset=["la_name", "wkb"])
    return _dissolve(shapely.from_wkb([bytes(w) for w in rows["wkb"]]), rows["la_name"])


def _to_lonlat(geom):
    def project(coords):
        lon, lat = lonlat(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)
    return shapely.transform(geom, project)


def weighted_gaps(drawn: pd.DataFrame, indicators) -> dict[str, dict[str, float]]:
    """{LA: {'<indicator>_<phase>': pupil-weighted gap in pp}} over audited, unsuppressed schools; phase
    'all' pools both (METHODS §4: sum(n gap) / sum(n))."""
    rows = drawn[drawn["gap_pp"].notna() & (drawn["pupils"] > 0) & drawn["la_name"].notna()]
    if "suppressed" in rows:
        rows = rows[~rows["suppressed"].astype(bool)]
    phase = rows["phase"].fillna("").astype(str).str.lower() if "phase" in rows else pd.Series("", rows.index)
    out: dict[str, dict[str, float]] = {}
    for ind in indicators:
        for ph in PHASES:
            part = rows[(rows["indicator"] == ind) & ((phase == ph) if ph != "all" else True)]
            if part.empty:
                continue
            weighted = (part["pupils"] * part["gap_pp"]).groupby(part["la_name"]).sum() / \
                part["pupils"].groupby(part["la_name"]).sum()
            for la, gap in weighted.items():
                out.setdefault(str(la), {})[f"{ind}_{ph}"] = round(float(gap), 2)
    return out


def quantile_breaks(values, classes: int = 6, decimals: int = 1) -> list[float]:
    """Inner class edges at the quantiles of VALUES (rounded to DECIMALS, duplicates dropped)."""
    v = np.array([x for x in values if x is not None and not math.isnan(x)], dtype=float)
    if v.size < 2:
        return []
    qs = np.quantile(v, [k / classes for k in range(1, classes)])
    return sorted({round(float(q), decimals) for q in qs})


def segregation_net_of_chance(areas: pd.DataFrame | None, indicators) -> dict[str, dict[str, float]]:
    """{LA name: {'e_<indicator>_<phase>': D - D_random, 'm_<indicator>_<phase>': 1 where mostly chance}} from
    the result's LA rows (unsuppressed, D defined); phase 'all' is the pupil-weighted mean of the LA's
    primary and secondary figures (D is defined within a phase); empty without the excess."""
    if areas is None or areas.empty or "D_excess" not in areas:
        return {}
    rows = areas[(areas["level"] == "la") & areas["indicator"].isin(list(indicators)) &
                 pd.to_numeric(areas["D_excess"], errors="coerce").notna()]
    if "suppressed" in rows:
        rows = rows[~rows["suppressed"].astype(bool)]
    out: dict[str, dict[str, float]] = {}
    for r in rows.itertuples(index=False):
        key = f"{r.indicator}_{str(r.phase).lower()}"
        entry = out.setdefault(str(r.area_name), {})
        entry[f"e_{key}"] = round(float(r.D_excess), 3)
        if r.mostly_chance is True or r.mostly_chance == 1:
            entry[f"m_{key}"] = 1
    both = rows.assign(_w=pd.to_numeric(rows["pupils"], errors="coerce") * rows["D_excess"].astype(float))
    for (la, indicator), part in both.groupby(["area_name", "indicator"]):
        if part["_w"].notna().all() and part["pupils"].sum() > 0:       # phase 'all': weighted by pupils
            out[str(la)][f"e_{indicator}_all"] = round(float(part["_w"].sum() / part["pupils"].sum()), 3)
    return out


def area_layer(shared_schools: pd.DataFrame, drawn: pd.DataFrame, indicators,
               segregation: pd.DataFrame | None = None, wh=None) -> dict | None:
    """{geojson, classes, real} for the LA layer: features with properties a (LA name), one gap per
    indicator_phase key and, from SEGREGATION (the result's areas), the LA's segregation net of chance
    e_<key> (and m_<key> = 1 where it is mostly chance); classes per gap key: breaks at the quantiles of the
    LAs' gaps, their colours and legend labels; real: whether the outlines are the loaded LA boundaries
    (`repaudit load la-boundaries`; an LA the file leaves out keeps its school-built outline). None when
    nothing can be drawn."""
    real = boundary_outlines(wh)
    shapes = {**outlines(shared_schools), **real} if real else outlines(shared_schools)
    gaps = weighted_gaps(drawn, indicators)
    net = segregation_net_of_chance(segregation, indicators)
    features = []
    for la, shape in sorted(shapes.items()):
        if la not in gaps:
            continue
        features.append({"type": "Feature", "properties": {"a": la, **gaps[la], **net.get(la, {})},
                         "geometry": shapely.geometry.mapping(_to_lonlat(shape))})
    if not features:
        return None
    names = {k for f in features for k in f["properties"]}
    keys = sorted(k for k in names if k.startswith("e_")) if net else \
        sorted(k for k in names if k != "a" and not k.startswith(("e_", "m_")))
    classes = {}
    for k in keys:
        values = [f["properties"].get(k) for f in features if k in f["properties"]]
        if net:
            b = quantile_breaks(values, classes=len(NET_COLOURS), decimals=2)
            classes[k[2:]] = {"breaks": b, "colours": net_colours(b), "labels": net_labels(b)}
        else:
            b = quantile_breaks(values)
            classes[k] = {"breaks": b, "colours": class_colours(b), "labels": class_labels(b)}
    measure = "net" if net else "gap"
    return {"geojson": {"type": "FeatureCollection", "features": features}, "classes": classes,
            "measure": measure, "real": bool(real)}


def net_colours(breaks) -> list[str]:
    """A colour for each class cut by BREAKS from the sequential palette, lightest for the least sorting."""
    n = len(breaks) + 1
    return [NET_COLOURS[round(k * (len(NET_COLOURS) - 1) / max(n - 1, 1))] for k in range(n)]


def net_labels(breaks) -> list[str]:
    """'below 0.05', '0.05 to 0.10', ..., '0.20 and above' (D net of chance)."""
    if not breaks:
        return ["all"]
    return ([f"below {breaks[0]:.2f}"] + [f"{a:.2f} to {b:.2f}" for a, b in zip(breaks[:-1], breaks[1:])]
            + [f"{breaks[-1]:.2f} and above"])


def class_colours(breaks) -> list[str]:
    """A colour for each class cut by BREAKS from the diverging gap palette: classes wholly below 0 take reds
    (the lowest the strongest), the class holding 0 the pale middle, classes above 0 blues."""
    from .palette import GAP_COLOURS
    reds, middle, blues = list(GAP_COLOURS[:4]), GAP_COLOURS[4], list(GAP_COLOURS[5:])
    edges = [-math.inf, *breaks, math.inf]
    kinds = ["below" if hi <= 0 else "above" if lo >= 0 else "middle" for lo, hi in zip(edges[:-1], edges[1:])]
    n_below, n_above = kinds.count("below"), kinds.count("above")
    pick = lambda scale, n: [scale[round(k * (len(scale) - 1) / max(n - 1, 1))] for k in range(n)] if n else []
    below = pick(reds[::-1], n_below)[::-1] if n_below > 1 else reds[1:2] * n_below
    above = pick(blues, n_above) if n_above > 1 else blues[1:2] * n_above
    return below + [middle] * kinds.count("middle") + above


def class_labels(breaks) -> list[str]:
    """'below -2.7', '-2.7 to -1.8', ..., '1.4 and above' (percentage points)."""
    if not breaks:
        return ["all"]
    return ([f"below {breaks[0]:+.1f}"] + [f"{a:+.1f} to {b:+.1f}" for a, b in zip(breaks[:-1], breaks[1:])]
            + [f"{breaks[-1]:+.1f} and above"])
