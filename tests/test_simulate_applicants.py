"""Applications and capacities CSVs: what is read, and the exact error for each kind of bad row."""
import numpy as np
import pytest

from repaudit.errors import InputFileError, MissingColumnError
from repaudit.simulate.applicants import read_applications, to_applicants
from repaudit.simulate.schools import read_capacities, to_schools

URNS = [114579, 114580, 136164]
HEADER = "applicant_id,easting,northing,fsm,looked_after,sibling_urn,ehcp_urn,pref1,pref2,pref3\n"


def write(tmp_path, body, header=HEADER, name="apps.csv"):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_a_good_file_is_read_row_for_row(tmp_path):
    path = write(tmp_path, "A1,531000,107000,1,0,114580,,114579,114580,\n"
                           "A2,532000,106500,0,1,,136164,136164,,\n"
                           "A3,530500,107900,no,yes,,,,,\n")
    frame = read_applications(path, URNS)
    assert frame["applicant_id"].tolist() == ["A1", "A2", "A3"]
    assert frame["fsm"].tolist() == [True, False, False]
    assert frame["looked_after"].tolist() == [False, True, True]
    assert frame["prefs"].tolist() == [[114579, 114580], [136164], []]
    assert frame["sibling_urn"].tolist() == [114580, 0, 0]
    assert frame["ehcp_urn"].tolist() == [0, 136164, 0]
    assert frame["medical_social_urn"].tolist() == [0, 0, 0]
    apps = to_applicants(frame, {u: i for i, u in enumerate(URNS)})
    assert apps.offsets.tolist() == [0, 2, 3, 3]
    assert apps.prefs.tolist() == [0, 1, 2]
    assert apps.sibling_school.tolist() == [1, -1, -1] and apps.ehcp_school.tolist() == [-1, 2, -1]
    assert apps.xy.tolist() == [[531000, 107000], [532000, 106500], [530500, 107900]]


def test_a_home_given_by_lsoa_is_placed_at_its_centroid(tmp_path):
    path = write(tmp_path, "B1,,,0,0,114579\nB2,530000,105000,1,0,114580\n",
                 header="applicant_id,easting,northing,fsm,looked_after,preference_1\n")
    with pytest.raises(InputFileError, match="row 2: applicant has no location"):
        read_applications(path, URNS, {"E01016952": (530981.0, 104247.0)})     # no lsoa column to fall back on
    path = write(tmp_path, "B1,E01016952,0,0,114579\nB2,E01016953,1,0,114580\n",
                 header="applicant_id,lsoa,fsm,looked_after,pref1\n")
    with pytest.raises(InputFileError, match="row 3, column 'lsoa': LSOA 'E01016953' has no centroid"):
        read_applications(path, URNS, {"E01016952": (530981.0, 104247.0)})
    ok = read_applications(path, URNS, {"E01016952": (530981.0, 104247.0), "E01016953": (1.0, 2.0)})
    assert ok[["easting", "northing"]].to_numpy().tolist() == [[530981.0, 104247.0], [1.0, 2.0]]


@pytest.mark.parametrize("body, message", [
    ("A1,531000,107000,1,0,,,114579,999999,\n", "row 2, column 'pref2': unknown URN 999999: not one of the 3 schools"),
    ("A1,531000,107000,1,0,,,114579,,\nA1,531000,107000,0,0,,,114580,,\n",
     "row 3, column 'applicant_id': applicant_id 'A1' appears more than once .rows 2, 3."),
    ("A1,531000,107000,1,0,,,114579,114580,114579\n",
     "row 2, column 'pref3': URN 114579 is listed twice in the preferences"),
    ("A1,,,1,0,,,114579,,\n", r"row 2: applicant has no location \(1 row\(s\) in all\): give easting and northing"),
    ("A1,-0.14,50.82,1,0,,,114579,,\n", "row 2, column 'easting': location .-0.14, 50.82. is outside British National Grid"),
    ("A1,531000,107000,2,0,,,114579,,\n", "row 2, column 'fsm': '2' is not 0 or 1"),
    ("A1,531000,107000,1,0,,,,114579,\n", "row 2, column 'pref1': pref1 is empty but a later preference is given"),
    ("A1,531000,107000,1,0,,,Varndean,,\n", "row 2, column 'pref1': 'Varndean' is not a URN"),
    (",531000,107000,1,0,,,114579,,\n", "row 2, column 'applicant_id': applicant_id is empty"),
    ("A1,531k,107000,1,0,,,114579,,\n", "row 2, column 'easting': '531k' is not a number"),
])
def test_bad_rows_are_errors_naming_file_row_and_column(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(InputFileError, match=message) as err:
        read_applications(path, URNS)
    assert str(err.value).startswith(str(path))


def test_missing_required_columns_list_what_was_found(tmp_path):
    path = write(tmp_path, "A1,1,2\n", header="applicant_id,easting,northing\n")
    with pytest.raises(MissingColumnError, match="missing column.s. fsm, looked_after. Columns found: applicant_id"):
        read_applications(path, URNS)


def test_capacities_are_read_and_checked(tmp_path):
    path = write(tmp_path, "114579,300,531232,107295,Community school\n136164,180,534234,108203,Academy sponsor led\n",
                 header="URN,PAN,Easting,Northing,Type\n", name="pans.csv")
    frame = read_capacities(path)
    assert frame["urn"].tolist() == [114579, 136164] and frame["pan"].tolist() == [300, 180]
    schools = to_schools(frame)
    assert schools.community.tolist() == [True, False]
    assert schools.xy.tolist() == [[531232, 107295], [534234, 108203]]
    bad = write(tmp_path, "114579,300\n114579,200\n", header="urn,pan\n", name="dup.csv")
    with pytest.raises(InputFileError, match="row 3, column 'urn': URN 114579 is listed twice"):
        read_capacities(bad)
    bad = write(tmp_path, "114579,three hundred\n", header="urn,pan\n", name="nan.csv")
    with pytest.raises(InputFileError, match="row 2, column 'pan': 'three hundred' is not a whole number"):
        read_capacities(bad)
    no_xy = read_capacities(write(tmp_path, "114579,300\n", header="urn,pan\n", name="noxy.csv"))
    with pytest.raises(InputFileError, match="school.s. 114579 have no easting"):
        to_schools(no_xy)


def test_la_admissions_column_overrides_the_type():
    import pandas as pd

    frame = pd.DataFrame({"urn": [1, 2], "pan": [10, 20], "easting": [0.0, 1.0], "northing": [0.0, 1.0],
                          "type": ["Community school", "Community school"], "la_admissions": [False, True]})
    assert to_schools(frame).community.tolist() == [False, True]
    assert np.array_equal(to_schools(frame.drop(columns=["type", "la_admissions"])).community, [True, True])
