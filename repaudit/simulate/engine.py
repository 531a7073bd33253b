"""Student-proposing deferred acceptance on numpy arrays, with step-wise school choice (reserve bands).

The market is held as flat arrays, never as a Python object per proposal:

* applications in CSR form: applicant `a` applies to schools `school[offsets[a]:offsets[a+1]]`, best
  preference first; one array slot per (applicant, school) pair, called a *pair* below;
* `capacity[s]`: places the deferred acceptance may fill at school `s` (PAN minus EHC-plan admissions);
* `steps`: the school's admission passes, processed in this order every time a school chooses.

A school chooses from the applicants it holds plus its new proposers by running its steps in order.
Step `t` looks at the pairs not yet admitted whose `klass[t]` is >= 0 (they meet one of the step's
criteria; the class is the first criterion met), sorts them by `(klass, tie-break)` and admits the
first ones, at most `min(places left, cap[t][s])`, and when the step has a group limit also no more
than `group_limit[s]` pupils of the group admitted by this and all earlier steps. A capped step is a
reserve band ("FSM up to the city average"); an uncapped step is open competition. Which steps come
first -- the *reserve processing order* -- is decided by `policies.py` and changes outcomes (Dur,
Kominers, Pathak and Sonmez 2018).

Each round every unmatched applicant proposes to their next preference; a school only re-chooses when
it received a proposal (by irrelevance of rejected applicants its held set is otherwise unchanged).
With these step-wise (slot-like) choice functions the result is the applicant-optimal stable matching.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNLIMITED = np.iinfo(np.int64).max // 4


@dataclass
class Step:
    """One admission pass: who qualifies at which class (-1 = not at all) and how many it may admit."""

    klass: np.ndarray                    # int8 per pair: first criterion of this step met, -1 if none
    cap: np.ndarray                      # int64 per school: most places this step may fill
    group_limit: np.ndarray | None = None  # int64 per school: most group pupils by this and earlier steps


@dataclass
class Market:
    """A deferred acceptance instance as arrays (see the module docstring)."""

    offsets: np.ndarray                  # int64 (N+1,)
    school: np.ndarray                   # int64 (P,) school index of each pair
    capacity: np.ndarray                 # int64 (S,)
    steps: list[Step]
    tiebreak: np.ndarray                 # int64 (P,) order within a class, lower first (lottery or distance rank)
    group: np.ndarray | None = None      # bool (P,): pair's applicant belongs to the limited group (e.g. FSM)

    @property
    def n_applicants(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_schools(self) -> int:
        return len(self.capacity)

    def applicant_of_pairs(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_applicants, dtype=np.int64), np.diff(self.offsets))


@dataclass
class Matching:
    """Result of deferred acceptance: the pair each applicant holds (-1 none) and the step that admitted it."""

    pair: np.ndarray                     # int64 (N,)
    step: np.ndarray                     # int8 (N,): index of the admitting step, -1 when unmatched
    klass: np.ndarray                    # int8 (N,): class within that step (which criterion), -1 when unmatched
    rounds: int


def _within_group_rank(sorted_groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... restarting wherever the (sorted) group id changes."""
    n = len(sorted_groups)
    pos = np.arange(n, dtype=np.int64)
    start = np.empty(n, dtype=bool)
    start[:1] = True
    np.not_equal(sorted_groups[1:], sorted_groups[:-1], out=start[1:])
    return pos - np.maximum.accumulate(np.where(start, pos, 0))


def choose(market: Market, cand: np.ndarray) -> np.ndarray:
    """Every school's choice from the candidate pairs CAND (held + new proposers), all schools at once.

    Returns, per candidate, the index of the step that admits it, or -1 when the school rejects it."""
    n_s = market.n_schools
    school = market.school[cand]
    seats = market.capacity.copy()
    admitted = np.full(len(cand), -1, dtype=np.int8)
    tb = market.tiebreak[cand]
    width = np.int64(max(len(market.tiebreak), 1))
    span = 128 * int(width)                 # class < 128 (int8), tie-break < width
    group_count = np.zeros(n_s, dtype=np.int64) if market.group is not None else None
    for t, step in enumerate(market.steps):
        klass = step.klass[cand]
        idx = np.flatnonzero((klass >= 0) & (admitted < 0))
        if not idx.size:
            continue
        key = klass[idx].astype(np.int64) * width + tb[idx]
        if n_s * span < 2 ** 62:          # one int64 key (school, class, tie-break): argsort is ~5x lexsort
            order = np.argsort(school[idx] * span + key)
        else:
            order = np.lexsort((key, school[idx]))
        idx = idx[order]
        s = school[idx]
        allowed = np.minimum(seats, step.cap)
        if step.group_limit is not None:
            allowed = np.minimum(allowed, np.maximum(step.group_limit - group_count, 0))
        take = idx[_within_group_rank(s) < allowed[s]]
        if not take.size:
            continue
        admitted[take] = t
        seats -= np.bincount(school[take], minlength=n_s)
        if group_count is not None:
            grp = market.group[cand[take]]
            group_count += np.bincount(school[take][grp], minlength=n_s)
    return admitted


def deferred_acceptance(market: Market) -> Matching:
    """Student-proposing deferred acceptance; every school chooses with `choose` (its steps in order)."""
    n = market.n_applicants
    offsets = market.offsets
    length = np.diff(offsets)
    applicant = market.applicant_of_pairs()
    nxt = np.zeros(n, dtype=np.int64)
    free = np.flatnonzero(length > 0)
    held = np.empty(0, dtype=np.int64)
    held_step = np.empty(0, dtype=np.int8)
    touched = np.zeros(market.n_schools, dtype=bool)
    rounds = 0
    while free.size:
        free = free[nxt[free] < length[free]]
        if not free.size:
            break
        rounds += 1
        proposals = offsets[free] + nxt[free]
        nxt[free] += 1
        touched[:] = False
        touched[market.school[proposals]] = True
        stay = ~touched[market.school[held]]
        cand = np.concatenate([held[~stay], proposals])
        step = choose(market, cand)
        keep = step >= 0
        held = np.concatenate([held[stay], cand[keep]])
        held_step = np.concatenate([held_step[stay], step[keep]])
        free = applicant[cand[~keep]]
    pair = np.full(n, -1, dtype=np.int64)
    step_of = np.full(n, -1, dtype=np.int8)
    klass_of = np.full(n, -1, dtype=np.int8)
    pair[applicant[held]] = held
    step_of[applicant[held]] = held_step
    if held.size and market.steps:
        klass_by_step = np.stack([s.klass for s in market.steps])
        klass_of[applicant[held]] = klass_by_step[held_step.astype(np.int64), held]
    return Matching(pair, step_of, klass_of, rounds)


def nearest_with_room(home_xy: np.ndarray, school_xy: np.ndarray, room: np.ndarray, order: np.ndarray,
                      first_k: int = 8, chunk_cells: int = 4_000_000, kind: np.ndarray | None = None,
                      admits: np.ndarray | None = None) -> np.ndarray:
    """Directed places: in ORDER, each applicant takes the nearest school (straight line) that still has room
    and may admit them: ADMITS[KIND[a], s] (selection, sex), every school when not given.

    Exact serial dictatorship, computed in batches: each applicant ranks only her k nearest open schools
    and a one-step deferred acceptance with the common priority ORDER places everyone (equal to serial
    dictatorship); placements are kept up to the first applicant whose k schools were all full, k grows,
    and the rest go round again. Returns the school index per applicant (in input order), -1 if no room."""
    n = len(home_xy)
    out = np.full(n, -1, dtype=np.int64)
    room = np.asarray(room, dtype=np.int64).copy()
    todo = np.asarray(order, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int64) if kind is None else np.asarray(kind, dtype=np.int64)
    admits = np.ones((int(kind.max(initial=0)) + 1, len(room)), dtype=bool) if admits is None else admits
    k = first_k
    while todo.size and room.sum() > 0:
        open_s = np.flatnonzero(room > 0)
        kk = min(k, len(open_s))
        allowed = admits[:, open_s]
        if not allowed[kind[todo]].any():
            break
        prefs = _k_nearest(home_xy[todo], school_xy[open_s], kk, chunk_cells, kind[todo], allowed)
        ok = allowed[kind[todo][:, None], prefs]
        prefs = open_s[prefs]
        market = Market(
            offsets=np.arange(0, len(todo) * kk + 1, kk, dtype=np.int64),
            school=prefs.ravel(),
            capacity=room,
            steps=[Step(np.where(ok.ravel(), 0, -1).astype(np.int8), np.full(len(room), UNLIMITED, dtype=np.int64))],
            tiebreak=np.repeat(np.arange(len(todo), dtype=np.int64), kk),
        )
        got = deferred_acceptance(market).pair
        placed = got >= 0
        if kk < len(open_s) and not placed.all():
            stop = int(np.argmin(placed))          # first applicant whose k nearest were all full
            placed[stop:] = False
            k *= 4
        school = market.school[got[placed]]
        out[todo[placed]] = school
        room -= np.bincount(school, minlength=len(room))
        todo = todo[~placed]
        if kk == len(open_s):          # every open school was ranked: the rest have none that may admit them
            break
    return out


def _k_nearest(points: np.ndarray, targets: np.ndarray, k: int, chunk_cells: int, kind=None, allowed=None) -> np.ndarray:
    """Indices into TARGETS of each point's k nearest, nearest first (ties by target index); with KIND and
    ALLOWED (kinds x targets), targets a point may not use come after all those it may."""
    out = np.empty((len(points), k), dtype=np.int64)
    rows = max(1, chunk_cells // max(len(targets), 1))
    for lo in range(0, len(points), rows):
        p = points[lo:lo + rows]
        d = ((p[:, None, 0] - targets[None, :, 0]) ** 2 + (p[:, None, 1] - targets[None, :, 1]) ** 2)
        if allowed is not None and not allowed.all():
            d = np.where(allowed[kind[lo:lo + rows]], d, np.inf)
        if k < len(targets):
            part = np.argpartition(d, k - 1, axis=1)[:, :k]
            kth = np.take_along_axis(d, part, axis=1).max(axis=1)
            tied = (d <= kth[:, None]).sum(axis=1) > k      # equal distances across the k-th place:
            if tied.any():                                  # keep the lower school indices, as promised
                part[tied] = np.argsort(d[tied], axis=1, kind="stable")[:, :k]
        else:
            part = np.broadcast_to(np.arange(len(targets)), d.shape).copy()
        dk = np.take_along_axis(d, part, axis=1)
        ordr = np.lexsort((part, dk), axis=1)
        out[lo:lo + rows] = np.take_along_axis(part, ordr, axis=1)
    return out
