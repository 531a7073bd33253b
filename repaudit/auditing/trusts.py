"""Trusts ranked by how representative their schools' intakes are (METHODS §4), with each LA's
maintained schools as a comparison group.

Per trust, indicator and model, over its audited schools: pupils; observed = sum pupils x school rate;
expected = sum pupils x community rate; gap_pp = 100 (observed - expected) / pupils (the pupil-weighted
gap); shortfall = expected - observed; pooled z = (observed - expected) / sqrt(sum pupils p_c (1-p_c)) (the
plain binomial z); z_adjusted adds the between-school variance of the default flag (sum pupils^2 tau_i^2 for
the additive allowance, tau_i = tau (dp/dg at the school's community rate) taking tau from its scale to
percentage points; phi times the variance for the multiplicative one) and ranks the trusts;
n_below and share_below = schools below the lower 95% funnel limit (the default `flag`). Trusts with
fewer than `min_schools` audited schools are listed but not ranked.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from . import scales, stats

STALE_DAYS = 180            # group links this much older than GIAS are worth a warning

COLUMNS = ["trust_code", "trust_name", "indicator", "community_model", "schools", "pupils", "observed", "expected",
           "gap_pp", "shortfall", "z", "z_adjusted", "n_below", "share_below", "ranked", "comparison"]


def _between_school_variance(rows: pd.DataFrame, dispersion: dict) -> pd.Series:
    """Per school, the variance its count gains from the over-dispersion allowance of its indicator and phase."""
    extra = pd.Series(0.0, index=rows.index)
    for (indicator, phase), part in rows.groupby(["indicator", "phase"]):
        est = (dispersion.get(indicator) or {}).get(phase) or {}
        if est.get("mode") == "additive" and est.get("tau2"):
            slope = scales.slope(est.get("scale", "raw"), part["community_rate"].to_numpy(float))
            extra[part.index] = part["pupils"] ** 2 * slope ** 2 * est["tau2"]
        elif est.get("mode") == "multiplicative":
            extra[part.index] = part["variance"] * (max(1.0, est["phi"] or 1.0) - 1.0)
    return extra


def rank(schools: pd.DataFrame, min_schools: int = 3, dispersion: dict | None = None) -> pd.DataFrame:
    """The trust table from the audited rows of SCHOOLS (which carry group_code and group_name);
    DISPERSION: the estimates of repaudit/auditing/dispersion.py ({indicator: {phase: {...}}})."""
    rows = schools[(schools["status"] == "audited") & schools["group_code"].notna()].copy()
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows["observed"] = rows["pupils"] * rows["school_rate"]
    rows["expected"] = rows["pupils"] * rows["community_rate"]
    rows["variance"] = rows["pupils"] * rows["community_rate"] * (1 - rows["community_rate"])
    rows["variance_adjusted"] = rows["variance"] + _between_school_variance(rows, dispersion or {})
    rows["below"] = rows["flag"].isin(["below_95", "below_998"])
    g = rows.groupby(["group_code", "indicator", "community_model"], dropna=False)
    out = g.agg(trust_name=("group_name", "first"), schools=("urn", "count"), pupils=("pupils", "sum"),
                observed=("observed", "sum"), expected=("expected", "sum"), variance=("variance", "sum"),
                variance_adjusted=("variance_adjusted", "sum"),
                n_below=("below", "sum")).reset_index().rename(columns={"group_code": "trust_code"})
    out["gap_pp"] = 100.0 * (out["observed"] - out["expected"]) / out["pupils"]
    out["shortfall"] = (out["expected"] - out["observed"]).round()
    out["z"] = stats.pooled_z(out["observed"], out["expected"], out["variance"])
    out["z_adjusted"] = stats.pooled_z(out["observed"], out["expected"], out["variance_adjusted"])
    out["share_below"] = out["n_below"] / out["schools"]
    out["ranked"] = out["schools"] >= min_schools
    out["comparison"] = out["trust_code"].astype(str).str.startswith("LA-")
    out = out.sort_values(["indicator", "ranked", "z_adjusted"], ascending=[True, False, True], na_position="last")
    out["n_below"] = out["n_below"].astype(int)
    return out[COLUMNS].reset_index(drop=True)


def ranking(trusts: pd.DataFrame, indicator: str, include_comparison: bool = True) -> pd.DataFrame:
    """Ranked trusts for one indicator, least representative (lowest adjusted pooled z) first."""
    out = trusts[(trusts["indicator"] == indicator) & trusts["ranked"]]
    if not include_comparison:
        out = out[~out["comparison"]]
    return out.sort_values("z_adjusted", na_position="last").reset_index(drop=True)


def _gias_date(con) -> tuple[dt.date, str] | None:
    """The date of the latest GIAS establishments file loaded (from its vintage, YYYYMMDD) and its name."""
    rows = con.execute("""select vintage, source_file from schools where vintage is not null
                          group by all order by vintage desc""").fetchall()
    for vintage, source_file in rows:
        found = re.search(r"(20\d{2})(\d{2})(\d{2})", str(vintage))
        if found:
            try:
                return dt.date(*map(int, found.groups())), source_file
            except ValueError:
                continue
    return None


def vintage_notes(con) -> list[str]:
    """A warning when the GIAS group links (school -> trust) are much older than GIAS itself: schools
    that joined or changed trust since then are placed by their census trust name, matched to the GIAS
    trust code by name where the name is known."""
    gias = _gias_date(con)
    links = con.execute("""select max(joined_date), min(source_file) from trust_membership
                           where group_type in ('Multi-academy trust', 'Single-academy trust')
                             and joined_date < current_date""").fetchone()
    if gias is None or links[0] is None:
        return []
    links_date = links[0] if isinstance(links[0], dt.date) else pd.Timestamp(links[0]).date()
    days = (gias[0] - links_date).days
    if days <= STALE_DAYS:
        return []
    return [f"trusts: the GIAS group links ({links[1]}, latest joined date {links_date.isoformat()}) are "
            f"{days / 365.25:.1f} years older than GIAS ({gias[1]}, {gias[0].isoformat()}); schools that joined "
            "or changed trust since are placed by their census trust name (merged into the GIAS trust code when "
            "the name is known): load a recent group-links file (`repaudit load gias-groups FILE`)"]
