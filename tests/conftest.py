"""Shared fixtures: an empty warehouse, a CLI runner, and the real public files in ../shared (when present)."""
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from repaudit.warehouse import Warehouse

# the real files sit beside the checkout (../shared); REPAUDIT_REAL_DATA points elsewhere (e.g. from a worktree)
REAL = Path(os.environ.get("REPAUDIT_REAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data" / "real")


@pytest.fixture(scope="session")
def real():
    """Folder of real public files; skipped only where ../shared is absent, and never in CI."""
    if not REAL.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{REAL} is missing in CI: the real-data tests must run")
        pytest.skip("../shared/data/real is absent (not in CI)")
    return REAL


@pytest.fixture(scope="session")
def national_db(real, tmp_path_factory):
    """A warehouse file holding the real national files (tests/real_files.py NATIONAL_FILES), built once
    per test session; open it read-only."""
    from real_files import load_national

    path = tmp_path_factory.mktemp("national") / "england.duckdb"
    load_national(path, real)
    return path


@pytest.fixture(scope="session")
def national_admissions_db(national_db, real, tmp_path_factory):
    """A copy of national_db with the school-level applications and offers loaded (`repaudit load
    admissions`), built once per test session; open it read-only."""
    import shutil

    from repaudit.load import load_file

    path = tmp_path_factory.mktemp("national_admissions") / "england.duckdb"
    shutil.copy(national_db, path)
    with Warehouse(path) as w:
        load_file(w, "admissions", real / "admissions" / "appsandoffers_school_level_2014_15_to_2022_23_clarelgibson.csv.gz")
    return path


@pytest.fixture
def wh():
    with Warehouse(":memory:") as w:
        yield w


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    """A warehouse file holding the synthetic sample, built once per test module (tests only read it)."""
    from repaudit.sample import load_sample

    db = tmp_path_factory.mktemp("sample") / "w.duckdb"
    with Warehouse(db) as wh:
        load_sample(wh)
    return db
