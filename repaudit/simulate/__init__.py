"""Admissions policy simulator: the equal-preference scheme as student-proposing deferred acceptance.

Layout (after the `matching` library): engine.py (the algorithm on arrays), game.py (inputs, `solve`,
`check_validity`, `check_stability`), rules.py + policies.py (policies as TOML data, reserve order),
applicants.py / schools.py / catchments.py (the user's files), choice.py + synthetic.py (synthetic
cohorts), scenarios.py (Brighton and Hove from public files), compare.py (policy vs baseline over lottery
seeds), outputs.py + change_map.py (CSV, map, summary), run.py (`simulate`, behind `repaudit simulate`).
"""
from .compare import Comparison, compare
from .game import Game, check_stability, check_validity, solve, solve_many
from .policies import Policy, load_policy, presets
from .run import Simulation, simulate

__all__ = ["Comparison", "Game", "Policy", "Simulation", "check_stability", "check_validity", "compare",
           "load_policy", "presets", "simulate", "solve", "solve_many"]
