"""The residence check (`repaudit validate --flows FILE`): each community model against where the schools'
pupils actually live. The residence-based community of a school is the `flows` model's: its pupils' home
LSOAs, weighted by how many come from each, joined to LSOA rates (the flows' own counts when they carry
the indicator, else calibrated IDACI for FSM). Over the schools both audit, per model: the correlation and
mean absolute error of its community rate and of its gaps against the residence-based ones, and the
grammar (selective) schools' mean gap under the model and under residence.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, RepauditError
from . import models as models_mod
from .run import audit

COLUMNS = ["community_model", "schools", "rate_correlation", "rate_mae_pp", "gap_correlation", "gap_mae_pp",
           "grammar_schools", "grammar_mean_gap_pp", "residence_grammar_mean_gap_pp", "note"]
PUBLIC = ("la", "nearby-schools", "nearby-primaries", "residential", "proximity", "fitted")


def compare(results: dict, residence: pd.DataFrame, failed: dict | None = None) -> pd.DataFrame:
    """RESULTS {model: audited rows (urn, community_rate, gap_pp, selective)} against RESIDENCE (the same
    columns under the flows model): one row of COLUMNS per model, over the schools both audit."""
    truth = residence.set_index("urn")
    rows = []
    for name, rows_model in results.items():
        m = rows_model.set_index("urn")
        common = m.index.intersection(truth.index)
        rate_m, rate_r = m.loc[common, "community_rate"].astype(float), truth.loc[common, "community_rate"].astype(float)
        gap_m, gap_r = m.loc[common, "gap_pp"].astype(float), truth.loc[common, "gap_pp"].astype(float)
        grammar = truth.loc[common, "selective"].fillna(False).astype(bool)
        enough = len(common) > 2
        rows.append({"community_model": name, "schools": len(common),
                     "rate_correlation": float(rate_m.corr(rate_r)) if enough else np.nan,
                     "rate_mae_pp": float(100 * (rate_m - rate_r).abs().mean()) if len(common) else np.nan,
                     "gap_correlation": float(gap_m.corr(gap_r)) if enough else np.nan,
                     "gap_mae_pp": float((gap_m - gap_r).abs().mean()) if len(common) else np.nan,
                     "grammar_schools": int(grammar.sum()),
                     "grammar_mean_gap_pp": float(gap_m[grammar].mean()) if grammar.any() else np.nan,
                     "residence_grammar_mean_gap_pp": float(gap_r[grammar].mean()) if grammar.any() else np.nan,
                     "note": ""})
    rows += [{"community_model": name, "schools": 0, "note": note} for name, note in (failed or {}).items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def use_flows_file(wh, path, year: int | None) -> str:
    """Read a residence-flows FILE with the flows loader's checks and make it this connection's `flows`
    (a temporary table that hides the warehouse's own, which stays as it was). A one-line description."""
    from ..sources import flows

    try:
        loaded = flows.read(Path(path), year=year)
    except InputFileError as exc:
        raise RepauditError(str(exc).replace("--year", "--flows-year")) from None
    frame = loaded.tables[0].frame
    if frame.empty:
        raise RepauditError(f"{path}: no usable residence flows ({loaded.rows_read:,} rows read, "
                            f"{len(loaded.rejects):,} rejected)")
    wh.con.register("_flows_file", frame)
    wh.con.execute("create or replace temp table flows as select * from _flows_file")
    wh.con.unregister("_flows_file")
    return (f"{Path(path).name}: {len(frame):,} flows of {frame['urn'].nunique():,} schools"
            + (f" ({len(loaded.rejects):,} rows rejected)" if len(loaded.rejects) else ""))


def residence_check(wh, indicator: str = "fsm", community=None, phase: str | None = "secondary", params=None,
                    **filters) -> pd.DataFrame:
    """Audit INDICATOR under the flows model and each model of COMMUNITY (default: the public models) and
    `compare` them over the schools the flows cover."""
    from .validation import _params_for

    params = dict(params or {})
    residence = audit(wh, indicators=[indicator], community="flows", phase=phase,
                      params=_params_for(models_mod.get("flows"), params), **filters).audited(indicator)
    if residence.empty:
        raise RepauditError("the residence check needs schools with residence flows and community rates: none of "
                            "the schools in the flows file could be audited under the flows model")
    results, failed = {}, {}
    for name in list(community or PUBLIC):
        if name == "flows":
            continue
        try:
            results[name] = audit(wh, indicators=[indicator], community=name, phase=phase,
                                  params=_params_for(models_mod.get(name), params), **filters).audited(indicator)
        except RepauditError as exc:
            failed[name] = f"not run: {exc}"
    return compare(results, residence, failed)


def summary(table: pd.DataFrame, described: str = "") -> str:
    """The residence check as text for the terminal."""
    from .tables import text_table

    fmt = lambda v, f: "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, f)  # noqa: E731
    body = text_table(
        ["model", "schools", "rate corr.", "rate MAE pp", "gap corr.", "gap MAE pp", "grammar", "grammar gap pp",
         "by residence pp", "note"],
        [[r.community_model, fmt(r.schools, ".0f"), fmt(r.rate_correlation, ".3f"), fmt(r.rate_mae_pp, ".2f"),
          fmt(r.gap_correlation, ".3f"), fmt(r.gap_mae_pp, ".2f"), fmt(r.grammar_schools, ".0f"),
          fmt(r.grammar_mean_gap_pp, "+.1f"), fmt(r.residence_grammar_mean_gap_pp, "+.1f"),
          r.note if isinstance(r.note, str) else ""] for r in table.itertuples()], "lrrrrrrrrl")
    return ("Checked against where pupils live" + (f" ({described})" if described else "") + ": each model's "
            "community rate and gap against the residence-based community (the schools' pupils' home LSOAs), "
            f"over the schools both audit:\n{body}\n")
