"""The community layer's data: LSOA polygons coloured by community rate where boundaries are loaded,
else LSOA centroids, else (school-based models) the community rate drawn around each school.

An LSOA can have one rate per indicator and phase (primary and secondary children differ), so each
layer has a key: the indicator, or indicator_phase when the result has rates for several phases."""
from __future__ import annotations

import math

import pandas as pd
import shapely.geometry

from .features import _clean
from .geometry import lsoa_centroids, lsoa_polygons
from .palette import rate_edges


def layer_keys(lsoas: pd.DataFrame, indicators) -> list[dict]:
    """[{key, indicator, phase}] for each indicator (and phase, when several have rates) in LSOAS."""
    out = []
    for ind in indicators:
        rows = lsoas[(lsoas["indicator"] == ind) & lsoas["rate"].notna()]
        phases = sorted({str(p) for p in rows["phase"].dropna()}) if "phase" in rows else []
        if len(phases) > 1:
            out += [{"key": f"{ind}_{p}", "indicator": ind, "phase": p} for p in phases]
        elif not rows.empty:
            out.append({"key": ind, "indicator": ind, "phase": phases[0] if phases else None})
    return out


def _rates_by_lsoa(lsoas: pd.DataFrame, layers) -> dict[str, dict]:
    """{lsoa: {layer key: rate}}, rates rounded to 0.01 percentage points; suppressed ones left out."""
    out: dict[str, dict] = {}
    for layer in layers:
        rows = lsoas[(lsoas["indicator"] == layer["indicator"]) & lsoas["rate"].notna()]
        if layer["phase"] is not None and "phase" in rows:
            rows = rows[rows["phase"].astype(str) == layer["phase"]]
        for code, rate in zip(rows["lsoa"].astype(str), rows["rate"]):
            out.setdefault(code, {})[layer["key"]] = _clean(round(float(rate), 4))
    return out


MARGIN_KM = 8.0          # an area's map carries community data this far beyond its schools (its neighbours)


def area_box(drawn: pd.DataFrame, margin_km: float = MARGIN_KM) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in degrees: the drawn schools' extent widened by MARGIN_KM; None if none."""
    rows = drawn.dropna(subset=["lon", "lat"])
    if rows.empty:
        return None
    lat = float(rows["lat"].mean())
    dlat, dlon = margin_km / 111.0, margin_km / (111.0 * max(0.2, math.cos(math.radians(lat))))
    return (float(rows["lon"].min()) - dlon, float(rows["lat"].min()) - dlat,
            float(rows["lon"].max()) + dlon, float(rows["lat"].max()) + dlat)


def lsoas_in_box(wh, codes, box) -> set[str] | None:
    """The LSOAs of CODES whose centroid (or, with no centroids loaded, boundary) lies in BOX; None when the
    warehouse has no geometry to tell."""
    centroids = lsoa_centroids(wh, codes)
    if centroids.empty:
        polygons = lsoa_polygons(wh, codes)
        if polygons is None:
            return None
        def inside(feature):
            point = shapely.geometry.shape(feature["geometry"]).representative_point()
            return box[0] <= point.x <= box[2] and box[1] <= point.y <= box[3]
        return {f["properties"]["l"] for f in polygons["features"] if inside(f)}
    keep = centroids["lon"].between(box[0], box[2]) & centroids["lat"].between(box[1], box[3])
    return set(centroids.loc[keep, "lsoa"])


def community_data(result, wh, indicators, drawn: pd.DataFrame, box=None) -> dict:
    """{kind, layers, geojson, breaks, missing}: kind 'polygons', 'centroids' or 'schools' (no LSOA geometry
    or no LSOA rates); layers [{key, indicator, phase}]; breaks = class edges (lowest rate, breaks, highest
    rate) per layer key; missing = LSOAs with rates but no geometry. With BOX (west, south, east, north),
    only the LSOAs inside it are carried (a map of one area carries its own and its neighbours' data)."""
    lsoas = result.lsoas if result.lsoas is not None else pd.DataFrame()
    if box is not None and not lsoas.empty:
        near = lsoas_in_box(wh, lsoas["lsoa"].astype(str).unique(), box)
        if near is not None:
            lsoas = lsoas[lsoas["lsoa"].astype(str).isin(near)]
    layers, rates = [], {}
    if not lsoas.empty:
        lsoas = lsoas[lsoas["indicator"].isin(indicators)].assign(rate=lambda f: pd.to_numeric(f["rate"], errors="coerce"))
        if "suppressed" in lsoas:
            lsoas = lsoas[~lsoas["suppressed"].astype(bool)]
        layers = layer_keys(lsoas, indicators)
        rates = _rates_by_lsoa(lsoas, layers)
    if rates:
        breaks = {lay["key"]: rate_edges([r.get(lay["key"]) for r in rates.values()]) for lay in layers}
        polygons = lsoa_polygons(wh, rates)
        if polygons is not None:
            for feature in polygons["features"]:
                feature["properties"].update(rates[feature["properties"]["l"]])
            found = {f["properties"]["l"] for f in polygons["features"]}
            return {"kind": "polygons", "layers": layers, "geojson": polygons, "breaks": breaks,
                    "missing": len(set(rates) - found)}
        centroids = lsoa_centroids(wh, rates)
        if not centroids.empty:
            features = [{"type": "Feature", "properties": {"l": row.lsoa, **rates[row.lsoa]},
                         "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]}}
                        for row in centroids.itertuples(index=False)]
            return {"kind": "centroids", "layers": layers, "breaks": breaks,
                    "geojson": {"type": "FeatureCollection", "features": features},
                    "missing": len(set(rates) - set(centroids["lsoa"]))}
    layers = [{"key": ind, "indicator": ind, "phase": None} for ind in indicators]
    breaks = {ind: rate_edges(drawn.loc[drawn["indicator"] == ind, "community_rate"].dropna().tolist())
              for ind in indicators}
    return {"kind": "schools", "layers": layers, "geojson": None, "breaks": breaks, "missing": len(rates)}
