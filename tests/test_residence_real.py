"""The fitted residence model on the real files: the London Schools Atlas (January 2015, all year groups)
read as residence flows over the national warehouse, and a fit that never saw a group of boroughs judged
on their schools against where their pupils live. The thresholds are the ones the shipped fit states
(residence_fit.json "thresholds", the held-out figures of bench/fit_residence_model.py rounded down); the
figures here are computed afresh from a new fit on the other boroughs."""
import importlib.util
import json
from pathlib import Path

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
def atlas(national_db, real):
    wh = Warehouse(national_db, read_only=True)
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


def test_held_out_boroughs_meet_the_stated_thresholds(atlas, tmp_path):
    wh, _ = atlas
    fit_module = _fit_script()
    shipped = gravity.load_fit()
    thresholds = shipped["thresholds"]
    pairs, observed = fit_module.prepare(wh.con)
    info = wh.df("select urn, la_name, selective, faith from fit_schools")
    info = info[info.urn.isin(set(observed.urn) & set(pairs.urn))]
    boroughs = sorted(info.la_name.unique())
    held = set(boroughs[::3])                                       # a third of the boroughs, never seen
    train = set(info.urn[~info.la_name.isin(held)])
    test = set(info.urn[info.la_name.isin(held)])
    lik = fit_module.Likelihood(pairs, observed, shipped["form"])
    theta = fit_module.fit(lik, train, shipped["variant"], [shipped["parameters"][n] for n in gravity.NAMES])
    path = tmp_path / "fold.json"
    fit_module.write_fit(path, shipped["form"], theta)
    model = repaudit.audit(wh, indicators=["fsm"], community="fitted", phase="secondary",
                           params={"fit": str(path)}).audited("fsm")
    truth = repaudit.audit(wh, indicators=["fsm"], community="flows", phase="secondary").audited("fsm")
    row = residence.compare({"fitted": model[model.urn.isin(test)]}, truth).iloc[0]
    assert row.schools >= 40
    assert row.rate_correlation >= thresholds["rate_correlation"]
    assert row.gap_correlation >= thresholds["gap_correlation"]


def test_shipped_fit_records_how_it_was_fitted():
    fit = json.loads(gravity.FIT_FILE.read_text())
    assert fit["fitted_on"]["schools"] > 200 and "January 2015" in fit["fitted_on"]["note"]
    held = fit["held_out"]["borough"]["overall"]
    assert held["rate_correlation"] >= fit["thresholds"]["rate_correlation"]
    assert held["gap_correlation"] >= fit["thresholds"]["gap_correlation"]
