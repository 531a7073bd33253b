"""The fitted residence model on the real files: the London Schools Atlas (January 2015, all year groups)
read as residence flows over the national warehouse, and a fit that never saw a group of boroughs judged
on their schools against where their pupils live. The thresholds are the ones the shipped fit states
(residence_fit.json "thresholds", the held-out figures of bench/fit_residence_model.py rounded down); the
figures here are computed afresh from a new fit on the other boroughs."""
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import repaudit
from repaudit.auditing import gravity, residence
from repaudit.warehouse import Warehouse

ATLAS = "flows/gla_london_schools_atlas_sec_school_to_lsoa_2016_part_a.csv.gz"
ROOT = Path(__file__).resolve().parents[1]


def _fit_script():
    spec = importlib.util.spec_from_file_location("fit_residence_model", ROOT / "bench" / "fit_residence_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def atlas(national_admissions_db, real):
    wh = Warehouse(national_admissions_db, read_only=True)
    described = residence.use_flows_file(wh, real / ATLAS, 2014)
    yield wh, described
    wh.close()


def test_atlas_loads_with_urns_carried_forward(atlas):
    wh, described = atlas
    assert described.startswith(f"{Path(ATLAS).name}: 17,614 flows of 284 schools")
    repaudit.audit(wh, indicators=["fsm"], community="flows", phase="secondary")
    moved = wh.df("select count(distinct source_urn) as n from audit_flows where urn <> source_urn").n[0]
    # an independent count: URNs GIAS no longer lists as open, with a successor link to a school that has no
    # flows of its own in the file (a merger into another Atlas school keeps both apart)
    movable = wh.df("""select count(distinct f.urn) as n from flows f join school_links l on l.urn = f.urn
                       where l.link_type ilike 'successor%' and l.link_type not ilike '%split%'
                         and f.urn not in (select urn from schools where status ilike 'open%')
                         and l.link_urn not in (select urn from flows)""").n[0]
    assert moved == movable > 30         # Haggerston School 100277 -> 149901 and others converted since 2015
    assert wh.df("select urn from audit_flows where source_urn = 100277").urn.unique().tolist() == [149901]


@pytest.fixture(scope="module")
def prepared(atlas):
    """The fit script's inputs over the national warehouse: (module, pairs, observed, schools with flows)."""
    wh, _ = atlas
    fit_module = _fit_script()
    year = gravity.load_fit()["fitted_on"].get("admissions_year")      # none: a fit without admissions terms
    pairs, observed = fit_module.prepare(wh.con, admissions_year=year)
    pairs = fit_module.with_admissions(wh.con, pairs, year)
    info = wh.df("select urn, la_name, selective, faith, single_sex from fit_schools")
    return fit_module, pairs, observed, info[info.urn.isin(set(observed.urn) & set(pairs.urn))]


def test_single_sex_schools_come_from_the_census(atlas, prepared, real):
    wh, _ = atlas                                   # `prepared` built audit_schools
    flagged = set(wh.df("select urn from audit_schools where single_sex").urn)
    spc = pd.read_csv(real / "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz",
                      usecols=["urn", "sex_of_school_description"])
    expected = set(spc.urn[spc.sex_of_school_description.isin(["Boys", "Girls"])])
    # the national GIAS subset has no Gender column, so the census says; a URN GIAS knows under a successor
    # takes its predecessor's census row only when it has none of its own
    assert flagged >= expected and len(flagged - expected) < 0.05 * len(expected)
    assert len(expected) == 848


def test_held_out_boroughs_meet_the_stated_thresholds(atlas, prepared, tmp_path):
    wh, _ = atlas
    fit_module, pairs, observed, info = prepared
    shipped = gravity.load_fit()
    thresholds = shipped["thresholds"]
    boroughs = sorted(info.la_name.unique())
    held = set(boroughs[::3])                                       # a third of the boroughs, never seen
    train = set(info.urn[~info.la_name.isin(held)])
    test = set(info.urn[info.la_name.isin(held)])
    lik = fit_module.Likelihood(pairs, observed, shipped["form"])
    theta = fit_module.fit(lik, train, shipped["variant"], gravity.theta(shipped))
    path = tmp_path / "fold.json"
    fit_module.write_fit(path, shipped["form"], theta)
    model = repaudit.audit(wh, indicators=["fsm"], community="fitted", phase="secondary",
                           params=_params(shipped, path)).audited("fsm")
    truth = repaudit.audit(wh, indicators=["fsm"], community="flows", phase="secondary").audited("fsm")
    row = residence.compare({"fitted": model[model.urn.isin(test)]}, truth).iloc[0]
    assert row.schools >= 40
    assert row.rate_correlation >= thresholds["rate_correlation"]
    assert row.gap_correlation >= thresholds["gap_correlation"]


def _utility(row, p: dict, form: str, floor_km: float) -> float:
    """log attraction x decay of one (LSOA, school) pair, written out term by term (a second implementation
    of gravity.design for the check below)."""
    d = max(row.dist / 1000, floor_km)
    g = d if form == "exponential" else math.log(d)
    kind = "selective" if row.selective else "faith" if row.faith else None
    u = p["size"] * math.log(max(row.roll, 1)) - (p[f"decay_{kind}"] if kind else p["decay"]) * g
    u += -p["decay_idaci"] * g * row.idaci + p["same_la"] * row.same_la
    u -= (p[f"log_decay_{kind}"] if kind else p["log_decay"]) * math.log(d)     # the power term, any form
    if kind:
        u += p[kind] + p[f"{kind}_idaci"] * row.idaci
    if kind == "selective":
        u += p["selective_idaci2"] * row.idaci ** 2
    if row.single_sex:
        u += p["single_sex"] - p["decay_single_sex"] * g + p["single_sex_idaci"] * row.idaci
    # popularity (log of times put first over places offered) draws more and decays faster; places per roll
    u += p["popularity"] * row.popularity - p["decay_popularity"] * g * row.popularity
    return u + p["places_per_roll"] * row.places_per_roll + p["no_admissions"] * row.no_admissions


def _params(shipped: dict, path) -> dict:
    """The fitted model's parameters for a refit written to PATH: read applications and offers of the entry
    year the shipped fit was fitted on."""
    year = shipped["fitted_on"].get("admissions_year")
    return {"fit": str(path), **({"admissions_year": year} if year else {})}


def _refit_and_audit(wh, fit_module, pairs, observed, shipped, train, path):
    """The shipped variant refitted on the TRAIN schools only, written to PATH, and the FSM audit under it."""
    lik = fit_module.Likelihood(pairs, observed, shipped["form"])
    theta = fit_module.fit(lik, train, shipped["variant"], gravity.theta(shipped))
    fit_module.write_fit(path, shipped["form"], theta)
    model = repaudit.audit(wh, indicators=["fsm"], community="fitted", phase="secondary",
                           params=_params(shipped, path)).audited("fsm").set_index("urn")
    return theta, model


def _against_residence(wh, model, test):
    """The TEST schools both audits hold, with the model's and the residence-based community rates and gaps,
    and which are grammar schools."""
    truth = repaudit.audit(wh, indicators=["fsm"], community="flows", phase="secondary").audited("fsm")
    truth = truth.set_index("urn")
    both = sorted(test & set(model.index) & set(truth.index))
    return (both, model.community_rate[both].to_numpy(), truth.community_rate[both].to_numpy(),
            model.gap_pp[both].to_numpy(), truth.gap_pp[both].to_numpy(),
            truth.selective[both].to_numpy(dtype=bool))


def test_stated_held_out_figures_of_one_borough_recomputed(atlas, prepared, tmp_path):
    """Bexley (four grammar schools) held out: refit on the other boroughs as the fit script does, check the
    audit's weights of Bexley's schools against the choice model written out by hand, and recompute the
    figures residence_fit.json states for the borough."""
    wh, _ = atlas
    fit_module, pairs, observed, info = prepared
    shipped = gravity.load_fit()
    stated = shipped["held_out"]["borough"]["borough"]["Bexley"]
    train, test = set(info.urn[info.la_name != "Bexley"]), set(info.urn[info.la_name == "Bexley"])
    theta, model = _refit_and_audit(wh, fit_module, pairs, observed, shipped, train, tmp_path / "bexley.json")
    p = dict(zip(gravity.NAMES, np.round(theta, 6)))
    choice = wh.df("""select c.lsoa, c.urn, c.dist, s.roll, s.selective, s.faith, s.single_sex, s.la, a.lad_code,
                             s.popularity, s.places_per_roll, s.no_admissions,
                             coalesce(a.idaci, (select avg(idaci) from audit_lsoa_areas)) as idaci,
                             a.pop_secondary as children
                      from audit_choice c join audit_places s using (urn) join audit_lsoa_areas a using (lsoa)
                      where c.lsoa in (select lsoa from audit_choice where urn in (select unnest(?)))""",
                   [sorted(test)])
    # an LSOA's LA: the LA of most schools in its district (the schools' own LSOAs through the ONS lookup)
    lookup = wh.df("select lsoa11, lsoa21, lad_code from lsoa_lookup")
    codes = pd.concat([lookup[["lsoa21", "lad_code"]].rename(columns={"lsoa21": "lsoa"}),
                       lookup[["lsoa11", "lad_code"]].rename(columns={"lsoa11": "lsoa"})]).drop_duplicates()
    counts = (wh.df("select lsoa, la from audit_schools where la is not null").merge(codes, on="lsoa")
              .groupby(["lad_code", "la"]).size().reset_index(name="n"))
    district_la = (counts.sort_values(["lad_code", "n", "la"], ascending=[True, False, True])
                   .drop_duplicates("lad_code").set_index("lad_code").la)
    choice["same_la"] = choice.la == choice.lad_code.map(district_la)
    # the admissions terms of schools with a row of their own for the entry year: (first + 1) / (offered + 1)
    # and offered / roll, from the table itself
    own = wh.df("""select urn, ln((times_first + 1) / (places_offered + 1)) as pop, ln(places_offered) as offered
                   from school_admissions where phase ilike 'secondary' and year = ? and places_offered > 0""",
                [shipped["fitted_on"].get("admissions_year") or int(wh.df(
                    "select max(year) as y from school_admissions where phase ilike 'secondary'").y[0])]).set_index("urn")
    mine_known = choice.drop_duplicates("urn").set_index("urn").join(own, how="inner")
    assert len(mine_known) > 100 and mine_known.no_admissions.eq(0).all()
    assert mine_known.popularity.to_numpy() == pytest.approx(mine_known["pop"].to_numpy())
    assert mine_known.places_per_roll.to_numpy() == pytest.approx((mine_known.offered - np.log(mine_known.roll)).to_numpy())
    assert 0.1 < choice.same_la.mean() < 0.9
    choice["e"] = [math.exp(_utility(r, p, shipped["form"], shipped["floor_km"])) for r in choice.itertuples()]
    state = choice.children * np.exp(p["demand_idaci"] * choice.idaci + p["demand_idaci2"] * choice.idaci ** 2)
    choice["pupils"] = state * choice.e / choice.groupby("lsoa").e.transform("sum")
    mine = choice[choice.urn.isin(test)].set_index(["urn", "lsoa"]).pupils
    weights = wh.df("select urn, area as lsoa, weight from catchment_weight").set_index(["urn", "lsoa"]).weight
    assert len(mine) > 1000
    assert weights.reindex(mine.index).to_numpy() == pytest.approx(mine.to_numpy(), rel=1e-9)

    both, rate_m, rate_r, gap_m, gap_r, grammar = _against_residence(wh, model, test)
    assert stated["schools"] == len(both) == 16 and stated["grammar_schools"] == grammar.sum() == 4
    assert stated["rate_correlation"] == pytest.approx(np.corrcoef(rate_m, rate_r)[0, 1], abs=0.002)
    assert stated["gap_correlation"] == pytest.approx(np.corrcoef(gap_m, gap_r)[0, 1], abs=0.002)
    assert stated["rate_mae_pp"] == pytest.approx(100 * np.abs(rate_m - rate_r).mean(), abs=0.02)
    assert stated["grammar_mean_gap_pp"] == pytest.approx(gap_m[grammar].mean(), abs=0.05)
    assert stated["grammar_mean_gap_residence_pp"] == pytest.approx(gap_r[grammar].mean(), abs=0.01)


def test_stated_held_out_figures_of_one_random_fold_recomputed(atlas, prepared, tmp_path):
    """The first of the five random folds of schools (the fit script's seed): refit without its schools and
    recompute the figures residence_fit.json states for it, from the two audits' own columns."""
    wh, _ = atlas
    fit_module, pairs, observed, info = prepared
    shipped = gravity.load_fit()
    name, train, test = fit_module.folds(info.reset_index(drop=True))["random"][0]
    stated = shipped["held_out"]["random"]["fold"][name]
    _, model = _refit_and_audit(wh, fit_module, pairs, observed, shipped, train, tmp_path / "random.json")
    both, rate_m, rate_r, gap_m, gap_r, grammar = _against_residence(wh, model, test)
    assert stated["schools"] == len(both) == 47 and stated["grammar_schools"] == grammar.sum()
    assert stated["rate_correlation"] == pytest.approx(np.corrcoef(rate_m, rate_r)[0, 1], abs=0.002)
    assert stated["gap_correlation"] == pytest.approx(np.corrcoef(gap_m, gap_r)[0, 1], abs=0.002)
    assert stated["rate_mae_pp"] == pytest.approx(100 * np.abs(rate_m - rate_r).mean(), abs=0.02)
    assert stated["grammar_mean_gap_pp"] == pytest.approx(gap_m[grammar].mean(), abs=0.05)


def test_shipped_fit_records_how_it_was_fitted():
    fit = json.loads(gravity.FIT_FILE.read_text())
    assert fit["fitted_on"]["schools"] > 200 and "January 2015" in fit["fitted_on"]["note"]
    held = fit["held_out"]["borough"]["overall"]
    assert held["rate_correlation"] >= fit["thresholds"]["rate_correlation"]
    assert held["gap_correlation"] >= fit["thresholds"]["gap_correlation"]
    # the shipped variant is the one with the best held-out log-likelihood of those compared
    scores = fit["held_out_log_likelihood_per_pupil"]
    assert max(scores, key=scores.get) == f"{fit['form']} / {fit['variant']}" and len(scores) >= 2
    assert set(fit["held_out"]) == {"borough", "random"} and len(fit["held_out"]["random"]["fold"]) == 5
