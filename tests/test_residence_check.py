"""The residence check and the fitted residence model on hand-worked examples: the check's correlations,
mean absolute errors and grammar gaps on four schools; the fitted model's shares on the fixture of
tests/audit_fixture.py; Atlas-style flows (no counts) joined to LSOA rates; URNs carried forward."""
import json
import math

import pandas as pd
import pytest

import audit_fixture
from repaudit.auditing import gravity, residence
from repaudit.auditing.run import audit
from repaudit.errors import RepauditError

TRUTH = pd.DataFrame({"urn": [1, 2, 3, 4], "community_rate": [0.10, 0.20, 0.30, 0.40],
                      "gap_pp": [-2.0, 0.0, 3.0, 5.0], "selective": [True, False, False, True]})


def test_residence_check_arithmetic_by_hand():
    model = pd.DataFrame({"urn": [1, 2, 3, 4, 5], "community_rate": [0.12, 0.18, 0.33, 0.40, 0.9],
                          "gap_pp": [-4.0, 2.0, 0.0, 5.0, 40.0], "selective": [True, False, False, True, False]})
    row = residence.compare({"m": model}, TRUTH, {"x": "not run: no data"}).set_index("community_model")
    m = row.loc["m"]
    assert m.schools == 4                                     # school 5 has no residence community
    # rates: deviations (-.15, -.05, .05, .15) and (-.1375, -.0775, .0725, .1425): 0.0495 / sqrt(0.05 x 0.050475)
    assert m.rate_correlation == pytest.approx(0.0495 / math.sqrt(0.05 * 0.050475))
    assert m.rate_mae_pp == pytest.approx((2 + 2 + 3 + 0) / 4)
    # gaps: deviations (-3.5, -1.5, 1.5, 3.5) and (-4.75, 1.25, -0.75, 4.25): 28.5 / sqrt(29 x 42.75)
    assert m.gap_correlation == pytest.approx(28.5 / math.sqrt(29 * 42.75))
    assert m.gap_mae_pp == pytest.approx((2 + 2 + 3 + 0) / 4)
    assert (m.grammar_schools, m.grammar_mean_gap_pp, m.residence_grammar_mean_gap_pp) == (2, 0.5, 1.5)
    assert row.loc["x"].schools == 0 and row.loc["x"].note == "not run: no data"


def test_identical_model_scores_perfectly_and_a_shuffled_one_does_not():
    same = residence.compare({"same": TRUTH}, TRUTH).iloc[0]
    assert (same.rate_correlation, same.rate_mae_pp, same.gap_correlation, same.gap_mae_pp) == \
        pytest.approx((1.0, 0.0, 1.0, 0.0))
    shuffled = TRUTH.assign(community_rate=TRUTH.community_rate[::-1].to_numpy(), gap_pp=TRUTH.gap_pp[::-1].to_numpy())
    bad = residence.compare({"bad": shuffled}, TRUTH).iloc[0]
    assert bad.rate_correlation == pytest.approx(-1.0) and bad.rate_mae_pp == pytest.approx(20.0)


@pytest.fixture
def fixture_wh(wh):
    audit_fixture.build(wh)
    return wh


def _fit_file(tmp_path, **changes):
    fit = {"form": "power", "floor_km": 0.5, "k": 2, "selective_km": 30.0,
           "parameters": {"size": 1.0, "selective": 0.0, "faith": 0.0, "decay": 2.0, "decay_selective": 1.0,
                          "decay_faith": 1.0}}
    fit.update(changes)
    path = tmp_path / "fit.json"
    path.write_text(json.dumps(fit))
    return path


def test_fitted_model_shares_each_lsoa_by_hand(fixture_wh, tmp_path):
    r = audit_fixture.audit_own_rates(fixture_wh, community="fitted", params={"fit": str(_fit_file(tmp_path))})
    # schools with room: A (0 km, roll 100), B (1), C (10, roll 200), H (0.8, 100). Two nearest of each LSOA:
    # L1 (0, 0.5): A at 0.5, H at sqrt(0.89); L2 (1.5, 0): B 0.5, H 0.7; L3 (9): C 1, B 8; L4 (11): C 1, B 10.
    # attraction = roll / max(d, 0.5)^2
    p_a1 = 400 / (400 + 100 / 0.89)
    p_b2, p_b3, p_b4 = 400 / (400 + 100 / 0.49), (100 / 64) / (200 + 100 / 64), (100 / 100) / (200 + 1)
    p_c3, p_c4 = 200 / (200 + 100 / 64), 200 / 201
    weights = fixture_wh.df("select urn, area, weight from catchment_weight where urn <= 3 order by urn, area")
    expected = [(1, "L1", 100 * p_a1), (2, "L2", 200 * p_b2), (2, "L3", 100 * p_b3), (2, "L4", 300 * p_b4),
                (3, "L3", 100 * p_c3), (3, "L4", 300 * p_c4)]
    assert [(u, a) for u, a, _ in expected] == list(zip(weights.urn, weights.area))
    assert weights.weight.tolist() == pytest.approx([w for *_, w in expected])
    s = r.schools.set_index("urn")
    b = (200 * p_b2 * 0.3 + 100 * p_b3 * 0.5 + 300 * p_b4 * 0.2) / (200 * p_b2 + 100 * p_b3 + 300 * p_b4)
    assert s.loc[[1, 2], "community_rate"].tolist() == pytest.approx([0.1, b])
    assert s.loc[3, "community_rate"] == pytest.approx((100 * p_c3 * 0.5 + 300 * p_c4 * 0.2) / (100 * p_c3 + 300 * p_c4))


def test_single_sex_and_deprivation_terms_by_hand(fixture_wh, tmp_path):
    # B (urn 2) is a girls' school: attraction x 0.5 x exp(-2 x IDACI of the LSOA), its decay 2 + 0.5.
    # Choice sets as above (two nearest): L2 {B 0.5 km, H 0.7}, L3 {C 1, B 8}, L4 {C 1, B 10}; IDACI
    # L2 0.3, L3 0.5, L4 0.2.
    fixture_wh.con.execute("update schools set gender = 'Girls' where urn = 2")
    base = json.loads(_fit_file(tmp_path).read_text())["parameters"]
    path = _fit_file(tmp_path, parameters={**base, "single_sex": math.log(0.5), "decay_single_sex": 0.5,
                                           "single_sex_idaci": -2.0})
    audit(fixture_wh, community="fitted", params={"fit": str(path)})
    b = lambda d, idaci: 100 * 0.5 * math.exp(-2 * idaci) / max(d, 0.5) ** 2.5  # noqa: E731
    p_b2 = b(0.5, 0.3) / (b(0.5, 0.3) + 100 / 0.49)
    p_b3 = b(8, 0.5) / (200 + b(8, 0.5))
    p_b4 = b(10, 0.2) / (200 + b(10, 0.2))
    weights = fixture_wh.df("select area, weight from catchment_weight where urn = 2 order by area")
    assert weights.area.tolist() == ["L2", "L3", "L4"]
    assert weights.weight.tolist() == pytest.approx([200 * p_b2, 100 * p_b3, 300 * p_b4])
    c = fixture_wh.df("select area, weight from catchment_weight where urn = 3 order by area")
    assert c.weight.tolist() == pytest.approx([100 * (1 - p_b3), 300 * (1 - p_b4)])


def test_design_columns_of_the_new_terms():
    x = gravity.design([2000.0, 2000.0, 2000.0], [100, 100, 100], [True, False, False], [False, True, False],
                       "exponential", 0.5, single_sex=[True, True, False], idaci=[0.25, float("nan"), 0.35],
                       same_la=[False, True, False])
    names = list(gravity.PAIR_NAMES)
    assert x.shape == (3, len(names))
    # the missing IDACI counts as the mean of the others, 0.3; a selective single-sex school has both terms
    assert x[0, names.index("selective_idaci")] == pytest.approx(0.25)
    assert x[0, names.index("selective_idaci2")] == pytest.approx(0.0625)
    assert x[0, names.index("single_sex_idaci")] == pytest.approx(0.25)
    assert x[1, names.index("faith_idaci")] == pytest.approx(0.3)
    assert x[1, names.index("decay_single_sex")] == pytest.approx(-2.0)
    assert x[1, names.index("same_la")] == 1.0 and x[0, names.index("same_la")] == 0.0
    # decay x IDACI for every kind of school: -(2 km) x IDACI
    assert x[:, names.index("decay_idaci")].tolist() == pytest.approx([-0.5, -0.6, -0.7])
    # the power terms beside the exponential decay: -log(2 km) for each school's own kind only
    assert x[:, names.index("log_decay_selective")].tolist() == pytest.approx([-math.log(2.0), 0, 0])
    assert x[:, names.index("log_decay_faith")].tolist() == pytest.approx([0, -math.log(2.0), 0])
    assert x[:, names.index("log_decay")].tolist() == pytest.approx([0, 0, -math.log(2.0)])
    rest = [i for i, n in enumerate(names) if i >= len(gravity.BASE) and n not in ("decay_idaci", "log_decay")]
    assert x[2, rest].tolist() == [0.0] * len(rest)
    assert x[2, names.index("decay")] == pytest.approx(-2.0)
    # the admissions terms: popularity, its change of the decay rate (-d x popularity), places per roll, the flag
    y = gravity.design([2000.0, 3000.0], [100, 100], [False, True], [False, False], "exponential", 0.5,
                       popularity=[0.5, -1.0], places_per_roll=[-1.5, -2.0], no_admissions=[0.0, 1.0])
    assert y[:, -4:].ravel().tolist() == pytest.approx([0.5, -1.0, -1.5, 0.0, -1.0, 3.0, -2.0, 1.0])
    assert names[-4:] == ["popularity", "decay_popularity", "places_per_roll", "no_admissions"]
    near = gravity.design([200.0], [100], [False], [False], "exponential", 0.5)   # under the floor: log(0.5)
    assert near[0, names.index("log_decay")] == pytest.approx(-math.log(0.5))
    assert near[0, names.index("decay")] == pytest.approx(-0.5)
    z = gravity.demand([0.2, float("nan"), 0.4], 3)              # the LSOA's IDACI and its square
    assert z.ravel().tolist() == pytest.approx([0.2, 0.04, 0.3, 0.09, 0.4, 0.16])
    assert gravity.demand(None, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_same_la_and_participation_terms_by_hand(fixture_wh, tmp_path):
    # districts (ONS lookup): L1, L2 in D1, L3, L4 in D2. A, B, H sit in L1 (LA 900), C in L3 and belongs to
    # LA 902, so D1's LA is 900 and D2's 902. Same LA: attraction x 3. State-school pupils of an LSOA:
    # children x exp(2 x IDACI - IDACI^2). Choice sets (two nearest): L1 {A 0.5, H sqrt(0.89)}, L2 {B 0.5,
    # H 0.7}, L3 {C 1, B 8}, L4 {C 1, B 10}: only C gains in L3 and L4 (A, B and H are all in L1's and L2's LA).
    con = fixture_wh.con
    con.execute("update schools set lsoa = 'L1' where urn in (1, 2, 8)")
    con.execute("update schools set lsoa = 'L3', la_code = '902', la_name = 'Thirdshire' where urn = 3")
    audit_fixture.insert(fixture_wh, "lsoa_lookup", [
        {"lsoa11": code, "lsoa21": code, "chgind": "U", "lad_code": lad, "lad_name": lad}
        for code, lad in (("L1", "D1"), ("L2", "D1"), ("L3", "D2"), ("L4", "D2"))])
    base = json.loads(_fit_file(tmp_path).read_text())["parameters"]
    path = _fit_file(tmp_path, parameters={**base, "same_la": math.log(3.0), "demand_idaci": 2.0,
                                           "demand_idaci2": -1.0})
    audit(fixture_wh, community="fitted", params={"fit": str(path)})
    state = {lsoa: children * math.exp(2 * i - i * i)
             for lsoa, children, i in (("L1", 100, 0.1), ("L2", 200, 0.3), ("L3", 100, 0.5), ("L4", 300, 0.2))}
    p_b2 = 400 / (400 + 100 / 0.49)
    p_c3, p_c4 = 3 * 200 / (3 * 200 + 100 / 64), 3 * 200 / (3 * 200 + 1)
    weights = fixture_wh.df("select urn, area, weight from catchment_weight where urn in (2, 3) order by urn, area")
    assert list(zip(weights.urn, weights.area)) == [(2, "L2"), (2, "L3"), (2, "L4"), (3, "L3"), (3, "L4")]
    assert weights.weight.tolist() == pytest.approx([state["L2"] * p_b2, state["L3"] * (1 - p_c3),
                                                     state["L4"] * (1 - p_c4), state["L3"] * p_c3,
                                                     state["L4"] * p_c4])


def test_exponential_decay_and_a_wrong_fit_file(fixture_wh, tmp_path):
    path = _fit_file(tmp_path, form="exponential", parameters={**json.loads(_fit_file(tmp_path).read_text())[
        "parameters"], "decay": 1.0})
    audit(fixture_wh, community="fitted", params={"fit": str(path)})
    w = fixture_wh.df("select weight from catchment_weight where urn = 1 and area = 'L1'").weight[0]
    assert w == pytest.approx(100 * 100 * math.exp(-0.5) / (100 * math.exp(-0.5) + 100 * math.exp(-math.sqrt(0.89))))
    bad = tmp_path / "bad.json"
    bad.write_text('{"form": "linear", "parameters": {"size": "big"}}')
    with pytest.raises(RepauditError, match="bad.json: not a fitted residence model"):
        audit(fixture_wh, community="fitted", params={"fit": str(bad)})
    wrong_term = json.loads(path.read_text())
    wrong_term["parameters"]["selective_idaci"] = "low"
    bad.write_text(json.dumps(wrong_term))
    with pytest.raises(RepauditError, match="missing or not numbers: selective_idaci"):
        audit(fixture_wh, community="fitted", params={"fit": str(bad)})
    wrong_term["parameters"]["selective_idaci"] = -5.0
    wrong_term["parameters"]["demand_idaci2"] = 1e4
    bad.write_text(json.dumps(wrong_term))
    with pytest.raises(RepauditError, match="bad.json: implausible state-school participation term demand_idaci2"):
        audit(fixture_wh, community="fitted", params={"fit": str(bad)})


def test_shipped_fit_reads_and_design_orders_its_columns():
    fit = gravity.load_fit()
    assert fit["form"] in gravity.FORMS and set(gravity.NAMES) <= set(fit["parameters"])
    x = gravity.design([250.0, 3000.0], [100, 400], [False, True], [True, True], "power", 0.5)
    assert x[0].tolist() == pytest.approx([math.log(100), 0, 1, 0, 0, -math.log(0.5)] + [0] * 10
                                          + [-math.log(0.5)] + [0] * 4)
    assert x[1].tolist() == pytest.approx([math.log(400), 1, 0, 0, -math.log(3.0), 0] + [0] * 9
                                          + [-math.log(3.0), 0] + [0] * 4)


def test_flows_without_counts_join_lsoa_rates_and_follow_urns_forward(fixture_wh):
    con = fixture_wh.con
    con.execute("delete from flows")
    # school 1's flows are filed under its predecessor 901 (closed, linked in GIAS): Atlas-style, pupils only
    audit_fixture.insert(fixture_wh, "flows", [
        {"urn": u, "lsoa": lsoa, "year": 2014, "pupils": p}
        for u, lsoa, p in ((901, "L1", 60), (901, "L2", 40), (2, "L2", 10), (2, "L3", 30))])
    audit_fixture.insert(fixture_wh, "school_links", [{"urn": 1, "link_urn": 901, "link_type": "Predecessor"}])
    s = audit_fixture.audit_own_rates(fixture_wh, community="flows").schools.set_index("urn")
    assert s.loc[1, "community_rate"] == pytest.approx((60 * 0.1 + 40 * 0.3) / 100)
    assert s.loc[2, "community_rate"] == pytest.approx((10 * 0.3 + 30 * 0.5) / 40)
    assert s.loc[3, "status"] == "excluded"


def test_validate_flows_prints_every_model_and_leaves_the_warehouse(runner, tmp_path):
    from repaudit.cli import cli
    from repaudit.warehouse import Warehouse

    db = tmp_path / "w.duckdb"
    with Warehouse(db) as w:
        audit_fixture.build(w, flows=False)
    flows = tmp_path / "flows.csv"                    # the Atlas's column names, with a BOM
    flows.write_text("\ufeffSecondary_School_URN,LSOA_CODE,Pupil_count\n1,E01000001,60\n", encoding="utf-8")
    out = runner.invoke(cli, ["validate", "--db", str(db), "--flows", str(flows)])
    assert out.exit_code == 1 and "--flows-year" in out.output and "Traceback" not in out.output
    flows.write_text("\ufeffSecondary_School_URN,LSOA_CODE,Pupil_count\n1,L1,60\n1,L2,40\n2,L2,70\n3,L3,50\n",
                     encoding="utf-8")
    with pytest.raises(Exception):                    # LSOA codes must look like E01...: the loader's own rule
        residence.use_flows_file(Warehouse(db, read_only=True), flows, 2014)


def test_a_fit_file_rewritten_under_the_same_name_is_audited_afresh(sample_db, tmp_path):
    from repaudit.warehouse import Warehouse

    path, other = tmp_path / "fit.json", tmp_path / "other.json"
    steep = {"form": "exponential", "floor_km": 0.5, "k": 30, "selective_km": 30.0,
             "parameters": {"size": 0.5, "selective": 0.0, "faith": 0.0, "decay": 1.5, "decay_selective": 0.6,
                            "decay_faith": 0.8}}
    flat = {**steep, "parameters": {**steep["parameters"], "decay": 0.1}}
    with Warehouse(sample_db, read_only=True) as w:                  # read-only: audits are memoised
        path.write_text(json.dumps(steep))
        first = audit(w, community="fitted", phase="secondary", params={"fit": str(path)}).audited("fsm")
        path.write_text(json.dumps(flat))
        again = audit(w, community="fitted", phase="secondary", params={"fit": str(path)}).audited("fsm")
        other.write_text(json.dumps(flat))
        fresh = audit(w, community="fitted", phase="secondary", params={"fit": str(other)}).audited("fsm")
    assert len(first) > 3
    assert again.community_rate.tolist() == pytest.approx(fresh.community_rate.tolist())
    assert (first.community_rate - again.community_rate).abs().max() > 0.005


def test_fit_likelihood_by_hand_and_its_gradient_by_finite_differences():
    """The fit script's school-side likelihood with the participation term: on two LSOAs and two schools,
    its value against the formula written out, and its gradient against central differences."""
    import importlib.util
    from pathlib import Path

    import numpy as np

    spec = importlib.util.spec_from_file_location(
        "fit_residence_model", Path(__file__).resolve().parents[1] / "bench" / "fit_residence_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pairs = pd.DataFrame({"lsoa": ["a", "a", "b", "b"], "urn": [1, 2, 1, 2], "dist": [1000.0, 3000.0, 2000.0, 500.0],
                          "roll": [100, 200, 100, 200], "selective": [False, True, False, True],
                          "faith": [False] * 4, "single_sex": [False, True, False, True],
                          "idaci": [0.1, 0.1, 0.4, 0.4], "same_la": [True, False, False, True],
                          "children": [50.0, 50.0, 80.0, 80.0], "popularity": [0.3, -0.2, 0.3, -0.2],
                          "places_per_roll": [-1.8, -2.1, -1.8, -2.1], "no_admissions": [0.0, 1.0, 0.0, 1.0]})
    observed = pd.DataFrame({"lsoa": ["a", "b", "a", "b"], "urn": [1, 1, 2, 2], "n": [7.0, 3.0, 2.0, 9.0]})
    lik = module.Likelihood(pairs, observed, "exponential")
    theta = np.linspace(-0.7, 0.9, len(gravity.NAMES))
    ll, grad, pupils = lik.value(theta, {1, 2})
    # by hand: m_l = children x exp(pi . (IDACI, IDACI^2)); a pupil of s lives in l w.p. m_l p(s|l) / sum
    x = gravity.pair_design(pairs, "exponential", 0.5)
    u = x @ theta[:len(gravity.PAIR_NAMES)]
    p = np.exp(u) / np.repeat([np.exp(u[:2]).sum(), np.exp(u[2:]).sum()], 2)
    pi = theta[len(gravity.PAIR_NAMES):]
    m = pairs.children.to_numpy() * np.exp(pi[0] * pairs.idaci + pi[1] * pairs.idaci ** 2).to_numpy()
    w = m * p                                         # rows: (a, 1), (a, 2), (b, 1), (b, 2)
    q1, q2 = w[[0, 2]] / w[[0, 2]].sum(), w[[1, 3]] / w[[1, 3]].sum()
    assert pupils == 21.0
    assert ll == pytest.approx(7 * np.log(q1[0]) + 3 * np.log(q1[1]) + 2 * np.log(q2[0]) + 9 * np.log(q2[1]))
    eps = 1e-6
    numeric = [(lik.value(theta + eps * e, {1, 2})[0] - lik.value(theta - eps * e, {1, 2})[0]) / (2 * eps)
               for e in np.eye(len(theta))]
    assert grad == pytest.approx(numeric, abs=1e-6)
    assert abs(grad[gravity.NAMES.index("demand_idaci")]) > 1e-3      # the participation term moves the fit
    broken = module.Likelihood(pairs.assign(idaci=0.0), observed, "exponential")
    assert broken.value(theta, {1, 2})[1][gravity.NAMES.index("demand_idaci")] == 0.0


def test_admissions_terms_take_the_median_where_a_school_has_none():
    schools = pd.DataFrame({"urn": [1, 2, 3, 4], "roll": [100, 400, 200, 50]})
    demand = pd.DataFrame({"urn": [1, 2, 4, 9], "places": [20.0, 80.0, 0.0, 30.0], "times_first": [39.0, 19.0, 5.0, 1.0]})
    t = gravity.admissions_terms(schools, demand).set_index("urn")
    # 1: log(40 / 21), log(20 / 100); 2: log(20 / 81), log(80 / 400); 3 (no row) and 4 (no places): the median
    # of 1 and 2, flagged
    pop = [math.log(40 / 21), math.log(20 / 81)]
    assert t.popularity.tolist() == pytest.approx(pop + [sum(pop) / 2] * 2)
    assert t.places_per_roll.tolist() == pytest.approx([math.log(0.2)] * 4)
    assert t.no_admissions.tolist() == [0.0, 0.0, 1.0, 1.0]
    none = gravity.admissions_terms(schools, None)
    assert none.popularity.tolist() == [0.0] * 4 and none.no_admissions.tolist() == [1.0] * 4


def test_popularity_and_places_terms_by_hand(fixture_wh, tmp_path):
    base = json.loads(_fit_file(tmp_path).read_text())["parameters"]
    path = _fit_file(tmp_path, parameters={**base, "popularity": 1.0, "decay_popularity": 0.5,
                                           "places_per_roll": 1.0, "no_admissions": -1.0})
    blunt = audit(fixture_wh, community="fitted", params={"fit": str(path)})     # nothing loaded yet: said so
    assert any("no applications and offers loaded" in n for n in blunt.meta["notes"])
    # applications and offers for B (urn 2) and C (3); A and H have none. Latest entry year 2022: B put first
    # 99 times for 50 places (full: places 50), C 49 times for 100 offered (not full: the most offered over
    # 2020-2022, 100). 2020 says otherwise, so the year read shows.
    audit_fixture.insert(fixture_wh, "school_admissions", [
        {"urn": u, "year": y, "phase": "Secondary", "la_code": "900", "places_offered": places, "times_first": first}
        for u, y, places, first in ((2, 2022, 50, 99), (3, 2022, 100, 49), (2, 2020, 60, 10), (3, 2020, 90, 40))])

    def attraction(roll, d, pop, per_roll, missing):       # roll d^-2 e^pop d^(-0.5 pop) e^per_roll e^-missing
        d = max(d, 0.5)
        return roll * d ** -2 * math.exp(pop) * d ** (-0.5 * pop) * math.exp(per_roll) * math.exp(-missing)

    def weights(b_pop, c_pop, b_per_roll, c_per_roll):      # A and H: the median of B and C, flagged
        a = lambda d: attraction(100, d, (b_pop + c_pop) / 2, (b_per_roll + c_per_roll) / 2, 1)  # noqa: E731
        h = a
        b = lambda d: attraction(100, d, b_pop, b_per_roll, 0)  # noqa: E731
        c = lambda d: attraction(200, d, c_pop, c_per_roll, 0)  # noqa: E731
        p_a1 = a(0.5) / (a(0.5) + h(math.sqrt(0.89)))
        p_b2 = b(0.5) / (b(0.5) + h(0.7))
        p_c3, p_c4 = c(1) / (c(1) + b(8)), c(1) / (c(1) + b(10))
        return [100 * p_a1, 200 * p_b2, 100 * (1 - p_c3), 300 * (1 - p_c4), 100 * p_c3, 300 * p_c4]

    def audited(**params):
        audit(fixture_wh, community="fitted", params={"fit": str(path), **params})
        return fixture_wh.df("select weight from catchment_weight where urn <= 3 order by urn, area").weight.tolist()

    latest = audited()
    assert not any("no applications" in n for n in audit(fixture_wh, community="fitted",
                                                          params={"fit": str(path)}).meta["notes"])
    assert latest == pytest.approx(weights(math.log(100 / 51), math.log(50 / 101), math.log(0.5), math.log(0.5)))
    # 2020: B 10 first for 60 places, C 40 for 90 (both not full: the most offered in 2018-2020)
    assert audited(admissions_year=2020) == pytest.approx(weights(math.log(11 / 61), math.log(41 / 91),
                                                                  math.log(0.6), math.log(0.45)))
    assert latest != pytest.approx(audited(admissions_year=2020))
    with pytest.raises(RepauditError, match="no secondary applications and offers for entry year 2021"):
        audit(fixture_wh, community="fitted", params={"fit": str(path), "admissions_year": 2021})


def test_schools_not_yet_open_in_an_earlier_entry_year_leave_its_choice_sets(fixture_wh, tmp_path):
    # A (urn 1) has applications only for 2022: asked for 2020, it was not yet open and no LSOA chooses it;
    # L1's two nearest are then H and B
    audit_fixture.insert(fixture_wh, "school_admissions", [
        {"urn": u, "year": y, "phase": "Secondary", "la_code": "900", "places_offered": 50, "times_first": 40}
        for u, y in ((1, 2022), (2, 2022), (3, 2022), (2, 2020), (3, 2020))])
    assert gravity.opened_since(fixture_wh.con, 2020) == {1} and gravity.opened_since(fixture_wh.con, 2022) == set()
    path = _fit_file(tmp_path)
    audit(fixture_wh, community="fitted", params={"fit": str(path), "admissions_year": 2020})
    then = fixture_wh.df("select urn, area from catchment_weight order by urn, area")
    assert 1 not in set(then.urn) and (8, "L1") in set(zip(then.urn, then.area))
    assert ((2, "L1") in set(zip(then.urn, then.area)))
    audit(fixture_wh, community="fitted", params={"fit": str(path)})
    assert 1 in set(fixture_wh.df("select urn from catchment_weight").urn)
