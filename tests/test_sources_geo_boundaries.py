"""lsoa-boundaries and the shared geometry reader: the real London LSOA 2011 shapefile, and every kind of bad
geometry file (bowtie, null and degenerate polygons, no CRS, wrong CRS, empty, missing code column, wrong kind)."""
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geo_helpers import CRS84, feature, square, write_geojson

from repaudit.cli import cli
from repaudit.errors import GeometryError, InputFileError, MissingColumnError, WrongSourceError
from repaudit.load import load_file
from repaudit.sources import lsoa_boundaries
from repaudit.sources.lsoa_codes import only_in_2021

LONDON = "geography/london_lsoa2011/LSOA_2011_London_gen_MHW.shp"
X, Y = 530_000, 180_000   # central London in British National Grid


def stored(wh):
    return wh.df("SELECT lsoa, lsoa_vintage, name, ST_AsWKB(geom) AS wkb, vintage FROM lsoa_boundaries ORDER BY lsoa")


def test_london_shapefile_loads_every_polygon(real, wh):
    result = load_file(wh, "lsoa-boundaries", real / LONDON)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4835, 4835, 0)
    assert result.rows_unaccounted == 0 and wh.count("lsoa_boundaries") == 4835
    row = wh.df("SELECT name, lsoa_vintage FROM lsoa_boundaries WHERE lsoa = 'E01000001'").iloc[0]
    assert (row["name"], row["lsoa_vintage"]) == ("City of London 001A", 2011)
    assert wh.df("SELECT count(*) n FROM lsoa_boundaries WHERE NOT ST_IsValid(geom)").n[0] == 0


def test_london_areas_match_geopandas_own_computation(real, wh):
    load_file(wh, "lsoa-boundaries", real / LONDON)
    theirs = gpd.read_file(real / LONDON).set_index("LSOA11CD").geometry.area
    ours = wh.df("SELECT lsoa, ST_Area(geom) AS area FROM lsoa_boundaries").set_index("lsoa")["area"]
    assert ours["E01000001"] == pytest.approx(theirs["E01000001"], rel=1e-9)
    assert ours["E01000001"] == pytest.approx(133_320.77, abs=0.01)      # 0.133 km2, City of London 001A
    valid = gpd.read_file(real / LONDON).set_index("LSOA11CD").geometry.is_valid
    assert (ours[valid[valid].index] - theirs[valid[valid].index]).abs().max() < 1e-6
    assert ours.sum() == pytest.approx(theirs.sum(), rel=1e-6)


def test_london_invalid_polygons_are_repaired_and_reported(real):
    raw = gpd.read_file(real / LONDON)
    invalid = [i + 1 for i in range(len(raw)) if not raw.geometry.iloc[i].is_valid]
    result = lsoa_boundaries.read(real / LONDON)
    note = next(n for n in result.notes if "repaired" in n)
    assert note.startswith(f"{len(invalid)} invalid geometries repaired")
    assert all(str(i) in note for i in invalid) and len(invalid) == 8


def test_loading_the_london_file_twice_leaves_the_same_rows(real, wh):
    load_file(wh, "lsoa-boundaries", real / LONDON)
    first = stored(wh)
    load_file(wh, "lsoa-boundaries", real / LONDON)
    assert stored(wh).equals(first)


def test_crs84_polygons_are_reprojected_to_british_national_grid(tmp_path, wh):
    lon, lat = -0.1, 51.5
    ring = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]
    path = write_geojson(tmp_path / "one.geojson", [feature({"LSOA21CD": "E01033800"},
                                                            {"type": "Polygon", "coordinates": [ring]})], crs=CRS84)
    result = load_file(wh, "lsoa-boundaries", path)
    from pyproj import Transformer
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    expected = shapely.Polygon([to_bng.transform(x, y) for x, y in ring])
    row = wh.df("SELECT lsoa_vintage, ST_Area(geom) a, ST_XMin(geom) x0, ST_YMin(geom) y0 FROM lsoa_boundaries").iloc[0]
    assert row.a == pytest.approx(expected.area, rel=1e-9)
    assert (row.x0, row.y0) == (pytest.approx(expected.bounds[0]), pytest.approx(expected.bounds[1]))
    assert row.lsoa_vintage == 2021 and any("reprojected from" in n for n in result.notes)


def test_geopackage_in_lonlat_and_zipped_shapefile(tmp_path, wh):
    box = gpd.GeoDataFrame({"LSOA21CD": ["E01000001"], "LSOA21NM": ["City of London 001A"]},
                           geometry=[shapely.box(X, Y, X + 100, Y + 200)], crs=27700)
    box.to_crs(4326).to_file(tmp_path / "lsoa.gpkg", layer="lsoas")
    load_file(wh, "lsoa-boundaries", tmp_path / "lsoa.gpkg")
    row = wh.df("SELECT name, ST_Area(geom) a FROM lsoa_boundaries").iloc[0]
    assert row["name"] == "City of London 001A" and row.a == pytest.approx(20_000, rel=1e-6)
    box.to_file(tmp_path / "lsoa.shp")
    with zipfile.ZipFile(tmp_path / "lsoa.zip", "w") as archive:
        for part in tmp_path.glob("lsoa.*"):
            if part.suffix not in (".zip", ".gpkg"):
                archive.write(part, part.name)
    assert lsoa_boundaries.read(tmp_path / "lsoa.zip").rows_loaded == 1


def test_bowtie_is_repaired_and_reported(tmp_path, wh):
    bowtie = {"type": "Polygon", "coordinates": [[[X, Y], [X + 100, Y + 100], [X + 100, Y], [X, Y + 100], [X, Y]]]}
    path = write_geojson(tmp_path / "b.geojson", [feature({"LSOA11CD": "E01000001"}, square(X, Y)),
                                                  feature({"LSOA11CD": "E01000002"}, bowtie)])
    result = load_file(wh, "lsoa-boundaries", path)
    assert result.rows_loaded == 2 and result.rows_rejected == 0
    assert "1 invalid geometries repaired with make_valid (features 2)" in result.notes
    area = wh.df("SELECT ST_Area(geom) a, ST_IsValid(geom) v FROM lsoa_boundaries WHERE lsoa = 'E01000002'").iloc[0]
    assert area.a == pytest.approx(2 * (100 * 50 / 2)) and area.v     # two triangles meeting at the crossing


def test_z_coordinates_are_dropped(tmp_path, wh):
    ring = [[X, Y, 5.0], [X + 100, Y, 5.0], [X + 100, Y + 100, 7.0], [X, Y, 5.0]]
    path = write_geojson(tmp_path / "z.geojson", [feature({"LSOA21CD": "E01000001"},
                                                          {"type": "Polygon", "coordinates": [ring]})])
    load_file(wh, "lsoa-boundaries", path)
    row = wh.df("SELECT ST_HasZ(geom) z, ST_Area(geom) a FROM lsoa_boundaries").iloc[0]
    assert not row.z and row.a == pytest.approx(5_000)


def test_null_and_degenerate_geometries_are_rejected_with_their_feature_number(tmp_path, wh):
    flat = {"type": "Polygon", "coordinates": [[[X, Y], [X + 50, Y], [X + 100, Y], [X, Y]]]}
    path = write_geojson(tmp_path / "e.geojson", [feature({"LSOA11CD": "E01000001"}, square(X, Y)),
                                                  feature({"LSOA11CD": "E01000002"}, None),
                                                  feature({"LSOA11CD": "E01000003"}, flat)])
    result = load_file(wh, "lsoa-boundaries", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    rejects = wh.df("SELECT row_number, reason FROM rejects ORDER BY row_number")
    assert list(rejects.row_number) == [2, 3]
    assert "no geometry" in rejects.reason[0] and "cannot turn into an area" in rejects.reason[1]


def test_duplicate_and_malformed_codes_are_rejected(tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [feature({"LSOA11CD": "E01000001"}, square(X, Y)),
                                                  feature({"LSOA11CD": "E01000001"}, square(X + 200, Y)),
                                                  feature({"LSOA11CD": "E0100"}, square(X + 400, Y))])
    result = lsoa_boundaries.read(path)
    assert result.rows_loaded == 1
    assert list(result.rejects.row_number) == [2, 3]
    assert result.rejects.reason[0] == "duplicate LSOA code E01000001 (first on row 1)"
    assert "'E0100' is not an LSOA code" in result.rejects.reason[1]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_crs_needs_crs_option(tmp_path, wh):
    path = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"LSOA21CD": ["E01000001"]}, geometry=[shapely.box(X, Y, X + 100, Y + 100)]).to_file(path)
    with pytest.raises(GeometryError) as err:
        load_file(wh, "lsoa-boundaries", path)
    assert "has no coordinate reference system" in str(err.value) and "--crs EPSG:27700" in str(err.value)
    load_file(wh, "lsoa-boundaries", path, crs="EPSG:27700")
    assert wh.df("SELECT ST_Area(geom) a FROM lsoa_boundaries").a[0] == pytest.approx(10_000)


def test_geojson_of_metres_without_crs_member_is_refused_then_read_with_crs(tmp_path, wh):
    path = write_geojson(tmp_path / "m.geojson", [feature({"LSOA21CD": "E01000001"}, square(X, Y))], crs=None)
    with pytest.raises(GeometryError, match="declares the longitude/latitude CRS .* pass --crs EPSG:27700"):
        load_file(wh, "lsoa-boundaries", path)
    result = load_file(wh, "lsoa-boundaries", path, crs="EPSG:27700")
    assert result.rows_loaded == 1 and any("--crs EPSG:27700 used instead" in n for n in result.notes)


def test_degrees_declared_as_british_national_grid_are_refused(tmp_path, wh):
    ring = {"type": "Polygon", "coordinates": [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.5]]]}
    path = write_geojson(tmp_path / "w.geojson", [feature({"LSOA21CD": "E01000001"}, ring)])
    with pytest.raises(GeometryError, match="look like longitude/latitude degrees; pass --crs EPSG:4326"):
        load_file(wh, "lsoa-boundaries", path)


def test_polygons_outside_great_britain_are_refused(tmp_path, wh):
    ring = {"type": "Polygon", "coordinates": [[[-74.0, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74.0, 40.7]]]}
    path = write_geojson(tmp_path / "ny.geojson", [feature({"LSOA21CD": "E01000001"}, ring)], crs=CRS84)
    with pytest.raises(GeometryError, match="lies outside Great Britain"):
        load_file(wh, "lsoa-boundaries", path)


def test_empty_files_are_refused(tmp_path, wh):
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    with pytest.raises(InputFileError, match="is empty"):
        load_file(wh, "lsoa-boundaries", empty)
    none = write_geojson(tmp_path / "none.geojson", [])
    with pytest.raises(GeometryError, match="has no features"):
        load_file(wh, "lsoa-boundaries", none)
    assert wh.count("load_log") == 0


def test_missing_code_column_lists_the_columns_found(tmp_path, wh):
    path = write_geojson(tmp_path / "x.geojson", [feature({"zone": "A", "pop": 5}, square(X, Y))])
    with pytest.raises(MissingColumnError) as err:
        load_file(wh, "lsoa-boundaries", path)
    assert "missing column(s) LSOA21CD" in str(err.value) and "Columns found: zone, pop" in str(err.value)


def test_msoa_outlines_are_the_wrong_kind_of_file(real, wh):
    with pytest.raises(WrongSourceError, match="MSOA polygons"):
        load_file(wh, "lsoa-boundaries", real / "geography/MSOA11_outlines_EW_samuelbook.geojson.gz")


def test_msoa_codes_under_an_lsoa_column_name_are_named(tmp_path):
    path = write_geojson(tmp_path / "c.geojson", [feature({"code": "E02000001"}, square(X, Y))])
    with pytest.raises(WrongSourceError, match="holds MSOA codes"):
        lsoa_boundaries.read(path)


def test_points_and_catchments_are_the_wrong_kind_of_file(real, tmp_path):
    points = write_geojson(tmp_path / "p.geojson", [feature({"LSOA21CD": "E01000001"},
                                                            {"type": "Point", "coordinates": [X, Y]})])
    with pytest.raises(WrongSourceError, match="lsoa-centroids"):
        lsoa_boundaries.read(points)
    with pytest.raises(WrongSourceError, match="catchment polygons .* `repaudit load catchments`"):
        lsoa_boundaries.read(real / "brighton/catchments/catchulator_catchment_z.geojson")


def test_a_csv_is_not_a_geometry_file(real):
    with pytest.raises(GeometryError, match="has no geometries: it is a table"):
        lsoa_boundaries.read(real / "geography/LSOA_Dec_2021_PWC_EW.csv.gz")


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_cli_reports_a_missing_crs_in_one_paragraph(tmp_path, runner):
    path = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"LSOA21CD": ["E01000001"]}, geometry=[shapely.box(X, Y, X + 100, Y + 100)]).to_file(path)
    out = runner.invoke(cli, ["load", "lsoa-boundaries", str(path), "--db", str(tmp_path / "w.duckdb")])
    assert out.exit_code == 1
    assert out.output.startswith(f"Error: {path}: has no coordinate reference system") and "Traceback" not in out.output
    ok = runner.invoke(cli, ["load", "lsoa-boundaries", str(path), "--crs", "EPSG:27700",
                             "--db", str(tmp_path / "w.duckdb")])
    assert ok.exit_code == 0
    assert "nocrs.shp: 1 rows read = 1 loaded + 0 rejected + 0 skipped -> lsoa_boundaries (1 rows)" in ok.output


def test_cli_refuses_a_crs_it_cannot_read(tmp_path, runner):
    path = write_geojson(tmp_path / "a.geojson", [feature({"LSOA21CD": "E01000001"}, square(X, Y))])
    out = runner.invoke(cli, ["load", "lsoa-boundaries", str(path), "--crs", "EPSG:nonsense",
                              "--db", str(tmp_path / "w.duckdb")])
    assert out.exit_code == 1 and "--crs 'EPSG:nonsense' is not a coordinate reference system" in out.output


def test_only_in_2021_follows_the_ons_code_ranges():
    codes = pd.Series(["E01033768", "E01033769", "E01035762", "E01035763", "W01001958", "W01001959", "W01002040",
                       "E01990001", "E0100001X", ""])
    assert only_in_2021(codes).tolist() == [False, True, True, False, False, True, True, False, False, False]


def test_only_in_2021_agrees_with_the_real_lookup(real):
    lookup = pd.read_csv(real / "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz", dtype=str)
    codes = pd.Series(sorted(set(lookup.F_LSOA11CD) | set(lookup.LSOA21CD)))
    assert set(codes[only_in_2021(codes)]) == set(lookup.LSOA21CD) - set(lookup.F_LSOA11CD)


def test_codes_of_the_other_vintage_are_rejected_with_the_lookup_or_without(tmp_path, wh):
    lookup = tmp_path / "lookup.csv"
    lookup.write_text("F_LSOA11CD,LSOA21CD,CHGIND,LAD22CD\nE01000001,E01000001,U,E09000001\n"
                      "E01000002,E01033769,S,E09000001\nE01000002,E01033770,S,E09000001\n")
    old = write_geojson(tmp_path / "old.geojson", [feature({"LSOA11CD": "E01000001"}, square(X, Y)),
                                                   feature({"LSOA11CD": "E01033770"}, square(X + 200, Y))])
    new = write_geojson(tmp_path / "new.geojson", [feature({"LSOA21CD": "E01000001"}, square(X, Y)),
                                                   feature({"LSOA21CD": "E01000002"}, square(X + 200, Y))])
    assert lsoa_boundaries.read(new, warehouse=wh).rows_rejected == 0          # no lookup loaded: cannot tell
    first = load_file(wh, "lsoa-boundaries", old)
    assert first.rejects.reason.tolist() == [
        "E01033770 exists only in the 2021 LSOA set (2011 codes end at E01033768 and W01001958) but column "
        "LSOA11CD holds 2011 codes: load it as a 2021 file or translate it with the ONS lookup"]
    load_file(wh, "lsoa-lookup", lookup)
    second = load_file(wh, "lsoa-boundaries", new)
    assert second.rejects.reason.tolist() == [
        "E01000002 is a 2011 LSOA code that the loaded 2011 -> 2021 lookup does not have in the 2021 set, but column "
        "LSOA21CD holds 2021 codes"]


def test_the_real_london_2011_shapefile_has_no_code_of_the_wrong_vintage(real, wh):
    load_file(wh, "lsoa-lookup", real / "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz")
    result = load_file(wh, "lsoa-boundaries", real / LONDON)
    assert (result.rows_loaded, result.rows_rejected) == (4835, 0)


def test_a_polygon_in_the_sea_is_rejected_and_a_file_of_them_refused(tmp_path, wh):
    path = write_geojson(tmp_path / "s.geojson", [feature({"LSOA21CD": "E01000001"}, square(X, Y)),
                                                  feature({"LSOA21CD": "E01000002"}, square(700_000, 300_000))])
    result = load_file(wh, "lsoa-boundaries", path)
    assert list(result.rejects.row_number) == [2] and "wholly outside England and Wales" in result.rejects.reason[0]
    sea = write_geojson(tmp_path / "sea.geojson", [feature({"LSOA21CD": "E01000002"}, square(700_000, 300_000))])
    with pytest.raises(GeometryError, match="every feature lies outside England and Wales"):
        load_file(wh, "lsoa-boundaries", sea)


def shapefile(tmp_path, name="s"):
    path = tmp_path / f"{name}.shp"
    gpd.GeoDataFrame({"LSOA21CD": ["E01000001"]}, geometry=[shapely.box(X, Y, X + 100, Y + 100)],
                     crs=27700).to_file(path)
    return path


@pytest.mark.parametrize("part, role", [(".dbf", "attribute table"), (".shx", "shape index")])
def test_a_shapefile_missing_a_companion_names_it(tmp_path, runner, part, role):
    path = shapefile(tmp_path, "lsoas")
    (tmp_path / f"lsoas{part}").unlink()
    out = runner.invoke(cli, ["load", "lsoa-boundaries", str(path), "--db", str(tmp_path / "w.duckdb")])
    assert out.exit_code == 1
    assert out.output == (f"Error: {path}: the Shapefile's {role} lsoas{part} is missing from {tmp_path}: a Shapefile "
                          "is several files (.shp, .shx, .dbf and usually .prj) that must be kept together; copy "
                          f"lsoas{part} next to lsoas.shp (or load the zip they came in)\n")


@pytest.mark.parametrize("prj, says", [
    ('PROJCS["made up",GEOGCS["nonsense"],UNIT["furlong",201]]', "its projection file s.prj describes a coordinate "
                                                                  "reference system that cannot be read"),
    ('PROJCS["x",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],'
     'UNIT["degree",0.0174532925199433]],PROJECTION["Made_Up_Projection"],UNIT["metre",1]]',
     "cannot be converted from its CRS 'x' to British National Grid (Input is not a transformation.) (the CRS "
     "comes from s.prj)")])
def test_a_made_up_prj_is_named_and_crs_overrides_it(tmp_path, wh, prj, says):
    path = shapefile(tmp_path)
    (tmp_path / "s.prj").write_text(prj)
    with pytest.raises(GeometryError) as err:
        load_file(wh, "lsoa-boundaries", path)
    assert says in str(err.value) and "pass --crs" in str(err.value)
    assert load_file(wh, "lsoa-boundaries", path, crs="EPSG:27700").rows_loaded == 1


def test_a_geojson_crs_no_one_knows_is_named_not_read_as_lonlat(tmp_path, wh):
    path = write_geojson(tmp_path / "u.geojson", [feature({"LSOA21CD": "E01000001"}, square(X, Y))],
                         crs="EPSG:999999")
    with pytest.raises(GeometryError) as err:
        load_file(wh, "lsoa-boundaries", path)
    assert str(err.value) == (f"{path}: declares the coordinate reference system 'EPSG:999999', which is unknown; "
                              "pass --crs to say which CRS the coordinates are in, e.g. --crs EPSG:27700 (British "
                              "National Grid) or --crs EPSG:4326 (longitude/latitude)")
    assert load_file(wh, "lsoa-boundaries", path, crs="EPSG:27700").rows_loaded == 1


def test_degrees_given_crs_bng_say_the_option_was_given(tmp_path, wh):
    ring = {"type": "Polygon", "coordinates": [[[-1.3, 52.9], [-1.2, 52.9], [-1.2, 53.0], [-1.3, 52.9]]]}
    path = write_geojson(tmp_path / "d.geojson", [feature({"LSOA21CD": "E01000001"}, ring)], crs=None)
    with pytest.raises(GeometryError, match=r"--crs EPSG:27700 was given \(metres\) but the coordinates range x -1.3 "
                                            "to -1.2, y 52.9 to 53, which look like longitude/latitude degrees"):
        load_file(wh, "lsoa-boundaries", path, crs="EPSG:27700")


def test_zip_and_geopackage_layers_are_chosen_or_refused_by_name(tmp_path, wh):
    box = gpd.GeoDataFrame({"LSOA21CD": ["E01000001"]}, geometry=[shapely.box(X, Y, X + 100, Y + 200)], crs=27700)
    box.to_file(tmp_path / "two.gpkg", layer="lsoas")
    box.set_geometry(box.centroid).to_file(tmp_path / "two.gpkg", layer="points")
    result = load_file(wh, "lsoa-boundaries", tmp_path / "two.gpkg")
    assert result.rows_loaded == 1
    assert "2 layers in the file ('lsoas' (Polygon), 'points' (Point)): read 'lsoas', the only one of polygons" \
        in result.notes
    box.to_file(tmp_path / "two.gpkg", layer="more")
    with pytest.raises(InputFileError, match="holds 3 layers .* and 2 of them hold polygons"):
        load_file(wh, "lsoa-boundaries", tmp_path / "two.gpkg")
    box.to_file(tmp_path / "a.geojson")
    box.to_file(tmp_path / "b.geojson")
    with zipfile.ZipFile(tmp_path / "both.zip", "w") as archive:
        archive.write(tmp_path / "a.geojson", "dir/a.geojson")
        archive.write(tmp_path / "b.geojson", "dir/b.geojson")
    with pytest.raises(InputFileError, match=r"holds 2 geometry files \(dir/a.geojson, dir/b.geojson\)"):
        load_file(wh, "lsoa-boundaries", tmp_path / "both.zip")


def test_unbuildable_rings_are_rejected_and_control_characters_removed(tmp_path, wh):
    short = {"type": "Polygon", "coordinates": [[[X, Y], [X + 100, Y]]]}
    path = write_geojson(tmp_path / "r.geojson", [feature({"LSOA21CD": "E01000001", "LSOA21NM": "A\u001b[31m\u000bB"},
                                                          square(X, Y)),
                                                  feature({"LSOA21CD": "E01000002"}, short)])
    result = load_file(wh, "lsoa-boundaries", path)
    assert result.rejects.reason.tolist() == ["the geometry cannot be built (a ring that is not closed, has fewer than "
                                              "four points or holds NaN coordinates)"]
    assert "control characters (NUL, ESC, ...) removed from the properties of 1 feature (1)" in result.notes
    assert wh.df("SELECT name FROM lsoa_boundaries").name.tolist() == ["A[31mB"]


def test_a_zip_whose_member_leads_outside_is_refused(tmp_path, wh):
    with zipfile.ZipFile(tmp_path / "t.zip", "w") as archive:
        archive.writestr("../evil.geojson", '{"type": "FeatureCollection", "features": []}')
    with pytest.raises(InputFileError, match=r"holds a file whose path leads outside the zip \('../evil.geojson'\)"):
        load_file(wh, "lsoa-boundaries", tmp_path / "t.zip")
