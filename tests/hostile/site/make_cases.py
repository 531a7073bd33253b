"""Write this folder's hostile GIAS file (school, trust and LA names that are template code, script, HTML or
spreadsheet formulas) with the writer of tests/hostile/outputs, for the site, figure and GeoPackage cases:
    python tests/hostile/site/make_cases.py"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "outputs"))

from make_cases import LA_NAME, SCHOOL_NAMES, TRUST_NAMES, write_gias  # noqa: E402

if __name__ == "__main__":
    write_gias(HERE / "gias_hostile_names.csv", SCHOOL_NAMES, TRUST_NAMES, LA_NAME)
