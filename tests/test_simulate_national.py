"""Any LA from open data: LAs resolved by name, old code or ONS code (counties through their districts), IDACI
carried from 2011 to 2021 LSOAs, neighbouring schools taking part with the LA's share of their places,
selective schools listed only by children who qualify; the real national warehouse for four LAs and all."""
import csv
import gzip
import json

import numpy as np
import pandas as pd
import pytest

from repaudit.cli import cli
from repaudit.errors import RepauditError, WarehouseError
from repaudit.simulate.inputs import SelectiveEntry
from repaudit.simulate.national import la_market, national_frames, resolve_la
from repaudit.warehouse import LoadResult, TableRows, Warehouse

# Countyshire (old code 900) has two districts; Cityton (901) is a unitary. LSOA11 E01000001 was split into
# the 2021 LSOAs E01100001 and E01100002; E01000002 and E01000003 were merged into E01100003.
LOOKUP = [("E01000001", "E01100001", "S", "E07000901", "Northdale"), ("E01000001", "E01100002", "S", "E07000901",
                                                                      "Northdale"),
          ("E01000002", "E01100003", "M", "E07000902", "Southdale"), ("E01000003", "E01100003", "M", "E07000902",
                                                                      "Southdale"),
          ("E01000004", "E01100004", "U", "E06000901", "Cityton")]
IDACI11 = {"E01000001": 0.1, "E01000002": 0.2, "E01000003": 0.4, "E01000004": 0.3}
CHILDREN = {"E01100001": 50.0, "E01100002": 50.0, "E01100003": 100.0, "E01100004": 300.0}
CENTROIDS = {"E01100001": (500000.0, 200000.0), "E01100002": (501000.0, 200000.0),
             "E01100003": (500000.0, 190000.0), "E01100004": (500000.0, 186000.0)}


def fill(wh):
    schools = pd.DataFrame({
        "urn": [301, 302, 303, 401], "name": ["North High", "South High", "=Grammar", "City Academy"],
        "la_code": ["900", "900", "900", "901"], "la_name": ["Countyshire"] * 3 + ["Cityton"],
        "type": ["Community school", "Academy converter", "Foundation school", "Academy converter"],
        "status": ["Open"] * 4, "phase": ["Secondary"] * 4, "pupils": [1000, 750, 500, 1500],
        "pct_fsm": [0.1, 0.3, 0.05, 0.4], "capacity": [None, 1000, 500, 1000],
        "easting": [500500.0, 500000.0, 501000.0, 500000.0], "northing": [200000.0, 190500.0, 199000.0, 188000.0],
        "lsoa": ["E01100001", "E01100003", "E01100002", "E01100004"], "admissions_policy": [None] * 4})
    census = pd.DataFrame({"urn": [301, 302, 303, 401], "year": 2022, "name": schools["name"],
                           "la_code": schools["la_code"], "admissions_policy": ["Non-selective", "Non-selective",
                                                                                 "Selective", "Non-selective"]})
    lookup = pd.DataFrame(LOOKUP, columns=["lsoa11", "lsoa21", "chgind", "lad_code", "lad_name"])
    tables = [
        ("schools", schools, ["urn"]), ("school_census", census, ["urn", "year"]), ("lsoa_lookup", lookup, ["lsoa11", "lsoa21"]),
        ("lsoa_population", pd.DataFrame({"lsoa": list(CHILDREN), "year": 2021, "age_band": "Aged 11", "age_min": 11,
                                          "age_max": 11, "population": list(CHILDREN.values())}), ["lsoa", "year", "age_band"]),
        ("lsoa_deprivation", pd.DataFrame({"lsoa": list(IDACI11), "lsoa_vintage": 2011, "year": 2019, "measure": "idaci",
                                           "score": list(IDACI11.values()), "la_code": "E07000901"}),
         ["lsoa", "year", "measure"]),
        ("lsoa_centroids", pd.DataFrame({"lsoa": list(CENTROIDS), "easting": [c[0] for c in CENTROIDS.values()],
                                         "northing": [c[1] for c in CENTROIDS.values()]}), ["lsoa"]),
    ]
    for table, frame, key in tables:
        wh.store(LoadResult("test", f"{table}.csv", "t", len(frame), [TableRows(table, frame, key, ())]))


@pytest.fixture
def frames(tmp_path):
    with Warehouse(tmp_path / "n.duckdb") as wh:
        fill(wh)
        return national_frames(wh)


@pytest.mark.parametrize("text", ["Countyshire", "countyshire", "900", "E07000902", "Southdale", "E07000901",
                                  "county", " COUNTYSHIRE "])
def test_an_la_is_found_by_name_old_code_or_the_ons_code_of_one_of_its_districts(frames, text):
    assert resolve_la(frames, text) == ("900", "Countyshire")


def test_an_unknown_la_is_an_error_with_similar_names(frames):
    assert resolve_la(frames, "E06000901") == ("901", "Cityton")
    with pytest.raises(RepauditError, match="no local authority in the warehouse matches --la 'Contyshire': "
                                            "did you mean Countyshire \\(900\\)"):
        resolve_la(frames, "Contyshire")


def test_idaci_follows_the_lsoa_lookup_from_2011_to_2021(frames):
    # a split LSOA passes its IDACI to both parts; a merged one takes the mean of its parts: (0.2 + 0.4) / 2
    idaci = frames.lsoas.set_index("lsoa")["idaci"].to_dict()
    assert idaci == pytest.approx({"E01100001": 0.1, "E01100002": 0.1, "E01100003": 0.3, "E01100004": 0.3})


def test_the_market_has_the_las_lsoas_its_schools_and_a_share_of_a_neighbours_places(frames):
    market = la_market(frames, "Countyshire")
    assert sorted(market.lsoas["lsoa"]) == ["E01100001", "E01100002", "E01100003"]
    own = market.schools[market.schools["in_la"]].set_index("urn")
    # places: capacity / 5 year groups, else the roll / 5 (North High has no capacity: 1000 / 5)
    assert own["pan"].to_dict() == {301: 200, 302: 200, 303: 100}
    assert own["selective"].to_dict() == {301: False, 302: False, 303: True}
    # City Academy lies 2 km from Countyshire's LSOA E01100003 (within 3 km). Within 3 km of it live 100
    # Countyshire children (E01100003) and 300 Cityton children (E01100004): it offers 25% of its 200 places.
    border = market.schools[~market.schools["in_la"]].set_index("urn")
    assert border["pan"].to_dict() == {401: 50}
    assert ("1 school(s) of neighbouring LAs within 3 km take part, with 50 places: their places times the LA's "
            "share of the children living within that distance of them") in market.notes
    assert market.fsm_share == pytest.approx((0.1 * 1000 + 0.3 * 750 + 0.05 * 500) / 2250)


def test_selective_schools_are_listed_only_by_children_who_qualify():
    # 20% of places are selective; FSM children qualify at a quarter of the others' rate: with 20% FSM the
    # others' rate is 0.2 / (0.8 + 0.25 x 0.2) = 0.2353 and the FSM rate 0.0588
    rng = np.random.default_rng(1)
    fsm = np.arange(40_000) % 5 == 0
    qualified = SelectiveEntry(fsm_ratio=0.25).qualify(8000.0, 40_000)(fsm, rng)
    assert qualified.mean() == pytest.approx(0.2, abs=0.01)
    assert qualified[fsm].mean() == pytest.approx(0.0588, abs=0.008)
    assert qualified[~fsm].mean() == pytest.approx(0.2353, abs=0.01)


def test_a_synthetic_la_from_the_small_warehouse_lists_the_grammar_only_if_qualified(tmp_path, runner):
    db = tmp_path / "n.duckdb"
    with Warehouse(db) as wh:
        fill(wh)
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", "E07000902", "--db",
                                 str(db), "--runs", "2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("The policy ")
    assert "\nfsm-quota vs baseline: 200 applicants, 4 schools" in result.output   # 50 + 50 + 100 children
    # 100 grammar places over a cohort of 200: half the children pass the selection test
    assert ("note: 1 selective school(s): only the 50.0% of children who pass the selection test (their 100 places "
            "over the cohort of 200) may list, be offered or be directed to them") in result.output
    allocation = pd.read_csv(tmp_path / "o" / "allocation.csv")
    at_grammar = allocation[allocation["urn"] == 303]
    assert len(at_grammar) and at_grammar["qualified"].eq(1).all()
    meta = json.loads((tmp_path / "o" / "meta.json").read_text(encoding="utf-8"))
    assert meta["la"] == {"code": "900", "name": "Countyshire", "lsoas": 3, "children": 200,
                          "fsm_share": pytest.approx(0.15555555)}


@pytest.fixture(scope="module")
def national(real, tmp_path_factory):
    """The national warehouse built as the README's real-data walk-through does, from ../shared/data/real."""
    from repaudit.load import load_file

    db = tmp_path_factory.mktemp("national") / "england.duckdb"
    files = [("gias", "gias/edubasealldata20250524_reheadered_subset.csv.gz"),
             ("spc", "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz"),
             ("lsoa-lookup", "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz"),
             ("lsoa-centroids", "geography/LSOA_Dec_2021_PWC_EW.csv.gz"),
             ("population", "population/census2021_lsoa21_usual_residents_by_age6.csv.gz"),
             ("iod", "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz")]
    with Warehouse(db) as wh:
        for source, name in files:
            load_file(wh, source, real / name)
    return db


def lookup_lsoas(real, districts):
    with gzip.open(real / "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz", "rt", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    code = next(k for k in rows[0] if k.upper().startswith("LAD") and k.upper().endswith("CD"))
    name = next(k for k in rows[0] if k.upper().startswith("LAD") and k.upper().endswith("NM"))
    lsoa = next(k for k in rows[0] if k.upper().startswith("LSOA21") and k.upper().endswith("CD"))
    return {r[lsoa] for r in rows if r[name] in districts or r[code] in districts}


KENT_DISTRICTS = {"Ashford", "Canterbury", "Dartford", "Dover", "Folkestone and Hythe", "Gravesham", "Maidstone",
                  "Sevenoaks", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells"}


def test_brighton_and_kent_markets_from_the_real_national_warehouse(national, real):
    with Warehouse(national, read_only=True) as wh:
        frames = national_frames(wh)
    for text in ("Brighton and Hove", "846", "E06000043"):
        market = la_market(frames, text)
        assert market.name == "Brighton and Hove"
        assert set(market.schools.loc[market.schools["in_la"], "urn"]) == {
            114579, 114580, 114581, 114606, 114607, 114608, 114611, 136164, 137063, 139409}
        assert set(market.lsoas["lsoa"]) == lookup_lsoas(real, {"Brighton and Hove"})
    kent = la_market(frames, "Kent")
    assert set(kent.lsoas["lsoa"]) == lookup_lsoas(real, KENT_DISTRICTS)
    assert kent.schools.loc[kent.schools["in_la"], "selective"].sum() >= 30         # Kent's grammar schools


@pytest.mark.parametrize("la", ["Brighton and Hove", "Kent", "Birmingham", "Cornwall"])
def test_synthetic_la_on_the_national_warehouse_writes_outputs_and_a_summary(national, la, tmp_path, runner):
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", la, "--db",
                                 str(national), "--runs", "2", "--cohorts", "1", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"The policy is modelled at all of {la}'s ")
    assert "\nfsm-quota vs baseline: " in result.output
    schools = pd.read_csv(tmp_path / "o" / "schools.csv")
    allocation = pd.read_csv(tmp_path / "o" / "allocation.csv")
    # every applicant has a school, or is reported unplaced (no room at a school that may admit them)
    assert (allocation["urn"].notna() | allocation["route"].eq("unplaced")).all() and len(allocation) > 1000
    assert set(allocation["urn"].dropna()) <= set(schools["urn"])


def test_national_figures_pool_the_las():
    from repaudit.simulate.national_run import pooled

    # LA a: 1,000 pupils, 50 move, 200 FSM of whom 90% get a top-two preference under the policy;
    # LA b: 3,000 pupils, 150 move, 600 FSM at 98%. Keep: 1 - 200 / 4,000 = 95%; FSM top two:
    # (200 x 0.90 + 600 x 0.98) / 800 = 0.96.
    table = pd.DataFrame({"applicants": [1000, 3000], "fsm_applicants": [200, 600], "movers": [50.0, 150.0],
                          "fsm_top2_baseline": [0.8, 0.9], "fsm_top2_policy": [0.9, 0.98],
                          "first_pref_baseline": [0.7, 0.8], "first_pref_policy": [0.7, 0.8],
                          "directed_baseline": [10.0, 20.0], "directed_policy": [12.0, 20.0]})
    totals = pooled(table)
    assert totals["kept_baseline_school"] == pytest.approx(0.95)
    assert totals["fsm_top2_policy"] == pytest.approx(0.96) and totals["fsm_top2_baseline"] == pytest.approx(0.875)
    assert totals["first_pref_baseline"] == pytest.approx(0.775) and totals["directed_policy"] == 32


def test_places_and_popularity_come_from_applications_and_offers_when_loaded(tmp_path):
    from repaudit.simulate.inputs import market_game

    rows = [  # urn, year, la, places offered, times 1st, 2nd, 3rd, preferences allowed
        (301, 2020, "900", 180, 250, 100, 50, 4), (301, 2022, "900", 150, 300, 120, 60, 4),
        (303, 2022, "900", 90, 180, 40, 20, 4), (401, 2022, "901", 200, 100, 80, 60, 3)]
    frame = pd.DataFrame(rows, columns=["urn", "year", "la_code", "places_offered", "times_first", "times_second",
                                        "times_third", "preferences"]).assign(phase="Secondary")
    with Warehouse(tmp_path / "n.duckdb") as wh:
        fill(wh)
        wh.store(LoadResult("test", "apps.csv", "t", len(frame), [TableRows("school_admissions", frame,
                                                                             ["urn", "year", "phase"])]))
        frames = national_frames(wh)
    assert frames.demand_year == 2022
    market = la_market(frames, "Countyshire")
    s = market.schools.set_index("urn")
    # places: 301 filled in 2022 (300 put it first for 150 places offered), so 150, not the most offered in
    # 2020-2022 (180); 302 has no row: the estimate (capacity 1000 / 5); the border school 401 (100 first
    # preferences for 200 places: not filled, the most offered) a quarter of its 200 (as in the test above)
    assert s["pan"].to_dict() == {301: 150, 302: 200, 303: 90, 401: 50}
    # first preferences of 2022; 302 has none: the LA's median per place, (300/150 + 180/90) / 2 = 2
    assert s["times_first"].to_dict() == pytest.approx({301: 300, 302: 200 * 2, 303: 180, 401: 25}, rel=1e-4)
    assert market.preferences == 4
    assert any("1 school(s) of Countyshire have no applications and offers for entry 2022 (URNs 302)" in n
               for n in market.notes)
    game = market_game(market, seed=0, preferences=4)
    firsts = pd.Series([p[0] for p in game.meta["applications"]["prefs"] if p]).value_counts()
    # the cohort is everyone who put a school of the market first: 300 + 400 + 180 + 25 = 905
    assert firsts.sum() == game.applicants.n == 905
    notes = " ".join(game.meta["notes"])
    assert "the cohort is the 905 children who put one of the market's schools first" in notes
    # the grammar 303 has 90 places but 180 put it first: 180 of the 905 pass the test (19.9%)
    assert ("only the 19.9% of children who pass the selection test (their 90 places or the 180 children who put "
            "one first, whichever is more, over the cohort of 905)") in notes
    assert "synthetic rates: looked-after 0.8% (assumed)" in " ".join(game.meta["notes"])


def test_applications_of_a_closed_school_count_for_its_open_successor(tmp_path):
    """An academy conversion gives a school a new URN: the rows of the old URN are the new school's demand (GIAS
    links, either direction), unless the new URN has its own row that year."""
    from repaudit.demand import school_demand

    rows = [(909, 2022, "900", 120, 200, 50, 20, 4),    # closed predecessor of the open 302 (no row of its own)
            (908, 2022, "900", 70, 60, 10, 5, 4),       # closed predecessor of 303, which has its own row: ignored
            (303, 2022, "900", 90, 180, 40, 20, 4),
            (907, 2022, "900", 30, 10, 5, 5, 4)]        # closed, no open successor: stays under its own URN
    frame = pd.DataFrame(rows, columns=["urn", "year", "la_code", "places_offered", "times_first", "times_second",
                                        "times_third", "preferences"]).assign(phase="Secondary")
    links = pd.DataFrame({"urn": [909, 303], "link_urn": [302, 908], "link_type": ["Successor", "Predecessor"]})
    with Warehouse(tmp_path / "n.duckdb") as wh:
        fill(wh)
        wh.store(LoadResult("test", "apps.csv", "t", len(frame), [TableRows("school_admissions", frame,
                                                                             ["urn", "year", "phase"])]))
        wh.store(LoadResult("test", "links.csv", "t", 2, [TableRows("school_links", links,
                                                                     ["urn", "link_urn", "link_type"])]))
        demand = school_demand(wh.con)[0].set_index("urn")
    assert sorted(demand.index) == [302, 303, 907]
    # 302 takes 909's row: 200 put it first for 120 places offered (filled: 120 places)
    assert (demand.loc[302, "times_first"], demand.loc[302, "places"]) == (200, 120)
    assert (demand.loc[303, "times_first"], demand.loc[303, "places"]) == (180, 90)
    # 907 did not fill (10 first preferences for 30 places): the most offered in three years
    assert (demand.loc[907, "times_first"], demand.loc[907, "places"]) == (10, 30)


def test_schools_with_no_entry_in_the_demand_year_are_not_in_its_market(tmp_path):
    """With applications loaded, a school with none in the demand year is left out of that year's market when it
    does not admit at Year 7 (SPC youngest year group above 7) or first had applications in a later year; a school
    with applications in the year stays whatever its youngest year group."""
    rows = [(301, 2020, "900", 180, 250, 100, 50, 4), (301, 2022, "900", 150, 300, 120, 60, 4),
            (303, 2022, "900", 90, 180, 40, 20, 4), (401, 2022, "901", 200, 100, 80, 60, 3)]
    frame = pd.DataFrame(rows, columns=["urn", "year", "la_code", "places_offered", "times_first", "times_second",
                                        "times_third", "preferences"]).assign(phase="Secondary")
    with Warehouse(tmp_path / "n.duckdb") as wh:
        fill(wh)
        wh.con.execute("UPDATE school_census SET youngest_year_group = CASE urn WHEN 302 THEN 9 WHEN 303 THEN 9 "
                       "ELSE 7 END")
        wh.store(LoadResult("test", "apps.csv", "t", len(frame), [TableRows("school_admissions", frame,
                                                                             ["urn", "year", "phase"])]))
        latest = national_frames(wh)
        wh.con.execute("UPDATE school_census SET youngest_year_group = 7 WHERE urn = 303")
        earlier = national_frames(wh, demand_year=2020)
    upper = "1 school(s) of Countyshire left out: no entry at Year 7 (the SPC's youngest year group is above) (URNs 302)"
    market = la_market(latest, "Countyshire")
    # 302 has no applications and no Year 7: out; 303 has no Year 7 either but has applications in 2022: in
    assert sorted(market.schools["urn"]) == [301, 303, 401]
    assert upper in market.notes
    market = la_market(earlier, "Countyshire")
    # entry 2020 (303 now with a Year 7): 303 and the border school 401 first had applications in 2022
    assert sorted(market.schools["urn"]) == [301]
    assert upper in market.notes
    assert "1 school(s) of Countyshire left out: applications only after entry 2020 (opened since) (URNs 303)" \
        in market.notes


def test_an_all_through_school_takes_part_when_it_has_applications_of_the_phase(tmp_path):
    """GIAS phase 'All-through' is not 'Secondary', yet such a school admits at Year 7 where the secondary
    applications and offers have its row: it takes part; one without a row does not."""
    rows = [(301, 2022, "900", 150, 300, 120, 60, 4), (305, 2022, "900", 60, 90, 20, 10, 4)]
    frame = pd.DataFrame(rows, columns=["urn", "year", "la_code", "places_offered", "times_first", "times_second",
                                        "times_third", "preferences"]).assign(phase="Secondary")
    with Warehouse(tmp_path / "n.duckdb") as wh:
        fill(wh)
        wh.con.execute("""INSERT INTO schools (urn, name, la_code, la_name, type, status, phase, pupils, easting,
                          northing, lsoa) VALUES
                          (305, 'Through School', '900', 'Countyshire', 'Academy converter', 'Open', 'All-through',
                           1400, 500800.0, 199500.0, 'E01100002'),
                          (306, 'Other Through', '900', 'Countyshire', 'Academy converter', 'Open', 'All-through',
                           1400, 500900.0, 199600.0, 'E01100002')""")
        wh.store(LoadResult("test", "apps.csv", "t", len(frame), [TableRows("school_admissions", frame,
                                                                             ["urn", "year", "phase"])]))
        frames = national_frames(wh)
    own = la_market(frames, "Countyshire").schools.set_index("urn")
    assert 305 in own.index and 306 not in own.index
    # its places are the places it offered (90 put it first for 60: it filled), its demand as published
    assert (own.loc[305, "pan"], own.loc[305, "times_first"]) == (60, 90)
