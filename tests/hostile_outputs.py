"""A warehouse holding the synthetic sample whose school, trust, LA and catchment names are hostile (the
files of tests/hostile/outputs, written by its make_cases.py), for the tests of every page and table written."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from repaudit.load import load_file
from repaudit.sample import load_sample
from repaudit.warehouse import Warehouse

FOLDER = Path(__file__).resolve().parent / "hostile" / "outputs"
_spec = importlib.util.spec_from_file_location("hostile_make_cases", FOLDER / "make_cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

SCHOOL_NAMES = {int(u): n.strip() for u, n in cases.SCHOOL_NAMES.items()}   # the loader trims outer blanks
TRUST_NAMES = list(cases.TRUST_NAMES.values())
LA_NAME = cases.LA_NAME
CATCHMENT_NAME = next(iter(cases.CATCHMENT_NAMES.values()))
CATCHMENT_LAYER = "catchments_hostile_names"
TEMPLATE_NAMES = [n for n in SCHOOL_NAMES.values() if "{" in n]
HTML_NAMES = [n for n in SCHOOL_NAMES.values() if "<" in n]
FORMULA_NAMES = [n for n in SCHOOL_NAMES.values() if n[0] in "=+-@"]
CREATED_FILE = "TEMPLATE_RAN"        # what the cycler payload would `touch` in the working folder
POLICY_NAME = "{{ 7*7 }} <img src=x onerror=alert(1)> policy"


def build(db: Path) -> Path:
    """The sample warehouse at DB with the hostile GIAS and catchment files loaded over it."""
    with Warehouse(db) as wh:
        load_sample(wh)
        load_file(wh, "gias", FOLDER / "gias_hostile_names.csv")
        load_file(wh, "catchments", FOLDER / "catchments_hostile_names.geojson")
    return db


def copy_of(db: Path, folder: Path) -> Path:
    target = folder / db.name
    shutil.copy(db, target)
    return target


def hostile_policy(folder: Path) -> Path:
    """The fsm-quota preset under a hostile name (the simulator map's title shows it)."""
    text = (Path(__file__).resolve().parents[1] / "repaudit" / "policies" / "fsm-quota.toml").read_text(encoding="utf-8")
    path = folder / "hostile_policy.toml"
    path.write_text(text.replace('name = "fsm-quota"', f'name = "{POLICY_NAME}"'), encoding="utf-8")
    return path
