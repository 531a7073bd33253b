"""Outputs written from hostile names (template code, script, HTML, spreadsheet formulas): nothing runs, the
xlsx holds no formula, CSV text cannot start a formula, and numbers stay numbers."""
import csv
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

import hostile_outputs as hostile
from repaudit.cli import cli

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    return hostile.build(tmp_path_factory.mktemp("hostile") / "w.duckdb")


@pytest.fixture(scope="module")
def audit_out(hostile_db, tmp_path_factory):
    """One audit of the hostile warehouse with every table format, the map and the report, run from an empty
    working folder (where the template payload would create its file)."""
    from click.testing import CliRunner

    work = tmp_path_factory.mktemp("work")
    here = os.getcwd()
    os.chdir(work)
    try:
        result = CliRunner().invoke(cli, ["audit", "--db", str(hostile_db), "--out", "out", "--format",
                                          "csv,xlsx,parquet,geojson", "--map", "--report", "--top", "3"])
    finally:
        os.chdir(here)
    return work, result


def test_audit_of_hostile_names_succeeds_and_runs_nothing(audit_out):
    work, result = audit_out
    assert result.exit_code == 0, result.output
    assert not (work / hostile.CREATED_FILE).exists()
    assert sorted(p.name for p in work.iterdir()) == ["out"]


def _page_strings(page: str) -> str:
    """The page's text with its JSON escapes undone (so names embedded as JSON can be looked for)."""
    return page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&").replace('\\"', '"')


@pytest.mark.parametrize("page", ["map.html", "report.html"])
def test_template_syntax_in_names_is_never_evaluated(audit_out, page):
    work, _ = audit_out
    text = _page_strings((work / "out" / page).read_text(encoding="utf-8"))
    for evaluated in ("49 Primary", "x Vale", "49 Learning Trust", "42 <b>Shire"):
        assert evaluated not in text, evaluated
    assert "{{ 7*7 }} Primary" in text or "{{ 7*7 }} Primary" in text.replace("&#39;", "'")


def test_xlsx_cells_are_text_never_formulas(audit_out):
    work, _ = audit_out
    seen = set()
    for name in ("schools", "trusts", "areas"):
        for sheet in load_workbook(work / "out" / f"{name}.xlsx").worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, sheet.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert set(hostile.FORMULA_NAMES) <= seen           # written as the same text, not altered
    assert "=1+1 Academies Trust" in seen


def test_xlsx_numbers_stay_numbers(audit_out):
    work, _ = audit_out
    sheet = load_workbook(work / "out" / "schools.xlsx").active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    gaps = [row[header.index("gap_pp")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(g is not None and g < 0 for g in gaps)
    assert all(g is None or isinstance(g, float) for g in gaps)


def _csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_csv_text_fields_cannot_start_a_formula_and_numbers_stay_numbers(audit_out):
    work, _ = audit_out
    rows = _csv_rows(work / "out" / "schools.csv")
    for row in rows:
        for value in row.values():
            if value.startswith(FORMULA_START):
                float(value)                              # a negative number is the only thing allowed
    names = {int(r["urn"]): r["name"] for r in rows}
    for urn, name in hostile.SCHOOL_NAMES.items():
        assert names[urn] == ("'" + name if name.startswith(FORMULA_START) else name)
    gaps = [float(r["gap_pp"]) for r in rows if r["gap_pp"]]
    assert min(gaps) < 0                                  # -21.7 and the like, still numbers
    trusts = {r["trust_name"] for r in _csv_rows(work / "out" / "trusts.csv")}
    assert "'=1+1 Academies Trust" in trusts and "{{ 7*7 }} Learning Trust" in trusts


def test_parquet_and_geojson_keep_the_names_unchanged(audit_out):
    import pandas as pd

    work, _ = audit_out
    names = dict(zip(*pd.read_parquet(work / "out" / "schools.parquet")[["urn", "name"]].T.values))
    geo = json.loads((work / "out" / "schools.geojson").read_text(encoding="utf-8"))
    for urn, name in hostile.SCHOOL_NAMES.items():
        assert names[urn] == name
        assert any(f["properties"]["name"] == name for f in geo["features"])
