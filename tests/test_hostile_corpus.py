"""Every hostile or broken input under tests/hostile/ through the CLI: no traceback, a clear error naming the
file (warehouse and previous outputs unchanged) or a load with the bad rows rejected and counted, or an accepted
file whose correction is said. The case format is described in tests/hostile/README.md."""
from __future__ import annotations

import hashlib
import shutil
import tomllib
from pathlib import Path

import pytest

from repaudit.cli import cli
from repaudit.sample import load_sample
from repaudit.warehouse import Warehouse
from warehouse_state import warehouse_state

CORPUS = Path(__file__).resolve().parent / "hostile"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cases():
    for manifest in sorted(CORPUS.glob("*/cases.toml")):
        for case in tomllib.loads(manifest.read_text(encoding="utf-8")).get("case", []):
            yield pytest.param(manifest.parent, case, id=f"{manifest.parent.name}/{case['name']}")


CASES = list(_cases())


def test_the_corpus_is_large_and_names_are_unique():
    names = [case["name"] for _, case in (p.values for p in CASES)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert len(names) >= 80, len(names)


@pytest.fixture(scope="session")
def sample_setup(tmp_path_factory):
    """A warehouse holding the synthetic sample and the files of a sample audit, built once and copied per case."""
    from click.testing import CliRunner

    root = tmp_path_factory.mktemp("hostile-base")
    db, out = root / "w.duckdb", root / "out"
    with Warehouse(db) as wh:
        load_sample(wh)
    result = CliRunner().invoke(cli, ["audit", "--db", str(db), "--out", str(out), "--format", "csv,xlsx",
                                      "--map", "--report", "--top", "3"])
    assert result.exit_code == 0, result.output
    return db, out


def folder_state(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _fill(args, places):
    return [a.format(**places) for a in args]


@pytest.mark.parametrize("folder,case", CASES)
def test_hostile_input(folder, case, sample_setup, tmp_path, runner, monkeypatch):
    monkeypatch.delenv("REPAUDIT_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    db, out, scratch = tmp_path / "w.duckdb", tmp_path / "out", tmp_path / "scratch"
    shutil.copy(sample_setup[0], db)
    shutil.copytree(sample_setup[1], out)
    scratch.mkdir()
    places = {"dir": str(folder), "db": str(db), "out": str(out), "tmp": str(scratch)}
    for step in case.get("before", []):
        done = runner.invoke(cli, _fill(step, places))
        assert done.exit_code == 0, (step, done.output)
    before_wh, before_out, before_dir = warehouse_state(db), folder_state(out), folder_state(folder)
    rejects_before = before_wh.get("rejects", (0,))[0]

    result = runner.invoke(cli, _fill(case["args"], places))
    text = result.output
    assert "Traceback" not in text and "unexpected failure" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for needle in case.get("says", []):
        assert needle in text, (needle, text)

    assert folder_state(folder) == before_dir, f"the case wrote into {folder}"
    expect = case["expect"]
    if expect == "error":
        assert result.exit_code == 1, text
        errors = [line for line in text.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1, text
        named = case.get("names") or Path(next(a for a in case["args"] if a.startswith("{dir}"))).name
        assert named in errors[0], (named, errors[0])
        assert warehouse_state(db) == before_wh
        assert folder_state(out) == before_out
    elif expect == "rejects":
        assert result.exit_code == 0, text
        rejected = warehouse_state(db)["rejects"][0] - rejects_before
        assert rejected == case["rejects"], (rejected, text)
        assert f"{case['rejects']:,} rejected" in text, text
    elif expect == "accepted":
        assert result.exit_code == 0, text
    else:
        raise AssertionError(f"unknown expect '{expect}' in {folder / 'cases.toml'}")
    check = case.get("check")
    if check:
        CHECKS[check](out if "{out}" in " ".join(case["args"]) else scratch, case)


def _xlsx_no_formulas(folder: Path, case):
    from openpyxl import load_workbook

    books = list(folder.rglob("*.xlsx"))
    assert books, f"no xlsx written in {folder}"
    for book in books:
        for sheet in load_workbook(book).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (book.name, cell.coordinate, cell.value)


def _csv_neutralised(folder: Path, case):
    import csv

    files = list(folder.rglob("*.csv"))
    assert files, f"no csv written in {folder}"
    for path in files:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle):
                for value in row:
                    if value.startswith(FORMULA_START):
                        try:
                            float(value)
                        except ValueError:
                            raise AssertionError(f"{path.name}: live formula text {value!r}") from None


def _html_literal(folder: Path, case):
    """The literal text in every page: as it is, HTML-escaped (html.escape or Jinja's markupsafe), or as a JSON
    string (plain, or with < > & written as \\u003c \\u003e \\u0026 so that it cannot end a <script>)."""
    import html

    import markupsafe

    from repaudit.safe_text import script_json

    pages = list(folder.rglob("*.html"))
    assert pages, f"no page written in {folder}"
    literal = case["literal"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        forms = (literal, html.escape(literal), str(markupsafe.escape(literal)), _json_escaped(literal),
                 script_json(literal)[1:-1])
        assert any(form in text for form in forms), page.name


def _json_escaped(text: str) -> str:
    import json

    return json.dumps(text)[1:-1]


CHECKS = {"xlsx-no-formulas": _xlsx_no_formulas, "csv-neutralised": _csv_neutralised, "html-literal": _html_literal}
