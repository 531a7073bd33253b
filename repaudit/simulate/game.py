"""The admissions game: schools, applicants, catchments; `solve` it under a policy; check the result.

Kept apart from the algorithm (engine.py) the way the `matching` library keeps games and algorithms
apart: `solve` runs the equal-preference scheme (EHC-plan-named admissions first, then deferred
acceptance, then directed places), `check_validity` and `check_stability` test any allocation with a
plain per-school implementation of the admission rules, independent of the vectorised engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .engine import Market, Matching, deferred_acceptance, nearest_with_room
from .policies import Policy
from .rules import Pairs, Rules, assign_rules, build_market, pairs_of

ROUTES = ("unplaced", "offer", "directed", "ehcp")
BORDER = "border"    # the area of a neighbouring LA's school taking part in an LA's market
UNPLACED, OFFER, DIRECTED, EHCP = range(4)


@dataclass
class Schools:
    """Schools of the game (EPSG:27700 coordinates); `community`: the LA is the admission authority."""

    urn: np.ndarray
    name: np.ndarray
    pan: np.ndarray
    xy: np.ndarray
    community: np.ndarray
    area: np.ndarray
    selective: np.ndarray | None = None   # bool (S,): admits only children who passed the selection test
    sex: np.ndarray | None = None         # (S,) 'mixed', 'boys' or 'girls'; None = all mixed

    @property
    def n(self) -> int:
        return len(self.urn)

    @property
    def border(self) -> np.ndarray:
        """Bool (S,): a school of a neighbouring LA taking part in the LA's market (area BORDER)."""
        return np.asarray(self.area, dtype=object) == BORDER

    def admits(self) -> np.ndarray:
        """Bool (4, S): who school s may admit, by applicant kind (girl?, qualified?) = 2 x girl + qualified."""
        selective = np.zeros(self.n, dtype=bool) if self.selective is None else np.asarray(self.selective, bool)
        sex = np.full(self.n, "mixed", dtype=object) if self.sex is None else np.asarray(self.sex, dtype=object)
        out = np.ones((4, self.n), dtype=bool)
        for kind in range(4):
            girl, qualified = kind >= 2, kind % 2 == 1
            out[kind] &= qualified | ~selective
            out[kind] &= sex != ("boys" if girl else "girls")
        return out

    def index(self) -> dict:
        return {int(u): i for i, u in enumerate(self.urn)}


@dataclass
class Applicants:
    """Applicants with their preferences in CSR form: school indices prefs[offsets[a]:offsets[a+1]]."""

    applicant_id: np.ndarray
    xy: np.ndarray
    fsm: np.ndarray
    looked_after: np.ndarray
    medical_school: np.ndarray          # school index or -1
    sibling_school: np.ndarray
    ehcp_school: np.ndarray
    offsets: np.ndarray
    prefs: np.ndarray
    lsoa: np.ndarray | None = None
    girl: np.ndarray | None = None        # bool (N,); None = sex not known (single-sex schools take anyone)
    qualified: np.ndarray | None = None   # bool (N,): passed the selection test; None = everyone qualifies
    own_criteria: np.ndarray | None = None   # bool per listing (as prefs): meets the school's own criteria
                                             # (synthetic cohorts, own_criteria.py); None = no listing does

    @property
    def n(self) -> int:
        return len(self.applicant_id)

    def kind(self) -> np.ndarray:
        """Per applicant, the row of Schools.admits() that applies: 2 x girl + qualified (an unknown sex
        counts as a boy here; Game.eligible lets such an applicant into girls' schools too)."""
        girl = np.zeros(self.n, dtype=bool) if self.girl is None else np.asarray(self.girl, bool)
        qualified = np.ones(self.n, dtype=bool) if self.qualified is None else np.asarray(self.qualified, bool)
        return 2 * girl.astype(np.int64) + qualified.astype(np.int64)

    def preferences(self, a: int) -> np.ndarray:
        return self.prefs[self.offsets[a]:self.offsets[a + 1]]


@dataclass
class Catchments:
    """Catchment areas: the area each applicant lives in (-1 none) and the schools each area serves."""

    area_of: np.ndarray
    serves: np.ndarray                  # bool (areas, schools)
    names: list
    geometry: object = None             # GeoSeries in EPSG:27700 for maps, when known


@dataclass
class Game:
    """Everything an allocation depends on except the policy and the lottery."""

    schools: Schools
    applicants: Applicants
    catchments: Catchments | None = None
    city_fsm_share: float | None = None
    meta: dict = field(default_factory=dict)     # where the inputs came from, calibration, notes
    _pairs: Pairs | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.city_fsm_share is None:
            self.city_fsm_share = float(self.applicants.fsm.mean()) if self.applicants.n else 0.0

    @property
    def pairs(self) -> Pairs:
        if self._pairs is None:
            self._pairs = pairs_of(self)
        return self._pairs

    def eligible(self, applicant: np.ndarray, school: np.ndarray) -> np.ndarray:
        """Per (applicant, school) pair: the school may admit the applicant (selection test passed where it
        is selective; its sex where it is single-sex; an applicant of unknown sex may go anywhere)."""
        ok = self.schools.admits()[self.applicants.kind()[applicant], school]
        if self.applicants.girl is None and self.schools.sex is not None:
            ok |= self.schools.admits()[self.applicants.kind()[applicant] + 2, school]
        return ok

    def catchment_flags(self, applicant: np.ndarray, school: np.ndarray):
        """Per pair: home in the school's catchment; home outside it but in an area served by one school."""
        none = np.zeros(len(applicant), dtype=bool)
        if self.catchments is None:
            return none, none.copy()
        area = self.catchments.area_of[applicant]
        inside = area >= 0
        serves = self.catchments.serves
        in_catch = none.copy()
        in_catch[inside] = serves[area[inside], school[inside]]
        single = none.copy()
        single[inside] = serves.sum(axis=1)[area[inside]] == 1
        return in_catch, single & ~in_catch


@dataclass
class Allocation:
    """Where every applicant goes, how (ROUTES), at which preference and under which criterion."""

    school: np.ndarray                  # int64 (N,), -1 unplaced
    route: np.ndarray                   # int8 (N,), index into ROUTES
    preference_rank: np.ndarray         # int64 (N,), 1 = first preference, 0 = not a preference
    step: np.ndarray                    # int8 (N,), admitting step of an offer, -1 otherwise
    klass: np.ndarray                   # int8 (N,)
    rules: Rules
    capacity: np.ndarray                # places open to deferred acceptance (PAN - EHC plans)
    rounds: int
    market: Market | None = None
    market_pairs: np.ndarray | None = None   # game pair index of each market pair
    preference_limit: int | None = None      # preferences the policy considers (later ones are ignored)

    def criterion(self) -> np.ndarray:
        """Name of the criterion each offer was made under ('ehcp', 'directed' or '' otherwise)."""
        out = self.rules.criteria_of(self.school, np.where(self.route == OFFER, self.step, -1), self.klass)
        out[self.route == EHCP] = ROUTES[EHCP]
        out[self.route == DIRECTED] = ROUTES[DIRECTED]
        return out

    def band_counts(self, band: str, n_schools: int) -> np.ndarray:
        """Offers made under BAND at each school."""
        mine = (self.route == OFFER) & self.rules.band_offers(self.school, self.step, band)
        return np.bincount(self.school[mine], minlength=n_schools)


def ehcp_capacity(game: Game) -> tuple[np.ndarray, np.ndarray]:
    """Applicants placed by an EHC plan, and the places left for everyone else (PAN - plans, at least 0)."""
    named = game.applicants.ehcp_school >= 0
    plans = np.bincount(game.applicants.ehcp_school[named], minlength=game.schools.n)
    return named, np.maximum(game.schools.pan - plans, 0).astype(np.int64)


def solve(game: Game, policy: Policy, seed: int = 0, others: Policy | None = None) -> Allocation:
    """Allocate places under POLICY (OTHERS at schools it does not apply to) with lottery SEED."""
    return _solve(game, policy, [np.random.default_rng(seed)], others, keep_market=True)[0]


def solve_many(game: Game, policy: Policy, seeds, others: Policy | None = None, batch: int = 250,
               pair_budget: int = 4_000_000, done=None) -> list:
    """One allocation per seed, computed as disjoint copies of the market in batches (fast Monte Carlo).

    A batch holds at most BATCH copies and about PAIR_BUDGET applications, so memory stays bounded; DONE, when
    given, is called with the number of seeds solved after each batch (a progress bar's update)."""
    seeds = list(seeds)
    batch = max(1, min(batch, pair_budget // max(len(game.pairs.applicant), 1)))
    out = []
    for lo in range(0, len(seeds), batch):
        out.extend(_solve(game, policy, [np.random.default_rng(s) for s in seeds[lo:lo + batch]], others))
        if done is not None:
            done(len(seeds[lo:lo + batch]))
    return out


def _solve(game: Game, policy: Policy, rngs: list, others: Policy | None, keep_market: bool = False) -> list:
    apps = game.applicants
    pairs = game.pairs
    rules = assign_rules(game, policy, others)
    named, capacity = ehcp_capacity(game)
    active = ~named[pairs.applicant] & (pairs.rank <= policy.preferences) & game.eligible(pairs.applicant,
                                                                                          pairs.school)
    market = build_market(game, rules, pairs, capacity, active, rngs)
    matching = deferred_acceptance(market)
    sel = np.flatnonzero(active)
    n = apps.n
    out = []
    for r, rng in enumerate(rngs):
        part = _slice(matching, r, n)
        local = np.where(part.pair >= 0, part.pair - r * len(sel), -1)
        game_pair = sel[np.maximum(local, 0)] if len(sel) else np.zeros(n, dtype=np.int64)
        school = np.where(local >= 0, pairs.school[game_pair] if len(sel) else -1, -1)
        rank = np.where(local >= 0, pairs.rank[game_pair] if len(sel) else 0, 0)
        route = np.where(local >= 0, OFFER, UNPLACED).astype(np.int8)
        school[named] = apps.ehcp_school[named]
        route[named] = EHCP
        rank[named] = 0
        for a in np.flatnonzero(named):
            prefs = apps.preferences(a)
            hit = np.flatnonzero(prefs == apps.ehcp_school[a])
            rank[a] = hit[0] + 1 if hit.size else 0
        _direct(game, school, route, capacity, rng)
        out.append(Allocation(
            school=school, route=route, preference_rank=rank,
            step=np.where(route == OFFER, part.step, -1).astype(np.int8),
            klass=np.where(route == OFFER, part.klass, -1).astype(np.int8),
            rules=rules, capacity=capacity, rounds=matching.rounds,
            market=market if keep_market else None, market_pairs=sel if keep_market else None,
            preference_limit=policy.preferences,
        ))
    return out


def _slice(matching: Matching, r: int, n: int) -> Matching:
    return Matching(matching.pair[r * n:(r + 1) * n], matching.step[r * n:(r + 1) * n],
                    matching.klass[r * n:(r + 1) * n], matching.rounds)


def _direct(game: Game, school: np.ndarray, route: np.ndarray, capacity: np.ndarray, rng) -> None:
    """Directed places for the unplaced: the nearest school with room that may admit them (selection, sex),
    in a random order of applicants."""
    todo = np.flatnonzero(route == UNPLACED)
    if not todo.size:
        return
    offers = school[route == OFFER]
    room = capacity - np.bincount(offers, minlength=game.schools.n)
    order = rng.permutation(len(todo))
    kind, admits = _kinds(game)
    got = nearest_with_room(game.applicants.xy[todo], game.schools.xy, room, order, kind=kind[todo], admits=admits)
    placed = got >= 0
    school[todo[placed]] = got[placed]
    route[todo[placed]] = DIRECTED


def _kinds(game: Game) -> tuple[np.ndarray, np.ndarray]:
    """Each applicant's kind and the (kinds, schools) table of who may go where (unknown sex: a kind of its
    own, refused only by selective schools it has not qualified for)."""
    admits = game.schools.admits()
    kind = game.applicants.kind()
    if game.applicants.girl is None:
        admits = admits[2:] | admits[:2]
    return kind, admits


def check_validity(game: Game, alloc: Allocation) -> list[str]:
    """Problems with ALLOC (empty when valid): capacities, acceptability, EHC plans, directed places, caps,
    eligibility (selection, sex) of every offer and directed place."""
    problems = []
    apps, n_s = game.applicants, game.schools.n
    moved = np.flatnonzero((alloc.route == OFFER) | (alloc.route == DIRECTED))
    wrong = moved[~game.eligible(moved, alloc.school[moved])]
    problems += [f"applicant {apps.applicant_id[a]} placed at school {game.schools.urn[alloc.school[a]]}, which "
                 "may not admit them (selection or sex)" for a in wrong]
    offer = alloc.route == OFFER
    for a in np.flatnonzero(offer):
        prefs = apps.preferences(a)[:alloc.preference_limit]
        r = alloc.preference_rank[a]
        if not (1 <= r <= len(prefs)) or prefs[r - 1] != alloc.school[a]:
            problems.append(f"applicant {apps.applicant_id[a]} offered a school that is not one of their first "
                            f"{len(prefs)} preferences (rank {r})")
    named = alloc.route == EHCP
    if np.any(alloc.school[named] != apps.ehcp_school[named]) or np.any((apps.ehcp_school >= 0) != named):
        problems.append("an applicant with an EHC plan is not at the named school")
    offers = np.bincount(alloc.school[offer], minlength=n_s)
    over = np.flatnonzero(offers > alloc.capacity)
    problems += [f"school {game.schools.urn[s]}: {offers[s]} offers for {alloc.capacity[s]} places" for s in over]
    placed = alloc.school >= 0
    total = np.bincount(alloc.school[placed], minlength=n_s)
    plans = np.bincount(apps.ehcp_school[apps.ehcp_school >= 0], minlength=n_s)
    over = np.flatnonzero(total > np.maximum(game.schools.pan, plans))
    problems += [f"school {game.schools.urn[s]}: {total[s]} pupils for a PAN of {game.schools.pan[s]}" for s in over]
    directed = alloc.route == DIRECTED
    if np.any(directed) and np.any(alloc.school[directed] < 0):
        problems.append("a directed applicant has no school")
    unplaced = alloc.route == UNPLACED
    if np.any(unplaced & (alloc.school >= 0)):
        problems.append("an applicant marked unplaced has a school")
    kind, admits = _kinds(game)
    room = alloc.capacity - np.bincount(alloc.school[offer | directed], minlength=n_s) > 0
    if np.any(unplaced) and np.any(admits[np.unique(kind[unplaced])] & room[None, :]):
        problems.append("an applicant is unplaced while a school that may admit them has room")
    problems += _cap_problems(game, alloc)
    return problems


def _cap_problems(game: Game, alloc: Allocation) -> list[str]:
    """Offers under each band within its cap."""
    out = []
    for name, caps in alloc.rules.band_caps(game).items():
        count = alloc.band_counts(name, game.schools.n)
        out += [f"school {game.schools.urn[s]}: {count[s]} offers under band {name}, cap {caps[s]}"
                for s in np.flatnonzero(count > caps)]
    return out


def school_choice(market: Market, s: int, pairs: list[int]) -> dict:
    """School S's choice from market PAIRS, written plainly (one applicant at a time): pair -> step."""
    seats = int(market.capacity[s])
    group_count = 0
    left = set(int(p) for p in pairs)
    chosen = {}
    for t, step in enumerate(market.steps):
        qualified = sorted((int(step.klass[p]), int(market.tiebreak[p]), p) for p in left if step.klass[p] >= 0)
        allowed = min(seats, int(step.cap[s]))
        if step.group_limit is not None:
            allowed = min(allowed, max(int(step.group_limit[s]) - group_count, 0))
        for _, _, p in qualified[:max(allowed, 0)]:
            chosen[p] = t
            left.discard(p)
            seats -= 1
            if market.group is not None and market.group[p]:
                group_count += 1
    return chosen


def check_stability(game: Game, alloc: Allocation) -> list[str]:
    """Blocking pairs of ALLOC (empty when stable) under the priorities and reserve rules it was made with.

    (applicant a, school s) blocks when a ranks s above her offer (or has no offer) and s would choose a
    from its offer-holders plus a; a school that would drop one of its own offer-holders is also reported."""
    market, sel = alloc.market, alloc.market_pairs
    if market is None:
        raise ValueError("check_stability needs an allocation from solve() (it keeps the market)")
    apps = game.applicants
    local_of_game_pair = np.full(len(game.pairs.applicant), -1, dtype=np.int64)
    local_of_game_pair[sel] = np.arange(len(sel))
    held = {s: [] for s in range(game.schools.n)}
    for a in np.flatnonzero(alloc.route == OFFER):
        g = apps.offsets[a] + alloc.preference_rank[a] - 1
        held[int(alloc.school[a])].append(int(local_of_game_pair[g]))
    problems = []
    for s, mine in held.items():
        if len(school_choice(market, s, mine)) != len(mine):
            problems.append(f"school {game.schools.urn[s]} would not keep all its offer-holders")
    for a in np.flatnonzero((alloc.route == OFFER) | (alloc.route == UNPLACED) | (alloc.route == DIRECTED)):
        prefs = apps.preferences(a)[:alloc.preference_limit]
        better = alloc.preference_rank[a] - 1 if alloc.route[a] == OFFER else len(prefs)
        for j in range(better):
            p = int(local_of_game_pair[apps.offsets[a] + j])
            s = int(prefs[j])
            if p < 0:                      # a school that may not admit the applicant (selection, sex)
                continue
            if p in school_choice(market, s, held[s] + [p]):
                problems.append(f"applicant {apps.applicant_id[a]} and school {game.schools.urn[s]} block")
    return problems
