"""`repaudit site`: every link of every page resolves, each page has title, language and description, names
are text, the index ranks LAs with hand-worked shortfalls, a failed build leaves the previous site."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from audit_examples import XSS_IMG, XSS_SCRIPT, XSS_TRUST, example_result
from repaudit.cli import cli
from repaudit.errors import RepauditError
from repaudit.site import build_site
from repaudit.site.build import la_folders, school_pages


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.lang, self.title, self.description, self._in_title = [], None, "", None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "title":
            self._in_title = True
        if tag == "meta" and attrs.get("name") == "description":
            self.description = attrs.get("content")
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def national_example():
    result = example_result(("fsm",))
    result.schools.loc[result.schools["urn"].isin([900003, 900005]), "la_name"] = XSS_IMG
    result.schools.loc[result.schools["urn"].isin([900003, 900005]), "la"] = "845"
    result.meta["filters"] = {}
    return result


def broken_links(folder: Path) -> list[str]:
    """Every relative href/src of every HTML page that does not lead to a file of the site."""
    bad = []
    for page in folder.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            if re.match(r"^(https?:|data:|#|mailto:)", link):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            if not target.is_file() or folder.resolve() not in target.parents:
                bad.append(f"{page.relative_to(folder)} -> {link}")
    return bad


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    return build_site(national_example(), out)


def test_every_link_resolves_and_every_page_has_title_lang_description(site):
    assert broken_links(site.folder) == []
    flagged = school_pages(national_example().schools)
    assert flagged and site.la_pages == 2 and site.trust_pages == 2
    assert site.pages == 1 + 2 * 2 + 2 + len(flagged)
    assert sorted(p.name for p in (site.folder / "la").iterdir()) == ["845", "846"]      # LA folders by code
    assert sorted(p.name for p in (site.folder / "school").iterdir()) == [f"{u}.html" for u in flagged]
    for page in site.folder.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.lang == "en" and parser.title.strip() and parser.description, page


def test_the_link_check_catches_a_missing_page(tmp_path):
    (tmp_path / "index.html").write_text('<a href="la/001/index.html">x</a><a href="../outside.html">y</a>')
    (tmp_path.parent / "outside.html").write_text("")
    assert broken_links(tmp_path) == ["index.html -> la/001/index.html", "index.html -> ../outside.html"]


def test_index_ranks_las_by_shortfall_and_shows_names_as_text(site):
    html = (site.folder / "index.html").read_text(encoding="utf-8")
    for raw in (XSS_IMG, XSS_SCRIPT, XSS_TRUST):
        assert raw not in html
    rows = re.findall(r'<tr class="row"><td class="num">(\d+)</td><td><a href="([^"]+)">([^<]+)</a></td>.*?</tr>',
                      html, re.S)
    las = [r for r in rows if r[1].startswith("la/")]
    # Brighton and Hove keeps Alpha (short 100, below 99.8%), the other LA the school with z -2.17 (short 15)
    assert [(r[0], r[2]) for r in las] == [("1", "Brighton and Hove"), ("2", "&lt;img src=x onerror=alert(1)&gt;")]
    first = re.search(r'<tr class="row"><td class="num">1</td><td><a href="la/846/index.html">Brighton and Hove</a>'
                      r'</td>\s*<td>South East</td><td class="num">3</td><td class="num">([^<]+)</td>'
                      r'<td class="num">1</td>\s*<td class="num">100</td>', html)
    # gap: (1000 x -10 + 400 x -2 + 200 x -3) / 1600
    assert first and first.group(1) == f"{(-10000 - 800 - 600) / 1600:+.1f}"


def test_la_page_compares_with_region_and_england_when_the_result_has_them(tmp_path):
    result = national_example()
    base = result.areas.iloc[0].to_dict()
    import pandas as pd
    result.areas = pd.DataFrame([{**base, "level": "england", "area_code": "E92", "area_name": "England", "D": 0.31},
                                 {**base, "level": "region", "area_code": "SE", "area_name": "South East", "D": 0.27},
                                 {**base, "level": "la", "area_code": "846", "area_name": "Brighton and Hove",
                                  "D": 0.2, "D_low": 0.15, "D_high": 0.25}])
    site = build_site(result, tmp_path / "s")
    page = (site.folder / "la" / "846" / "index.html").read_text(encoding="utf-8")
    assert "Secondary schools in Brighton and Hove: D = 0.20 (interval 0.15 to 0.25); South East: 0.27; England: 0.31." in page
    assert '<a href="../../index.html">' in page and '<a href="schools.csv"' in page and 'href="map.html"' in page


def test_a_failed_build_leaves_the_previous_site(tmp_path, monkeypatch):
    out = tmp_path / "site"
    build_site(national_example(), out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    import repaudit.site.build as site_build

    def broken(*args, **kwargs):
        raise RepauditError("disk full")
    monkeypatch.setattr(site_build, "_write_index", broken)
    with pytest.raises(RepauditError):
        build_site(national_example(), out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_cli_site_on_the_sample_and_unsuppressed_refused(runner, tmp_path):
    db = tmp_path / "w.duckdb"
    assert runner.invoke(cli, ["load-sample", "--db", str(db)]).exit_code == 0
    out = runner.invoke(cli, ["site", "--db", str(db), "--out", str(tmp_path / "site"), "--no-progress"])
    assert out.exit_code == 0, out.output
    assert re.fullmatch(rf"Site: {re.escape(str(tmp_path / 'site'))}/index.html - \d+ pages \(1 local authority, "
                        r"\d+ trusts\), \d+\.\d MB, \d+ s\n", out.stdout)
    assert out.stderr.startswith("Auditing every school under every public community model the data allow...\n"
                                 "Writing the site's pages...")
    assert broken_links(tmp_path / "site") == []
    card = next((tmp_path / "site" / "school").glob("*.html")).read_text(encoding="utf-8")
    assert "Not shown: admissions demand: no applications and offers are loaded" in card    # the sample has none
    bad = runner.invoke(cli, ["site", "--db", str(db), "--unsuppressed"])
    assert (bad.exit_code, bad.output) == (1, "Error: the site is for sharing, so disclosure control always applies: "
                                               "leave out --unsuppressed\n")


def test_school_pages_are_cards_linked_from_their_la_report_map_and_trust(site):
    flagged = school_pages(national_example().schools)
    urn = flagged[0]
    card = (site.folder / "school" / f"{urn}.html").read_text(encoding="utf-8")
    row = national_example().schools.set_index("urn").loc[urn]
    assert f"{100 * row['school_rate']:.1f}% of pupils are eligible for free school meals" in card
    assert f'<a href="../la/{row["la"]}/index.html">' in card                     # back to its LA
    la_page = (site.folder / "la" / "846" / "index.html").read_text(encoding="utf-8")
    la_map = (site.folder / "la" / "846" / "map.html").read_text(encoding="utf-8")
    linked = [u for u in flagged if f'href="../../school/{u}.html"' in la_page]
    from map_page import element_arguments
    links = element_arguments(la_map, "RepauditSetup")[0]["school_links"]
    assert linked and all(links[str(u)] == f"../../school/{u}.html" for u in linked)
    trust_pages = " ".join(p.read_text(encoding="utf-8") for p in (site.folder / "trust").glob("*.html"))
    assert f'href="../school/{urn}.html"' in trust_pages or urn not in set(
        national_example().schools.loc[national_example().schools["group_code"].notna(), "urn"])


def test_la_folders_are_codes_and_never_input_text():
    import pandas as pd
    schools = pd.DataFrame({"la_name": ["A", "B", "C", "D", "D"], "la": ["846", "../x", "846x", "201", "201"]})
    assert la_folders(schools, ["A", "B", "C", "D"]) == {"A": "846", "B": "n002", "C": "n003", "D": "201"}
    twice = pd.DataFrame({"la_name": ["A", "B"], "la": ["846", "846"]})
    assert la_folders(twice, ["A", "B"]) == {"A": "n001", "B": "n002"}


def test_the_same_result_gives_the_same_site_byte_for_byte(site, tmp_path):
    again = build_site(national_example(), tmp_path / "again")
    first = {p.relative_to(site.folder).as_posix(): p.read_bytes() for p in site.folder.rglob("*") if p.is_file()}
    second = {p.relative_to(again.folder).as_posix(): p.read_bytes() for p in again.folder.rglob("*") if p.is_file()}
    assert len(first) > 5 and first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_cli_site_shows_a_progress_bar_for_the_audit_and_the_pages(runner, sample_db, tmp_path):
    """One step per community model audited, then one per LA, school page and trust page and the index."""
    out = runner.invoke(cli, ["site", "--db", str(sample_db), "--out", str(tmp_path / "site"), "--progress"])
    assert out.exit_code == 0, out.output
    bars = out.stderr.replace("\r", "\n")
    from repaudit.auditing import models
    models_run = len(models.public_names())
    assert re.search(rf"Auditing: +\d+%.*\d/{models_run} \[", bars), bars[-2000:]      # one step per model
    pages = sum(1 for _ in (tmp_path / "site").rglob("*.html"))
    steps = 1 + sum(1 for _ in (tmp_path / "site" / "la").iterdir()) + sum(1 for _ in (tmp_path / "site").glob(
        "trust/*.html")) + sum(1 for _ in (tmp_path / "site").glob("school/*.html"))
    assert pages > 5 and re.search(rf"Writing site: +\d+%.*\d/{steps} \[", bars), bars[-2000:]
