"""lsoa-lookup: the ONS LSOA 2011 -> 2021 lookup (CHGIND counts as published), the LSOA 2011 -> CCG -> LAD21
lookup stored as LAD-only rows that never erase a CHGIND, and bad rows."""
import csv
import gzip
from collections import Counter

import pytest

from repaudit.errors import MissingColumnError, WrongSourceError
from repaudit.load import load_file
from repaudit.sources import lsoa_lookup

LOOKUP = "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz"
CCG = "geography/LSOA11_to_CCG21_to_LAD21_Lookup_England.csv.gz"


def test_chgind_counts_match_the_published_figures_and_the_file(real, wh):
    result = load_file(wh, "lsoa-lookup", real / LOOKUP)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (35795, 35795, 0)
    assert result.rows_unaccounted == 0
    counts = dict(wh.df("SELECT chgind, count(*) n FROM lsoa_lookup GROUP BY chgind").values)
    assert counts == {"U": 33647, "S": 1900, "M": 239, "X": 9}           # SOURCES.md
    with gzip.open(real / LOOKUP, "rt", encoding="utf-8-sig", newline="") as handle:
        assert counts == dict(Counter(r["CHGIND"] for r in csv.DictReader(handle)))
    assert "CHGIND: 33,647 unchanged, 1,900 split, 239 merged, 9 irregular" in result.notes


def test_known_rows(real, wh):
    load_file(wh, "lsoa-lookup", real / LOOKUP)
    first = wh.df("SELECT * FROM lsoa_lookup WHERE lsoa11 = 'E01000001'").iloc[0]
    assert (first.lsoa21, first.chgind, first.lad_code, first.vintage) == ("E01000001", "U", "E09000001", "LAD2022")
    hartlepool = wh.df("SELECT lad_name FROM lsoa_lookup WHERE lsoa11 = 'E01011949'").lad_name[0]
    assert hartlepool == "Hartlepool"
    splits = wh.df("SELECT lsoa11, count(*) n FROM lsoa_lookup WHERE chgind = 'S' GROUP BY lsoa11")
    assert (splits.n >= 2).all()                                          # a split 2011 LSOA has 2+ 2021 LSOAs
    merged = wh.df("SELECT lsoa21, count(*) n FROM lsoa_lookup WHERE chgind = 'M' GROUP BY lsoa21")
    assert (merged.n >= 2).all()                                          # a merged 2021 LSOA has 2+ 2011 ones


def test_loading_twice_leaves_the_same_rows(real, wh):
    query = "SELECT * EXCLUDE (loaded_at) FROM lsoa_lookup ORDER BY lsoa11, lsoa21"
    load_file(wh, "lsoa-lookup", real / LOOKUP)
    first = wh.df(query)
    load_file(wh, "lsoa-lookup", real / LOOKUP)
    assert wh.df(query).equals(first)


def test_lad_only_lookup_gives_each_2011_lsoa_its_lad(real, wh):
    result = load_file(wh, "lsoa-lookup", real / CCG)
    assert (result.rows_read, result.rows_loaded) == (32844, 32844)
    row = wh.df("SELECT * FROM lsoa_lookup WHERE lsoa11 = 'E01007420'").iloc[0]
    assert (row.lsoa21, row.chgind, row.lad_code, row.lad_name) == ("E01007420", None, "E08000016", "Barnsley")
    assert any("no LSOA 2021 codes" in n for n in result.notes)


@pytest.mark.parametrize("second", [CCG, LOOKUP])
def test_lad_only_rows_never_erase_a_chgind(real, wh, second):
    first = LOOKUP if second == CCG else CCG
    load_file(wh, "lsoa-lookup", real / first)
    load_file(wh, "lsoa-lookup", real / second)
    counts = dict(wh.df("SELECT chgind, count(*) n FROM lsoa_lookup WHERE chgind IS NOT NULL GROUP BY 1").values)
    assert counts == {"U": 33647, "S": 1900, "M": 239, "X": 9}
    assert wh.df("SELECT chgind FROM lsoa_lookup WHERE lsoa11 = 'E01000001'").chgind.tolist() == ["U"]


def test_bad_rows_are_rejected_with_line_numbers(tmp_path):
    path = tmp_path / "lookup.csv"
    path.write_text("\ufeffF_LSOA11CD,LSOA21CD,CHGIND,LAD22CD\n"
                    "E01000001,E01000001,U,E09000001\n"
                    "E01000002,E01000002,Q,E09000001\n"
                    "E0100003,E01000003,U,E09000001\n"
                    "E01000001,E01000001,U,E09000001\n"
                    "E01000004,E01000004,U,E09000001,Westminster\n")
    result = lsoa_lookup.read(path)
    assert result.rows_loaded == 1 and list(result.rejects.row_number) == [3, 4, 5, 6]
    assert list(result.rejects.reason) == [
        "CHGIND 'Q' is not one of U, S, M, X",
        "LSOA 2011 code 'E0100003' is not an LSOA code",
        "duplicate LSOA 2011 -> 2021 pair E01000001, E01000001 (first on row 2)",
        "1 value beyond the header's 4 columns (a value may contain an unquoted comma)",
    ]


def test_a_file_without_lsoa_2011_codes_lists_its_columns(real, wh):
    with pytest.raises(MissingColumnError, match="missing column.* F_LSOA11CD. Columns found: FID, LSOA21CD"):
        load_file(wh, "lsoa-lookup", real / "geography/LSOA_Dec_2021_PWC_EW.csv.gz")


def test_a_geometry_file_is_refused(real):
    with pytest.raises(WrongSourceError, match="geometry file, not a lookup table"):
        lsoa_lookup.read(real / "geography/london_lsoa2011/LSOA_2011_London_gen_MHW.shp")


LOOKUP_HEADER = "F_LSOA11CD,LSOA21CD,CHGIND,LAD22CD\n"


def test_an_unchanged_lsoa_keeps_its_code_and_maps_once(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(LOOKUP_HEADER + "E01000001,E01000001,U,E09000001\nE01000001,E01000002,U,E09000001\n"
                    "E01000003,E01000003,U,E09000001\nE01000003,E01033771,S,E09000001\n"
                    "E01000004,E01000009,U,E09000001\n")
    result = lsoa_lookup.read(path)
    assert result.tables[0].frame[["lsoa11", "lsoa21"]].values.tolist() == [["E01000001", "E01000001"],
                                                                            ["E01000003", "E01000003"]]
    assert dict(zip(result.rejects.row_number, result.rejects.reason)) == {
        3: "CHGIND U (unchanged) but the 2021 code E01000002 differs from the 2011 code E01000001",
        5: "LSOA 2011 code E01000003 is marked unchanged (CHGIND U) on row 4, so it cannot also map to E01033771",
        6: "CHGIND U (unchanged) but the 2021 code E01000009 differs from the 2011 code E01000004"}


def test_a_2011_column_holding_a_code_only_2021_has_is_rejected(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(LOOKUP_HEADER + "E01033768,E01033768,U,E09000001\nE01033769,E01033769,U,E09000001\n"
                    "W01001959,W01001959,U,W06000001\nE01990001,E01990001,U,E06099990\n")
    result = lsoa_lookup.read(path)
    assert list(result.rejects.row_number) == [3, 4]          # E01033768 is the last 2011 code; E0199 is neither set
    assert result.rejects.reason[0].startswith("LSOA 2011 code E01033769 exists only in the 2021 LSOA set")


def test_the_real_lookup_has_no_unchanged_row_with_two_codes(real):
    result = lsoa_lookup.read(real / LOOKUP)
    assert result.rows_rejected == 0
    with gzip.open(real / LOOKUP, "rt", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert all(r["F_LSOA11CD"] == r["LSOA21CD"] for r in rows if r["CHGIND"] == "U")
