"""`--la all`: the policy in every English LA from open data, one LA market after another (the national picture).

Each LA is simulated as `--synthetic --la` would (national.py, inputs.market_game) over RUNS lottery
draws; the national figures pool the LAs: pupils keeping their baseline school (movers over applicants)
and FSM pupils offered one of their top two preferences (weighted by FSM applicants), set beside the
national simulation of Burgess, Cantillon, Greaves and Cavallo (2025): about 94% keep their school and
almost all FSM pupils get one of their top two preferences under a 15% FSM quota.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import RepauditError
from ..output_set import OutputSet
from ..safe_text import for_csv
from ..warehouse import Warehouse
from .compare import compare
from .inputs import la_preference_limit, market_game
from .homes import home_model
from .national import all_las, la_market, national_frames, school_home_terms
from .policies import Policy
from .workers import run_tasks

BURGESS_KEPT = 0.94


@dataclass
class NationalResult:
    """One row per LA (national.csv), the pooled figures and the LAs left out with their reason."""

    table: pd.DataFrame
    totals: dict
    skipped: list = field(default_factory=list)
    written: list = field(default_factory=list)


@dataclass(frozen=True)
class NationalPlan:
    """What every LA's task shares, sent once to each worker process."""

    frames: object
    policy: Policy
    baseline: Policy
    runs: int
    seed: int
    city_share: float | None = None
    homes: str | None = None


def simulate_all(policy: Policy, baseline: Policy, db, runs: int = 10, seed: int = 0, city_share=None,
                 out_dir=None, progress=None, jobs: int | None = None, homes: str | None = None) -> NationalResult:
    """POLICY against BASELINE in every LA of the warehouse DB, the LAs shared among JOBS processes
    (workers.py; the same results for any number); writes national.csv into OUT_DIR if given. HOMES: 'across'
    draws each LA cohort's homes across LA boundaries (homes.py, the default), 'la' in the LA."""
    with Warehouse(db, read_only=True) as wh:
        frames = national_frames(wh)
    model = home_model(homes)
    if model is not None:
        school_home_terms(frames, model)        # fitted once here, not in every worker
    las = all_las(frames)
    done = run_tasks(_la_task, las, NationalPlan(frames, policy, baseline, runs, seed, city_share, homes), jobs,
                     done=lambda i, found, _: progress(las[i][1]) if progress and found[0] is not None else None)
    rows = [row for row, _ in done if row is not None]
    skipped = [why for _, why in done if why is not None]
    if not rows:
        raise RepauditError("no LA could be simulated: " + "; ".join(skipped[:5]))
    table = pd.DataFrame(rows)
    out = NationalResult(table, pooled(table), skipped)
    if out_dir:
        with OutputSet(out_dir, origin={"policy": policy.name, "baseline": baseline.name,
                                        "applicants_from": "synthetic cohorts of every LA"},
                       family=["national.csv"], kind="simulate") as files:
            for_csv(table)[0].to_csv(files.path("national.csv"), index=False, float_format="%.6g")
        out.written = files.written
    return out


def _la_task(plan: NationalPlan, la: tuple, step=None) -> tuple:
    """One LA (code, name) simulated as `--synthetic --la` would: (its row of national.csv, None), or (None, why
    it was left out)."""
    code, name = la
    try:
        market = la_market(plan.frames, code, homes=home_model(plan.homes))
        game = market_game(market, plan.seed, max(plan.policy.preferences, market.preferences or 0),
                           city_share=plan.city_share)
        game.meta["la_preferences"], game.meta["demand_year"] = market.preferences, market.demand_year
        pol, base = la_preference_limit(plan.policy, plan.baseline, game)
        result = compare(game, pol, base, runs=plan.runs, seed=plan.seed)
    except RepauditError as exc:
        return None, f"{name} ({code}): {exc}"
    return _row(code, name, game, result), None


def _row(code, name, game, result) -> dict:
    s = result.summary.set_index("metric")
    areas = result.areas.set_index(["area", "metric"])
    d_key = (name, "D") if (name, "D") in areas.index else ("all", "D")
    fsm = game.applicants.fsm
    return {
        "la_code": code, "la_name": name, "applicants": game.applicants.n, "fsm_applicants": int(fsm.sum()),
        "schools": game.schools.n, "la_schools": int((~game.schools.border).sum()),
        "la_admitted_schools": int(game.schools.community.sum()),
        "movers": s.loc["movers", "policy_mean"],
        "kept_baseline_school": s.loc["kept_baseline_school", "policy_mean"],
        "fsm_top2_baseline": s.loc["fsm_top2_rate", "baseline_mean"],
        "fsm_top2_policy": s.loc["fsm_top2_rate", "policy_mean"],
        "first_pref_baseline": s.loc["first_pref_rate", "baseline_mean"],
        "first_pref_policy": s.loc["first_pref_rate", "policy_mean"],
        "directed_baseline": s.loc["directed", "baseline_mean"], "directed_policy": s.loc["directed", "policy_mean"],
        "D_baseline": areas.loc[d_key, "baseline_mean"], "D_policy": areas.loc[d_key, "policy_mean"],
    }


def pooled(table: pd.DataFrame) -> dict:
    """National figures: shares pooled over LAs (pupils, or FSM pupils for the FSM figures)."""
    apps, fsm = table["applicants"].sum(), table["fsm_applicants"]
    w = fsm / fsm.sum() if fsm.sum() else fsm * 0
    return {
        "las": len(table), "applicants": int(apps), "fsm_applicants": int(fsm.sum()),
        "kept_baseline_school": float(1 - table["movers"].sum() / apps),
        "fsm_top2_baseline": float((w * table["fsm_top2_baseline"].fillna(0)).sum()),
        "fsm_top2_policy": float((w * table["fsm_top2_policy"].fillna(0)).sum()),
        "first_pref_baseline": float((table["applicants"] * table["first_pref_baseline"]).sum() / apps),
        "first_pref_policy": float((table["applicants"] * table["first_pref_policy"]).sum() / apps),
        "directed_baseline": float(table["directed_baseline"].sum()),
        "directed_policy": float(table["directed_policy"].sum()),
    }


def national_text(result: NationalResult, policy: str, baseline: str, runs: int) -> str:
    """The national summary: pooled figures beside Burgess et al. (2025), then LAs left out."""
    t = result.totals
    lines = [
        f"{policy} vs {baseline} in {t['las']} LAs: {t['applicants']:,} applicants ({t['fsm_applicants']:,} FSM), "
        f"{runs} lottery run(s) each",
        f"keep their baseline school: {100 * t['kept_baseline_school']:.1f}% (Burgess, Cantillon, Greaves and "
        f"Cavallo 2025, 15% FSM quota: about {100 * BURGESS_KEPT:.0f}%)",
        f"FSM pupils offered a top-two preference: {100 * t['fsm_top2_baseline']:.1f}% -> "
        f"{100 * t['fsm_top2_policy']:.1f}% (Burgess et al.: almost all)",
        f"first preference offered: {100 * t['first_pref_baseline']:.1f}% -> {100 * t['first_pref_policy']:.1f}%; "
        f"directed places: {t['directed_baseline']:,.0f} -> {t['directed_policy']:,.0f}",
    ]
    lines += [f"note: left out {s}" for s in result.skipped]
    return "\n".join(lines)
