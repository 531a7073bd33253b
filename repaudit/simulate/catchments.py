"""Catchment areas for the simulator: which area each home lies in and which schools each area serves.

Areas come from the warehouse `catchments` table (polygons in EPSG:27700, one school per row: a dual
catchment is the same polygon stored once per school, and rows with identical polygons make one area)
or from a polygon file plus a name -> URNs map. A home is in the first area whose polygon contains it (areas of one layer should not overlap).
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..errors import GeometryError, WarehouseError
from ..sources import limits
from .game import Catchments


def locate(xy: np.ndarray, areas: gpd.GeoDataFrame, school_index: dict) -> Catchments:
    """Catchments for homes XY from AREAS (columns name, urns (list), geometry in EPSG:27700)."""
    n_areas = len(areas)
    serves = np.zeros((n_areas, max(len(school_index), 1)), dtype=bool)
    for i, urns in enumerate(areas["urns"]):
        for u in urns:
            if int(u) in school_index:
                serves[i, school_index[int(u)]] = True
    area_of = np.full(len(xy), -1, dtype=np.int64)
    for i in range(n_areas - 1, -1, -1):
        inside = shapely.contains_xy(areas.geometry.iloc[i], xy[:, 0], xy[:, 1])
        area_of[inside] = i
    return Catchments(area_of, serves[:, :len(school_index)], list(areas["name"]), areas.geometry.reset_index(drop=True))


def from_file(path, urns_by_name: dict, layer_crs: str | None = None) -> gpd.GeoDataFrame:
    """Polygons of a catchment file with the URNs each named area serves (URNS_BY_NAME: name -> [urn, ...])."""
    limits.check_regular(path)
    limits.check_size(path)
    frame = gpd.read_file(path, max_features=limits.current().features + 1)
    limits.check_count(path, len(frame), "features", f"{limits.current().features:,}")
    if frame.crs is None:
        if layer_crs is None:
            raise GeometryError(path, "has no CRS; give one (e.g. EPSG:27700)")
        frame = frame.set_crs(layer_crs)
    frame = frame.to_crs(27700)
    name_col = next((c for c in ("catchment", "name", "NAME") if c in frame.columns), None)
    if name_col is None:
        raise GeometryError(path, f"has no 'catchment' or 'name' property (found {', '.join(frame.columns)})")
    names = frame[name_col].astype(str)
    unknown = sorted(set(names) - set(urns_by_name))
    if unknown:
        raise GeometryError(path, f"catchment(s) {', '.join(unknown)} have no school URNs in the name -> URN map")
    return gpd.GeoDataFrame({"name": names, "urns": [list(urns_by_name[n]) for n in names]},
                            geometry=frame.geometry.make_valid().values, crs=27700)


def from_warehouse(wh, layer: str | None = None, urns=None) -> gpd.GeoDataFrame | None:
    """Catchment areas stored in the warehouse (one layer: LAYER or the only one), or None when none. URNS (the
    schools simulated), when given: without LAYER only layers naming one of them count, so another city's
    layers neither apply nor ask for a choice."""
    naming = layer is None and urns is not None
    where = f"WHERE urn IN ({', '.join(str(int(u)) for u in urns) or 'NULL'})" if naming else ""
    layers = [r[0] for r in wh.con.execute(f"SELECT DISTINCT layer FROM catchments {where} ORDER BY 1").fetchall()]
    if not layers:
        return None
    if layer is None and len(layers) > 1:
        raise WarehouseError(f"the warehouse holds catchment layers {', '.join(layers)}; choose one with --catchments")
    layer = layer or layers[0]
    if layer not in layers:
        raise WarehouseError(f"no catchment layer '{layer}' in the warehouse (layers: {', '.join(layers)})")
    rows = wh.df("SELECT coalesce(name, catchment_id) AS name, urn, ST_AsWKB(geom) AS wkb FROM catchments "
                 "WHERE layer = ? AND urn IS NOT NULL ORDER BY name, urn", [layer])
    if rows.empty:
        raise WarehouseError(f"catchment layer '{layer}' names no schools: load it with --urn-map")
    rows["wkb"] = rows["wkb"].map(bytes)
    areas = []          # one area per distinct polygon: a dual catchment is the same polygon loaded per school
    for wkb, group in rows.groupby("wkb", sort=False):
        areas.append((" / ".join(dict.fromkeys(group["name"])), group["urn"].astype(int).tolist(), shapely.from_wkb(wkb)))
    return gpd.GeoDataFrame({"name": [a[0] for a in areas], "urns": [a[1] for a in areas]},
                            geometry=[a[2] for a in areas], crs=27700)
