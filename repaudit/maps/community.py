"""The community layer's data: LSOA polygons coloured by community rate where boundaries are loaded,
else LSOA centroids, else (school-based models) the community rate drawn around each school."""
from __future__ import annotations

import pandas as pd

from .features import _clean
from .geometry import lsoa_centroids, lsoa_polygons
from .palette import rate_edges


def _rates_by_lsoa(lsoas: pd.DataFrame) -> dict[str, dict]:
    """{lsoa: {indicator: rate, ...}} with suppressed or missing rates as None."""
    out: dict[str, dict] = {}
    for row in lsoas.itertuples(index=False):
        out.setdefault(str(row.lsoa), {})[str(row.indicator)] = _clean(
            None if getattr(row, "suppressed", False) else round(float(row.rate), 4))
    return out


def community_data(result, wh, indicators, drawn: pd.DataFrame) -> dict:
    """{kind, geojson, breaks, missing}: kind 'polygons', 'centroids' or 'schools' (no LSOA geometry);
    class edges (lowest rate, breaks, highest rate) per indicator; missing = LSOAs with rates but no geometry."""
    lsoas = result.lsoas if result.lsoas is not None else pd.DataFrame()
    if not lsoas.empty:
        lsoas = lsoas[lsoas["indicator"].isin(indicators)]
    rates = _rates_by_lsoa(lsoas) if not lsoas.empty else {}
    breaks = {}
    for ind in indicators:
        if rates:
            values = [r.get(ind) for r in rates.values()]
        else:
            values = drawn.loc[drawn["indicator"] == ind, "community_rate"].to_list()
        breaks[ind] = rate_edges([v for v in values if v is not None])
    if rates:
        polygons = lsoa_polygons(wh, rates)
        if polygons is not None:
            for feature in polygons["features"]:
                feature["properties"].update(rates[feature["properties"]["l"]])
            found = {f["properties"]["l"] for f in polygons["features"]}
            return {"kind": "polygons", "geojson": polygons, "breaks": breaks, "missing": len(set(rates) - found)}
        centroids = lsoa_centroids(wh, rates)
        if not centroids.empty:
            features = [{"type": "Feature", "properties": {"l": row.lsoa, **rates[row.lsoa]},
                         "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]}}
                        for row in centroids.itertuples(index=False)]
            return {"kind": "centroids", "geojson": {"type": "FeatureCollection", "features": features},
                    "breaks": breaks, "missing": len(set(rates) - set(centroids["lsoa"]))}
    return {"kind": "schools", "geojson": None, "breaks": breaks, "missing": len(rates)}
