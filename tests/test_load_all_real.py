"""Every real public file in ../shared/data/real that has a SOURCE loads into one warehouse, and each
file's summary accounts for every row: read = loaded + rejected + skipped."""
import pytest

from real_files import REAL_FILES as FILES
from repaudit.load import load_file, summary
from repaudit.warehouse import Warehouse


@pytest.fixture(scope="module")
def loaded(real, tmp_path_factory):
    results = []
    with Warehouse(tmp_path_factory.mktemp("all") / "all.duckdb") as wh:
        for source, name, options in FILES:
            results.append((name, load_file(wh, source, real / name, **options)))
        counts = {t: wh.count(t) for t in ("schools", "school_indicators", "lsoa_deprivation", "catchments")}
    return results, counts


def test_every_file_loads_and_accounts_for_every_row(loaded):
    results, _ = loaded
    for name, result in results:
        assert result.rows_read > 0, name
        assert result.rows_unaccounted == 0, (name, summary(result, "db"))
        assert " = " in summary(result, "db")[0], name


def test_the_warehouse_holds_the_union(loaded):
    results, counts = loaded
    by_name = {name: r for name, r in results}
    national = by_name["gias/edubasealldata20250524_reheadered_subset.csv.gz"].rows_loaded
    hampshire = by_name["gias/gias_hampshire850_surrey936_primary_20220420_original_headers.csv.gz"].rows_loaded
    assert national == 27153 and hampshire == 1096
    assert national <= counts["schools"] <= national + hampshire
    assert counts["catchments"] == sum(by_name[n].rows_loaded for _, n, _ in FILES if n.startswith("brighton/"))
