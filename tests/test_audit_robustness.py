"""How much each result depends on the community model (models_flagged, models_run, gap range) and the
rank interval (rank_low, rank_high): hand-worked examples, a second count from separate audits, and the
properties of the simulated intervals."""
import numpy as np
import pandas as pd
import pytest

import repaudit
from repaudit.auditing import models, robustness
from repaudit.auditing.run import _audit_model
from repaudit.warehouse import Warehouse


def _rows(model_rows):
    return pd.DataFrame(model_rows, columns=["urn", "indicator", "status", "flag", "gap_pp"])


def test_across_models_hand_worked():
    chosen = _rows([(1, "fsm", "audited", "below_95", -6.0), (2, "fsm", "audited", "within", -1.0),
                    (3, "fsm", "excluded", None, None), (1, "ehcp", "audited", "within", 0.5)])
    others = {
        "la": _rows([(1, "fsm", "audited", "below_998", -12.5), (2, "fsm", "audited", "within", 2.0),
                     (3, "fsm", "audited", "below_95", -4.0), (1, "ehcp", "audited", "above_95", 1.5)]),
        "residential": _rows([(1, "fsm", "audited", "within", -2.0), (2, "fsm", "excluded", None, None),
                              (3, "fsm", "audited", "within", -1.0), (1, "ehcp", "excluded", None, None)]),
    }
    out = robustness.across_models(chosen, "nearby-schools", others).set_index(["urn", "indicator"])
    # school 1, FSM: below under nearby-schools and la, within under residential -> 2 of 3, gaps -12.5 .. -2.0
    assert out.loc[(1, "fsm"), ["models_flagged", "models_run"]].tolist() == [2, 3]
    assert out.loc[(1, "fsm"), "models_below"] == "la;nearby-schools"
    assert out.loc[(1, "fsm"), ["gap_min_pp", "gap_max_pp"]].tolist() == [-12.5, -2.0]
    # school 2: audited by two models, flagged by none
    assert out.loc[(2, "fsm"), ["models_flagged", "models_run", "gap_min_pp", "gap_max_pp"]].tolist() == [0, 2, -1.0, 2.0]
    # school 3: excluded by the chosen model, audited by the two others (one flags it)
    assert out.loc[(3, "fsm"), ["models_flagged", "models_run"]].tolist() == [1, 2]
    # an above-limit flag is not "below"
    assert out.loc[(1, "ehcp"), ["models_flagged", "models_run"]].tolist() == [0, 2]
    most = robustness.flagged_by_most(out.reset_index())
    assert most.tolist() == [True, False, False, False]          # 2 of 3 is more than half; 1 of 2 is not
    assert robustness.words(out.loc[(1, "fsm")]) == "below its community under 2 of 3 ways of measuring it"


@pytest.fixture(scope="module")
def robust_result(sample_db):
    with Warehouse(sample_db, read_only=True) as wh:
        return repaudit.audit(wh, indicators=("fsm", "ehcp"), robustness=True)


def test_models_flagged_matches_separate_audits(sample_db, robust_result):
    """Second count: each public model audited on its own (not through the memo) and the flags counted here."""
    counted = {}
    with Warehouse(sample_db, read_only=True) as wh:
        for name in models.public_names():
            schools = _audit_model(wh, indicators=("fsm", "ehcp"), community=name).schools
            for r in schools[schools["status"] == "audited"].itertuples():
                entry = counted.setdefault((r.urn, r.indicator), [0, 0, [], []])
                entry[0] += 1
                entry[1] += str(r.flag).startswith("below")
                entry[2].append(r.gap_pp)
    s = robust_result.schools
    assert set(robust_result.meta["robustness"]["models"]) == set(models.public_names())
    checked = 0
    for r in s[s["models_run"] > 0].itertuples():
        run, flagged, gaps, _ = counted[(r.urn, r.indicator)]
        assert (r.models_run, r.models_flagged) == (run, flagged)
        assert r.gap_min_pp == pytest.approx(min(gaps)) and r.gap_max_pp == pytest.approx(max(gaps))
        checked += 1
    assert checked == len(counted) and checked > 50
    assert (s["models_flagged"] > 0).any() and (s["models_flagged"] < s["models_run"]).any()


def test_rank_interval_contains_rank_and_is_seeded(sample_db, robust_result):
    a = robust_result.audited("fsm")
    assert a["rank_low"].notna().all()
    assert ((a["rank_low"] <= a["rank"]) & (a["rank"] <= a["rank_high"])).all()
    again = robustness.rank_interval(robust_result.schools, 200, 0)
    pd.testing.assert_frame_equal(again[["rank_low", "rank_high"]], robust_result.schools[["rank_low", "rank_high"]])
    other = robustness.rank_interval(robust_result.schools, 200, 7)
    assert not other["rank_high"].equals(robust_result.schools["rank_high"])


def _synthetic(n_small=20, n_big=20, seed=3):
    """Schools whose shrunken gaps are spread evenly; small ones have wide posteriors, big ones narrow."""
    rng = np.random.default_rng(seed)
    n = n_small + n_big
    mean = rng.permutation(np.linspace(-10, 10, n))
    sd = np.r_[np.full(n_small, 4.0), np.full(n_big, 0.5)]
    order = np.argsort(mean)
    rank = np.empty(n)
    rank[order] = np.arange(1, n + 1)
    return pd.DataFrame({"urn": np.arange(n), "indicator": "fsm", "status": "audited", "rank": rank,
                         "gap_shrunk_pp": mean, "gap_shrunk_posterior95_low_pp": mean - 1.959964 * sd,
                         "gap_shrunk_posterior95_high_pp": mean + 1.959964 * sd, "small": sd > 1})


def test_rank_interval_wider_for_small_schools_and_exact_without_noise():
    frame = _synthetic()
    out = robustness.rank_interval(frame, 2000, 0)
    width = out["rank_high"] - out["rank_low"]
    assert width[frame["small"]].mean() > 2 * width[~frame["small"]].mean()
    assert ((out["rank_low"] <= out["rank"]) & (out["rank"] <= out["rank_high"])).all()
    # with no posterior spread at all, every draw gives the point rank
    still = frame.assign(gap_shrunk_posterior95_low_pp=frame["gap_shrunk_pp"],
                         gap_shrunk_posterior95_high_pp=frame["gap_shrunk_pp"])
    fixed = robustness.rank_interval(still, 50, 0)
    assert (fixed["rank_low"] == fixed["rank"]).all() and (fixed["rank_high"] == fixed["rank"]).all()


def test_rank_interval_matches_a_direct_simulation():
    """Second implementation: rank by scipy-free double argsort, one draw at a time."""
    frame = _synthetic(8, 8, seed=5)
    out = robustness.rank_interval(frame, 400, 11)
    rng = np.random.default_rng([11, 2])
    order = np.argsort(frame["rank"].to_numpy(), kind="stable")
    mean = frame["gap_shrunk_pp"].to_numpy()[order]
    sd = ((frame["gap_shrunk_posterior95_high_pp"] - frame["gap_shrunk_posterior95_low_pp"]).to_numpy() / (2 * 1.959964))[order]
    ranks = np.array([np.argsort(np.argsort(mean + sd * z, kind="stable"), kind="stable") + 1
                      for z in rng.standard_normal((400, len(mean)))])
    low = np.empty(len(mean)); high = np.empty(len(mean))
    low[order] = np.quantile(ranks, 0.025, axis=0, method="lower")
    high[order] = np.quantile(ranks, 0.975, axis=0, method="higher")
    assert out["rank_low"].tolist() == low.tolist() and out["rank_high"].tolist() == high.tolist()


def test_report_names_only_schools_flagged_under_most_models(robust_result):
    from repaudit.disclosure import for_sharing
    from repaudit.report.findings import findings

    shared = for_sharing(robust_result, False)
    block = next(b for b in findings(shared)["blocks"] if b["key"] == "fsm")
    s = robust_result.schools.set_index(["urn", "indicator"])
    assert block["schools"], "the sample plants schools below their community under most models"
    for item in block["schools"]:
        row = s.loc[(item["urn"], "fsm")]
        assert 2 * row["models_flagged"] > row["models_run"]
        assert item["models"] == f"below its community under {row['models_flagged']} of {row['models_run']} ways of measuring it"
    assert block["robust_rule"].startswith("Named only when below the lower 95% limit under more than half")
    # a school flagged by the chosen model but not by most is left out of the findings
    audited = robust_result.audited("fsm")
    some = audited[audited["flag"].str.startswith("below", na=False) & (2 * audited["models_flagged"] <= audited["models_run"])]
    assert not set(some["urn"]) & {item["urn"] for item in block["schools"]}


def test_cli_robustness_columns_and_reproducible_files(runner, sample_db, tmp_path):
    from repaudit.cli import cli

    outs = []
    for k, extra in enumerate(([], [], ["--no-robustness"])):
        out = tmp_path / f"out{k}"
        res = runner.invoke(cli, ["audit", "--db", str(sample_db), "--out", str(out), "--top", "3", *extra])
        assert res.exit_code == 0, res.output
        outs.append(out)
    first = pd.read_csv(outs[0] / "schools.csv")
    assert {"models_run", "models_flagged", "models_below", "gap_min_pp", "gap_max_pp", "rank_low", "rank_high"} <= set(first)
    assert "below its community under" not in (outs[0] / "schools.csv").read_text()      # words are for people
    assert (outs[0] / "schools.csv").read_bytes() == (outs[1] / "schools.csv").read_bytes()
    assert (outs[0] / "areas.csv").read_bytes() == (outs[1] / "areas.csv").read_bytes()
    plain = pd.read_csv(outs[2] / "schools.csv")
    assert "models_run" not in plain and {"rank_low", "rank_high"} <= set(plain)
