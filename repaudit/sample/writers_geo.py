"""ONS- and MHCLG-style area files: LSOA polygons (GeoJSON, EPSG:27700), population-weighted
centroids, the 2011 -> 2021 lookup, Census 2021 population by age, IoD File 7a scores, catchments."""
from __future__ import annotations

import json

import numpy as np

from .csvtext import csv_bytes
from .geography import AGE_BANDS
from .model import Sample
from .region import LA_NAME, LA_ONS_CODE

CRS_27700 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
IOD_HEADER = [
    "LSOA Code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
    "Local Authority District name (2019)", "Income Domain Score", "Income Domain Rank (where 1 is most deprived)",
    "IDACI Score", "IDACI Rank (where 1 is most deprived)", "IDAOPI Score",
    "IDAOPI Rank (where 1 is most deprived)",
]


def _ring(coords: np.ndarray) -> str:
    return "[" + ", ".join(f"[{x:.1f}, {y:.1f}]" for x, y in coords) + "]"


def _feature_collection(name: str, features: list[str]) -> bytes:
    head = f'{{\n"type": "FeatureCollection",\n"name": {json.dumps(name)},\n"crs": {json.dumps(CRS_27700)},\n"features": [\n'
    return (head + ",\n".join(features) + "\n]\n}\n").encode("utf-8")


def _feature(properties: dict, geometry_type: str, coordinates: str) -> str:
    props = json.dumps(properties, ensure_ascii=False)
    return (f'{{ "type": "Feature", "properties": {props}, '
            f'"geometry": {{ "type": "{geometry_type}", "coordinates": {coordinates} }} }}')


def lsoa_boundaries(sample: Sample) -> bytes:
    """LSOA 2021 polygons in the ONS boundary layout (LSOA21CD, LSOA21NM, BNG_E, BNG_N)."""
    geo = sample.geo
    features = []
    for k, code in enumerate(geo.codes):
        props = {"LSOA21CD": code, "LSOA21NM": geo.names[k],
                 "BNG_E": int(round(geo.centre[k, 0])), "BNG_N": int(round(geo.centre[k, 1]))}
        features.append(_feature(props, "Polygon", "[" + _ring(geo.ring_coords(k)) + "]"))
    return _feature_collection("synthetic_lsoa21_boundaries", features)


def catchments(sample: Sample) -> bytes:
    """Secondary catchments like a council publishes them: a `catchment` name per school."""
    features = []
    for n, c in enumerate(sample.catchments, start=1):
        polygons = ", ".join("[" + ", ".join(_ring(r) for r in poly) + "]" for poly in c.polygons)
        props = {"id": n, "catchment": c.school.name, "URN": c.school.urn}
        features.append(_feature(props, "MultiPolygon", "[" + polygons + "]"))
    return _feature_collection("synthetic_secondary_catchments", features)


def centroids(sample: Sample) -> bytes:
    """ONS population-weighted centroids: BOM, CRLF, FID, LSOA21CD, GlobalID, x, y (EPSG:27700)."""
    geo = sample.geo
    rows = [[k + 1, code, f"00000000-0000-4000-8000-{990000000001 + k:012d}",
             f"{geo.pwc[k, 0]:.4f}", f"{geo.pwc[k, 1]:.4f}"] for k, code in enumerate(geo.codes)]
    return csv_bytes(["FID", "LSOA21CD", "GlobalID", "x", "y"], rows, bom=True, crlf=True)


def lookup(sample: Sample) -> bytes:
    """ONS LSOA 2011 -> 2021 lookup: the synthetic LSOAs did not change (CHGIND U)."""
    geo = sample.geo
    rows = [[code, geo.names[k], code, geo.names[k], "U", LA_ONS_CODE, LA_NAME, "", k + 1]
            for k, code in enumerate(geo.codes)]
    header = ["F_LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD", "LAD22NM", "LAD22NMW",
              "ObjectId"]
    return csv_bytes(header, rows, bom=True)


def population(sample: Sample) -> bytes:
    """Census 2021 usual residents by LSOA and five-year age band (long format)."""
    geo = sample.geo
    rows = [[code, geo.names[k], label, int(geo.population[k, b])]
            for k, code in enumerate(geo.codes) for b, (label, _, _) in enumerate(AGE_BANDS)]
    return csv_bytes(["lsoa21_code", "lsoa21_name", "age_group", "usual_residents"], rows)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1 = most deprived; ties keep LSOA order."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=int)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def deprivation(sample: Sample) -> bytes:
    """IoD2019 File 7a layout: income, IDACI and IDAOPI scores (0-1 proportions) and ranks."""
    geo = sample.geo
    ranks = {name: _ranks(getattr(geo, name)) for name in ("income", "idaci", "idaopi")}
    rows = [[code, geo.names[k], LA_ONS_CODE, LA_NAME,
             f"{geo.income[k]:.3f}", ranks["income"][k], f"{geo.idaci[k]:.3f}", ranks["idaci"][k],
             f"{geo.idaopi[k]:.3f}", ranks["idaopi"][k]] for k, code in enumerate(geo.codes)]
    return csv_bytes(IOD_HEADER, rows)
