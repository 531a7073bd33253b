"""The warehouse: schema present, loads idempotent, a failing load leaves nothing behind."""
import duckdb
import pandas as pd
import pytest

from repaudit.warehouse import LoadResult, TableRows, Warehouse, spatial_extension_path


def links(urns):
    frame = pd.DataFrame({"urn": urns, "link_urn": [u + 1 for u in urns], "link_type": ["Successor"] * len(urns)})
    return LoadResult("gias-links", "links.csv", "20250422", len(urns),
                      [TableRows("school_links", frame, ["urn", "link_urn", "link_type"])])


def test_spatial_extension_comes_from_the_pypi_package():
    assert "duckdb_extension_spatial" in str(spatial_extension_path())


def test_geometry_functions_work(wh):
    assert wh.con.execute("SELECT ST_Area(ST_GeomFromText('POLYGON((0 0, 2 0, 2 3, 0 3, 0 0))'))").fetchone()[0] == 6.0


def test_loading_twice_leaves_the_same_rows(wh):
    wh.store(links([1, 2, 3]))
    first = wh.df("SELECT urn, link_urn, link_type FROM school_links ORDER BY urn")
    wh.store(links([1, 2, 3]))
    assert wh.df("SELECT urn, link_urn, link_type FROM school_links ORDER BY urn").equals(first)
    assert wh.count("school_links") == 3


def test_provenance_recorded(wh):
    wh.store(links([5]))
    row = wh.df("SELECT source_file, vintage, loaded_at FROM school_links").iloc[0]
    assert row.source_file == "links.csv" and row.vintage == "20250422" and row.loaded_at is not None
    log = wh.df("SELECT * FROM load_log")
    assert list(log.rows_loaded) == [1] and list(log.table_name) == ["school_links"]


def test_failed_load_leaves_warehouse_as_before(wh):
    wh.store(links([1, 2]))
    bad = links([7, 8])
    bad.tables.append(TableRows("no_such_table", pd.DataFrame({"urn": [1]}), ["urn"]))
    with pytest.raises(Exception):
        wh.store(bad)
    assert sorted(wh.df("SELECT urn FROM school_links").urn) == [1, 2]
    assert wh.count("load_log") == 1


def test_file_warehouse_persists(tmp_path):
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as w:
        w.store(links([1]))
    with Warehouse(path) as w:
        assert w.count("school_links") == 1


def test_a_reader_loads_the_spatial_extension_only_when_a_statement_needs_it(tmp_path):
    db = tmp_path / "w.duckdb"
    Warehouse(db).close()
    with Warehouse(db, read_only=True) as wh:
        assert not wh.con.spatial_loaded
        assert wh.con.execute("select count(*) from schools").fetchone() == (0,)
        with pytest.raises(duckdb.CatalogException):
            wh.con.execute("select no_such_function(1)")
        assert not wh.con.spatial_loaded
        assert wh.con.execute("select ST_AsText(ST_Point(1, 2))").fetchone() == ("POINT (1 2)",)
        assert wh.con.spatial_loaded
        assert wh.con.sql("select ST_X(ST_Point(3, 4)) as x").fetchone() == (3.0,)
