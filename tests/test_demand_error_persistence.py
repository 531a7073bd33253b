"""bench/demand_error_persistence.py: the per-LA error of two years set side by side, checked by hand."""
import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

PATH = Path(__file__).resolve().parents[1] / "bench" / "demand_error_persistence.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("demand_error_persistence", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(model, published, region=("Inner London", "Outer London", "North East", "North East")):
    return pd.DataFrame({"la_code": ["201", "301", "390", "391"], "region": list(region),
                         "model_homes": model, "la_level": published,
                         "model_own_schools": model, "school_level": published})


def test_persistence_by_hand(bench):
    # errors +0.1, -0.2, 0 then +0.2, -0.1, 0: deviations (2, -2.5, 0.5) and (2.5, -2, -0.5) / 15, so
    # r = (5 + 5 - 0.25) / (4 + 6.25 + 0.25) = 13/14; each year's mean absolute error 0.1, change (0.1 + 0.1 + 0) / 3
    a = pd.Series([0.1, -0.2, 0.0], index=["1", "2", "3"])
    b = pd.Series([0.0, 0.2, -0.1], index=["3", "1", "2"])
    s = bench.persistence(a, b)
    assert s["las"] == 3
    assert s["first"] == pytest.approx(0.1) and s["second"] == pytest.approx(0.1)
    assert s["r"] == pytest.approx(13 / 14)
    assert s["difference"] == pytest.approx(0.2 / 3)


def test_errors_leave_out_las_without_a_published_figure_and_group_london_apart(bench):
    t = table([0.8, 0.7, 0.9, 0.6], [0.75, None, 0.95, 0.6])
    e = bench.errors(t, "model_homes", "la_level")
    assert e.to_dict() == pytest.approx({"201": 0.05, "390": -0.05, "391": 0.0})
    assert bench.groups(t).to_dict() == {"201": "Inner London", "301": "Outer London", "390": "elsewhere",
                                         "391": "elsewhere"}


def test_the_script_prints_each_comparison_and_group(bench, tmp_path, monkeypatch, capsys):
    table([0.8, 0.7, 0.9, 0.6], [0.7, 0.7, 0.9, 0.5]).to_csv(tmp_path / "y2020.csv", index=False)
    table([0.9, 0.7, 0.8, 0.6], [0.7, 0.7, 0.9, 0.5]).to_csv(tmp_path / "y2021.csv", index=False)
    monkeypatch.setattr(sys, "argv", ["x", str(tmp_path / "y2020.csv"), str(tmp_path / "y2021.csv")])
    bench.main()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("school-level file (the LA's schools): per-LA error (model - published), y2020 "
                        "against y2021")
    # all four LAs: errors (0.1, 0, 0, 0.1) then (0.2, 0, -0.1, 0.1): mean absolute 5 and 10 pp, change 5 pp
    assert "   4 LAs  mean absolute error  5.00 / 10.00 pp" in lines[1] and "change  5.00 pp" in lines[1]
    assert lines[2].split()[:2] == ["Inner", "London"] and lines[4].split()[0] == "elsewhere"
    assert len(lines) == 10
