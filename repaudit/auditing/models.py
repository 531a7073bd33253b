"""The community models (METHODS §3): a registry of name, description, parameters with defaults, and
per school-type overrides (faith and selective schools draw from wider areas).

Every model reduces to one relation, catchment_weight(urn, year, area, weight) (year NULL = every year of
the window), built by queries/community_<model>.sql; the community rate of an indicator is the
weight-averaged rate of the areas. `area_kind` says what the areas are and so where their rates come
from: 'school' (a school's own counts), 'la' (all same-phase schools of an LA), 'lsoa' (calibrated IDACI
or supplied LSOA rates), 'flows' (all pupils of the phase living in an LSOA, from residence flows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

from ..errors import RepauditError

PHASES = ("primary", "secondary")
SCHOOL_TYPES = ("selective", "faith")          # override order: selective first, then faith


@dataclass(frozen=True)
class Param:
    """A model parameter: its default (a value, or a dict phase -> value) and a line of help."""

    name: str
    default: Any
    help: str
    choices: tuple = ()
    text: bool = False          # free text (a layer name); otherwise a positive number unless `choices`


@dataclass(frozen=True)
class CommunityModel:
    """A way of defining a school's local community."""

    name: str
    description: str
    area_kind: str
    needs_location: bool
    build: Callable
    params: tuple[Param, ...] = ()
    overrides: dict = field(default_factory=dict)      # school type -> {param: value or {phase: value}}
    phases: tuple[str, ...] = ("primary", "secondary")  # phases of the schools it audits
    public: bool = True         # runs on open data (not a user's private file): counted in models_run

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


MODELS: dict[str, CommunityModel] = {}
DEFAULT = "nearby-schools"          # the community model an audit uses unless told otherwise


def community_model(name, description, *, area_kind, needs_location, params=(), overrides=None,
                    phases=PHASES, public=True):
    """Decorator registering `build(con, context)` as community model NAME (PUBLIC: it runs on open data)."""

    def register(build):
        MODELS[name] = CommunityModel(name, description, area_kind, needs_location, build, tuple(params),
                                      overrides or {}, tuple(phases), public)
        return build

    return register


def get(name: str) -> CommunityModel:
    """The model called NAME, or a RepauditError listing the models there are."""
    from . import communities  # noqa: F401  (registers the built-in models)

    if name not in MODELS:
        raise RepauditError(f"unknown community model '{name}'. Choose one of: {', '.join(MODELS)}")
    return MODELS[name]


def names() -> list[str]:
    from . import communities  # noqa: F401

    return list(MODELS)


def public_names() -> list[str]:
    """The models that run on open data (every registered model but those needing a user's private file)."""
    return [name for name in names() if MODELS[name].public]


def check_params(model: CommunityModel, params: dict, general: set[str]) -> None:
    """Raise a RepauditError naming any parameter this model (or the audit in general) does not know.

    Model parameters may be prefixed by a phase or school type: 'secondary.k', 'selective.m'."""
    known = {p.name for p in model.params}
    for key in params:
        base = key.split(".", 1)[1] if "." in key else key
        prefix = key.split(".", 1)[0] if "." in key else None
        if key in general:
            continue
        if base not in known or (prefix is not None and prefix not in PHASES + SCHOOL_TYPES):
            allowed = sorted(known) + sorted(general)
            raise RepauditError(
                f"unknown parameter '{key}' for the {model.name} model. Parameters: "
                f"{', '.join(allowed) or 'none'} (model parameters may be prefixed by primary., secondary., "
                "selective. or faith.)")
        _check_value(model, model.param(base), params[key])


def _check_value(model: CommunityModel, p: Param, value) -> None:
    """A RepauditError when VALUE is not one of the choices, or not a positive number, for parameter P."""
    if p.text or value is None:
        return
    if p.choices:
        if value not in p.choices:
            raise RepauditError(f"parameter {p.name} of the {model.name} model must be one of "
                                f"{', '.join(map(str, p.choices))}; got {value}")
        return
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if not number > 0:
        raise RepauditError(f"parameter {p.name} of the {model.name} model must be a positive number; got {value}")


def _by_phase(value, phases: pd.Series) -> pd.Series:
    if isinstance(value, dict):
        return phases.map(value).astype(object)
    return pd.Series([value] * len(phases), index=phases.index, dtype=object)


def resolve(model: CommunityModel, params: dict, schools: pd.DataFrame) -> pd.DataFrame:
    """One column per model parameter with the value that applies to each school (rows of SCHOOLS, which
    has phase, selective and faith): default, then the phase's default, then the user's value, then the
    school-type overrides (faith, then selective, so selective wins), then the user's type overrides.
    User values are checked by check_params first."""
    out = pd.DataFrame(index=schools.index)
    phases = schools["phase"]
    for p in model.params:
        values = _by_phase(p.default, phases)
        if p.name in params:
            values = _by_phase(params[p.name], phases)
        for phase in PHASES:
            if f"{phase}.{p.name}" in params:
                values = values.where(phases != phase, params[f"{phase}.{p.name}"])
        for kind in reversed(SCHOOL_TYPES):
            mask = schools[kind].fillna(False).astype(bool)
            if p.name in model.overrides.get(kind, {}):
                values = values.where(~mask, _by_phase(model.overrides[kind][p.name], phases))
            if f"{kind}.{p.name}" in params:
                values = values.where(~mask, params[f"{kind}.{p.name}"])
        out[p.name] = values
    return out


def describe(model: CommunityModel) -> str:
    """The model's parameters, defaults and overrides as text for --help and the docs."""
    lines = [f"{model.name}: {model.description}"]
    if model.phases != PHASES:
        lines.append(f"    audits {' and '.join(model.phases)} schools only")
    for p in model.params:
        lines.append(f"    {p.name} = {p.default!r}: {p.help}")
    for kind, values in model.overrides.items():
        lines.append(f"    {kind} schools: " + ", ".join(f"{k} = {v!r}" for k, v in values.items()))
    return "\n".join(lines)
