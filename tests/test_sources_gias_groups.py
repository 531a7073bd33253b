"""gias-groups: GIAS group links -> trust_membership (school -> trust, federation, sponsor)."""
import csv
import datetime as dt
import gzip
from collections import Counter

from load_support import error_line, query, run_load, write_csv
from repaudit.load import load_file

GROUPS = "gias/gias_allgroupslinks_202203_ajb1970.csv.gz"


def test_every_link_of_the_real_file_is_loaded(real, wh):
    result = load_file(wh, "gias-groups", real / GROUPS)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (20395, 20395, 0)
    assert result.vintage == "2022-03"
    with gzip.open(real / GROUPS, "rt", encoding="utf-8", newline="") as handle:
        expected = Counter(r["Group Type"] for r in csv.DictReader(handle))
    assert dict(wh.df("SELECT group_type, count(*) FROM trust_membership GROUP BY 1").values) == dict(expected)
    assert expected["Multi-academy trust"] == 8737


def test_brighton_aldridge_belongs_to_its_trust_and_sponsor(real, wh):
    load_file(wh, "gias-groups", real / GROUPS)
    rows = wh.df("SELECT * FROM trust_membership WHERE urn = 136164 ORDER BY group_uid").to_dict("records")
    # 3608,136164,2096,TR00628,ALDRIDGE EDUCATION,5670663.0,6,Multi-academy trust,,,2006-01-10,OPEN,Open,2017-05-01
    trust = rows[0]
    assert (trust["group_uid"], trust["group_id"], trust["group_name"], trust["group_type"], trust["group_status"]) == (
        "2096", "TR00628", "ALDRIDGE EDUCATION", "Multi-academy trust", "Open")
    assert trust["joined_date"].date() == dt.date(2017, 5, 1)
    assert (rows[1]["group_uid"], rows[1]["group_type"]) == ("4927", "School sponsor")


def test_unknown_joined_dates_are_stored_empty(real, wh):
    result = load_file(wh, "gias-groups", real / GROUPS)
    assert "1,381 joined date values of 01-01-1900 (GIAS for 'unknown') stored empty" in result.notes
    assert wh.df("SELECT count(*) n FROM trust_membership WHERE joined_date IS NULL").n[0] == 1381


def test_original_name_spellings_and_repeated_pairs(tmp_path, runner):
    path = write_csv(tmp_path / "links.csv",
                     ["URN", "Group UID", "Group Name", "Group Type (name)", "Group Status (name)", "Joined date"],
                     [["136164", "2096", "Aldridge Education", "Multi-academy trust", "Open", "01-05-2017"],
                      ["136164", "2096", "Aldridge Education", "Multi-academy trust", "Open", "01-05-2017"],
                      ["139409", "", "King's", "Single-academy trust", "Open", ""]], quote_all=True)
    result = run_load(runner, tmp_path, "gias-groups", path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("links.csv: 3 rows read = 1 loaded + 2 rejected + 0 skipped")
    row = query(tmp_path, "SELECT * FROM trust_membership").iloc[0]
    assert (row.group_type, row.group_status, row.joined_date.date()) == ("Multi-academy trust", "Open",
                                                                         dt.date(2017, 5, 1))
    reasons = query(tmp_path, "SELECT reason FROM rejects ORDER BY row_number").reason.tolist()
    assert reasons == ["duplicate URN and Group UID 136164, 2096 (first on row 2)", "Group UID is empty"]


def test_a_file_without_group_uid_is_refused(tmp_path, runner):
    path = write_csv(tmp_path / "groups.csv", ["URN", "Group Name"], [["136164", "Aldridge Education"]])
    assert error_line(run_load(runner, tmp_path, "gias-groups", path)) == (
        f"Error: {path}: not a 'gias-groups' file: missing column(s) Group UID. Columns found: URN, Group Name")
