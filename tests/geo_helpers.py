"""Tiny geometry fixtures written on the fly: GeoJSON feature collections and squares in British National Grid."""
import json
from pathlib import Path

CRS84 = "urn:ogc:def:crs:OGC:1.3:CRS84"
BNG = "urn:ogc:def:crs:EPSG::27700"


def square(x, y, size=100.0):
    """A square polygon ring with its lower-left corner at (x, y)."""
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def feature(properties, geometry):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_geojson(path: Path, features, crs=BNG) -> Path:
    """A FeatureCollection file; crs=None leaves out the 'crs' member (GeoJSON then means lon/lat)."""
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return path
