"""`audit()`: run one community model over the warehouse for some indicators and return an AuditResult.

Data flow: warehouse tables -> audit_schools and school_values (scope, predecessors) -> the model's
catchment_weight -> area_values of the indicator -> community_years (same-year comparison) ->
calibration (IDACI -> FSM when needed) -> pooled statistics per school -> trusts and areas.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .. import sql
from ..errors import WarehouseError
from . import areas as areas_mod
from . import calibration, conservation, dispersion as dispersion_mod, indicators as indicators_mod, lsoas, models, scope
from . import schools as schools_mod, settings
from . import trusts as trusts_mod
from . import communities
from . import robustness as robustness_mod
from .relations import materialise
from .result import AuditResult

SOURCE_COLUMNS = ["urn", "phase", "la", "lad_code", "region", "easting", "northing", "roll", "capacity",
                  "selective", "faith"]


def _sources(con, candidates: pd.DataFrame, model, model_params: dict, needs_location: bool) -> pd.DataFrame:
    """Register audit_sources: in-scope schools to compute communities for, with their parameters."""
    rows = candidates[candidates["scope_reason"].isna()].copy()
    if needs_location:
        rows = rows[rows["easting"].notna() & rows["northing"].notna()]
    rolls = con.execute("""select urn, avg(denominator) as mean_roll from audit_values
                           where denominator > 0 group by urn""").df()
    rows = rows.merge(rolls, on="urn", how="left")
    rows["roll"] = rows["mean_roll"].where(rows["mean_roll"].notna(), rows["roll"])
    resolved = models.resolve(model, model_params, rows.reset_index(drop=True))
    frame = rows[SOURCE_COLUMNS].reset_index(drop=True)
    for col in resolved.columns:
        frame[col] = settings.numeric_or_text(resolved[col])
    frame["roll"] = frame["roll"].astype(float)
    frame["capacity"] = frame["capacity"].astype(float)
    con.register("_sources", frame)
    con.execute("create or replace temp table audit_sources as select * from _sources")
    con.unregister("_sources")
    return frame


def _window_tables(con, indicator: str, years: list[int]) -> None:
    con.execute("create or replace temp table audit_years as select unnest(?::integer[]) as year", [years])
    con.execute("""create or replace temp table audit_values as select * from audit_school_values
                   where indicator = ? and year in (select year from audit_years)""", [indicator])
    con.execute("drop table if exists audit_pool")


NO_AREA_VALUES = {
    "lsoa": "no community data (the {model} model needs LSOA rates of {label}: none are loaded)",
    "flows": "no community data (the residence flows carry no {label} counts)",
}


def _community_by_year(con, indicator, sources, general, calibrations) -> pd.DataFrame:
    per_year = sql.run(con, "community_years", indicator=indicator).df()
    with np.errstate(divide="ignore", invalid="ignore"):
        per_year["community_rate"] = per_year["community_numerator"] / per_year["community_denominator"]
    needs = per_year["calibrate"].fillna(False).astype(bool)
    if needs.any():
        rows = per_year[needs].merge(sources[["urn", "phase", "la", "region", "selective"]], on="urn", how="left")
        rows = rows.assign(rate=rows["numerator"] / rows["denominator"], idaci=rows["community_rate"],
                           weight=rows["denominator"])
        expected, fits = calibration.calibrate(rows, general["calibration_level"],
                                               general["calibration_min_schools"],
                                               exclude_selective=not general["calibrate_selective"])
        per_year.loc[needs, "community_idaci"] = per_year.loc[needs, "community_rate"]
        per_year.loc[needs, "community_rate"] = expected.to_numpy()
        calibrations.append(fits)
    if not general["conserve"]:
        return per_year, None
    return conservation.rescale(per_year, sources.drop_duplicates("urn").set_index("urn")["phase"])


def _area_kind(con, model, indicator: str, lsoa_ready: bool) -> str:
    """Where the areas' rates come from: the model's own kind, except that residence flows carrying no
    counts of INDICATOR (the London Schools Atlas has pupils only) join their home LSOAs to LSOA rates
    (calibrated IDACI for FSM) like the other LSOA-based models, when LSOA data are loaded."""
    if model.area_kind != "flows" or not lsoa_ready:
        return model.area_kind
    column = {"fsm": "fsm", "sen_support": "sen", "cin": "cin"}.get(indicator)
    counted = column and con.execute(f"select count({column}) from audit_flows").fetchone()[0]
    return "flows" if counted else "lsoa"


def _meta_vintages(con) -> dict:
    log = con.execute("""select table_name, source_file, vintage, max(loaded_at) as loaded_at from load_log
                         group by all order by table_name, loaded_at, source_file, vintage""").df()
    return {t: g[["source_file", "vintage"]].to_dict("records") for t, g in log.groupby("table_name")}


def _synthetic(con) -> bool:
    return bool(con.execute("""select (select count(*) from load_log where source ilike '%sample%'
                                      or source_file ilike '%sample%')
                                    + (select count(*) from audit_schools where la_name ilike '%(synthetic)%'
                                      or region ilike '%(synthetic)%')""").fetchone()[0])


def _audit_model(wh, indicators=("fsm",), community="nearby-schools", phase=None, region=None, la=None,
                 trust=None, years=3, params=None, *, school_type=None, selective=None, faith=None,
                 include_non_entry=False, include=()) -> AuditResult:
    """One community model's audit (see `audit`), without the comparison across models."""
    params = dict(params or {})
    model = models.get(community)
    models.check_params(model, params, set(settings.GENERAL))
    general = settings.general(params)
    general["overdispersion"] = dispersion_mod.check_mode(general["overdispersion"])
    general["funnel_scale"] = dispersion_mod.check_scale(general["funnel_scale"])
    model_params = {k: v for k, v in params.items() if k not in settings.GENERAL}
    names = indicators_mod.parse(indicators)
    con = wh.con
    scope.prepare(con, include_non_entry, include)
    inputs = scope.select(con, phase=phase, region=region, la=la, trust=trust, school_type=school_type,
                          selective=selective, faith=faith)
    everyone = con.execute("select * from audit_schools").df()
    if model.area_kind == "flows":
        materialise(con, "audit_flows", "flows_current")
    lsoa_ready = model.area_kind == "flows" and con.execute("select count(*) from lsoa_centroids").fetchone()[0]
    if model.area_kind == "lsoa" or lsoa_ready:
        if not con.execute("select count(*) from lsoa_centroids").fetchone()[0]:
            raise WarehouseError(f"the {model.name} model needs LSOA centroids (lsoa_centroids is empty); load "
                                 "them with `repaudit load lsoa-centroids FILE`")
        materialise(con, "audit_lsoa_crosswalk", "lsoa_crosswalk")
        materialise(con, "audit_lsoa_areas", "lsoa_areas")
    frames, lsoa_frames, calibrations, notes, windows, build_info, conserved = [], [], [], [], {}, {}, {}
    year_frames = []
    same_year, notes = indicators_mod.same_year_windows(con, names, years)
    for indicator in names:
        years_used = same_year[indicator]
        label = indicators_mod.INDICATORS[indicator].label
        if not years_used:
            notes.append(f"{indicator}: left out, the warehouse has no school-level {label} data"
                         + (" (CIN is never published per school: load your own file with `repaudit load "
                            "cin-schools FILE`)" if indicator == "cin" else ""))
            continue
        windows[indicator] = years_used
        _window_tables(con, indicator, years_used)
        kind = _area_kind(con, model, indicator, bool(lsoa_ready))
        calibrated = kind == "lsoa" and indicator == "fsm" and not con.execute(
            "select count(*) from lsoa_rates where indicator = 'fsm'").fetchone()[0]
        national = calibrated or general["conserve"]      # fits over every school, whatever the filters
        candidates = everyone[everyone["phase"].isin(inputs["phase"].unique())] if national else inputs
        sources = _sources(con, candidates, model, model_params, model.needs_location)
        if calibrated and not con.execute("select count(*) from lsoa_deprivation where measure = 'idaci'").fetchone()[0]:
            raise WarehouseError(f"the {model.name} model needs IDACI scores for FSM (lsoa_deprivation has no "
                                 "idaci rows); load IoD2019 File 7a or File 3 with `repaudit load iod FILE`")
        materialise(con, "area_values", f"area_values_{kind}", indicator=indicator)
        if con.execute("select count(*) from area_values").fetchone()[0]:
            build_info[indicator] = model.build(con, indicator) or {}
            if build_info[indicator].get("note") and build_info[indicator]["note"] not in notes:
                notes.append(build_info[indicator]["note"])
        else:                                   # nothing to weigh: every school is excluded with the reason
            con.execute("create or replace temp table catchment_weight as "
                        "select null::integer as urn, null::integer as year, null::varchar as area, "
                        "null::double as weight where false")
        before = len(calibrations)
        per_year, added_up = _community_by_year(con, indicator, sources, general, calibrations)
        if added_up is not None:
            conserved[indicator] = added_up
        fits = calibrations[-1] if len(calibrations) > before else None
        year_frames.append(per_year[["urn", "year", "numerator", "denominator", "community_rate"]]
                           .assign(indicator=indicator))
        pooled = schools_mod.pool(per_year)
        compared = schools_mod.compare(pooled)
        weighted = set(con.execute("select distinct urn from catchment_weight").df()["urn"].tolist())
        no_values = NO_AREA_VALUES.get(model.area_kind, "no community data").format(model=model.name, label=label)
        values = con.execute("select urn, year, numerator, denominator, vintage from audit_values").df()
        suppressed = con.execute("""select urn, string_agg(distinct missing_reason, '; ' order by missing_reason) as why
                                    from school_indicators where indicator = ? and numerator is null
                                    and missing_reason is not null and year in (select year from audit_years)
                                    group by urn""", [indicator]).df().set_index("urn")["why"]
        assembled = schools_mod.assemble(inputs, compared, values, weighted, indicator, model,
                                         model.needs_location, None if indicator in build_info else no_values,
                                         suppressed)
        frames.append(schools_mod.with_pool(assembled, communities.pool(con)))
        lsoa_frames.append(lsoas.lsoa_rates(con, indicator, kind, fits, years_used))
    if not frames:
        raise WarehouseError("none of the indicators asked for has school-level data in the warehouse: "
                             + "; ".join(notes))
    table = schools_mod.add_lat_lon(pd.concat(frames, ignore_index=True))
    table, dispersion = dispersion_mod.apply(table, general["overdispersion"], general["funnel_scale"])
    trusts = trusts_mod.rank(table, general["min_trust_schools"], dispersion)
    filtered = any(v is not None for v in (region, la, trust, school_type, selective, faith))
    areas = areas_mod.segregation(table, general["bootstrap_reps"], general["seed"], england=not filtered)
    year_labels = {ind: indicators_mod.label_years(ys) for ind, ys in windows.items()}
    trusts["years"] = trusts["indicator"].map(year_labels)
    areas["years"] = areas["indicator"].map(year_labels)
    fits_all = pd.concat(calibrations, ignore_index=True) if calibrations else None
    meta = {
        "community_model": model.name,
        "community_description": model.description,
        "params": {**{k: v for k, v in general.items()}, **model_params},
        "indicators": list(windows),
        "years": sorted({y for ys in windows.values() for y in ys}),
        "years_by_indicator": windows,
        "years_note": indicators_mod.vintage_note(windows),
        "phase": phase,
        "filters": {"phase": phase, "region": region, "la": la, "trust": trust, "type": school_type,
                    "selective": selective, "faith": faith},
        "include_non_entry": bool(include_non_entry),
        "include": list(scope.parse_include(include)),
        "calibration": calibration.summary(fits_all, general["calibration_level"]),
        "overdispersion": dispersion,
        "conservation": conserved,
        "vintages": _meta_vintages(con),
        "generated_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "suppressed": False,
        "synthetic": _synthetic(con),
        "notes": trusts_mod.vintage_notes(con) + notes,
        "model_info": build_info,
        "counts": table.groupby(["indicator", "status"]).size().unstack(fill_value=0).to_dict("index"),
    }
    schools = table[schools_mod.COLUMNS + dispersion_mod.COLUMNS + ["group_code", "group_name", "la_maintained",
                                                                    "successor"]]
    return AuditResult(schools.reset_index(drop=True), trusts, areas,
                       pd.concat(lsoa_frames, ignore_index=True), meta,
                       by_year=pd.concat(year_frames, ignore_index=True))


def audit(wh, indicators=("fsm",), community="nearby-schools", phase=None, region=None, la=None, trust=None,
          years=3, params=None, *, school_type=None, selective=None, faith=None,
          include_non_entry=False, include=(), robustness=False, step=None) -> AuditResult:
    """Audit how representative each school's intake is of its local community.

    wh: a repaudit.warehouse.Warehouse. indicators: fsm, sen_support, ehcp, cin or 'all'. community: a
    model of repaudit.auditing.models (la, nearby-schools, residential, catchment, flows, proximity).
    phase/region/la/trust (and school_type, e.g. 'Academy converter', selective and faith as True/False)
    filter the schools audited; communities still reach across the filters.
    years: pool the last N years with data. params: model parameters (k, m, radius_km, ...; prefixed
    'secondary.', 'selective.' or 'faith.' for one kind of school) and audit-wide settings
    (overdispersion = additive | multiplicative | none, funnel_scale = arcsine | logit | raw, conserve,
    min_trust_schools, calibration_level,
    bootstrap_reps, ...); docs/methodology.md states every formula and default.
    include_non_entry: audit the secondary schools that admit no Year 7 (16-19 schools, UTCs, studio
    schools, entry at 14), which are otherwise excluded with the rule named.
    robustness: also audit the same schools with every other public community model the data allow and
    add, per school, models_run, models_flagged (below the lower 95% limit), models_below and the range of
    the gap across them (repaudit/auditing/robustness.py). Off by default here (each model costs a run);
    the `repaudit audit` command turns it on unless --no-robustness. step: called with each model's name as
    its audit starts (the chosen one first), for a progress bar.
    Every ranked school gets rank_low / rank_high, a 95% interval of its rank (rank_draws draws, seeded).
    Returns an AuditResult; values are unsuppressed (see repaudit.disclosure before sharing).
    """
    params = dict(params or {})
    options = dict(indicators=tuple(indicators) if not isinstance(indicators, str) else indicators, phase=phase,
                   region=region, la=la, trust=trust, years=years, school_type=school_type, selective=selective,
                   faith=faith, include_non_entry=include_non_entry, include=scope.parse_include(include))
    general_params = {k: v for k, v in params.items() if k in settings.GENERAL}
    general = settings.general(general_params)
    scope.check_la_name(wh.con, la)
    signature = robustness_mod.signature(wh)

    def one(name, model_params, copied=True):
        key = None if signature is None else (
            signature, name, robustness_mod.param_key(model_params),
            tuple(sorted((k, str(v)) for k, v in options.items())))
        return robustness_mod.memoised(key, lambda: _audit_model(wh, community=name, params=model_params,
                                                                 **options), copied)

    if step is not None:
        step(community)
    result = one(community, params)
    if robustness:
        others, skipped = robustness_mod.run_all(lambda name: one(name, general_params, copied=False), community,
                                                 models.public_names(), step)
        result.schools = robustness_mod.across_models(result.schools, community, others)
        result.meta["robustness"] = {
            "models": [community] + list(others), "not_run": skipped,
            "rule": "models_flagged counts the community models under which the school is below the lower 95% "
                    "funnel limit; key findings name a school only when that holds under more than half of "
                    "models_run"}
    result.schools = robustness_mod.rank_interval(result.schools, general["rank_draws"], general["seed"])
    result.meta["rank_interval"] = {"draws": general["rank_draws"], "seed": general["seed"], "level": 0.95}
    return result
