"""`repaudit school NAME|URN`: one school's card. Its figures are those of an audit of the school's LA and
phase under each model (checked against audits run here), its across-model count is recounted from the
per-model rows, names are found forgivingly, and the page shows hostile names as text."""
import shutil

import pytest

import repaudit
from repaudit.auditing import models
from repaudit.cli import cli
from repaudit.errors import RepauditError
from repaudit.report.card import card_page, card_text, find_school, school_card
from repaudit.warehouse import Warehouse

URN = 990010            # Hillcrest Primary Academy in the synthetic sample


@pytest.fixture(scope="module")
def card(sample_db):
    with Warehouse(sample_db, read_only=True) as wh:
        return school_card(wh, str(URN))


def test_the_headline_rows_are_those_of_an_audit_of_its_la_and_phase(card, sample_db):
    assert card.school["urn"] == URN and card.community == models.DEFAULT
    with Warehouse(sample_db, read_only=True) as wh:
        direct = repaudit.audit(wh, indicators="all", la=card.school["la"], phase=card.school["phase"]).schools
    direct = direct[direct["urn"] == URN].set_index("indicator")
    got = card.rows.set_index("indicator")
    assert list(got.index) == list(direct.index)
    for column in ("school_rate", "community_rate", "gap_pp", "flag", "shortfall", "rank"):
        assert got[column].tolist() == direct[column].tolist(), column


def test_each_model_row_is_that_models_own_audit_and_the_count_adds_up(card, sample_db):
    with Warehouse(sample_db, read_only=True) as wh:
        for name in set(card.models["community_model"]):
            own = repaudit.audit(wh, indicators="all", community=name, la=card.school["la"],
                                 phase=card.school["phase"]).schools
            own = own[own["urn"] == URN].set_index("indicator")
            mine = card.models[card.models["community_model"] == name].set_index("indicator")
            assert mine["gap_pp"].fillna(999).tolist() == own["gap_pp"].fillna(999).tolist(), name
    for row in card.rows.to_dict("records"):
        audited = card.models[(card.models["indicator"] == row["indicator"]) & (card.models["status"] == "audited")]
        assert row["models_run"] == len(audited)
        assert row["models_flagged"] == audited["flag"].fillna("").str.startswith("below").sum()
        assert row["gap_min_pp"] == audited["gap_pp"].min() and row["gap_max_pp"] == audited["gap_pp"].max()
    # models that do not cover the school's phase are not listed at all
    assert not any(card.school["phase"] not in models.MODELS[m].phases for m in card.models["community_model"])


def test_the_text_says_each_indicator_in_words(card):
    text = card_text(card)
    assert text.startswith(f"Hillcrest Primary Academy (synthetic) (URN {URN}): primary")
    fsm = card.rows.set_index("indicator").loc["fsm"]
    assert f"under {int(fsm['models_flagged'])} of {int(fsm['models_run'])} ways of measuring it" in text
    assert f"Rank {int(fsm['rank'])} of {card.peers['fsm']} audited schools" in text
    assert "Not shown: admissions demand" in text


def test_names_are_found_forgivingly_and_misses_suggest_schools(sample_db):
    with Warehouse(sample_db, read_only=True) as wh:
        repaudit.auditing.scope.prepare(wh.con)
        assert find_school(wh.con, "hillcrest")["urn"] == URN
        assert find_school(wh.con, str(URN))["urn"] == URN
        with pytest.raises(RepauditError, match=r"no school matches 'Hillcrast Primary': did you mean "
                                                r"Hillcrest Primary Academy \(synthetic\) \(990010, "):
            find_school(wh.con, "Hillcrast Primary")


def test_the_page_is_written_through_the_output_set_and_shows_names_as_text(sample_db, tmp_path, runner):
    db = tmp_path / "w.duckdb"
    shutil.copy(sample_db, db)
    hostile = "<script>alert(1)</script> {{ 7*7 }} Primary"
    with Warehouse(db) as wh:
        wh.con.execute("update schools set name = ? where urn = ?", [hostile, URN])
    page = tmp_path / "card.html"
    res = runner.invoke(cli, ["school", str(URN), "--db", str(db), "--html", str(page)])
    assert res.exit_code == 0, res.output
    html = page.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} Primary" in html
    assert "49 Primary" not in html
    res = runner.invoke(cli, ["school", str(URN), "--db", str(db), "--html", str(tmp_path)])
    assert res.exit_code != 0                                      # a folder is not a page


def test_varndean_on_the_real_files(national_db):
    with Warehouse(national_db, read_only=True) as wh:
        card = school_card(wh, "Varndean")
    assert card.school["name"] == "Varndean School" and card.school["la_name"] == "Brighton and Hove"
    fsm = card.rows.set_index("indicator").loc["fsm"]
    assert fsm["models_run"] >= 4 and card.peers["fsm"] >= 9
    assert "Varndean School" in card_page(card)


def test_the_card_stops_saying_demand_is_missing_once_applications_are_loaded(sample_db, tmp_path):
    from repaudit.report.card import missing_data
    db = tmp_path / "w.duckdb"
    shutil.copy(sample_db, db)
    with Warehouse(db) as wh:
        assert any(m.startswith("admissions demand") for m in missing_data(wh))
        wh.con.execute("insert into school_admissions (urn, year, phase, places_offered) values (?, 2023, 'Secondary', 150)",
                       [URN])
        assert not any(m.startswith("admissions demand") for m in missing_data(wh))


def test_the_card_shows_the_schools_series_when_several_census_years_are_loaded(card, sample_db):
    from repaudit.trends import trend
    with Warehouse(sample_db, read_only=True) as wh:
        years = sorted(r[0] for r in wh.con.execute(
            "select distinct year from school_indicators where indicator = 'fsm'").fetchall())
        series = trend(wh, indicators=["fsm"], la=card.school["la"], phase=card.school["phase"]).years
    assert len(years) == 3
    mine = series[(series["urn"] == URN) & series["in_series"]].sort_values("year")
    shown = card.trends["fsm"]
    assert shown["years"] == [(int(y), float(g)) for y, g in zip(mine["year"], mine["gap_pp"])]
    assert [y for y, _ in shown["years"]] == years
    s = shown["summary"]
    assert s["change_pp"] == pytest.approx(shown["years"][-1][1] - shown["years"][0][1])
    first, last = shown["years"][0], shown["years"][-1]
    assert f"{first[0]} {first[1]:+.1f} pp" in card_text(card) and f"{last[0]} {last[1]:+.1f} pp" in card_text(card)
    assert not any(m.startswith("trend") for m in card.missing)
    assert "cin" not in card.trends          # private: no series


def test_with_one_census_year_the_card_says_the_trend_is_not_loaded_and_how_to_load_it(sample_db, tmp_path):
    db = tmp_path / "one_year.duckdb"
    shutil.copy(sample_db, db)
    with Warehouse(db) as wh:
        wh.con.execute("delete from school_indicators where year < (select max(year) from school_indicators)")
        card = school_card(wh, str(URN))
    assert card.trends == {}
    text = card_text(card)
    assert "Trend (" not in text
    assert "Not shown: trend: not loaded" in text and "repaudit load census" in text
