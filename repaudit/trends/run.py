"""`trend()`: one audit over every census year (repaudit.auditing.run.audit, the same community model in each
year), then the per-year series of each school, its change and slope, trusts before and after joining, and D by
year for each LA and England."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..auditing import indicators as indicators_mod, settings
from ..auditing.run import _audit_model
from ..errors import RepauditError
from . import areas as areas_mod, breaks, continuity, series, trusts as trusts_mod

ALL_YEARS = 20            # "every year loaded": the audit window is the last N years with data
ATTRIBUTES = ["urn", "indicator", "name", "la", "la_name", "region", "trust", "trust_code", "phase", "type",
              "selective", "faith"]


@dataclass
class TrendResult:
    """Tables of a trend run: .schools (one row per school and indicator: change, slope, breaks), .years (one
    row per school, indicator and year), .links (predecessor links the series use), .trust_schools and
    .trusts (before and after joining), .areas (D by year per LA and England) and a dict .meta."""

    schools: pd.DataFrame
    years: pd.DataFrame
    links: pd.DataFrame
    trust_schools: pd.DataFrame
    trusts: pd.DataFrame
    areas: pd.DataFrame
    meta: dict = field(default_factory=dict)

    TABLES = ("trend_schools", "trend_years", "trend_links", "trend_trust_schools", "trend_trusts", "trend_areas")

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name.removeprefix("trend_"))


def trend(wh, indicators=("fsm",), community="nearby-schools", years=ALL_YEARS, params=None, **filters) -> TrendResult:
    """Trends of INDICATORS under the community model COMMUNITY over the last YEARS census years (default all),
    with the filters of repaudit.audit (phase, region, la, trust, school_type, selective, faith)."""
    names = indicators_mod.parse(indicators)
    if any(indicators_mod.INDICATORS[n].private for n in names):
        raise RepauditError("trends are for published indicators (fsm, sen_support, ehcp): school-level CIN is "
                            "private and its small counts would need suppressing year by year")
    # one fresh audit on this connection (not a result kept from an earlier one): the series read its
    # working tables (audit_school_values)
    result = _audit_model(wh, indicators=names, community=community, years=years, params=params, **filters)
    general = settings.general(dict(params or {}))
    con = wh.con
    wanted = ATTRIBUTES + ["status", "exclusion_reason", "group_code", "group_name", "successor"]
    attributes = result.schools[[c for c in wanted if c in result.schools]]
    audited = attributes[attributes["status"] == "audited"]
    inherited = continuity.inherited_rows(con, audited["urn"].unique(), result.meta["indicators"])
    rows = series.per_year(result.by_year, attributes, inherited)
    links = continuity.links_used(con, inherited)
    schools = attributes.merge(series.summarise(rows), on=["urn", "indicator"], how="left")
    schools["continuity"] = continuity.structural_breaks(con, schools, links)
    joined = (links[links["spliced"]].groupby(["urn", "indicator"])["predecessor_urn"]
              .agg(lambda u: ",".join(str(int(v)) for v in sorted(set(u)))))
    schools["predecessors_joined"] = schools.set_index(["urn", "indicator"]).index.map(joined).fillna("")
    trust_schools, trust_table = trusts_mod.before_after(rows, attributes, trusts_mod.joined_dates(con))
    area_rows = areas_mod.by_year(rows, attributes, general["bootstrap_reps"], general["seed"])
    all_years = sorted({int(y) for y in rows["year"].unique()})
    meta = {
        "community_model": result.meta["community_model"],
        "indicators": result.meta["indicators"],
        "years": all_years,
        "years_by_indicator": result.meta["years_by_indicator"],
        "years_note": result.meta.get("years_note"),
        "filters": result.meta.get("filters"),
        "params": result.meta.get("params"),
        "vintages": result.meta.get("vintages"),
        "synthetic": result.meta.get("synthetic"),
        "notes": result.meta.get("notes", []),
        "conversions": continuity.conversions(con, rows, all_years[0], all_years[-1]) if all_years else {},
        "definition_breaks": [{"name": b.name, "indicators": list(b.indicators), "before": b.before,
                               "after": b.after, "text": b.text} for b in breaks.BREAKS],
        "excluded": int((attributes["status"] != "audited").sum()),
    }
    return TrendResult(schools.reset_index(drop=True), rows, links, trust_schools, trust_table, area_rows, meta)
