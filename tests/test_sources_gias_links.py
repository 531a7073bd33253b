"""gias-links: GIAS predecessor/successor links -> school_links (the loader of the project skeleton)."""
import csv
import datetime as dt
import gzip
import io

from load_support import query, run_load, write_csv
from repaudit.load import load_file

LINKS = "gias/links_edubasealldata20250422.csv.gz"


def test_every_link_of_the_real_file_is_loaded(real, wh):
    result = load_file(wh, "gias-links", real / LINKS)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (33801, 33801, 0)
    assert result.vintage == "20250422"
    text = gzip.decompress((real / LINKS).read_bytes()).decode("cp1252")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = sum(r["LinkType"] == "Predecessor - merged" for r in rows)
    assert wh.df("SELECT count(*) n FROM school_links WHERE link_type = 'Predecessor - merged'").n[0] == expected == 230


def test_known_links_and_cp1252_names(real, wh):
    load_file(wh, "gias-links", real / LINKS)
    # 136164,114583,"Falmer High School","Predecessor","01-09-2010": BACA replaced Falmer High School
    baca = wh.df("SELECT * FROM school_links WHERE urn = 136164").iloc[0]
    assert (baca.link_urn, baca.link_name, baca.link_type) == (114583, "Falmer High School", "Predecessor")
    assert baca.link_date.date() == dt.date(2010, 9, 1)
    name = wh.df("SELECT link_name FROM school_links WHERE urn = 109401 AND link_urn = 148296").link_name[0]
    assert name == "North Star 82°"


def test_repeated_links_are_kept_once_and_counted(tmp_path, runner):
    header = ["URN", "LinkURN", "LinkName", "LinkType", "LinkEstablishedDate"]
    row = ["136164", "114583", "Falmer High School", "Predecessor", "01-09-2010"]
    path = write_csv(tmp_path / "links.csv", header, [row, row, ["x", "1", "Bad", "Successor", ""]],
                     encoding="cp1252", quote_all=True)
    result = run_load(runner, tmp_path, "gias-links", path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("links.csv: 3 rows read = 1 loaded + 1 rejected + 1 skipped -> school_links (1 rows)")
    assert "  note: 1 repeated link rows kept once (the repeats skipped)" in lines
    assert query(tmp_path, "SELECT reason FROM rejects").reason.tolist() == ["URN or LinkURN is not a number"]
