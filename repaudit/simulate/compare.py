"""Policy versus baseline over Monte Carlo lottery seeds: per school, per area and overall, mean and 95% interval.

Run r solves the game under the baseline and under the policy with the same lottery seed (common
random numbers), so differences are the policy's, not the lottery's. Per school: intake, FSM intake
and share, the community FSM share and the gap (audit statistics), first-preference rate (share of
the school's first-preference applicants offered it), directed places, mean home-school distance, and
offers under each reserve band. Per area (the schools' `area`, and "all"): D, GS and isolation of FSM
pupils (audit indices); each school's term of D (`d_term`), whose change is that school's part of the
change in D. Overall: first-preference rate, FSM pupils with one of their top two
preferences, unplaced and directed, movers (pupils at a different school than under the baseline).
Intervals: with one cohort the 2.5th and 97.5th percentiles over its lottery runs; with more, the 95%
prediction interval for a fresh cohort (coverage.py), with the continuity correction for figures that move a
pupil at a time and the schools' FSM-share variances pooled across schools (school_lattice).
"""
from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..auditing import indices, stats
from ..sources.reader import progress_on
from . import criteria
from .game import DIRECTED, EHCP, OFFER, UNPLACED, Allocation, Game, solve_many
from .coverage import prediction_interval
from .policies import Policy

SCHOOL_METRICS = ("intake", "fsm", "fsm_share", "gap_pp", "z", "first_pref_rate", "directed", "mean_km", "d_term")
AREA_METRICS = ("D", "GS", "isolation")
SUMMARY_METRICS = ("placed", "first_pref_rate", "top2_rate", "fsm_top2_rate", "unplaced_by_preferences",
                   "directed", "unplaced", "mean_km", "movers", "kept_baseline_school")


@dataclass
class Comparison:
    """Tables of a policy comparison (long format: one row per unit and metric) and its inputs."""

    schools: pd.DataFrame
    areas: pd.DataFrame
    summary: pd.DataFrame
    allocation: pd.DataFrame            # the policy's allocation in the first run
    allocation_baseline: pd.DataFrame
    meta: dict = field(default_factory=dict)
    reality: pd.DataFrame | None = None   # model vs reality (explain.py), when facts are given
    criteria: pd.DataFrame | None = None  # offers by oversubscription criterion per school (criteria.py)
    pan_whatif: pd.DataFrame | None = None  # --pan: the policy now and with other admission numbers (whatif.py)

    def school_table(self, metric: str) -> pd.DataFrame:
        """One metric per school, wide: baseline, policy, change with intervals."""
        return self.schools[self.schools["metric"] == metric].drop(columns="metric").reset_index(drop=True)


def community_fsm(game: Game) -> np.ndarray:
    """Each school's community FSM share: the FSM share of the PAN applicants living nearest to it
    (a proximity community, METHODS section 3, on the same cohort). Candidates are taken from a square
    around the school that grows until it holds PAN applicants within its half-width, so national
    games never build an applicants x schools distance matrix."""
    xy, sxy, fsm = game.applicants.xy, game.schools.xy, game.applicants.fsm
    order = np.argsort(xy[:, 0], kind="stable")
    xs, ys, fs = xy[order, 0], xy[order, 1], fsm[order]
    out = np.full(game.schools.n, np.nan)
    n = len(xs)
    if n == 0:
        return out
    span = max(float(np.ptp(xs)), float(np.ptp(ys)), 1.0)
    density = n / span ** 2
    for s in range(game.schools.n):
        k = int(min(max(game.schools.pan[s], 1), n))
        r = max(np.sqrt(k / density), 1.0)
        while True:
            lo, hi = np.searchsorted(xs, [sxy[s, 0] - r, sxy[s, 0] + r])
            near = np.flatnonzero(np.abs(ys[lo:hi] - sxy[s, 1]) <= r) + lo
            d = np.hypot(xs[near] - sxy[s, 0], ys[near] - sxy[s, 1])
            if (d <= r).sum() >= k or len(near) == n:
                break
            r *= 2
        nearest = near[np.argsort(d, kind="stable")[:k]]
        out[s] = fs[nearest].mean()
    return out


def school_metrics(game: Game, alloc: Allocation, community: np.ndarray) -> dict:
    """Per-school metrics of one allocation (arrays of length S)."""
    n_s = game.schools.n
    placed = alloc.school >= 0
    s = alloc.school[placed]
    fsm = game.applicants.fsm[placed]
    intake = np.bincount(s, minlength=n_s).astype(float)
    fsm_n = np.bincount(s[fsm], minlength=n_s).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = fsm_n / intake
        apps = game.applicants
        first = apps.prefs[apps.offsets[:-1][np.diff(apps.offsets) > 0]]
        has = np.diff(apps.offsets) > 0
        got_first = (alloc.preference_rank[has] == 1) & (alloc.route[has] == OFFER)
        first_rate = np.bincount(first[got_first], minlength=n_s) / np.bincount(first, minlength=n_s)
        delta = apps.xy[placed] - game.schools.xy[s]
        km = np.bincount(s, np.hypot(delta[:, 0], delta[:, 1]) / 1000, minlength=n_s) / intake
    return {
        "intake": intake, "fsm": fsm_n, "fsm_share": share,
        "gap_pp": stats.gap_pp(share, community), "z": stats.z_score(share, community, intake),
        "first_pref_rate": first_rate,
        "directed": np.bincount(alloc.school[alloc.route == DIRECTED], minlength=n_s).astype(float),
        "mean_km": km,
        "d_term": d_terms(fsm_n, intake),
    }


def d_terms(fsm_n: np.ndarray, intake: np.ndarray) -> np.ndarray:
    """Each school's term of the dissimilarity index, 1/2 |F_i/F - N_i/N| (N = pupils not FSM): they add up
    to D, so the change in a school's term is its part of the change in D."""
    other = intake - fsm_n
    f_total, n_total = fsm_n.sum(), other.sum()
    if f_total <= 0 or n_total <= 0:
        return np.full(len(intake), np.nan)
    return 0.5 * np.abs(fsm_n / f_total - other / n_total)


def area_metrics(game: Game, fsm_n: np.ndarray, intake: np.ndarray) -> dict:
    """D, GS and isolation of FSM pupils across the schools of each area (and of all schools)."""
    out = {}
    areas = game.schools.area
    for name in ["all", *sorted(set(areas))] if len(set(areas)) > 1 else ["all"]:
        m = np.ones(len(areas), dtype=bool) if name == "all" else areas == name
        f, t = fsm_n[m], intake[m]
        out[name] = {"D": indices.dissimilarity(f, t), "GS": indices.gorard(f, t), "isolation": indices.isolation(f, t)}
    return out


def summary_metrics(game: Game, alloc: Allocation, baseline: Allocation | None) -> dict:
    """Overall figures of one allocation; movers counted against BASELINE (same seed)."""
    apps = game.applicants
    choosing = (alloc.route != EHCP) & (np.diff(apps.offsets) > 0)
    offer = alloc.route == OFFER
    placed = alloc.school >= 0
    delta = apps.xy[placed] - game.schools.xy[alloc.school[placed]]
    top2 = offer & (alloc.preference_rank <= 2)
    fsm_choosing = choosing & apps.fsm
    moved = (alloc.school != baseline.school) if baseline is not None else np.zeros(apps.n, dtype=bool)
    return {
        "placed": float(placed.sum()),
        "first_pref_rate": float((offer & (alloc.preference_rank == 1))[choosing].mean()) if choosing.any() else np.nan,
        "top2_rate": float(top2[choosing].mean()) if choosing.any() else np.nan,
        "fsm_top2_rate": float(top2[fsm_choosing].mean()) if fsm_choosing.any() else np.nan,
        "unplaced_by_preferences": float(((alloc.route == DIRECTED) | (alloc.route == UNPLACED)).sum()),
        "directed": float((alloc.route == DIRECTED).sum()),
        "unplaced": float((alloc.route == UNPLACED).sum()),
        "mean_km": float(np.hypot(delta[:, 0], delta[:, 1]).mean() / 1000) if placed.any() else np.nan,
        "movers": float(moved.sum()),
        "kept_baseline_school": float(1 - moved.mean()) if apps.n else np.nan,
    }


def compare(game: Game, policy: Policy, baseline: Policy, runs: int = 100, seed: int = 0,
            baseline_game: Game | None = None) -> Comparison:
    """Monte Carlo comparison of POLICY with BASELINE over RUNS lottery seeds derived from SEED. Each runs
    at the schools it applies to; the other schools run the policy its `others` key names. BASELINE_GAME:
    the same applicants with the preferences they would give without the policy (see choice.py, FSM
    response); default GAME."""
    return compare_cohorts([(game, baseline_game or game)], policy, baseline, runs, seed)


PROGRESS_MIN_RUNS = 500    # about ten seconds of runs on a city's cohort: fewer show no bar
STEPS_PER_RUN = 3          # a lottery run's steps on the bar: solve the baseline, solve the policy, measure both


def runs_bar(runs: int):
    """A tqdm bar on stderr over the three steps of each lottery run (solve the baseline, solve the policy,
    measure both), shown within reader.progress_bars(True) for long simulations."""
    return tqdm(total=STEPS_PER_RUN * runs, unit="step", desc=f"{runs:,} lottery runs", file=sys.stderr, leave=False,
                disable=not progress_on() or runs < PROGRESS_MIN_RUNS)


def compare_cohorts(cohorts: list, policy: Policy, baseline: Policy, runs: int = 100, seed: int = 0) -> Comparison:
    """As `compare`, pooling COHORTS, a list of (game, baseline game) drawn with different seeds: each gets
    RUNS / len(COHORTS) lottery draws (at least one), and the intervals, taken over all runs of all cohorts,
    then combine lottery and cohort variation. Tables of the first cohort's allocations are kept."""
    for p in (policy, baseline):
        p.check_reserved(cohorts[0][0].city_fsm_share)
    per_cohort = runs_per_cohort(runs, len(cohorts))
    bar = runs_bar(per_cohort * len(cohorts))
    measured = [run_cohort(pol_game, base_game, policy, baseline, cohort_seeds(seed, c, per_cohort), keep_first=c == 0,
                           done=bar.update) for c, (pol_game, base_game) in enumerate(cohorts)]
    bar.close()
    return pool_cohorts(measured, policy, baseline, seed)


def runs_per_cohort(runs: int, cohorts: int) -> int:
    """Lottery draws each cohort gets: RUNS shared among COHORTS, at least one."""
    return max(1, -(-runs // cohorts))


def cohort_seeds(seed: int, c: int, runs: int) -> list:
    """The lottery seeds of cohort C's RUNS draws (cohort 0 keeps the seeds a single cohort has)."""
    return [int(x) for x in np.random.SeedSequence([seed, c] if c else seed).generate_state(runs, dtype=np.uint32)]


@dataclass
class CohortRuns:
    """One cohort's lottery runs, measured: what `pool_cohorts` needs of it (arrays per run, no allocation but
    the first run's when kept), so that it can be computed in another process."""

    pol_game: Game | None
    base_game: Game | None
    per_school: dict
    per_area: dict
    per_run: dict
    per_criterion: dict
    bands: list                          # per policy run: {band name: offers under the band per school}
    community: np.ndarray
    first: tuple | None = None           # (baseline, policy) allocations of the first run


def run_cohort(pol_game: Game, base_game: Game, policy: Policy, baseline: Policy, seeds: list,
               keep_first: bool = False, done=None) -> CohortRuns:
    """Solve one cohort (POL_GAME, BASE_GAME) under BASELINE and POLICY with each lottery seed (common random
    numbers) and measure every run; DONE(n) is called as steps finish (a progress bar's update)."""
    base_runs = solve_many(base_game, baseline, seeds, done=done)
    pol_runs = solve_many(pol_game, policy, seeds, done=done)
    community = community_fsm(pol_game)
    out = CohortRuns(pol_game, base_game, *({"baseline": [], "policy": []} for _ in range(4)), bands=[],
                     community=community, first=(base_runs[0], pol_runs[0]) if keep_first else None)
    names = list(pol_runs[0].rules.band_caps(pol_game))
    for b, p in zip(base_runs, pol_runs):
        for label, g, alloc, ref in (("baseline", base_game, b, None), ("policy", pol_game, p, b)):
            sm = school_metrics(g, alloc, community)
            out.per_school[label].append(sm)
            out.per_area[label].append(area_metrics(g, sm["fsm"], sm["intake"]))
            out.per_run[label].append(summary_metrics(g, alloc, ref))
            out.per_criterion[label].append(criteria.counts(g, alloc))
        out.bands.append({name: p.band_counts(name, pol_game.schools.n).astype(float) for name in names})
        if done is not None:
            done(1)
    return out


def pool_cohorts(measured: list, policy: Policy, baseline: Policy, seed: int) -> Comparison:
    """The comparison from every cohort's measured runs (MEASURED, in cohort order; the first kept its games and
    first allocations)."""
    first = measured[0]
    game, base_game = first.pol_game, first.base_game
    base_first, pol_first = first.first
    per_cohort = len(first.bands)
    cohort = np.repeat(np.arange(len(measured)), per_cohort)
    caps = pol_first.rules.band_caps(game)

    def joined(part: str) -> dict:
        return {label: [x for m in measured for x in getattr(m, part)[label]] for label in ("baseline", "policy")}

    meta = {
        "policy": policy.name, "baseline": baseline.name, "runs": per_cohort * len(measured), "seed": seed,
        "cohorts": len(measured),
        "intervals": "lottery draws" if len(measured) == 1 else
                     f"prediction for a fresh cohort, from {len(measured)} synthetic cohorts ({per_cohort} lottery "
                     "draws each)",
        "city_fsm_share": policy.share("city_fsm_share", game.city_fsm_share),
        "applicants": game.applicants.n, "schools": game.schools.n,
        "reserve_order": policy.reserve_order, "band_caps": {k: v.tolist() for k, v in caps.items()},
        "rules": {label: policy_facts(p, game) for label, p in (("policy", policy), ("baseline", baseline))},
        **{k: v for k, v in game.meta.items() if k != "applications"},
    }
    per_criterion = joined("per_criterion")
    return Comparison(
        schools=_school_table(game, joined("per_school"), np.mean([m.community for m in measured], axis=0),
                              [b for m in measured for b in m.bands], caps, cohort),
        areas=_area_table(joined("per_area"), cohort),
        summary=_summary_table(joined("per_run"), cohort),
        allocation=allocation_frame(game, pol_first),
        allocation_baseline=allocation_frame(base_game, base_first),
        meta=finite(meta),
        criteria=criteria.criteria_table(game, per_criterion["baseline"], per_criterion["policy"], _wide),
    )


def policy_facts(policy: Policy, game: Game) -> dict:
    """What a policy assumed, for meta.json: where it applies, what runs elsewhere, its parameters and sources."""
    community = int(game.schools.community.sum())
    applies = game.schools.n if policy.applies_to == "all" else community
    return {"name": policy.name, "applies_to": policy.applies_to, "schools_applied": applies,
            "others": policy.others if applies < game.schools.n else None, "preferences": policy.preferences,
            "rounding": policy.rounding, "parameters": dict(policy.parameters), "sources": dict(policy.sources)}


def finite(value):
    """VALUE with every NaN or infinite float replaced by None (JSON null), so no 'NaN' reaches meta.json."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if isinstance(value, np.ndarray):
        return finite(value.tolist())
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    return value


def _interval(values: np.ndarray, cohort: np.ndarray | None = None, bounds: tuple = (-np.inf, np.inf),
              reference: np.ndarray | None = None, step: np.ndarray | None = None) -> tuple:
    """Mean and 95% interval over runs (axis 0), ignoring NaN runs (NaN where every run is NaN): with runs of
    two or more cohorts (COHORT: each run's), the prediction interval for a fresh cohort (coverage.py; the
    schools' variances pooled against REFERENCE, and the continuity correction for values STEP apart, when
    given), kept within BOUNDS, the values the metric can take; with one, the 2.5th and 97.5th percentiles of
    the runs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)       # all-NaN columns: a school nobody attends
        if cohort is not None and len(np.unique(cohort)) > 1:
            mean, lo, hi = prediction_interval(values, cohort, reference=reference, step=step)
            return mean, np.clip(lo, *bounds), np.clip(hi, *bounds)
        return np.nanmean(values, axis=0), nan_quantile(values, 0.025), nan_quantile(values, 0.975)


def nan_quantile(values: np.ndarray, q: float) -> np.ndarray:
    """Quantile Q over axis 0 ignoring NaN, linear interpolation (numpy's default), vectorised over columns:
    np.nanpercentile loops over columns in Python, too slow for every school of every LA."""
    v = np.sort(np.asarray(values, dtype=float), axis=0)            # NaN sort last
    count = np.sum(~np.isnan(v), axis=0)
    pos = q * np.maximum(count - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    low = np.take_along_axis(v, lo[None, ...], axis=0)[0]
    high = np.take_along_axis(v, hi[None, ...], axis=0)[0]
    out = low + (high - low) * (pos - lo)
    return np.where(count > 0, out, np.nan)


SHARES = {"fsm_share", "first_pref_rate", "d_term", "D", "GS", "isolation", "top2_rate", "fsm_top2_rate",
          "kept_baseline_school"}
SIGNED = {"gap_pp", "z"}


def bounds(metric: str) -> tuple:
    """The values a metric can take: shares and indices 0 to 1, counts and distances from 0."""
    return (0.0, 1.0) if metric in SHARES else (-np.inf, np.inf) if metric in SIGNED else (0.0, np.inf)


def _wide(base: np.ndarray, pol: np.ndarray, cohort: np.ndarray | None = None, metric: str = "",
          lattice: dict | None = None) -> dict:
    """Baseline, policy and change of one metric: mean and interval of each (LATTICE: per label, the reference
    variances and steps of school_lattice)."""
    out = {}
    for label, v in (("baseline", base), ("policy", pol), ("change", pol - base)):
        mean, lo, hi = _interval(v, cohort, (-np.inf, np.inf) if label == "change" else bounds(metric),
                                 **(lattice or {}).get(label, {}))
        out[f"{label}_mean"], out[f"{label}_lo"], out[f"{label}_hi"] = mean, lo, hi
    return out


def _school_table(game, per_school, community, bands, caps, cohort) -> pd.DataFrame:
    frames = []
    for metric in SCHOOL_METRICS:
        base = np.array([r[metric] for r in per_school["baseline"]])
        pol = np.array([r[metric] for r in per_school["policy"]])
        frames.append(pd.DataFrame({"urn": game.schools.urn, "name": game.schools.name, "metric": metric,
                                    **_wide(base, pol, cohort, metric, school_lattice(per_school, metric))}))
    for name, cap in caps.items():
        counts = np.array([b[name] for b in bands])
        mean, lo, hi = _interval(counts, cohort, bounds("band"))
        frames.append(pd.DataFrame({"urn": game.schools.urn, "name": game.schools.name, "metric": f"band_{name}",
                                    "policy_mean": mean, "policy_lo": lo, "policy_hi": hi}))
        frames.append(pd.DataFrame({"urn": game.schools.urn, "name": game.schools.name, "metric": f"cap_{name}",
                                    "policy_mean": cap.astype(float)}))
    fixed = pd.DataFrame({"urn": game.schools.urn, "name": game.schools.name, "metric": "community_fsm",
                          "baseline_mean": community, "policy_mean": community})
    pan = pd.DataFrame({"urn": game.schools.urn, "name": game.schools.name, "metric": "pan",
                        "baseline_mean": game.schools.pan.astype(float), "policy_mean": game.schools.pan.astype(float)})
    table = pd.concat([pan, fixed, *frames], ignore_index=True)
    notes = intake_notes(np.array([r["intake"] for r in per_school["baseline"]]),
                         np.array([r["intake"] for r in per_school["policy"]]))
    table["note"] = table["urn"].map(dict(zip(game.schools.urn.tolist(), notes))).fillna("")
    return table


def school_lattice(per_school: dict, metric: str) -> dict | None:
    """What the intervals of a school's FSM share know of its values (coverage.prediction_interval), per label:
    the share and its change move in steps of one pupil over the intake, and the share's variance is pooled
    across schools against p(1 - p) / intake, the variance of the share of a binomial intake. The change has
    no reference the schools share (a quota moves pupils at the schools it binds and none elsewhere), so each
    school's change keeps its own variance. None for other metrics."""
    if metric != "fsm_share":
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = {}
        for label in ("baseline", "policy"):
            share = np.nanmean([r["fsm_share"] for r in per_school[label]], axis=0)
            intake = np.nanmean([r["intake"] for r in per_school[label]], axis=0)
            out[label] = {"reference": share * (1 - share) / intake, "step": 1 / intake}
        out["change"] = {"step": out["policy"]["step"]}
    return out


def intake_notes(base_intake: np.ndarray, pol_intake: np.ndarray) -> list:
    """Per school: 'no intake' (no pupil in any run under either rule), 'no intake under the baseline' or
    '... under the policy' (its rates are then undefined and left empty), else ''."""
    base_none, pol_none = (base_intake.max(axis=0) == 0), (pol_intake.max(axis=0) == 0)
    return ["no intake" if b and p else "no intake under the baseline" if b else "no intake under the policy" if p
            else "" for b, p in zip(base_none, pol_none)]


def _area_table(per_area, cohort) -> pd.DataFrame:
    rows = []
    for area in per_area["baseline"][0]:
        for metric in AREA_METRICS:
            base = np.array([r[area][metric] for r in per_area["baseline"]])
            pol = np.array([r[area][metric] for r in per_area["policy"]])
            rows.append({"area": area, "metric": metric,
                         **{k: float(v) for k, v in _wide(base, pol, cohort, metric).items()}})
    return pd.DataFrame(rows)


def _summary_table(per_run, cohort) -> pd.DataFrame:
    rows = []
    for metric in SUMMARY_METRICS:
        base = np.array([r[metric] for r in per_run["baseline"]])
        pol = np.array([r[metric] for r in per_run["policy"]])
        rows.append({"metric": metric, **{k: float(v) for k, v in _wide(base, pol, cohort, metric).items()}})
    return pd.DataFrame(rows)


def allocation_frame(game: Game, alloc: Allocation) -> pd.DataFrame:
    """allocation.csv: applicant_id, urn, preference_rank (empty unless a preference), directed (0/1),
    plus route and the criterion an offer was made under."""
    placed = alloc.school >= 0
    urn = pd.array(np.where(placed, game.schools.urn[np.maximum(alloc.school, 0)], 0), dtype="Int64")
    urn[~placed] = pd.NA
    rank = pd.array(alloc.preference_rank, dtype="Int64")
    rank[alloc.preference_rank == 0] = pd.NA
    return pd.DataFrame({
        "applicant_id": game.applicants.applicant_id,
        "urn": urn,
        "preference_rank": rank,
        "directed": (alloc.route == DIRECTED).astype(int),
        "route": np.asarray([("unplaced", "offer", "directed", "ehcp")[r] for r in alloc.route], dtype=object),
        "criterion": alloc.criterion(),
        "fsm": game.applicants.fsm.astype(int),
        **({} if game.applicants.girl is None else {"sex": np.where(game.applicants.girl, "F", "M")}),
        **({} if game.applicants.qualified is None else {"qualified": game.applicants.qualified.astype(int)}),
    })
