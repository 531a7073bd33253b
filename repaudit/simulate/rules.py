"""Turn policies into the engine's arrays: criteria met per application, admission steps, tie-breaks.

`plan_steps(policy)` is where the reserve processing order (see policies.py) becomes an explicit list of
steps; `build_market` evaluates each school's steps on every application and draws the tie-breaks.
Several copies of the market (one per lottery seed) can be built at once for Monte Carlo runs: copy r
uses schools r*S .. r*S+S-1 and is otherwise independent.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine import UNLIMITED, Market, Step
from .policies import Band, Policy, others_policy


@dataclass(frozen=True)
class StepPlan:
    """One admission step of a policy: its criteria in order, its band (None = open) and its cap rule."""

    criteria: tuple[str, ...]
    band: Band | None = None
    hold_back_bands: bool = False      # open step of reserve_order "last": leaves the bands' places free


def plan_steps(policy: Policy) -> list[StepPlan]:
    """The steps a school following POLICY runs, in processing order (the reserve_order setting)."""
    open_criteria = tuple(c for c in policy.criteria if policy.band_of(c) is None)
    if not policy.bands:
        return [StepPlan(policy.criteria)]
    if policy.reserve_order == "first":
        return [StepPlan(b.criteria, b) for b in _bands_in_order(policy)] + [StepPlan(open_criteria)]
    if policy.reserve_order == "last":
        return ([StepPlan(open_criteria, hold_back_bands=True)]
                + [StepPlan(b.criteria, b) for b in _bands_in_order(policy)]
                + [StepPlan(open_criteria)])
    steps, run, done = [], [], set()
    for c in policy.criteria:
        band = policy.band_of(c)
        if band is None:
            run.append(c)
            continue
        if band.name in done:
            continue
        if run:
            steps.append(StepPlan(tuple(run)))
            run = []
        steps.append(StepPlan(band.criteria, band))
        done.add(band.name)
    if run:
        steps.append(StepPlan(tuple(run)))
    return steps


def _bands_in_order(policy: Policy) -> list[Band]:
    return sorted(policy.bands, key=lambda b: policy.criteria.index(b.criteria[0]))


@dataclass
class Pairs:
    """Every (applicant, preference) of a game as flat arrays, with the criteria each one meets."""

    applicant: np.ndarray    # int64 (P,)
    school: np.ndarray       # int64 (P,)
    rank: np.ndarray         # int64 (P,) 1 = first preference
    distance: np.ndarray     # float (P,) metres, straight line
    basic: dict              # criterion name -> bool (P,)

    def meets(self, criterion: str) -> np.ndarray:
        """Bool per pair: every '+'-joined part of CRITERION holds."""
        out = np.ones(len(self.applicant), dtype=bool)
        for part in criterion.split("+"):
            out &= self.basic[part]
        return out


def pairs_of(game) -> Pairs:
    """The applications of GAME with the criteria of policies.CRITERIA evaluated on each."""
    apps, schools = game.applicants, game.schools
    offsets = apps.offsets
    applicant = np.repeat(np.arange(apps.n, dtype=np.int64), np.diff(offsets))
    school = apps.prefs.astype(np.int64)
    rank = np.arange(len(school), dtype=np.int64) - offsets[applicant] + 1
    delta = apps.xy[applicant] - schools.xy[school]
    distance = np.hypot(delta[:, 0], delta[:, 1])
    in_catchment, single = game.catchment_flags(applicant, school)
    basic = {
        "looked_after": apps.looked_after.astype(bool)[applicant],
        "medical_social": apps.medical_school[applicant] == school,
        "sibling": apps.sibling_school[applicant] == school,
        "catchment": in_catchment,
        "fsm": apps.fsm.astype(bool)[applicant],
        "single_school_catchment": single,
        "everyone": np.ones(len(school), dtype=bool),
        "own_criteria": np.zeros(len(school), dtype=bool) if apps.own_criteria is None
        else np.asarray(apps.own_criteria, dtype=bool),
    }
    return Pairs(applicant, school, rank, distance, basic)


@dataclass
class Rules:
    """Which policy each school follows and the steps it runs (labels decode the admitting criterion)."""

    policies: list[Policy]
    policy_of_school: np.ndarray       # int64 (S,)
    plans: list[list[StepPlan]]

    @property
    def n_steps(self) -> int:
        return max(len(p) for p in self.plans)

    def criteria_of(self, school: np.ndarray, step: np.ndarray, klass: np.ndarray) -> np.ndarray:
        """Name of the criterion behind each (school, admitting step, class); '' where step is -1."""
        q_n, t_n = len(self.plans), self.n_steps
        width = max(len(s.criteria) for p in self.plans for s in p) + 1
        names = np.full((q_n, t_n, width), "", dtype=object)
        size = np.ones((q_n, t_n), dtype=np.int64)
        for q, plan in enumerate(self.plans):
            for t, s in enumerate(plan):
                names[q, t, :len(s.criteria)] = s.criteria
                size[q, t] = len(s.criteria) + 1
        out = np.full(len(school), "", dtype=object)
        ok = (step >= 0) & (klass >= 0) & (school >= 0)
        q = self.policy_of_school[school[ok]]
        t = step[ok].astype(np.int64)
        out[ok] = names[q, t, klass[ok].astype(np.int64) % size[q, t]]
        return out

    def band_offers(self, school: np.ndarray, step: np.ndarray, band: str) -> np.ndarray:
        """Bool per offer: made by the step of BAND at its school."""
        table = np.zeros((len(self.plans), self.n_steps), dtype=bool)
        for q, plan in enumerate(self.plans):
            for t, s in enumerate(plan):
                table[q, t] = s.band is not None and s.band.name == band
        ok = (step >= 0) & (school >= 0)
        out = np.zeros(len(school), dtype=bool)
        out[ok] = table[self.policy_of_school[school[ok]], step[ok].astype(np.int64)]
        return out

    def band_caps(self, game, school_pan=None) -> dict:
        """(band name -> int64 places per school, 0 where the school has no such band)."""
        pan = game.schools.pan if school_pan is None else school_pan
        out = {}
        for q, policy in enumerate(self.policies):
            mask = self.policy_of_school == q
            for band in policy.bands:
                caps = out.setdefault(band.name, np.zeros(len(pan), dtype=np.int64))
                caps[mask] = policy.places(policy.share(band.share, game.city_fsm_share), pan[mask])
        return out


def assign_rules(game, policy: Policy, others: Policy | None = None) -> Rules:
    """POLICY at the schools it applies to; OTHERS (default: the policy its `others` key names) at the rest
    (own admission authorities: academies, free, foundation and voluntary-aided schools); each of POLICY's
    `exceptions` at its school."""
    community = game.schools.community
    if policy.applies_to == "community" and not community.all():
        others = others if others is not None else others_policy(policy)
        policies = [policy, others]
        policy_of_school = np.where(community, 0, 1).astype(np.int64)
    else:
        policies = [policy]
        policy_of_school = np.zeros(game.schools.n, dtype=np.int64)
    for urn, own in policy.exceptions:          # a what-if at one school (whatif.py)
        policies.append(own)
        policy_of_school[game.schools.urn == urn] = len(policies) - 1
    return Rules(policies, policy_of_school, [plan_steps(p) for p in policies])


def build_market(game, rules: Rules, pairs: Pairs, capacity: np.ndarray, active: np.ndarray,
                 rngs: list) -> Market:
    """A market over the ACTIVE pairs with one copy per random generator in RNGS (tie-breaks drawn from it)."""
    n_s = game.schools.n
    sel = np.flatnonzero(active)
    app = pairs.applicant[sel]
    school = pairs.school[sel]
    policy_of_pair = rules.policy_of_school[school]
    steps_one = _steps(game, rules, pairs, sel, school, policy_of_pair, capacity)
    copies = len(rngs)
    tiebreaks = [_tiebreak(game, rules, pairs, sel, app, policy_of_pair, rng) for rng in rngs]
    counts = np.bincount(app, minlength=game.applicants.n)
    offsets_one = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    offsets = np.concatenate([offsets_one[:-1] + r * len(sel) for r in range(copies)] + [[copies * len(sel)]])
    any_group = any(s.group_limit is not None for s in steps_one)
    return Market(
        offsets=offsets.astype(np.int64),
        school=np.concatenate([school + r * n_s for r in range(copies)]),
        capacity=np.tile(capacity, copies),
        steps=[Step(np.tile(s.klass, copies), np.tile(s.cap, copies),
                    None if s.group_limit is None else np.tile(s.group_limit, copies)) for s in steps_one],
        tiebreak=np.concatenate(tiebreaks),
        group=np.tile(game.applicants.fsm[app], copies) if any_group else None,
    )


def _steps(game, rules, pairs, sel, school, policy_of_pair, capacity) -> list[Step]:
    pan = game.schools.pan
    n_s = game.schools.n
    caps = rules.band_caps(game)
    out = []
    for t in range(rules.n_steps):
        klass = np.full(len(sel), -1, dtype=np.int8)
        cap = np.zeros(n_s, dtype=np.int64)
        limit = None
        for q, (policy, plan) in enumerate(zip(rules.policies, rules.plans)):
            if t >= len(plan):
                continue
            on_school = rules.policy_of_school == q
            on_pair = policy_of_pair == q
            step = plan[t]
            k = _klass(pairs, sel[on_pair], step.criteria)
            if policy.preference_first:
                k = np.where(k >= 0, (pairs.rank[sel[on_pair]] - 1) * (len(step.criteria) + 1) + k, -1)
            if k.max(initial=0) > 127:
                raise ValueError("too many preferences x criteria for preference_first")
            klass[on_pair] = k
            if step.band is not None:
                cap[on_school] = caps[step.band.name][on_school]
                if step.band.cap_with_higher is not None:
                    limit = np.full(n_s, UNLIMITED, dtype=np.int64) if limit is None else limit
                    limit[on_school] = policy.places(step.band.cap_with_higher, pan[on_school])
            elif step.hold_back_bands:
                reserved = sum(caps[b.name] for b in policy.bands)
                cap[on_school] = np.maximum(capacity - reserved, 0)[on_school]
            else:
                cap[on_school] = UNLIMITED
        out.append(Step(klass, cap, limit))
    return out


def _klass(pairs: Pairs, idx: np.ndarray, criteria: tuple[str, ...]) -> np.ndarray:
    """Index of the first of CRITERIA each pair meets, -1 if none."""
    klass = np.full(len(idx), -1, dtype=np.int64)
    for i in range(len(criteria) - 1, -1, -1):
        klass[pairs.meets(criteria[i])[idx]] = i
    return klass


def _tiebreak(game, rules, pairs, sel, app, policy_of_pair, rng) -> np.ndarray:
    """Rank of every active pair in its school's tie-break order (0 = first): pairs meeting the school's own
    criteria (own_criteria.py) first, then distance or lottery."""
    n = len(sel)
    per_child = rng.random(game.applicants.n)[app]
    per_pair = rng.random(n)
    primary = np.empty(n)
    for q, policy in enumerate(rules.policies):
        on = policy_of_pair == q
        if policy.tie_break == "distance":
            primary[on] = pairs.distance[sel[on]]
        elif policy.lottery == "single":
            primary[on] = per_child[on]
        else:
            primary[on] = per_pair[on]
    order = np.lexsort((per_pair, primary, ~pairs.basic["own_criteria"][sel]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    return rank
