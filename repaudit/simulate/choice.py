"""Which schools families list: a distance + popularity random-utility model, calibratable to preference counts.

Family i (in group g_i: 0 = not FSM, 1 = FSM) values school j at

    u_ij = popularity[g_i, j] - per_km * distance_ij(km) + catchment_bonus * [i lives in j's catchment] + e_ij

with e_ij independent Gumbel draws, so the first choice follows a multinomial logit and the full
ranking a rank-ordered logit; a family lists its `k` best schools. Popularity has one row, or one row
per group when the schools' FSM shares are known: FSM and other families then choose differently, as
they do (Burgess, Greaves and Vignoles 2015). `calibrate` finds the popularities that reproduce
first-preference counts per school (and group) in expectation by the fixed point
popularity += log(observed / predicted) (BLP's contraction), keeping per_km and the bonus.

First preferences alone leave the 2nd and 3rd choices to distance, so popular schools get too few
later preferences (in Brighton only one school filled instead of five). `rank_popularity` adds a
popularity per rank and school from the 2nd rank on (the last row serves later ranks): the r-th
listed school is then a logit draw, over the schools not yet listed, with utility
u_ij + rank_popularity[r-2, j] (a sequential logit; with no rank terms it is the rank-ordered logit
above). `calibrate` fits it, rank by rank, to counts of how often each school is listed 2nd, 3rd, ...
with the same contraction, using the exact expected counts over all ordered prefixes (families x
schools^rank, so for a few ranks).

Calibration matches counts in expectation; one cohort's Gumbel draws still scatter around them (about
+-11 families at a school with 130 first preferences, enough to decide whether it fills). Given whole
quotas per rank, `rank` removes that noise: each rank's draws are cleared with a shift per school, like
prices in a market of unit demands (`clearing_shift`), so the cohort lists every school exactly as
often as the quota says while who lists it still follows the model.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import RepauditError


@dataclass(frozen=True)
class Behaviour:
    """The choice-model parameters a user sets (`--choice KEY=VALUE`), with where the defaults come from.

    per_km           utility lost per km of straight-line distance (0.6: a school 1.2 km further is chosen
                     half as often; English secondary preferences fall steeply with distance, Burgess,
                     Greaves and Vignoles 2015), assumed everywhere;
    catchment_bonus  utility of living in a school's catchment area (1.5, assumed);
    fsm_response     extra utility FSM families give a school where the policy gives them priority (0: they
                     list schools as before the policy; ln 2 = 0.69 doubles the odds of listing it).
    School popularity is calibrated to preference counts where they exist (Brighton's factsheet,
    --first-preferences) and is otherwise 0 for every school (assumed)."""

    per_km: float = 0.6
    catchment_bonus: float = 1.5
    fsm_response: float = 0.0

    KEYS = ("per_km", "catchment_bonus", "fsm_response")

    def model(self, n_schools: int) -> "ChoiceModel":
        return ChoiceModel(np.zeros(n_schools), self.per_km, self.catchment_bonus)


def behaviours(settings: dict, cohorts: int, seed: int) -> list:
    """One Behaviour per cohort from SETTINGS (name -> value, or (low, high) when the value is uncertain: drawn
    uniformly for each cohort, so the intervals over cohorts include that uncertainty)."""
    ranged = {k: v for k, v in settings.items() if isinstance(v, tuple)}
    if ranged and cohorts < 2:
        raise RepauditError(f"a range for {', '.join(ranged)} is drawn once per cohort: give --cohorts 2 or more")
    for k, (lo, hi) in ranged.items():
        if not lo <= hi:
            raise RepauditError(f"--choice {k}={lo:g}:{hi:g}: the low end must not exceed the high end")
    rng = np.random.default_rng([seed, 7])
    out = []
    for _ in range(cohorts):
        drawn = {k: float(rng.uniform(*v)) if isinstance(v, tuple) else float(v) for k, v in settings.items()}
        out.append(Behaviour(**drawn))
    return out


@dataclass(frozen=True)
class ChoiceModel:
    """Parameters of the random-utility model (popularity per group and school, in utility units). With
    FSM_RESPONSE and PRIORITY (bool per school: the policy gives FSM children priority there), FSM families
    (group 1) add FSM_RESPONSE to those schools' utility."""

    popularity: np.ndarray
    per_km: float = 0.6
    catchment_bonus: float = 1.5
    rank_popularity: np.ndarray | None = None
    fsm_response: float = 0.0
    priority: np.ndarray | None = None

    def rows(self, group, n: int) -> np.ndarray:
        pop = np.atleast_2d(self.popularity)
        g = np.zeros(n, dtype=np.int64) if group is None or len(pop) == 1 else np.asarray(group, dtype=np.int64)
        return pop[g]

    def utilities(self, home_xy, school_xy, in_catchment, group=None) -> np.ndarray:
        """Systematic utility (families x schools), without the random term."""
        km = np.hypot(home_xy[:, None, 0] - school_xy[None, :, 0], home_xy[:, None, 1] - school_xy[None, :, 1]) / 1000
        u = self.rows(group, len(home_xy)) - self.per_km * km + self.catchment_bonus * in_catchment
        if self.fsm_response and self.priority is not None and group is not None:
            u = u + self.fsm_response * np.outer(np.asarray(group, dtype=float), np.asarray(self.priority, dtype=float))
        return u

    def first_choice_probabilities(self, home_xy, school_xy, in_catchment, group=None, barred=None) -> np.ndarray:
        """Logit probability that each family puts each school first (never a school BARRED to it)."""
        u = self.utilities(home_xy, school_xy, in_catchment, group)
        if barred is not None:
            u = np.where(barred, -np.inf, u)
        u -= u.max(axis=1, keepdims=True)
        e = np.exp(u)
        return e / e.sum(axis=1, keepdims=True)

    def rank_shift(self, r: int) -> np.ndarray | float:
        """Extra popularity per school at 0-based rank R (0 for the first preference, or with no rank terms)."""
        if r == 0 or self.rank_popularity is None:
            return 0.0
        rows = np.atleast_2d(self.rank_popularity)
        return rows[min(r, len(rows)) - 1]

    def listing_probabilities(self, home_xy, school_xy, in_catchment, ranks: int, group=None) -> list:
        """Per rank 1..RANKS, the probability (families x schools) that each family lists each school there."""
        base = self.utilities(home_xy, school_xy, in_catchment, group)
        joint, out = np.ones(len(base)), []
        for r in range(min(ranks, base.shape[1])):
            joint = _extend(joint, _exp_rows(base + self.rank_shift(r)))
            out.append(joint.sum(axis=tuple(range(1, r + 1))))
        return out

    def rank(self, home_xy, school_xy, in_catchment, k: int, rng, group=None, quotas=None,
             lengths=None, barred=None) -> np.ndarray:
        """Each family's k listed schools (school indices, best first), drawn from the rank-ordered logit,
        or rank by rank (fresh Gumbel draws over the schools not yet listed) when there are rank terms
        or QUOTAS. QUOTAS (one row of whole counts per rank, each summing to the families with LENGTHS
        above that rank) make the drawn counts exact: the draws at each rank are cleared with a shift
        per school (`clearing_shift`), so the cohort lists each school as often as the quota says. BARRED
        (families x schools) marks schools a family cannot list; they come last in its ranking."""
        u = self.utilities(home_xy, school_xy, in_catchment, group)
        if barred is not None:                       # schools a family cannot list (e.g. selective, not qualified)
            u = np.where(barred, -np.inf, u)
        k = min(k, len(school_xy))
        if self.rank_popularity is not None or quotas is not None:
            out = np.zeros((len(u), k), dtype=np.int64)
            listed = np.zeros(u.shape, dtype=bool)
            lengths = np.full(len(u), k) if lengths is None else np.asarray(lengths)
            for r in range(k):
                draw = u + self.rank_shift(r) + rng.gumbel(size=u.shape)
                if r:
                    draw[listed] = -np.inf
                if quotas is not None and r < len(quotas):
                    lists = lengths > r
                    every = bool(lists.all())
                    mine = draw if every else draw[lists]
                    budget = max(CLEARING_ROUNDS, int(CLEARING_WORK / max(mine.size, 1)))
                    moved = mine + clearing_shift(mine, quotas[r], iterations=budget,
                                                  stall=None if barred is None else CLEARING_STALL)
                    if every:
                        draw = moved
                    else:
                        draw[lists] = moved
                out[:, r] = draw.argmax(axis=1)
                listed[np.arange(len(u)), out[:, r]] = True
            return out
        u = u + rng.gumbel(size=u.shape)
        top = np.argpartition(-u, k - 1, axis=1)[:, :k] if k < u.shape[1] else np.tile(np.arange(u.shape[1]), (len(u), 1))
        order = np.argsort(-np.take_along_axis(u, top, axis=1), axis=1)
        return np.take_along_axis(top, order, axis=1)


STALL = 200     # iterations without improvement after which a fit stops (its remaining error is reported)
CLEARING_STALL = 50     # the same for clearing quotas that who-may-list-what can make impossible
CLEARING_ROUNDS, CLEARING_WORK = 100, 2e8   # clearing rounds: the more of 100 and 2e8 / (families x schools)


def clearing_shift(draws: np.ndarray, quota, iterations: int = 10_000, stall: int | None = None) -> np.ndarray:
    """A shift per school under which each row's best school (argmax of DRAWS + shift) is school j for
    exactly QUOTA[j] rows: like prices clearing a market of unit demands, found by raising the shift
    where too few choose a school and lowering it where too many do, with a shrinking step. STALL: stop
    after that many iterations without coming closer (quotas that who-may-list-what makes impossible).
    Short of exact quotas (stalled, or after ITERATIONS), the closest shift found is returned."""
    quota = np.asarray(quota, dtype=float)
    if quota.sum() != len(draws):
        raise ValueError(f"quotas sum to {quota.sum():g}, not to the {len(draws)} families listing at this rank")
    shift = np.zeros(draws.shape[1])
    open_ = np.isfinite(draws).any(axis=0)
    every = bool(open_.all())                  # then whole arrays, not masked copies, in the loop below
    target = np.log(quota + 0.5) if every else np.log(quota[open_] + 0.5)
    best, since, closest = np.inf, 0, shift
    choose = _row_best(draws)
    for it in range(iterations):
        counts = np.bincount(choose(shift), minlength=draws.shape[1])
        miss = np.abs(counts - quota).sum()
        if miss == 0:
            break
        best, since, closest = (miss, 0, shift.copy()) if miss < best else (best, since + 1, closest)
        if stall is not None and since >= stall:
            return closest
        step = 1.0 / (1.0 + it / 50.0)
        if every:
            shift += step * (target - np.log(counts + 0.5))
        else:
            shift[open_] += step * (target - np.log(counts[open_] + 0.5))
    else:
        return closest
    return shift


def _row_best(draws: np.ndarray, small: int = 24, max_references: int = 16):
    """A function shift -> argmax(DRAWS + shift) per row, the same as computing it in full. Each row keeps its
    best column and the best of the others (the runner-up) under the shift it was last searched with (its
    reference); the row keeps its best while that column's value under the new shift beats the runner-up's
    plus the largest rise of the shift since the reference, and only the other rows are searched again. Past
    MAX_REFERENCES references, every row's runner-up is carried to the latest one (a looser bound, still a
    bound). The shifts settle as a clearing converges, so most rounds cost a few operations per row and a
    search of the few rows near a tie; with SMALL schools or fewer every round is computed in full."""
    n, n_s = draws.shape
    if n_s <= small:
        return lambda shift: (draws + shift).argmax(axis=1)
    first = np.zeros(n, dtype=np.int64)
    first_draw, runner = np.full(n, -np.inf), np.full(n, -np.inf)
    reference = np.zeros(n, dtype=np.int64)
    shifts = []

    def search(rows, shift):
        """Best column and runner-up of ROWS (None: every row) under SHIFT, which becomes their reference."""
        every = rows is None
        moved = draws + shift if every else draws[rows] + shift
        top = moved.argmax(axis=1)
        at = np.arange(len(moved))
        got = draws[at, top] if every else draws[rows, top]
        moved[at, top] = -np.inf
        if every:
            first[:], first_draw[:], runner[:], reference[:] = top, got, moved.max(axis=1), 0
            shifts[:] = [shift.copy()]
        else:
            first[rows], first_draw[rows], runner[rows], reference[rows] = top, got, moved.max(axis=1), len(shifts)
            shifts.append(shift.copy())

    def best(shift):
        if not shifts:
            search(None, shift)
            return first.copy()
        lead = first_draw + shift[first]
        near = runner + (shift - np.array(shifts)).max(axis=1)[reference]
        unsure = np.flatnonzero(~(lead > near) & np.isfinite(near))     # a row of -inf only keeps column 0
        if unsure.size * 2 > n:
            search(None, shift)
        elif unsure.size:
            search(unsure, shift)
            if len(shifts) > max_references:
                latest = shifts[-1]
                runner[:] += (latest - np.array(shifts)).max(axis=1)[reference]
                reference[:] = 0
                shifts[:] = [latest]
        return first.copy()
    return best


def whole_counts(expected, total: int) -> np.ndarray:
    """EXPECTED counts scaled to TOTAL and rounded to whole numbers that sum to it (largest remainders)."""
    scaled = np.asarray(expected, dtype=float) * total / max(float(np.sum(expected)), 1e-12)
    out = np.floor(scaled).astype(np.int64)
    out[np.argsort(-(scaled - out), kind="stable")[: total - out.sum()]] += 1
    return out


def _exp_rows(u: np.ndarray) -> np.ndarray:
    return np.exp(u - u.max(axis=1, keepdims=True))


def _extend(joint: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """P(ordered prefix, then school j): JOINT (families x schools^r, the prefix's probability) times
    the logit, with WEIGHT = exp(utility) (families x schools), over the schools not in the prefix."""
    r, n_schools = joint.ndim - 1, weight.shape[1]
    index = np.indices((n_schools,) * (r + 1))
    fresh = np.all(index[:-1] != index[-1], axis=0)
    w = weight.reshape((len(weight),) + (1,) * r + (n_schools,)) * fresh
    return joint[..., None] * w / np.maximum(w.sum(axis=-1, keepdims=True), 1e-300)


def unique_families(home_xy: np.ndarray, flags: np.ndarray) -> tuple:
    """Distinct (home, flags) rows with their counts, in the order of
    np.unique(column_stack([home_xy, flags]), axis=0): by easting, northing, then the flags (False first). The
    flags are packed into bytes and sorted with the two coordinates, not as hundreds of float columns."""
    n = len(home_xy)
    packed = np.packbits(np.asarray(flags, dtype=bool), axis=1)        # first flag in the highest bit
    order = np.lexsort([packed[:, j] for j in range(packed.shape[1] - 1, -1, -1)] + [home_xy[:, 1], home_xy[:, 0]])
    xy, bits = home_xy[order], packed[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (xy[1:] != xy[:-1]).any(axis=1) | (bits[1:] != bits[:-1]).any(axis=1)
    starts = np.flatnonzero(new)
    return home_xy[order[starts]], np.asarray(flags, dtype=bool)[order[starts]], np.diff(np.append(starts, n))


def calibrate(model: ChoiceModel, home_xy, school_xy, in_catchment, first_preferences, group=None,
              iterations: int = 500, tol: float = 1e-4, later_preferences=None, barred=None) -> tuple[ChoiceModel, dict]:
    """Popularities whose expected first-preference counts match FIRST_PREFERENCES.

    FIRST_PREFERENCES is one count per school, or one row per group (families split by GROUP); each
    row is scaled to the number of families in its group. LATER_PREFERENCES, when given, has one row
    per rank from the 2nd (all families together): the rank terms are then fitted so that the expected
    times each school is listed at that rank match the row scaled to the number of families (who lists
    fewer schools is left to the caller). BARRED (families x schools): schools a family cannot list. Families
    alike in home, catchments and barred schools are fitted once, weighted by their number. Returns the model
    and a report (iterations, the largest remaining error in pupils per rank)."""
    target = np.atleast_2d(np.asarray(first_preferences, dtype=float))
    g = np.zeros(len(home_xy), dtype=np.int64) if len(target) == 1 else np.asarray(group, dtype=np.int64)
    pop = np.zeros_like(target) + np.atleast_2d(model.popularity)[: len(target)]
    worst, used = 0.0, 0
    for row in range(len(target)):
        mine = g == row
        if not mine.any():
            continue
        want = np.maximum(target[row], 0.5)
        no = np.zeros(in_catchment.shape, dtype=bool) if barred is None else np.asarray(barred, bool)
        if barred is not None:      # a school nobody may list gets nobody; the rest share the families
            want = np.where(no[mine].all(axis=0), 1e-9, want)
        want = want * mine.sum() / want.sum()
        homes, flags, weight = unique_families(home_xy[mine], np.column_stack([in_catchment[mine], no[mine]]))
        n_s = in_catchment.shape[1]
        sub = (homes, school_xy, flags[:, :n_s])
        sub_barred = flags[:, n_s:] if barred is not None else None
        err, best, since = np.inf, np.inf, 0
        fixed = replace(model, popularity=np.zeros(n_s)).utilities(*sub)        # distance and catchment terms
        if sub_barred is not None:
            fixed = np.where(sub_barred, -np.inf, fixed)
        fixed_e = _exp_rows(fixed)          # exp(u) = exp(fixed) x exp(popularity): one exp per school a round
        listable = (fixed_e > 0).any(axis=0)  # a school no family may list keeps its popularity: raising it
        for it in range(1, iterations + 1):   # round after round would leave every other school's exp at 0
            scale = np.exp(pop[row] - pop[row][listable].max())   # sums by einsum, not BLAS: the same on any
            totals = np.einsum("ij,j->i", fixed_e, scale)          # machine, whatever its threads
            predicted = scale * np.einsum("ij,i->j", fixed_e, weight / totals)
            err = float(np.abs(predicted - want).max())
            used = max(used, it)
            if err < tol * max(want.max(), 1.0):
                break
            best, since = (err, 0) if err < best * 0.999 else (best, since + 1)
            if since >= STALL // 4:
                break
            pop[row] += np.where(listable, np.log(want) - np.log(np.maximum(predicted, 1e-12)), 0.0)
            pop[row] -= pop[row].mean()
        worst = max(worst, err)
    model = replace(model, popularity=pop[0] if len(pop) == 1 else pop)
    report = {"iterations": used, "max_error_pupils": worst}
    if later_preferences is not None and len(np.atleast_2d(later_preferences)):
        model, report["later_ranks"] = _calibrate_later(model, home_xy, school_xy, in_catchment, group,
                                                         np.atleast_2d(later_preferences), iterations, tol)
    return model, report


def _calibrate_later(model, home_xy, school_xy, in_catchment, group, targets, iterations, tol):
    """Rank terms, one rank at a time: the counts at rank r depend only on ranks 1..r, so earlier
    ranks stay fitted; the prefix probabilities are computed once per rank, the contraction on the last."""
    base = model.utilities(home_xy, school_xy, in_catchment, group)
    shifts = np.zeros((len(targets), base.shape[1]))
    joint = _extend(np.ones(len(base)), _exp_rows(base))
    fits = []
    for r, target in enumerate(targets, start=1):
        want = np.maximum(np.asarray(target, dtype=float), 0.5)
        want = want * len(base) / want.sum()
        err, used = np.inf, 0
        for used in range(1, iterations + 1):
            predicted = _extend(joint, _exp_rows(base + shifts[r - 1])).sum(axis=tuple(range(r + 1)))
            err = float(np.abs(predicted - want).max())
            if err < tol * want.max():
                break
            shifts[r - 1] += np.log(want) - np.log(np.maximum(predicted, 1e-12))
            shifts[r - 1] -= shifts[r - 1].mean()
        joint = _extend(joint, _exp_rows(base + shifts[r - 1]))
        fits.append({"rank": r + 1, "iterations": used, "max_error_pupils": err})
    return replace(model, rank_popularity=shifts), fits
