"""Spreadsheets ready to share: one sheet per indicator in rank order, a frozen filterable header, sized
columns, number formats for people over full-precision values, and a "Read me" sheet; read back with
openpyxl and compared with the audit's own table."""
import math

import pandas as pd
import pytest
from openpyxl import load_workbook

import repaudit
from repaudit.warehouse import Warehouse
from repaudit.workbook import sheet_name, sheets
from repaudit.xlsx import PERCENT, POINTS, WHOLE, number_format, write_book


@pytest.fixture(scope="module")
def written(sample_db, tmp_path_factory):
    with Warehouse(sample_db, read_only=True) as wh:
        result = repaudit.audit(wh, indicators="all")
    out = tmp_path_factory.mktemp("book")
    repaudit.results.write(result, out, formats=("csv", "xlsx"))
    return result, out


def _rows(sheet):
    values = list(sheet.iter_rows(values_only=True))
    return pd.DataFrame(values[1:], columns=values[0])


def test_one_sheet_per_indicator_after_a_read_me_and_the_first_data_sheet_opens(written):
    result, out = written
    book = load_workbook(out / "schools.xlsx")
    expected = [sheet_name(i) for i in result.schools["indicator"].unique()]
    assert book.sheetnames == ["Read me", *expected] and len(expected) >= 3
    assert book.active.title == expected[0]
    readme = [r[0] for r in book["Read me"].iter_rows(values_only=True) if r[0]]
    assert readme[0] == repaudit.describe.title(result.meta)
    assert any(line.startswith("Years: ") and "/" in line for line in readme)
    assert any("SYNTHETIC" in line for line in readme)                 # the sample says what it is
    for table in ("trusts", "areas"):
        assert load_workbook(out / f"{table}.xlsx").sheetnames[0] == "Read me"


def test_each_sheet_holds_its_indicator_in_rank_order_at_full_precision(written):
    _, out = written
    book = load_workbook(out / "schools.xlsx")
    shared = pd.read_csv(out / "schools.csv")          # the same rows as written for sharing (suppression applied)
    for indicator, rows in shared.groupby("indicator", sort=False):
        got = _rows(book[sheet_name(indicator)])
        assert set(got["indicator"]) == {indicator} and len(got) == len(rows)
        ranks = got["rank"].tolist()
        ranked = [r for r in ranks if r is not None and not (isinstance(r, float) and math.isnan(r))]
        assert ranked == sorted(ranked) and ranks[:len(ranked)] == ranked      # ranked first, then the rest
        want = rows.set_index("urn")
        for column in ("pupils", "gap_pp", "school_rate"):
            pd.testing.assert_series_equal(got.set_index("urn")[column].astype(float),
                                           want.loc[got["urn"], column].astype(float), check_names=False, rtol=1e-12)


def test_header_frozen_filtered_sized_and_numbers_formatted(written):
    _, out = written
    sheet = load_workbook(out / "schools.xlsx")["FSM"]
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    assert all(c.font.bold for c in sheet[1])
    width = {h: sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width for i, h in enumerate(header)}
    assert width["name"] > width["urn"] >= 6
    second = {h: c for h, c in zip(header, sheet[2])}
    assert second["pupils"].number_format == WHOLE
    assert second["school_rate"].number_format == second["community_rate"].number_format == PERCENT
    assert second["gap_pp"].number_format == POINTS
    assert second["name"].data_type == "s"


@pytest.mark.parametrize("column, fmt", [("pupils", WHOLE), ("shortfall", WHOLE), ("rank", WHOLE),
                                         ("school_rate", PERCENT), ("community_rate", PERCENT), ("share", None),
                                         ("gap_pp", POINTS), ("gap_shrunk_posterior95_low_pp", POINTS),
                                         ("z", "0.00"), ("z_adjusted", "0.00"), ("urn", None), ("D", None)])
def test_number_formats_follow_column_names(column, fmt):
    assert number_format(column) == fmt


def test_sheets_of_a_table_without_indicators_is_the_table_itself():
    frame = pd.DataFrame({"a": [2, 1]})
    assert [(n, f["a"].tolist()) for n, f in sheets("other", frame)] == [("other", [2, 1])]


def test_hostile_text_in_a_sheet_and_a_sheet_name_stays_text(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "ok\x00"], "pupils": [1.5, 2.0]})
    counts = write_book(tmp_path / "h.xlsx", [(sheet_name("[x]:*?/\\"), frame)], ["=1+1 title", "line"])
    book = load_workbook(tmp_path / "h.xlsx")
    assert book.sheetnames == ["Read me", "X"]
    assert book["Read me"]["A1"].value == "=1+1 title" and book["Read me"]["A1"].data_type == "s"
    cells = [c for row in book["X"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert book["X"]["A2"].value == "=HYPERLINK(\"http://x\")" and book["X"]["A3"].value == "ok"
    assert counts["control characters removed"] == 1
