"""`simulate(...)`: build the game from the chosen applicants, compare policy with baseline, write outputs.

The one library call behind `repaudit simulate`. Applicants come from exactly one of: an applications
CSV, a synthetic cohort for an LA from the warehouse, or the Brighton and Hove scenario built from a
folder of public files. Synthetic applicants list as many preferences as the policy allows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RepauditError
from ..output_set import OutputSet
from ..safe_text import for_csv
from ..warehouse import Warehouse
from . import explain, framing, inputs, national_run, outputs, published, scenarios, sweep, whatif
from .choice import Behaviour, behaviours
from .compare import STEPS_PER_RUN, Comparison, cohort_seeds, pool_cohorts, run_cohort, runs_bar, runs_per_cohort
from .game import Game
from .policies import CITY_FSM_SHARE, Policy, load_policy
from .schools import read_first_preferences
from .workers import check_jobs, run_tasks


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
               first_preferences=None, db=None, catchments=None, seed: int = 0, entry_year: int = 2025,
               truncate_preferences: bool = False, city_share: float | None = None,
               behaviour: Behaviour | None = None, response=None, selective_share: float | None = None,
               homes: str | None = None) -> Game:
    """The game from exactly one applicant source (see the module docstring). Applications may list at most
    the policy's `preferences`; with TRUNCATE_PREFERENCES longer lists are cut, with a note. CITY_SHARE (the
    --city-fsm-share override) is the FSM share of a synthetic cohort; without it the Brighton scenario takes
    the policy's city FSM share parameter and a warehouse cohort its LA's FSM share. BEHAVIOUR: the choice
    model's parameters for a synthetic cohort; RESPONSE: (fsm_response, policy.fsm_priority), see synthetic.py.
    SELECTIVE_SHARE: the share of a warehouse cohort passing the selection test (default: the LA's selective
    places, or the children who put a selective school first when more, over its cohort)."""
    behaviour = behaviour or Behaviour()
    chosen = [x for x in (applications, synthetic_la, brighton_dir) if x]
    if len(chosen) != 1:
        raise RepauditError("give exactly one source of applicants: --applications CSV, --synthetic --la NAME, "
                            "or --brighton DIR")
    if brighton_dir:
        if not Path(brighton_dir).is_dir():
            raise RepauditError(f"{brighton_dir} is not a folder (expected one holding brighton/ and gias/)")
        return scenarios.brighton(brighton_dir, entry_year=entry_year, seed=seed, preferences=policy.preferences,
                                  city_share=policy.city_fsm_share() if city_share is None else city_share,
                                  behaviour=behaviour, response=response)
    db_exists = db is not None and Path(db).is_file()
    if applications:
        wh = Warehouse(db, read_only=True) if db_exists else None
        try:
            return inputs.from_applications(applications, capacities, wh, catchments, city_share,
                                            limit=(policy.name, policy.preferences), truncate=truncate_preferences)
        finally:
            if wh is not None:
                wh.close()
    if not db_exists:
        raise RepauditError(f"--synthetic needs a warehouse with schools, LSOA populations, IDACI and centroids; "
                            f"{db} does not exist (see `repaudit load --help`)")
    firsts = read_first_preferences(first_preferences) if first_preferences else None
    market, areas = shared_market(db, synthetic_la, capacities, catchments, homes)
    return inputs.cohort_game(market, areas, seed=seed, preferences=policy.preferences, first_preferences=firsts,
                              city_share=city_share, behaviour=behaviour, response=response,
                              selective=inputs.SelectiveEntry(share=selective_share))


_MARKETS: dict = {}


def shared_market(db, la: str, capacities=None, catchments=None, homes: str | None = None) -> tuple:
    """inputs.warehouse_market for LA, read once for all the cohorts (and policies) of a run: kept while the
    warehouse file, LA and options stay the same."""
    path = Path(db).resolve()
    key = (str(path), path.stat().st_mtime_ns, path.stat().st_size, str(la), str(capacities), str(catchments),
           str(homes))
    if key not in _MARKETS:
        with Warehouse(db, read_only=True) as wh:
            found = inputs.warehouse_market(wh, la, capacities=capacities, catchment_layer=catchments, homes=homes)
        _MARKETS.clear()
        _MARKETS[key] = found
    return _MARKETS[key]


@dataclass(frozen=True)
class CohortPlan:
    """What every cohort of one simulation shares, sent once to each worker process: the policies, where the
    applicants come from (build_game's options), each cohort's choice parameters, the seed, lottery draws per
    cohort, the --pan URNs to check and the LA market already read (shared_market's cache)."""

    policy: Policy
    baseline: Policy
    sources: dict
    behaviours: list
    seed: int
    runs: int
    pans: tuple = ()
    markets: dict = field(default_factory=dict)


def cohort_plan(policy: Policy, baseline: Policy, per_cohort: list, seed: int, runs: int = 0, pans=(),
                **sources) -> CohortPlan:
    """The plan of a run's cohorts (SOURCES: build_game's options); a synthetic LA's market is read here, once
    for every process."""
    la, db = sources.get("synthetic_la"), sources.get("db")
    markets = {}
    other = sources.get("applications") or sources.get("brighton_dir")
    if la and not other and db is not None and Path(db).is_file():
        shared_market(db, la, sources.get("capacities"), sources.get("catchments"), sources.get("homes"))
        markets = dict(_MARKETS)
    return CohortPlan(policy, baseline, sources, per_cohort, seed, runs, tuple(pans), markets)


def _game_task(plan: CohortPlan, c: int, step=None, response=None) -> Game:
    """Cohort C's game, drawn with seed SEED + C, in whichever process runs it."""
    _MARKETS.update(plan.markets)
    return build_game(plan.policy, seed=plan.seed + c, behaviour=plan.behaviours[c], response=response,
                      **plan.sources)


def _cohort_task(plan: CohortPlan, c: int, step=None):
    """Cohort C, in whichever process runs it: its games drawn (the policy's own game when FSM families respond
    to it), checked, solved and measured (compare.run_cohort). Returns the measured runs, without their games
    beyond the first cohort unless --pan needs them, and the policies as run."""
    b = plan.behaviours[c]
    base_game = _game_task(plan, c)
    pol_game = _game_task(plan, c, response=(b.fsm_response, plan.policy.fsm_priority)) if b.fsm_response \
        else base_game
    for urn in plan.pans:
        whatif.school_index(pol_game, urn)              # an unknown URN fails before anything is solved
    pol, base = inputs.la_preference_limit(plan.policy, plan.baseline, pol_game)
    for p in (pol, base):
        p.check_reserved(pol_game.city_fsm_share)
    measured = run_cohort(pol_game, base_game, pol, base, cohort_seeds(plan.seed, c, plan.runs), keep_first=c == 0,
                          done=step)
    if c and not plan.pans:
        measured.pol_game = measured.base_game = None   # not needed again: not sent back from a worker
    return measured, (pol, base)


def behaviour_facts(settings: dict, per_cohort: list, game: Game) -> dict:
    """The choice-model parameters used: each set, drawn from a range per cohort, or assumed (the default)."""
    if not game.meta.get("synthetic"):
        return {}
    out = {}
    for k in Behaviour.KEYS:
        value = settings.get(k, getattr(Behaviour(), k))
        if isinstance(value, tuple):
            out[k] = {"value": float(np.mean([getattr(b, k) for b in per_cohort])), "set": True,
                      "range": list(value), "drawn": [getattr(b, k) for b in per_cohort]}
        else:
            out[k] = {"value": float(value), "set": k in settings}
    return out


DEFAULT_RUNS = 40      # lottery draws, shared among the cohorts: 2 for each of DEFAULT_COHORTS
NATIONAL_RUNS = 5      # lottery draws per LA for --la all: one cohort each, so its figures carry no interval
DEFAULT_COHORTS = 20   # the fewest for which every Brighton and Kent school's interval holds >= 90% of fresh
                       # cohorts on average over simulations (bench/coverage_bench.py; README, "Honest intervals")
MAX_RUNS = 10_000      # 50 times the 200 the README uses; a run of a 1,250-applicant cohort takes ~25 ms and ~30 KB
MAX_COHORTS = 200      # each cohort is drawn and solved afresh (seconds each for a city)
MAX_SEED = 2**32 - 1


def check_counts(runs: int, seed: int, cohorts: int = 1) -> None:
    """--runs, --cohorts and --seed within their ranges, or an error naming the limit."""
    if not 1 <= runs <= MAX_RUNS:
        raise RepauditError(f"--runs {runs} is outside 1 to {MAX_RUNS:,}, the limit on lottery runs: each run of a "
                            "city's cohort takes tens of milliseconds and keeps its allocation in memory, so "
                            f"{MAX_RUNS:,} already take minutes (the examples use 200)")
    if not 1 <= cohorts <= MAX_COHORTS:
        raise RepauditError(f"--cohorts {cohorts} is outside 1 to {MAX_COHORTS}: each cohort is drawn and solved "
                            "afresh, and the lottery runs are shared among them")
    if not 0 <= seed <= MAX_SEED:
        raise RepauditError(f"--seed {seed} is outside 0 to {MAX_SEED:,}: give a whole number in that range")


def with_city_share(policy: Policy, share: float | None) -> Policy:
    """POLICY with its city FSM share parameter set to SHARE (when it declares one and SHARE is given)."""
    if share is None or policy.city_fsm_share() is None:
        return policy
    return policy.with_parameters(**{CITY_FSM_SHARE: share})


def simulate(policy: str, baseline: str | None = None, *, applications=None, synthetic_la=None, brighton_dir=None,
             capacities=None, first_preferences=None, db=None, catchments=None, runs: int = DEFAULT_RUNS, seed: int = 0,
             settings: dict | None = None, reserve_order: str | None = None, out_dir=None,
             entry_year: int = 2025, city_fsm_share: float | None = None,
             truncate_preferences: bool = False, choice: dict | None = None, cohorts: int | None = None,
             facts=None, selective_share: float | None = None, pans: dict | None = None,
             jobs: int | None = None, homes: str | None = None) -> Simulation:
    """Compare POLICY with BASELINE (names or TOML files; default the policy's `compare_with`) over RUNS
    lottery seeds; write into OUT_DIR if given. CITY_FSM_SHARE overrides the city FSM share: the policies'
    parameter of that name, and the share of the applicants otherwise. CHOICE: choice-model parameters
    (choice.Behaviour); COHORTS: synthetic cohorts drawn (seeds SEED, SEED + 1, ...; default DEFAULT_COHORTS,
    one for an applications CSV), the RUNS lottery draws shared among them; with two or more the intervals
    are prediction intervals for a fresh cohort (coverage.py). FACTS: a CSV of real outcomes
    set beside the model's (explain.py), or 'published': the LA's first-preference offers in its demand year
    beside the baseline's (published.py). SELECTIVE_SHARE: share of a synthetic LA cohort passing the
    selection test of its selective schools. PANS ({urn: admission number}, --pan): also run the policy with
    these admission numbers against the policy as it is (pan_whatif.csv and the summary). JOBS: processes
    sharing the cohorts (default one per CPU, workers.py); the results do not depend on it. HOMES: 'across'
    draws a synthetic LA cohort's homes across LA boundaries (homes.py, the default), 'la' in the LA."""
    if selective_share is not None and not 0 <= selective_share <= 1:
        raise RepauditError(f"--selective-share must be a share from 0 to 1 (e.g. 0.25 for 25%), got {selective_share}")
    if cohorts is None:
        cohorts = 1 if applications else DEFAULT_COHORTS
    check_counts(runs, seed, cohorts)
    check_jobs(jobs)
    if city_fsm_share is not None and not 0 <= city_fsm_share < 0.95:
        raise RepauditError(f"--city-fsm-share must be a share from 0 to 0.95 (e.g. 0.28 for 28%), got {city_fsm_share}")
    pol = with_city_share(policy_with(policy, settings, reserve_order), city_fsm_share)
    base = with_city_share(policy_with(baseline or pol.compare_with), city_fsm_share)
    per_cohort = behaviours(choice or {}, cohorts, seed)
    if applications and (any(b.fsm_response for b in per_cohort) or cohorts > 1):
        raise RepauditError("--choice fsm_response and --cohorts apply to synthetic cohorts (--synthetic or "
                            "--brighton); an applications CSV carries its applicants' own preferences")
    plan = cohort_plan(pol, base, per_cohort, seed, runs_per_cohort(runs, cohorts), pans or {},
                       applications=applications, synthetic_la=synthetic_la, brighton_dir=brighton_dir,
                       capacities=capacities, first_preferences=first_preferences, db=db, catchments=catchments,
                       entry_year=entry_year, truncate_preferences=truncate_preferences, city_share=city_fsm_share,
                       selective_share=selective_share, homes=homes)
    bar = runs_bar(plan.runs * cohorts)
    done = run_tasks(_cohort_task, range(cohorts), plan, jobs, step=bar.update,
                     done=lambda i, _, worker: bar.update(STEPS_PER_RUN * plan.runs) if worker else None)
    bar.close()
    measured = [m for m, _ in done]
    pol, base = done[0][1]
    game = measured[0].pol_game
    pairs = [(m.pol_game, m.base_game) for m in measured]
    game.meta["behaviour"] = behaviour_facts(choice or {}, per_cohort, game)
    result = pool_cohorts(measured, pol, base, seed)
    result.meta.update(scope=framing.scope_sentence(game, pol, base), differences=framing.differences(pol, base),
                       cohorts_needed=DEFAULT_COHORTS if game.meta.get("synthetic") else None)
    drawn = [k for k, v in (choice or {}).items() if isinstance(v, tuple)]
    if drawn:
        result.meta["intervals"] += f", with {', '.join(drawn)} drawn for each cohort"
    if facts == published.KEYWORD:
        with Warehouse(db, read_only=True) as wh:
            result.reality = explain.model_vs_reality(result, published.published_facts(wh, game), arm="baseline")
    elif facts:
        result.reality = explain.model_vs_reality(result, explain.read_facts(facts, game.schools.urn))
    if pans:
        result.pan_whatif = whatif.pan_table(whatif.pan_whatif(pairs, pol, pans, runs, seed), pans, game)
        result.meta["pan_whatif"] = {str(k): v for k, v in pans.items()}
    written = outputs.write(game, result, out_dir) if out_dir else []
    return Simulation(game, result, written)


def simulate_national(policy: str, baseline: str | None = None, *, db=None, runs: int = NATIONAL_RUNS, seed: int = 0,
                      settings: dict | None = None, reserve_order: str | None = None,
                      city_fsm_share: float | None = None, out_dir=None, progress=None, jobs: int | None = None,
                      homes: str | None = None):
    """`--synthetic --la all`: POLICY against BASELINE in every LA of the warehouse (national_run.py), the LAs
    shared among JOBS processes; HOMES as in `simulate`."""
    check_counts(runs, seed)
    check_jobs(jobs)
    if db is None or not Path(db).is_file():
        raise RepauditError(f"--synthetic --la all needs the national warehouse; {db} does not exist "
                            "(see README, 'Auditing real data')")
    pol = with_city_share(policy_with(policy, settings, reserve_order), city_fsm_share)
    base = with_city_share(policy_with(baseline or pol.compare_with), city_fsm_share)
    result = national_run.simulate_all(pol, base, db, runs=runs, seed=seed, city_share=city_fsm_share,
                                       out_dir=out_dir, progress=progress, jobs=jobs, homes=homes)
    opening = framing.opening_lines({"scope": framing.national_scope(result.table, pol), "policy": pol.name,
                                     "baseline": base.name, "differences": framing.differences(pol, base)})
    text = national_run.national_text(result, pol.name, base.name, runs)
    return result, "\n".join([*opening, "no intervals: --la all draws one synthetic cohort per LA", text])


def simulate_sweep(policy: str, sweep_spec: str, baseline: str | None = None, *, out_dir=None, settings=None,
                   choice=None, city_fsm_share=None, **options):
    """One `simulate` per value of `--sweep KEY=START:STOP:STEP` (sweep.py); KEY is a policy parameter,
    city_fsm_share or a choice-model parameter. Writes sweep.csv and sweep.html into OUT_DIR if given.
    Returns (table, text, paths written)."""
    key, values = sweep.parse_sweep(sweep_spec)
    known = load_policy(policy).parameters
    if key not in known and key not in Behaviour.KEYS and key != CITY_FSM_SHARE:
        raise RepauditError(f"--sweep: '{key}' is neither a parameter of policy '{policy}' "
                            f"({', '.join(known) or 'it has none'}) nor {CITY_FSM_SHARE} nor a choice parameter "
                            f"({', '.join(Behaviour.KEYS)})")
    rows = []
    for value in values:
        set_, choice_, city = dict(settings or {}), dict(choice or {}), city_fsm_share
        if key in Behaviour.KEYS:
            choice_[key] = value
        elif key == CITY_FSM_SHARE:
            city = value
        else:
            set_[key] = value
        result = simulate(policy, baseline, settings=set_, choice=choice_, city_fsm_share=city, **options)
        rows += sweep.sweep_rows(key, value, result.comparison)
    table = pd.DataFrame(rows)
    meta = result.comparison.meta
    title = f"{meta['policy']} vs {meta['baseline']}: {key} from {values[0]:g} to {values[-1]:g} " \
            f"({meta['runs']} runs each; intervals: {meta.get('intervals', 'lottery draws')})"
    written = []
    if out_dir:
        with OutputSet(out_dir, origin={"policy": meta["policy"], "baseline": meta["baseline"], "sweep": key},
                       family=["sweep.csv", "sweep.html"], kind="simulate") as files:
            for_csv(table)[0].to_csv(files.path("sweep.csv"), index=False, float_format="%.6g")
            files.write_text("sweep.html", sweep.sweep_chart(table, title))
        written = files.written
    return table, title + "\n\n" + sweep.sweep_text(table), written


def what_would_it_take_schools(game: Game, target: str) -> list[int]:
    """The URNs TARGET names: 'all' (every school of the simulation), a URN, or a school's name (any case, a
    unique start, or close: the closest names are listed when it is not found)."""
    from .. import names
    if str(target).strip().lower() == "all":
        return [int(u) for u in game.schools.urn]
    if str(target).strip().isdigit():
        return [int(game.schools.urn[whatif.school_index(game, int(target), "--what-would-it-take")])]
    choices = [names.Choice(str(int(u)), str(n)) for u, n in zip(game.schools.urn, game.schools.name)]
    return [int(names.find(target, choices, "school", option="what-would-it-take").code)]


def audit_community(db, urns: list, cohort_share: float) -> tuple[dict, str | None]:
    """({urn: community FSM share}, note) from an audit of the secondary schools of the warehouse DB under the
    default community model, for the URNs it holds; ({}, why not) when there is no warehouse or it cannot
    audit them. The audit's shares are put on the cohort's scale: times COHORT_SHARE over the LA's
    pupil-weighted community share (the simulated cohort's FSM share is set apart from the census year's)."""
    from ..auditing import models
    from ..auditing.run import audit
    if db is None or not Path(db).is_file():
        return {}, f"no warehouse at {db}: community FSM shares are the simulated cohort's (the PAN children " \
                   "living nearest each school)"
    try:
        with Warehouse(db, read_only=True) as wh:
            if not wh.count("schools"):
                return {}, f"the warehouse {db} holds no schools: community FSM shares are the simulated cohort's"
            found = wh.df(f"SELECT urn, la_code FROM schools WHERE urn IN ({', '.join(str(int(u)) for u in urns)}) "
                          "ORDER BY urn")
            out, scales = {}, []
            for la in sorted(found["la_code"].dropna().unique()):
                result = audit(wh, indicators=("fsm",), community=models.DEFAULT, la=str(la), phase="secondary")
                rows = result.schools[(result.schools["indicator"] == "fsm") & (result.schools["status"] == "audited")]
                mean = float(np.average(rows["community_rate"], weights=rows["pupils"])) if len(rows) else np.nan
                scale = cohort_share / mean if mean > 0 else np.nan
                scales.append(f"{la}: {100 * mean:.1f}% -> {100 * cohort_share:.1f}%")
                out.update({int(r.urn): float(r.community_rate) * scale for r in rows.itertuples()
                            if int(r.urn) in urns and np.isfinite(scale)})
    except RepauditError as exc:
        return {}, f"the warehouse could not be audited ({exc}): community FSM shares are the simulated cohort's"
    note = (f"community FSM shares from an audit of {db} ({models.DEFAULT} model), scaled so that the LA's "
            f"pupil-weighted community share equals the cohort's FSM share ({'; '.join(scales)})")
    missing = [u for u in urns if u not in out]
    if missing:
        note += f"; {len(missing)} school(s) not audited there (e.g. {missing[0]}) use the simulated cohort's"
    return out, note


def warehouse_demand(db):
    """Published applications and offers per school (demand.school_demand), or None without them."""
    if db is None or not Path(db).is_file():
        return None
    from ..demand import school_demand
    with Warehouse(db, read_only=True) as wh:
        tables = {r[0] for r in wh.con.execute("select table_name from duckdb_tables()").fetchall()}
        return school_demand(wh.con)[0] if "school_admissions" in tables else None


def simulate_what_would_it_take(policy: str, target: str, *, applications=None, synthetic_la=None,
                                brighton_dir=None, capacities=None, first_preferences=None, db=None, catchments=None,
                                runs: int = 20, seed: int = 0, settings: dict | None = None,
                                reserve_order: str | None = None, entry_year: int = 2025,
                                city_fsm_share: float | None = None, truncate_preferences: bool = False,
                                choice: dict | None = None, cohorts: int | None = None,
                                selective_share: float | None = None, out_dir=None, progress=None,
                                jobs: int | None = None, homes: str | None = None):
    """`--what-would-it-take URN|NAME|all`: for each school TARGET names, the smallest FSM reserve under POLICY
    that brings its FSM intake to its community's share (whatif.py); one cohort unless COHORTS says more, since
    the search runs the simulator many times. JOBS: processes drawing the cohorts. Returns (table, text, paths
    written)."""
    cohorts = cohorts or 1
    check_counts(runs, seed, cohorts)
    check_jobs(jobs)
    pol = with_city_share(policy_with(policy, settings, reserve_order), city_fsm_share)
    per_cohort = behaviours(choice or {}, cohorts, seed)
    plan = cohort_plan(pol, pol, per_cohort, seed, applications=applications, synthetic_la=synthetic_la,
                       brighton_dir=brighton_dir, capacities=capacities, first_preferences=first_preferences, db=db,
                       catchments=catchments, entry_year=entry_year, truncate_preferences=truncate_preferences,
                       city_share=city_fsm_share, selective_share=selective_share, homes=homes)
    games = run_tasks(_game_task, range(cohorts), plan, jobs)
    pol, _ = inputs.la_preference_limit(pol, pol, games[0])
    urns = what_would_it_take_schools(games[0], target)
    per = max(1, -(-runs // cohorts))
    seeds = [[int(x) for x in np.random.SeedSequence([seed, c] if c else seed).generate_state(per, dtype=np.uint32)]
             for c in range(cohorts)]
    community, note = audit_community(db, urns, float(np.mean([g.applicants.fsm.mean() for g in games])))
    table = whatif.what_would_it_take(games, pol, urns, seeds, community, warehouse_demand(db), progress)
    text = whatif.wwit_text(table, pol.name, per * cohorts) + (f"\nnote: {note}" if note else "")
    written = []
    if out_dir:
        with OutputSet(out_dir, origin={"policy": pol.name, "what_would_it_take": str(target)},
                       family=["what_would_it_take.csv"], kind="simulate") as files:
            for_csv(table)[0].to_csv(files.path("what_would_it_take.csv"), index=False, float_format="%.6g")
        written = files.written
    return table, text, written
