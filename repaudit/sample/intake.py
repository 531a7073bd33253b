"""Simulate who lives where and which school they attend: the residence flows and school counts.

Each LSOA has a rate per group (FSM, SEN support, EHC plan, CIN) tied to its IDACI score. Pupils
are spread from LSOAs to same-phase schools by a doubly constrained gravity model (iterative
proportional fitting: each school fills its roll, each LSOA sends about its children). The
children of a group living in an LSOA are then shared among the schools its pupils attend,
weighted by each school's bias: a planted school with FSM bias 0.07 admits about a fourteenth of its
neighbourhood's rate, and the schools around it take the rest. So school FSM follows
neighbourhood IDACI (calibration works) and the flows show where each school's pupils live.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .geography import Geography
from .noise import Noise, round_to_total
from .region import YEARS
from .schools import School

GROUPS = ("fsm", "sen_support", "ehcp", "cin")
ROLE_BIAS = {     # how readily a school admits a child of each group, relative to its neighbourhood
    "ordinary": {"fsm": 1.0, "sen_support": 1.0, "ehcp": 1.0, "cin": 1.0},
    "planted": {"fsm": 0.07, "sen_support": 0.45, "ehcp": 0.35, "cin": 0.25},
    "grammar": {"fsm": 0.6, "sen_support": 0.4, "ehcp": 0.35, "cin": 0.3},
    "faith": {"fsm": 0.75, "sen_support": 0.85, "ehcp": 0.8, "cin": 0.7},
}
REACH_KM = {      # distance decay of each kind of school's intake
    ("Primary", "ordinary"): 0.9, ("Primary", "planted"): 0.9, ("Primary", "faith"): 1.8,
    ("Secondary", "ordinary"): 0.7, ("Secondary", "planted"): 0.7, ("Secondary", "faith"): 2.0,
    ("Secondary", "grammar"): 4.0,
}
PHASE_AGES = {"Primary": (4, 10), "Secondary": (11, 15)}
SPECIAL_REACH_KM = 8.0
STATE_MAINSTREAM_SHARE = 0.92        # the rest attend special, independent or out-of-area schools
IPF_ROUNDS = 40


@dataclass
class Counts:
    """One school's pupils in one year and how many of them are in each group (None = not collected)."""

    pupils: int
    fsm: int | None = None
    sen_support: int = 0
    ehcp: int = 0
    cin: int | None = None


@dataclass
class Intake:
    """Flows (urn, LSOA index, year) -> Counts, the school totals, and the LSOA rates behind them."""

    flows: dict[tuple[int, int, int], Counts] = field(default_factory=dict)
    totals: dict[tuple[int, int], Counts] = field(default_factory=dict)
    rates: dict[str, np.ndarray] = field(default_factory=dict)     # group -> (len(YEARS), n LSOAs)
    rolls: dict[tuple[int, int], int] = field(default_factory=dict)


def lsoa_rates(geo: Geography, noise: Noise) -> dict[str, np.ndarray]:
    """Each LSOA's share of children in each group by year; FSM drifts up 1.2 points a year."""
    n, idaci = len(geo.codes), geo.idaci
    steps = np.array(YEARS, dtype=float)[:, None] - YEARS[0]
    fixed = {g: noise.normal(n) for g in GROUPS}
    yearly = {g: noise.normal((len(YEARS), n)) for g in GROUPS}
    return {
        "fsm": np.clip(0.015 + 0.95 * idaci + 0.012 * steps + 0.02 * fixed["fsm"] + 0.01 * yearly["fsm"], 0.01, 0.85),
        "sen_support": np.clip(0.09 + 0.10 * idaci + 0.01 * fixed["sen_support"] + 0.005 * yearly["sen_support"], 0.03, 0.4),
        "ehcp": np.clip(0.018 + 0.03 * idaci + 0.004 * fixed["ehcp"] + 0.002 * yearly["ehcp"], 0.005, 0.1),
        "cin": np.clip(0.01 + 0.11 * idaci + 0.003 * fixed["cin"] + 0.002 * yearly["cin"], 0.002, 0.1),
    }


def simulate(geo: Geography, schools: list[School], noise: Noise) -> Intake:
    """Draw rolls, flows and group counts for every school and year, in a fixed order."""
    intake = Intake(rates=lsoa_rates(geo, noise))
    bias = {s.urn: {g: ROLE_BIAS[s.role][g] * float(np.exp(noise.normal(1, 0.10)[0])) for g in GROUPS}
            for s in schools if s.mainstream}
    intake.rolls = _rolls(geo, schools, noise)
    for t, year in enumerate(YEARS):
        for phase, (lo, hi) in PHASE_AGES.items():
            group = [s for s in schools if s.mainstream and s.phase == phase and year in s.years]
            reach = np.array([REACH_KM[(phase, s.role)] for s in group])
            weights = np.exp(-_distance_km(geo, group) / reach[:, None])
            pupils = _gravity(weights, STATE_MAINSTREAM_SHARE * geo.children(lo, hi),
                              [intake.rolls[(s.urn, year)] for s in group])
            _share_groups(intake, group, year, t, pupils, [bias[s.urn] for s in group], noise)
        special = [s for s in schools if s.role == "special" and year in s.years]
        for s in special:
            weights = geo.children(4, 15) * np.exp(-_distance_km(geo, [s])[0] / SPECIAL_REACH_KM)
            pupils = round_to_total(weights, intake.rolls[(s.urn, year)])
            _special_groups(intake, s, year, t, pupils, noise)
        for s in schools:
            if s.role == "independent" and year in s.years:
                roll = intake.rolls[(s.urn, year)]
                support, ehcp = noise.round_stochastic(np.array([0.12, 0.015]) * roll)
                intake.totals[(s.urn, year)] = Counts(roll, None, int(support), int(ehcp), None)
    return intake


def _rolls(geo: Geography, schools: list[School], noise: Noise) -> dict[tuple[int, int], int]:
    """Rolls per school and year: mainstream sizes scaled so each phase fits its children."""
    out = {}
    trend = noise.normal(len(schools), 0.02)
    wobble = noise.normal((len(schools), len(YEARS)), 0.02)
    middle = YEARS[len(YEARS) // 2]
    for phase, (lo, hi) in PHASE_AGES.items():
        sizes = sum(s.size for s in schools if s.mainstream and s.phase == phase and middle in s.years)
        scale = STATE_MAINSTREAM_SHARE * geo.children(lo, hi).sum() / sizes
        for n, s in enumerate(schools):
            if s.mainstream and s.phase == phase:
                for t, year in enumerate(YEARS):
                    growth = np.exp(trend[n] * (year - middle) + wobble[n, t])
                    out[(s.urn, year)] = int(round(s.size * scale * growth))
    for n, s in enumerate(schools):
        if not s.mainstream:
            for t, year in enumerate(YEARS):
                out[(s.urn, year)] = int(round(s.size * np.exp(wobble[n, t])))
    return out


def _distance_km(geo: Geography, schools: list[School]) -> np.ndarray:
    points = np.array([[s.easting, s.northing] for s in schools], dtype=float)
    return np.hypot(points[:, None, 0] - geo.pwc[None, :, 0], points[:, None, 1] - geo.pwc[None, :, 1]) / 1000.0


def _gravity(weights: np.ndarray, lsoa_children: np.ndarray, rolls: list[int]) -> np.ndarray:
    """Integer pupils (school x LSOA): rows sum exactly to ROLLS, columns roughly to LSOA_CHILDREN."""
    matrix = weights.copy()
    target = np.asarray(rolls, dtype=float)
    for _ in range(IPF_ROUNDS):
        matrix *= (lsoa_children / np.maximum(matrix.sum(axis=0), 1e-12))[None, :]
        matrix *= (target / matrix.sum(axis=1))[:, None]
    return np.array([round_to_total(row, roll) for row, roll in zip(matrix, rolls)])


def _share_groups(intake: Intake, group: list[School], year: int, t: int, pupils: np.ndarray,
                  biases: list[dict], noise: Noise):
    """Split each LSOA's expected group children among its schools by pupils x bias; record flows."""
    counts = {}
    for g in GROUPS:
        b = np.array([bias[g] for bias in biases])[:, None]
        expected = pupils.sum(axis=0) * intake.rates[g][t]
        weight = pupils * b
        total = weight.sum(axis=0)
        share = np.divide(weight, total[None, :], out=np.zeros_like(weight, dtype=float), where=total[None, :] > 0)
        real = np.minimum(expected[None, :] * share, 0.95 * pupils)
        counts[g] = np.minimum(noise.round_stochastic(real), pupils)
    counts["ehcp"] = np.minimum(counts["ehcp"], pupils - counts["sen_support"])
    for i, s in enumerate(group):
        for k in np.flatnonzero(pupils[i]):
            intake.flows[(s.urn, int(k), year)] = Counts(
                int(pupils[i, k]), *(int(counts[g][i, k]) for g in GROUPS))
        intake.totals[(s.urn, year)] = Counts(int(pupils[i].sum()), *(int(counts[g][i].sum()) for g in GROUPS))


def _special_groups(intake: Intake, school: School, year: int, t: int, pupils: np.ndarray, noise: Noise):
    """A special school: nearly every pupil has an EHC plan; FSM and CIN run above the local rates."""
    fsm = np.minimum(noise.round_stochastic(pupils * np.minimum(1.4 * intake.rates["fsm"][t], 0.9)), pupils)
    support = np.minimum(noise.round_stochastic(pupils * 0.03), pupils)
    cin = np.minimum(noise.round_stochastic(pupils * np.minimum(2.5 * intake.rates["cin"][t], 0.5)), pupils)
    ehcp = pupils - support
    for k in np.flatnonzero(pupils):
        intake.flows[(school.urn, int(k), year)] = Counts(int(pupils[k]), int(fsm[k]), int(support[k]),
                                                          int(ehcp[k]), int(cin[k]))
    intake.totals[(school.urn, year)] = Counts(int(pupils.sum()), int(fsm.sum()), int(support.sum()),
                                               int(ehcp.sum()), int(cin.sum()))
