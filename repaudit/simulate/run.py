"""`simulate(...)`: build the game from the chosen applicants, compare policy with baseline, write outputs.

The one library call behind `repaudit simulate`. Applicants come from exactly one of: an applications
CSV, a synthetic cohort for an LA from the warehouse, or the Brighton and Hove scenario built from a
folder of public files. Synthetic applicants list as many preferences as the policy allows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RepauditError
from ..warehouse import Warehouse
from . import inputs, outputs, scenarios
from .compare import Comparison, compare
from .game import Game
from .policies import Policy, load_policy
from .schools import read_first_preferences


@dataclass
class Simulation:
    """What a simulation produced: the game, the comparison tables and the files written."""

    game: Game
    comparison: Comparison
    written: list[Path] = field(default_factory=list)


def policy_with(name_or_path: str, settings: dict | None = None, reserve_order: str | None = None) -> Policy:
    """A policy by preset name or file, with parameter SETTINGS and an optional reserve order applied."""
    policy = load_policy(name_or_path)
    if settings:
        policy = policy.with_parameters(**settings)
    if reserve_order:
        policy = policy.with_reserve_order(reserve_order)
    return policy


def build_game(policy: Policy, applications=None, synthetic_la=None, brighton_dir=None, capacities=None,
               first_preferences=None, db=None, catchments=None, seed: int = 0, entry_year: int = 2025) -> Game:
    """The game from exactly one applicant source (see the module docstring)."""
    chosen = [x for x in (applications, synthetic_la, brighton_dir) if x]
    if len(chosen) != 1:
        raise RepauditError("give exactly one source of applicants: --applications CSV, --synthetic --la NAME, "
                            "or --brighton DIR")
    if brighton_dir:
        if not Path(brighton_dir).is_dir():
            raise RepauditError(f"{brighton_dir} is not a folder (expected one holding brighton/ and gias/)")
        return scenarios.brighton(brighton_dir, entry_year=entry_year, seed=seed, preferences=policy.preferences)
    db_exists = db is not None and Path(db).is_file()
    if applications:
        wh = Warehouse(db, read_only=True) if db_exists else None
        try:
            return inputs.from_applications(applications, capacities, wh, catchments)
        finally:
            if wh is not None:
                wh.close()
    if not db_exists:
        raise RepauditError(f"--synthetic needs a warehouse with schools, LSOA populations, IDACI and centroids; "
                            f"{db} does not exist (see `repaudit load --help`)")
    firsts = read_first_preferences(first_preferences) if first_preferences else None
    with Warehouse(db, read_only=True) as wh:
        return inputs.synthetic_from_warehouse(wh, synthetic_la, seed=seed, preferences=policy.preferences,
                                               first_preferences=firsts, capacities=capacities,
                                               catchment_layer=catchments)


def simulate(policy: str, baseline: str = "baseline", *, applications=None, synthetic_la=None, brighton_dir=None,
             capacities=None, first_preferences=None, db=None, catchments=None, runs: int = 100, seed: int = 0,
             settings: dict | None = None, reserve_order: str | None = None, out_dir=None,
             entry_year: int = 2025) -> Simulation:
    """Compare POLICY with BASELINE (names or TOML files) over RUNS lottery seeds; write into OUT_DIR if given."""
    if runs < 1:
        raise RepauditError(f"--runs must be at least 1 (got {runs})")
    pol = policy_with(policy, settings, reserve_order)
    base = policy_with(baseline)
    game = build_game(pol, applications, synthetic_la, brighton_dir, capacities, first_preferences, db, catchments,
                      seed, entry_year)
    result = compare(game, pol, base, runs=runs, seed=seed)
    written = outputs.write(game, result, out_dir) if out_dir else []
    return Simulation(game, result, written)
