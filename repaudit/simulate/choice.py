"""Which schools families list: a distance + popularity random-utility model, calibratable to first preferences.

Family i (in group g_i: 0 = not FSM, 1 = FSM) values school j at

    u_ij = popularity[g_i, j] - per_km * distance_ij(km) + catchment_bonus * [i lives in j's catchment] + e_ij

with e_ij independent Gumbel draws, so the first choice follows a multinomial logit and the full
ranking a rank-ordered logit; a family lists its `k` best schools. Popularity has one row, or one row
per group when the schools' FSM shares are known: FSM and other families then choose differently, as
they do (Burgess, Greaves and Vignoles 2015). `calibrate` finds the popularities that reproduce
first-preference counts per school (and group) in expectation by the fixed point
popularity += log(observed / predicted) (BLP's contraction), keeping per_km and the bonus.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class ChoiceModel:
    """Parameters of the random-utility model (popularity per group and school, in utility units)."""

    popularity: np.ndarray
    per_km: float = 0.6
    catchment_bonus: float = 1.5

    def rows(self, group, n: int) -> np.ndarray:
        pop = np.atleast_2d(self.popularity)
        g = np.zeros(n, dtype=np.int64) if group is None or len(pop) == 1 else np.asarray(group, dtype=np.int64)
        return pop[g]

    def utilities(self, home_xy, school_xy, in_catchment, group=None) -> np.ndarray:
        """Systematic utility (families x schools), without the random term."""
        km = np.hypot(home_xy[:, None, 0] - school_xy[None, :, 0], home_xy[:, None, 1] - school_xy[None, :, 1]) / 1000
        return self.rows(group, len(home_xy)) - self.per_km * km + self.catchment_bonus * in_catchment

    def first_choice_probabilities(self, home_xy, school_xy, in_catchment, group=None) -> np.ndarray:
        """Logit probability that each family puts each school first."""
        u = self.utilities(home_xy, school_xy, in_catchment, group)
        u -= u.max(axis=1, keepdims=True)
        e = np.exp(u)
        return e / e.sum(axis=1, keepdims=True)

    def rank(self, home_xy, school_xy, in_catchment, k: int, rng, group=None) -> np.ndarray:
        """Each family's k listed schools (school indices, best first), drawn from the rank-ordered logit."""
        u = self.utilities(home_xy, school_xy, in_catchment, group) + rng.gumbel(size=(len(home_xy), len(school_xy)))
        k = min(k, len(school_xy))
        top = np.argpartition(-u, k - 1, axis=1)[:, :k] if k < u.shape[1] else np.tile(np.arange(u.shape[1]), (len(u), 1))
        order = np.argsort(-np.take_along_axis(u, top, axis=1), axis=1)
        return np.take_along_axis(top, order, axis=1)


def calibrate(model: ChoiceModel, home_xy, school_xy, in_catchment, first_preferences, group=None,
              iterations: int = 500, tol: float = 1e-4) -> tuple[ChoiceModel, dict]:
    """Popularities whose expected first-preference counts match FIRST_PREFERENCES.

    FIRST_PREFERENCES is one count per school, or one row per group (families split by GROUP); each
    row is scaled to the number of families in its group. Returns the model and a report (iterations,
    the largest remaining error in pupils)."""
    target = np.atleast_2d(np.asarray(first_preferences, dtype=float))
    g = np.zeros(len(home_xy), dtype=np.int64) if len(target) == 1 else np.asarray(group, dtype=np.int64)
    pop = np.zeros_like(target) + np.atleast_2d(model.popularity)[: len(target)]
    worst, used = 0.0, 0
    for row in range(len(target)):
        mine = g == row
        if not mine.any():
            continue
        want = np.maximum(target[row], 0.5)
        want = want * mine.sum() / want.sum()
        sub = (home_xy[mine], school_xy, in_catchment[mine])
        err = np.inf
        for it in range(1, iterations + 1):
            fitted = replace(model, popularity=pop[row])
            predicted = fitted.first_choice_probabilities(*sub).sum(axis=0)
            err = float(np.abs(predicted - want).max())
            used = max(used, it)
            if err < tol * max(want.max(), 1.0):
                break
            pop[row] += np.log(want) - np.log(np.maximum(predicted, 1e-12))
            pop[row] -= pop[row].mean()
        worst = max(worst, err)
    popularity = pop[0] if len(pop) == 1 else pop
    return replace(model, popularity=popularity), {"iterations": used, "max_error_pupils": worst}
