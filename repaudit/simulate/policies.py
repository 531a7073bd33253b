"""Admissions policies as data: a small TOML file each, presets in repaudit/policies/.

A policy lists oversubscription criteria in priority order (after EHC-plan-named admissions, which
always come first) and the reserve bands that cap some of them. Criterion names, combinable with '+'
(all parts must hold, e.g. "fsm+catchment"):

  looked_after             looked-after or previously looked-after child
  medical_social           medical or social need naming this school
  sibling                  sibling at this school
  catchment                home inside this school's catchment area
  fsm                      eligible for free school meals
  single_school_catchment  home outside this school's catchment, inside an area served by one school
  everyone                 any applicant (must be the last criterion: a school with room admits anyone)

A band `[bands.NAME]` names some consecutive criteria and a `share` of PAN (a number, a parameter name
from `[parameters]`, or "city_fsm_share"); at most share x PAN places, rounded as `rounding` says
("down", "up" or "nearest", halves up), are offered under the band. The bands' shares may add up to at
most 1. "city_fsm_share" is the policy's parameter of that name when it declares one (Brighton and Hove's
presets do, with its source in `[sources]`), else the share of the applicants or of the LA's pupils.
`cap_with_higher` (optional) also limits the pupils of the band's group (FSM) offered places under the
band *and every higher priority* to that share of PAN (Brighton and Hove 2026: 30%); the band must then
be the first capped step (see `limit_problem`).

`reserve_order` -- the order in which reserved (band) and open places are filled:
  "priority"  each band is filled at its own place in the list: after the criteria above it, before
              those below it (how Brighton and Hove's published arrangements read);
  "last"      open places first: the non-band criteria fill all places except those reserved for
              the bands, then each band fills its reserved places from the applicants left, and
              places a band leaves empty go back to open competition -- the order that favours a
              band's group most (Dur, Kominers, Pathak and Sonmez, Boston walk-zone seats);
  "first"     every band before all other criteria, even looked-after children (for comparison).
Applicants who miss a band's cap are still considered under every later criterion they meet.

Tie-breaks: `tie_break = "distance"` (straight line, nearer first; equal distances by lottery) or
"lottery", with `lottery = "single"` (one random number per child used at every school) or
"per-school" (a fresh draw at each school). `applies_to = "community"` applies the policy only where the
LA is the admission authority (community and voluntary controlled schools); every other school runs the
policy named by `others` (default "baseline"), which must apply to all schools. `compare_with` names the
policy a simulation compares with by default. docs/policies.md describes every key. `preference_first = true` ranks applicants by the
preference they gave the school before any criterion -- "first preference first", unlawful in England
since 2008 and offered only to show what the equal-preference scheme changes.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import InputFileError, RepauditError
from ..paths import PACKAGE_DIR
from ..sources import limits

POLICY_DIR = PACKAGE_DIR / "policies"

CRITERIA = (
    "looked_after", "medical_social", "sibling", "catchment", "fsm", "single_school_catchment", "everyone",
)
RESERVE_ORDERS = ("priority", "last", "first")
TIE_BREAKS = ("distance", "lottery")
LOTTERIES = ("single", "per-school")
APPLIES_TO = ("all", "community")
ROUNDINGS = ("down", "up", "nearest")
CITY_FSM_SHARE = "city_fsm_share"
KEYS = ("name", "title", "criteria", "bands", "applies_to", "others", "compare_with", "preferences", "tie_break",
        "lottery", "reserve_order", "rounding", "preference_first", "parameters", "sources")
BAND_KEYS = ("criteria", "share", "cap_with_higher", "group")
GROUPS = ("fsm",)


class PolicyError(RepauditError):
    """A policy name or file that cannot be used; the message says what is wrong and what is allowed."""


@dataclass(frozen=True)
class Band:
    """A reserve band: consecutive criteria whose offers are capped at a share of PAN."""

    name: str
    criteria: tuple[str, ...]
    share: float | str
    cap_with_higher: float | None = None
    group: str = "fsm"


@dataclass(frozen=True)
class Policy:
    """Oversubscription criteria, reserve bands and tie-breaks of one admissions policy."""

    name: str
    title: str
    criteria: tuple[str, ...]
    bands: tuple[Band, ...] = ()
    applies_to: str = "all"
    preferences: int = 3
    tie_break: str = "distance"
    lottery: str = "single"
    reserve_order: str = "priority"
    rounding: str = "down"
    preference_first: bool = False
    parameters: dict = field(default_factory=dict)
    source: str = ""
    others: str = "baseline"
    compare_with: str = "baseline"
    sources: dict = field(default_factory=dict)
    exceptions: tuple = ()               # (urn, Policy) pairs: schools that run another policy (what-ifs)

    def with_parameters(self, **values) -> "Policy":
        """A copy with parameters (and so band shares naming them) replaced, e.g. share=0.2."""
        unknown = sorted(set(values) - set(self.parameters))
        if unknown:
            known = ", ".join(sorted(self.parameters)) or "none"
            raise PolicyError(f"policy '{self.name}' has no parameter {', '.join(unknown)} (its parameters: {known})")
        merged = {**self.parameters, **{k: float(v) for k, v in values.items()}}
        for k, v in merged.items():
            _check_share(v, f"parameter {k}", self.source)
        changed = replace(self, parameters=merged)
        changed.check_reserved()
        return changed

    def with_reserve_order(self, order: str) -> "Policy":
        if order not in RESERVE_ORDERS:
            raise PolicyError(f"reserve order '{order}' is not one of {', '.join(RESERVE_ORDERS)}")
        changed = replace(self, reserve_order=order)
        problem = limit_problem(changed)
        if problem:
            raise PolicyError(f"policy '{self.name}' with reserve order '{order}': {problem}")
        return changed

    def share(self, value: float | str, city_fsm_share: float | None) -> float:
        """A band share as a number: a literal, a parameter, or the city's FSM share (the policy's own
        parameter of that name when it declares one, else CITY_FSM_SHARE)."""
        if isinstance(value, (int, float)):
            return float(value)
        if value in self.parameters:
            return float(self.parameters[value])
        return float(city_fsm_share)

    def city_fsm_share(self) -> float | None:
        """The city FSM share the policy declares as a parameter, or None (taken from the applicants)."""
        return self.parameters.get(CITY_FSM_SHARE)

    def places(self, share: float, pan) -> np.ndarray:
        """Places under a band of SHARE at schools of PAN, rounded as the policy says."""
        return band_places(share, pan, self.rounding)

    def check_reserved(self, city_fsm_share: float | None = None) -> None:
        """Error when the bands together reserve more than all places (e.g. 60% + 70%)."""
        parts, total = [], 0.0
        for band in self.bands:
            if band.share == CITY_FSM_SHARE and CITY_FSM_SHARE not in self.parameters and city_fsm_share is None:
                continue
            value = self.share(band.share, city_fsm_share)
            total += value
            shown = band.share if isinstance(band.share, (int, float)) else f"{band.share} = {value:g}"
            parts.append(f"[bands.{band.name}] share = {shown}")
        if total > 1 + 1e-9:
            raise InputFileError(self.source, f"the bands reserve more than all places: {' + '.join(parts)} adds "
                                              f"up to {total:g} of PAN; the shares of all bands must add up to at most 1")

    def fsm_priority(self, community: np.ndarray) -> np.ndarray:
        """Bool per school: the policy gives FSM children priority there (an FSM criterion above 'everyone'
        at a school it applies to); where FSM families may respond to the policy (choice.py)."""
        has = any("fsm" in c.split("+") for c in self.criteria)
        applies = np.ones(len(community), dtype=bool) if self.applies_to == "all" else np.asarray(community, bool)
        return applies & has

    def band_of(self, criterion: str) -> Band | None:
        return next((b for b in self.bands if criterion in b.criteria), None)


def limit_problem(policy: Policy) -> str | None:
    """Why the policy's `cap_with_higher` limits cannot be applied, or None.

    A limit counting group pupils admitted under higher priorities is only well defined when every
    step before its band is uncapped: those steps then admit everyone they can, so more applicants
    never free room under the limit. A capped step first (another band, or the open places of
    reserve_order "last") breaks that: a new applicant can push an FSM child out of it, raise the
    room under the limit, and deferred acceptance can end with a blocking pair."""
    for band in policy.bands:
        if band.cap_with_higher is None:
            continue
        start = policy.criteria.index(band.criteria[0])
        earlier = [b.name for b in policy.bands if policy.criteria.index(b.criteria[0]) < start]
        if policy.reserve_order == "last" or earlier:
            return (f"band '{band.name}' has cap_with_higher, which needs it to be the first capped step: no band "
                    f"before it{' (found ' + ', '.join(earlier) + ')' if earlier else ''} and a reserve_order other "
                    "than 'last' (otherwise more applicants can free room under the limit and the allocation "
                    "can be unstable)")
    return None


def band_places(share: float, pan, rounding: str = "down") -> np.ndarray:
    """Places under a band: share x PAN rounded down ("up to" the share), up, or to the nearest whole
    place (halves up: 5% of 330 = 16.5 -> 17), with a hair of tolerance (0.2 x 300 is 60, not 59)."""
    exact = np.asarray(pan, dtype=float) * share
    if rounding == "up":
        return np.ceil(exact - 1e-9).astype(np.int64)
    if rounding == "nearest":
        return np.floor(exact + 0.5 + 1e-9).astype(np.int64)
    return np.floor(exact + 1e-9).astype(np.int64)


def others_policy(policy: Policy) -> Policy:
    """The policy run at schools POLICY does not apply to (its `others` key): it must apply to all schools."""
    other = load_policy(policy.others)
    if other.applies_to != "all":
        raise InputFileError(policy.source, f"`others = \"{policy.others}\"` names a policy that applies to "
                                            f"'{other.applies_to}' schools only; the policy run at the other schools "
                                            "must have applies_to = \"all\"")
    return other


def presets() -> list[str]:
    """Names of the bundled policies."""
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def load_policy(name_or_path: str | Path) -> Policy:
    """A preset by name (see `presets()`) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.is_file():
        preset = POLICY_DIR / f"{name_or_path}.toml"
        if not preset.is_file():
            raise PolicyError(
                f"no policy '{name_or_path}': not a file, and not one of the presets {', '.join(presets())}"
            )
        path = preset
    limits.check_size(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(path, f"is not valid TOML ({exc})") from None
    except RecursionError:
        raise InputFileError(path, "nests lists or tables deeper than can be read: a policy is a table of criteria, "
                                   "parameters and bands, nested at most three levels (docs/policies.md)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot be read as a TOML policy ({exc})") from None
    return parse_policy(data, str(path))


def parse_policy(data: dict, source: str = "<policy>") -> Policy:
    """Validate a policy table (as read from TOML) into a Policy; errors name the file and the key."""
    extra = sorted(set(data) - set(KEYS))
    if extra:
        raise InputFileError(source, f"unknown key(s) {', '.join(extra)}; allowed: {', '.join(sorted(KEYS))} "
                                     "(docs/policies.md describes each)")
    criteria = data.get("criteria")
    if not isinstance(criteria, list) or not criteria or not all(isinstance(c, str) for c in criteria):
        raise InputFileError(source, "needs `criteria = [...]`, a list of criterion names in priority order")
    criteria = tuple(c.strip() for c in criteria)
    for c in criteria:
        _check_criterion(c, source)
    if len(set(criteria)) != len(criteria):
        raise InputFileError(source, "a criterion is listed twice in `criteria`")
    if criteria[-1] != "everyone":
        raise InputFileError(source, f"the last criterion must be 'everyone' (found '{criteria[-1]}'): a school "
                                     "with places left must admit any applicant")
    parameters = data.get("parameters", {})
    if not isinstance(parameters, dict):
        raise InputFileError(source, "`parameters` must be a table of name = number")
    for k, v in parameters.items():
        _check_share(v, f"parameter {k}", source)
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise InputFileError(source, "`sources` must be a table of parameter name = \"where its value comes from\"")
    unsourced = sorted(set(sources) - set(parameters))
    if unsourced:
        raise InputFileError(source, f"[sources] names {', '.join(unsourced)}, which are not in [parameters]")
    band_specs = data.get("bands", {})
    if not isinstance(band_specs, dict):
        raise InputFileError(source, "`bands` must be tables [bands.NAME]")
    bands = tuple(_parse_band(name, spec, criteria, parameters, source) for name, spec in band_specs.items())
    policy = Policy(
        name=str(data.get("name", Path(source).stem)),
        title=str(data.get("title", "")),
        criteria=criteria,
        bands=bands,
        applies_to=_choice(data, "applies_to", APPLIES_TO, "all", source),
        preferences=_preferences(data, source),
        tie_break=_choice(data, "tie_break", TIE_BREAKS, "distance", source),
        lottery=_choice(data, "lottery", LOTTERIES, "single", source),
        reserve_order=_choice(data, "reserve_order", RESERVE_ORDERS, "priority", source),
        rounding=_choice(data, "rounding", ROUNDINGS, "down", source),
        preference_first=_flag(data, "preference_first", source),
        parameters={k: float(v) for k, v in parameters.items()},
        source=source,
        others=_name(data, "others", source),
        compare_with=_name(data, "compare_with", source),
        sources=dict(sources),
    )
    used = [c for b in bands for c in b.criteria]
    if len(set(used)) != len(used):
        raise InputFileError(source, "a criterion belongs to two bands")
    problem = limit_problem(policy)
    if problem:
        raise InputFileError(source, problem)
    policy.check_reserved()
    return policy


def _parse_band(name, spec, criteria, parameters, source) -> Band:
    where = f"[bands.{name}]"
    if not isinstance(spec, dict):
        raise InputFileError(source, f"{where} must be a table")
    extra = sorted(set(spec) - set(BAND_KEYS))
    if extra:
        raise InputFileError(source, f"{where}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(BAND_KEYS)}")
    members = spec.get("criteria")
    if not isinstance(members, list) or not members or not all(isinstance(m, str) for m in members):
        raise InputFileError(source, f"{where} needs `criteria = [...]` naming criteria of the policy")
    members = tuple(m.strip() for m in members)
    missing = [m for m in members if m not in criteria]
    if missing:
        raise InputFileError(source, f"{where} names {', '.join(missing)}, which are not in `criteria`")
    pos = sorted(criteria.index(m) for m in members)
    if pos != list(range(pos[0], pos[0] + len(pos))) or "everyone" in members:
        raise InputFileError(source, f"{where}: a band's criteria must be consecutive in `criteria` and not 'everyone'")
    share = spec.get("share")
    if isinstance(share, str):
        if share != CITY_FSM_SHARE and share not in parameters:
            raise InputFileError(source, f"{where} share '{share}' is neither a number, '{CITY_FSM_SHARE}' nor a "
                                         f"parameter (parameters: {', '.join(parameters) or 'none'})")
    else:
        _check_share(share, f"{where} share", source)
    higher = spec.get("cap_with_higher")
    group = spec.get("group", "fsm")
    if group not in GROUPS:
        raise InputFileError(source, f"{where} group is {group!r}; the only group the simulator knows is 'fsm'")
    if higher is not None:
        _check_share(higher, f"{where} cap_with_higher", source)
        if any(group not in m.split("+") for m in members):
            raise InputFileError(source, f"{where}: cap_with_higher counts '{group}' pupils, so every criterion of "
                                         f"the band must include '{group}'")
    return Band(name, members, share if isinstance(share, str) else float(share),
                None if higher is None else float(higher), group)


def _check_criterion(name, source):
    parts = name.split("+")
    bad = [p for p in parts if p not in CRITERIA]
    if bad:
        raise InputFileError(source, f"unknown criterion '{bad[0]}' in '{name}'; known: {', '.join(CRITERIA)}")
    if "everyone" in parts and len(parts) > 1:
        raise InputFileError(source, f"'everyone' cannot be combined ('{name}')")


def _check_share(value, what, source):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0.0 <= float(value) <= 1.0) \
            or math.isnan(float(value)):
        raise InputFileError(source, f"{what} must be a share between 0 and 1, found {value!r}")


def _choice(data, key, allowed, default, source):
    value = data.get(key, default)
    if value not in allowed:
        raise InputFileError(source, f"`{key}` is '{value}', expected one of {', '.join(allowed)}")
    return value


def _flag(data, key, source) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InputFileError(source, f"`{key}` must be true or false, found {value!r}")
    return value


def _name(data, key, source) -> str:
    value = data.get(key, "baseline")
    if not isinstance(value, str) or not value.strip():
        raise InputFileError(source, f"`{key}` must name a policy (a preset or a TOML file), found {value!r}")
    return value.strip()


def _preferences(data, source) -> int:
    value = data.get("preferences", 3)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
        raise InputFileError(source, f"`preferences` must be a whole number from 1 to 20, found {value!r}")
    return value
