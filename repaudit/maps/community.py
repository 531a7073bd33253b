"""The community layer's data: LSOA polygons coloured by community rate where boundaries are loaded,
else LSOA centroids, else (school-based models) the community rate drawn around each school.

An LSOA can have one rate per indicator and phase (primary and secondary children differ), so each
layer has a key: the indicator, or indicator_phase when the result has rates for several phases."""
from __future__ import annotations

import pandas as pd

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


def community_data(result, wh, indicators, drawn: pd.DataFrame) -> dict:
    """{kind, layers, geojson, breaks, missing}: kind 'polygons', 'centroids' or 'schools' (no LSOA geometry
    or no LSOA rates); layers [{key, indicator, phase}]; breaks = class edges (lowest rate, breaks, highest
    rate) per layer key; missing = LSOAs with rates but no geometry."""
    lsoas = result.lsoas if result.lsoas is not None else pd.DataFrame()
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
