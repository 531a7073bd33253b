"""Files as spreadsheets and other systems leave them, kind by kind (repaudit/sources/damage.py): each is loaded
right with a note saying what was done, or refused with a sentence saying how to fix it. Every file is built
here; the values expected are worked by hand (or, for projections, by loading the undamaged file)."""
import datetime as dt

import numpy as np
import pytest

from repaudit.errors import InputFileError
from repaudit.load import read_file
from repaudit.simulate.applicants import read_applications

GIAS_HEADER = "URN,EstablishmentName,OpenDate"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def frame(result, table=0):
    return result.tables[table].frame


def note_with(result, text):
    found = [n for n in result.notes if text in n]
    assert found, result.notes
    return found[0]


# --- two exports joined ------------------------------------------------------------------------------------------

def test_a_second_header_in_another_order_realigns_the_rows_after_it(tmp_path):
    path = write(tmp_path, "gias.csv", "URN,EstablishmentName,NumberOfPupils\n100001,Alpha School,300\n"
                                       "NumberOfPupils,URN,EstablishmentName\n450,100002,Beta School\n"
                                       "520,100003,Gamma School\n")
    result = read_file("gias", path)
    schools = frame(result).set_index("urn")
    assert schools.loc[100002, "name"] == "Beta School" and schools.loc[100002, "pupils"] == 450
    assert schools.loc[100003, "pupils"] == 520 and schools.loc[100001, "pupils"] == 300
    assert note_with(result, "header is repeated with its columns in another order at row 3") == (
        "the header is repeated with its columns in another order at row 3 (two exports joined): the names are the "
        "same, so the rows after it were realigned by column name")
    assert result.rows_read == 3


def test_a_second_header_in_the_same_order_is_dropped_and_one_with_other_columns_refused(tmp_path):
    same = write(tmp_path, "a.csv", "URN,EstablishmentName\n100001,Alpha\nURN,EstablishmentName\n100002,Beta\n")
    result = read_file("gias", same)
    assert list(frame(result).urn) == [100001, 100002]
    assert "the header is repeated at row 3 (exports joined): the repeat was dropped" in result.notes
    other = write(tmp_path, "b.csv", "URN,EstablishmentName,NumberOfPupils\n100001,Alpha,300\n"
                                     "URN,EstablishmentName,SchoolCapacity\n100002,Beta,400\n")
    with pytest.raises(InputFileError) as error:
        read_file("gias", other)
    assert str(error.value) == (f"{other}, row 3: is a header row again with other columns (URN, EstablishmentName, "
                                "SchoolCapacity): two different exports were joined into one file; split them and "
                                "load each on its own")


# --- decimal commas ------------------------------------------------------------------------------------------------

def test_decimal_commas_of_a_french_libreoffice_are_read_when_no_number_uses_a_point(tmp_path):
    path = write(tmp_path, "IoD2019_scores.csv", "LSOA code (2011);IDACI Score\nE01000001;0,085\nE01000002;,5\n"
                                                 "E01000003;0,25 \n")
    result = read_file("iod", path)
    scores = frame(result).set_index("lsoa")["score"]
    assert scores.to_dict() == {"E01000001": 0.085, "E01000002": 0.5, "E01000003": 0.25}
    assert note_with(result, "decimal comma") == (
        "3 numbers written with a decimal comma (such as '0,085') in 'IDACI Score' read with '.' as the decimal "
        "point: the file is separated by semicolons and no number in it uses '.'")


def test_decimal_commas_beside_decimal_points_are_refused(tmp_path):
    path = write(tmp_path, "IoD2019_scores.csv", "LSOA code (2011);IDACI Score;Income Score\nE01000001;0,085;0.1\n")
    with pytest.raises(InputFileError, match=r"row 2: is separated by semicolons and writes numbers both with a "
                                             r"decimal comma \('0,085' in column 'IDACI Score'\) and with a point "
                                             r"\('0.1' in column 'Income Score'\)"):
        read_file("iod", path)


def test_spss_numbers_with_spaces_and_no_leading_zero(tmp_path):
    path = write(tmp_path, "IoD2019_scores.csv", "LSOA code (2011),IDACI Score\nE01000001,.085  \nE01000002, .5\n")
    scores = frame(read_file("iod", path)).set_index("lsoa")["score"]
    assert scores.to_dict() == {"E01000001": 0.085, "E01000002": 0.5}


# --- URNs in scientific notation ------------------------------------------------------------------------------

def test_urns_in_scientific_notation_load_when_every_digit_was_kept(tmp_path):
    path = write(tmp_path, "gias.csv", "URN,EstablishmentName\n1.00277E+05,Alpha\n100278,Beta\n1.4E+5,Gamma\n")
    with pytest.raises(InputFileError) as error:
        read_file("gias", path)
    assert str(error.value) == (
        f"{path}, row 4, column 'URN': URN '1.4E+5' is in scientific notation with only 2 of its 6 digits kept, so "
        "the school cannot be known (1 such URNs): a spreadsheet shortened them. Format the 'URN' column as Number "
        "with 0 decimal places (or as Text) in the original file, save it again and load it")
    path = write(tmp_path, "gias.csv", "URN,EstablishmentName\n1.00277E+05,Alpha\n100278,Beta\n1.40001e5,Gamma\n")
    result = read_file("gias", path)
    assert list(frame(result).urn) == [100277, 100278, 140001]
    assert note_with(result, "scientific notation") == (
        "2 URNs written in scientific notation by a spreadsheet (such as '1.00277E+05') read as whole numbers "
        "(100277): every digit was kept (rows 2, 4)")


# --- dates ------------------------------------------------------------------------------------------------------

def test_us_order_dates_are_read_month_first_when_some_can_only_be(tmp_path):
    path = write(tmp_path, "gias.csv", GIAS_HEADER + "\n100001,A,05/24/2015\n100002,B,01/02/2016\n100003,C,\n")
    result = read_file("gias", path)
    assert list(frame(result).open_date) == [dt.date(2015, 5, 24), dt.date(2016, 1, 2), None]
    assert note_with(result, "month-first") == ("column 'OpenDate' writes dates month-first (US order, such as "
                                                "'05/24/2015'): read as month/day/year in all 2 slashed dates")


def test_day_first_dates_stay_day_first_and_a_mixture_is_refused(tmp_path):
    path = write(tmp_path, "gias.csv", GIAS_HEADER + "\n100001,A,24/05/2015\n100002,B,01/02/2016\n")
    result = read_file("gias", path)
    assert list(frame(result).open_date) == [dt.date(2015, 5, 24), dt.date(2016, 2, 1)]
    assert not [n for n in result.notes if "month-first" in n]
    mixed = write(tmp_path, "gias.csv", GIAS_HEADER + "\n100001,A,24/05/2015\n100002,B,05/24/2015\n")
    with pytest.raises(InputFileError) as error:
        read_file("gias", mixed)
    assert str(error.value) == (f"{mixed}, row 3: column 'OpenDate' has dates day-first ('24/05/2015', row 2) and "
                                "month-first ('05/24/2015', row 3), so '01/02/2020' could be either: save the dates "
                                "as yyyy-mm-dd and load the file again")


def test_excel_serial_day_numbers_are_read_as_dates(tmp_path):
    # 45658 is 1 January 2025 and 44197 is 1 January 2021 in Excel (its date system counts from 1900).
    path = write(tmp_path, "gias.csv", GIAS_HEADER + "\n100001,A,45658\n100002,B,44197\n100003,C,\n")
    result = read_file("gias", path)
    assert list(frame(result).open_date) == [dt.date(2025, 1, 1), dt.date(2021, 1, 1), None]
    assert note_with(result, "serial") == ("column 'OpenDate' holds Excel serial day numbers (such as '45658' = "
                                           "2025-01-01), not dates: read as days from 30-12-1899 in 2 cells")
    mixed = write(tmp_path, "gias.csv", GIAS_HEADER + "\n100001,A,45658\n100002,B,01-01-2021\n")
    with pytest.raises(InputFileError, match=r"row 2: column 'OpenDate' holds both dates and whole numbers such as "
                                             r"'45658' \(an Excel serial day number\?\)"):
        read_file("gias", mixed)


# --- age bands turned into dates -----------------------------------------------------------------------------

def test_age_bands_excel_turned_into_dates_are_read_back(tmp_path):
    path = write(tmp_path, "census2021_ages.csv", "lsoa21_code,age_band,usual_residents\n"
                 "E01000001,01-Apr,40\nE01000001,05-Sep,50\nE01000001,Oct-14,60\nE01000001,15-19,70\n")
    result = read_file("population", path)
    bands = frame(result).set_index("age_band")
    assert bands[["age_min", "age_max", "population"]].astype(float).to_dict("index") == {
        "1-4": {"age_min": 1, "age_max": 4, "population": 40}, "5-9": {"age_min": 5, "age_max": 9, "population": 50},
        "10-14": {"age_min": 10, "age_max": 14, "population": 60},
        "15-19": {"age_min": 15, "age_max": 19, "population": 70}}
    assert note_with(result, "turned into dates") == ("3 age bands that a spreadsheet turned into dates read back: "
                                                      "'01-Apr' as 1-4, '05-Sep' as 5-9, 'Oct-14' as 10-14")


def test_age_band_columns_turned_into_dates_in_a_wide_table(tmp_path):
    path = write(tmp_path, "census2021_wide.csv", "LSOA21CD,0,1-Apr,05-Sep,Oct-14\nE01000001,9,40,50,60\n")
    result = read_file("population", path)
    got = frame(result).set_index("age_band")["population"].to_dict()
    assert got == {"0": 9, "1-4": 40, "5-9": 50, "10-14": 60}
    assert note_with(result, "turned into dates") == ("3 age bands that a spreadsheet turned into dates read back: "
                                                      "'1-Apr' as 1-4, '05-Sep' as 5-9, 'Oct-14' as 10-14")


# --- a pivot table's blanks --------------------------------------------------------------------------------------

def test_a_pivot_table_export_with_codes_only_on_the_first_row_of_each_block_is_refused(tmp_path):
    path = write(tmp_path, "census2021_pivot.csv", "lsoa21_code,age_band,usual_residents\n"
                 "E01000001,0-4,40\n,5-9,50\n,10-14,60\nE01000002,0-4,41\n,5-9,51\n")
    with pytest.raises(InputFileError) as error:
        read_file("population", path)
    assert str(error.value) == (
        f"{path}, row 3: column 'lsoa21_code' is blank on 3 rows that have values (rows 3, 4, 6): a pivot table "
        "exported as shown writes each LSOA code only on the first row of its block. In Excel choose PivotTable "
        "Design > Report Layout > Repeat All Item Labels (or Show in Tabular Form), save the table again and load it")


# --- LSOA codes of 2011 and 2021 in one file --------------------------------------------------------------------

def test_lsoa_codes_of_both_sets_in_one_file_are_refused(tmp_path):
    # E01035000 lies beyond the last 2011 code (E01033768) and within the 2021 set (up to E01035762).
    path = write(tmp_path, "census2011_ages.csv", "LSOA11CD,age_band,usual_residents\n"
                 "E01000001,0-4,40\nE01035000,0-4,50\n")
    with pytest.raises(InputFileError) as error:
        read_file("population", path)
    assert str(error.value) == (
        f"{path}, row 3: mixes LSOA codes of 2011 and 2021: 1 codes exist only in the 2021 set (such as E01035000) "
        "beside a header ('LSOA11CD') saying they are 2011 codes. One file must hold one set; translate the 2011 "
        "codes with the ONS LSOA 2011 -> 2021 lookup (or export the data again for one census) and load the file "
        "again")
    iod = write(tmp_path, "IoD2019.csv", "LSOA code (2011),IDACI Score\nE01000001,0.1\nE01035000,0.2\n")
    with pytest.raises(InputFileError, match="mixes LSOA codes of 2011 and 2021"):
        read_file("iod", iod)


def test_codes_retired_in_2021_beside_new_ones_are_refused_when_the_lookup_says_so(tmp_path, wh):
    import pandas as pd

    lookup = pd.DataFrame({"lsoa11": ["E01000002"], "lsoa21": ["E01035001"], "chgind": ["S"]})
    wh.con.execute("INSERT INTO lsoa_lookup (lsoa11, lsoa21, chgind) SELECT * FROM lookup")
    path = write(tmp_path, "ages.csv", "lsoa_code,age_band,usual_residents\nE01000002,0-4,40\nE01035000,0-4,50\n")
    with pytest.raises(InputFileError, match=r"row 3: mixes LSOA codes of 2011 and 2021: 1 codes exist only in the "
                                             r"2021 set \(such as E01035000\) beside 1 codes of the 2011 set only "
                                             r"\(such as E01000002, row 2\)"):
        read_file("population", path, warehouse=wh)


# --- LSOA codes in lower case or padded -----------------------------------------------------------------------

def test_lower_case_and_padded_lsoa_codes_in_an_applications_file_are_read(tmp_path):
    path = write(tmp_path, "apps.csv", "applicant_id,lsoa,fsm,looked_after,pref1\n"
                                       "a1, e01000001 ,0,0,100001\na2,E01 000002,1,0,100001\na3,E01000001,0,0,\n")
    xy = {"E01000001": (530000.0, 180000.0), "E01000002": (531000.0, 181000.0)}
    apps = read_applications(path, [100001], xy)
    assert apps[["easting", "northing"]].values.tolist() == [[530000, 180000], [531000, 181000], [530000, 180000]]
    assert apps.attrs["notes"] == ["2 LSOA codes in column 'lsoa' written in lower case or with spaces (such as "
                                   "' e01000001 ') read as E01000001 (rows 2, 3)"]


# --- longitude and latitude swapped ----------------------------------------------------------------------------

def test_longitude_and_latitude_swapped_in_some_rows_are_put_back(tmp_path):
    right = write(tmp_path, "right.csv", "LSOA21CD,longitude,latitude\nE01000001,-0.0931,51.5181\n"
                                         "E01000002,-2.5879,51.4545\n")
    swapped = write(tmp_path, "swapped.csv", "LSOA21CD,longitude,latitude\nE01000001,-0.0931,51.5181\n"
                                             "E01000002,51.4545,-2.5879\n")
    expected = frame(read_file("lsoa-centroids", right))[["easting", "northing"]].to_numpy()
    result = read_file("lsoa-centroids", swapped)
    assert np.allclose(frame(result)[["easting", "northing"]].to_numpy(), expected)
    assert 355_000 < expected[1][0] < 360_000 and 172_000 < expected[1][1] < 174_000       # Bristol
    assert note_with(result, "swapped") == ("1 rows had longitude and latitude swapped (rows 3): latitude 51 or so "
                                            "cannot be a longitude in England and Wales, so they were exchanged")


# --- the same kinds in a residence-flows file (read by DuckDB's SQL, checked by damage.py) ----------------------

def test_flows_with_scientific_urns_and_untidy_lsoa_codes(tmp_path):
    path = write(tmp_path, "flows.csv", "urn,LSOA21CD,pupils\n1.00277E+05, e01000001 ,5\n100278,E01 000002,6\n"
                                        "100279,E01000003,7\n")
    result = read_file("flows", path, year=2022)
    assert frame(result)[["urn", "lsoa", "pupils"]].values.tolist() == [
        [100277, "E01000001", 5], [100278, "E01000002", 6], [100279, "E01000003", 7]]
    assert result.notes == [
        "1 URNs written in scientific notation by a spreadsheet (such as '1.00277E+05') read as whole numbers "
        "(100277): every digit was kept (rows 2)",
        "2 LSOA codes in column 'LSOA21CD' written in lower case or with spaces (such as ' e01000001 ') read as "
        "E01000001 (rows 2, 3)"]
    lossy = write(tmp_path, "flows.csv", "urn,lsoa,pupils\n100277,E01000001,5\n1.2E+05,E01000001,5\n")
    with pytest.raises(InputFileError, match=r"row 3, column 'urn': URN '1.2E\+05' is in scientific notation with "
                                             r"only 2 of its 6 digits kept"):
        read_file("flows", lossy, year=2022)
