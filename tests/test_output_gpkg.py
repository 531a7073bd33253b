"""GeoPackage output for QGIS users: school points in British National Grid, every row of schools.csv,
text cleaned as in the CSV (a formula-like name is quoted), written with the rest of the set."""
import geopandas as gpd
import pandas as pd

from audit_examples import example_result
from repaudit.results import file_names, parse_formats, write


def test_gpkg_holds_every_school_row_as_bng_points(tmp_path):
    result = example_result(("fsm", "sen"))
    result.schools.loc[result.schools["urn"] == 900004, "name"] = "=HYPERLINK(\"http://x\")"
    paths = write(result, tmp_path, parse_formats("csv,gpkg"))
    assert tmp_path / "schools.gpkg" in paths and not (tmp_path / "trusts.gpkg").exists()
    layer = gpd.read_file(tmp_path / "schools.gpkg", layer="schools")
    csv = pd.read_csv(tmp_path / "schools.csv")
    assert layer.crs.to_epsg() == 27700 and len(layer) == len(csv) == 14
    assert layer["urn"].tolist() == csv["urn"].tolist()
    located = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
    want = result.schools.set_index(["urn", "indicator"])
    for row in located.itertuples():
        e, n = want.loc[(row.urn, row.indicator), ["easting", "northing"]]
        assert abs(row.geometry.x - e) < 0.01 and abs(row.geometry.y - n) < 0.01
    assert len(located) == 12                       # Epsilon School has no location (both indicators)
    assert set(layer.loc[layer["urn"] == 900004, "name"]) == {"'=HYPERLINK(\"http://x\")"}
    assert "schools.gpkg" in file_names() and "areas.gpkg" not in file_names()
