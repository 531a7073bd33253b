"""Geometry for the map's community and catchment layers, read from the warehouse (EPSG:27700) by
queries/map_*.sql and returned as compact lon/lat GeoJSON: simplified a little and rounded to 5 decimals
(about 1 m)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from .. import sql

DECIMALS = 5
SIMPLIFY_M = 10.0        # metres; invisible at the zooms where a whole LA is on screen


@lru_cache(maxsize=1)
def _to_lonlat():
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def lonlat(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid easting/northing to WGS84 longitude/latitude, rounded to 5 decimals."""
    lon, lat = _to_lonlat().transform(np.asarray(easting, dtype=float), np.asarray(northing, dtype=float))
    return np.round(lon, DECIMALS), np.round(lat, DECIMALS)


def _project(coords: np.ndarray) -> np.ndarray:
    lon, lat = lonlat(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def _has_rows(wh, table: str) -> bool:
    return wh is not None and wh.count(table) > 0


def _features(frame: pd.DataFrame, properties) -> dict:
    geoms = shapely.transform(shapely.from_wkb(frame["wkb"].map(bytes).to_list()), _project)
    features = []
    for geom, (_, row) in zip(geoms, frame.iterrows()):
        if geom is None or geom.is_empty:
            continue
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                         "properties": properties(row)})
    return {"type": "FeatureCollection", "features": features}


def lsoa_polygons(wh, codes) -> dict | None:
    """LSOA boundary polygons for CODES as a FeatureCollection with property `l` (the code); None if none."""
    codes = sorted({str(c) for c in codes})
    if not codes or not _has_rows(wh, "lsoa_boundaries"):
        return None
    frame = sql.run(wh.con, "map_lsoa_polygons", codes=codes, tolerance=SIMPLIFY_M).df()
    if frame.empty:
        return None
    return _features(frame, lambda row: {"l": row["lsoa"]})


def lsoa_centroids(wh, codes) -> pd.DataFrame:
    """Columns lsoa, lon, lat of the (population-weighted) centroids of CODES; empty when none are loaded."""
    codes = sorted({str(c) for c in codes})
    if not codes or not _has_rows(wh, "lsoa_centroids"):
        return pd.DataFrame(columns=["lsoa", "lon", "lat"])
    frame = sql.run(wh.con, "map_lsoa_centroids", codes=codes).df()
    lon, lat = lonlat(frame["easting"], frame["northing"])
    return pd.DataFrame({"lsoa": frame["lsoa"], "lon": lon, "lat": lat})


def catchment_polygons(wh, urns) -> dict | None:
    """Published catchment polygons of the schools URNS (property `u` URN, `n` name); None if none."""
    urns = sorted({int(u) for u in urns})
    if not urns or not _has_rows(wh, "catchments"):
        return None
    frame = sql.run(wh.con, "map_catchments", urns=urns, tolerance=SIMPLIFY_M).df()
    if frame.empty:
        return None
    return _features(frame, lambda row: {"u": int(row["urn"]), "n": str(row["name"])})
