"""A warehouse holding the synthetic sample whose school, trust, LA and catchment names are hostile (the
files of tests/hostile/outputs, written by its make_cases.py), for the tests of every page and table written."""
from __future__ import annotations

import importlib.util
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
FORMULA_NAMES = [n for n in SCHOOL_NAMES.values() if n[0] in "=+-@"]
CREATED_FILE = "TEMPLATE_RAN"        # what the cycler payload would `touch` in the working folder
POLICY_NAME = cases.POLICY_NAME
POLICY = FOLDER / "policy_hostile_name.toml"


def build(db: Path) -> Path:
    """The sample warehouse at DB with the hostile GIAS and catchment files loaded over it."""
    with Warehouse(db) as wh:
        load_sample(wh)
        load_file(wh, "gias", FOLDER / "gias_hostile_names.csv")
        load_file(wh, "catchments", FOLDER / "catchments_hostile_names.geojson")
    return db

