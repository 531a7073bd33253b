"""`repaudit validate`: audit the same schools under every community model and compare the results, so a
user sees which conclusions survive the choice of model (docs/methodology.md, "Comparing models").

Per model: schools audited, the share flagged below the lower 95% limit (default flag and plain binomial),
phi and tau per phase, and the mean gap of grammar (selective) schools and of the others. Per pair of
models, over the schools both audit: the correlation of their gaps (Pearson) and of their ranks
(Spearman), and how many schools are flagged below the lower 95% limit by one model and not the other.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..errors import RepauditError
from . import models as models_mod, settings
from .dispersion import tau_text
from .run import audit

BELOW = ("below_95", "below_998")
MODEL_COLUMNS = ["community_model", "audited", "share_below_95", "share_below_95_beyond_chance", "phi", "tau",
                 "grammar_schools", "grammar_mean_gap_pp", "other_mean_gap_pp", "note"]
PAIR_COLUMNS = ["model_a", "model_b", "schools", "gap_correlation", "rank_correlation", "flagged_by_both",
                "flagged_by_a_only", "flagged_by_b_only", "change_flag"]


def compare_models(wh, indicator: str = "fsm", community=None, phase: str | None = "secondary", params=None,
                   **filters) -> dict:
    """Audit INDICATOR with each model of COMMUNITY (default: every registered model) and compare them
    (`compare_results`); a model that cannot run on the loaded data is listed with the reason."""
    results, failed = {}, {}
    params = dict(params or {})
    for name in list(community or models_mod.names()):
        try:
            results[name] = audit(wh, indicators=[indicator], community=name, phase=phase,
                                  params=_params_for(models_mod.get(name), params), **filters)
        except RepauditError as exc:
            failed[name] = f"not run: {exc}"
    out = compare_results(results, indicator, failed)
    out["meta"].update({"phase": phase, "filters": filters})
    return out


def _params_for(model, params: dict) -> dict:
    """The PARAMS that MODEL knows (its own, possibly prefixed, and the audit-wide settings): a parameter
    of another model (k of nearby-schools) does not stop the comparison."""
    known = {p.name for p in model.params} | set(settings.GENERAL)
    return {k: v for k, v in params.items() if k in known or k.split(".", 1)[-1] in known}


def compare_results(results: dict, indicator: str = "fsm", failed: dict | None = None) -> dict:
    """Compare audits of the same schools, RESULTS {model name: AuditResult}, on INDICATOR. Returns
    {'models': DataFrame (MODEL_COLUMNS), 'pairs': DataFrame (PAIR_COLUMNS), 'meta': dict}."""
    audited, rows, years, phase = {}, [], None, None
    for name, result in results.items():
        years = years or result.meta["years_by_indicator"].get(indicator)
        phase = phase or result.meta.get("phase")
        a = result.audited(indicator)
        if a.empty:
            reasons = result.schools["exclusion_reason"].value_counts()
            rows.append({"community_model": name, "audited": 0,
                         "note": f"no school audited ({reasons.index[0] if len(reasons) else 'no schools'})"})
            continue
        audited[name] = a.set_index("urn")
        rows.append(_model_row(name, a, result.meta["overdispersion"].get(indicator) or {}))
    rows += [{"community_model": name, "audited": 0, "note": note} for name, note in (failed or {}).items()]
    pairs = [_pair_row(a, b, audited[a], audited[b]) for a, b in itertools.combinations(audited, 2)]
    return {"models": pd.DataFrame(rows, columns=MODEL_COLUMNS), "pairs": pd.DataFrame(pairs, columns=PAIR_COLUMNS),
            "meta": {"indicator": indicator, "phase": phase, "years": years}}


def _model_row(name: str, a: pd.DataFrame, estimates: dict) -> dict:
    grammar = a[a["selective"]]
    number = lambda v, scale: "n/a" if v is None else f"{scale * v:.1f}"  # noqa: E731
    per_phase = lambda key, scale: "; ".join(f"{p} {number(e[key], scale)}" if len(estimates) > 1 else  # noqa: E731
                                             number(e[key], scale) for p, e in estimates.items())
    return {"community_model": name, "audited": len(a),
            "share_below_95": float(a["flag"].isin(BELOW).mean()),
            "share_below_95_beyond_chance": float(a["beyond_chance_flag"].isin(BELOW).mean()),
            "phi": per_phase("phi", 1),
            "tau": "; ".join(f"{p} {tau_text(e)}" if len(estimates) > 1 else tau_text(e)
                             for p, e in estimates.items()),
            "grammar_schools": len(grammar),
            "grammar_mean_gap_pp": float(grammar["gap_pp"].mean()) if len(grammar) else np.nan,
            "other_mean_gap_pp": float(a.loc[~a["selective"], "gap_pp"].mean()), "note": ""}


def _pair_row(name_a: str, name_b: str, a: pd.DataFrame, b: pd.DataFrame) -> dict:
    common = a.index.intersection(b.index)
    ga, gb = a.loc[common, "gap_pp"].astype(float), b.loc[common, "gap_pp"].astype(float)
    fa, fb = a.loc[common, "flag"].isin(BELOW), b.loc[common, "flag"].isin(BELOW)
    enough = len(common) > 2
    return {"model_a": name_a, "model_b": name_b, "schools": len(common),
            "gap_correlation": float(ga.corr(gb)) if enough else np.nan,
            "rank_correlation": float(a.loc[common, "gap_shrunk_pp"].rank().corr(
                b.loc[common, "gap_shrunk_pp"].rank())) if enough else np.nan,
            "flagged_by_both": int((fa & fb).sum()), "flagged_by_a_only": int((fa & ~fb).sum()),
            "flagged_by_b_only": int((~fa & fb).sum()), "change_flag": int((fa != fb).sum())}


def summary(validation: dict) -> str:
    """The comparison as text for the terminal."""
    from .indicators import INDICATORS, label_years
    from .tables import text_table

    meta, m, p = validation["meta"], validation["models"], validation["pairs"]
    fmt = lambda v, f: "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, f)  # noqa: E731
    head = (f"{INDICATORS[meta['indicator']].label}, {label_years(meta['years'] or [])}, "
            f"{meta['phase'] or 'all phases'}: the community models compared")
    models_text = text_table(
        ["model", "audited", "below 95%", "beyond chance", "phi", "tau", "grammar", "grammar gap pp",
         "others gap pp", "note"],
        [[r.community_model, fmt(r.audited, ".0f"), fmt(100 * r.share_below_95, ".1f") + "%" if r.audited else "",
          fmt(100 * r.share_below_95_beyond_chance, ".1f") + "%" if r.audited else "",
          r.phi if isinstance(r.phi, str) else "", r.tau if isinstance(r.tau, str) else "",
          fmt(r.grammar_schools, ".0f"), fmt(r.grammar_mean_gap_pp, "+.1f"), fmt(r.other_mean_gap_pp, "+.1f"),
          r.note if isinstance(r.note, str) else ""] for r in m.itertuples()], "lrrrrrrrrl")
    pairs_text = text_table(
        ["model A", "model B", "schools", "gap corr.", "rank corr.", "flagged by both", "A only", "B only",
         "change flag"],
        [[r.model_a, r.model_b, fmt(r.schools, ",.0f"), fmt(r.gap_correlation, ".3f"), fmt(r.rank_correlation, ".3f"),
          fmt(r.flagged_by_both, ".0f"), fmt(r.flagged_by_a_only, ".0f"), fmt(r.flagged_by_b_only, ".0f"),
          fmt(r.change_flag, ".0f")] for r in p.itertuples()], "llrrrrrrr")
    return (f"{head}\n\n{models_text}\n\nPairs of models, over the schools both audit (flag = below the lower 95% "
            f"limit allowing for over-dispersion):\n{pairs_text}\n")


FILES = ("validation_models.csv", "validation_pairs.csv", "validation_residence.csv")


def output_files(out) -> "OutputSet":
    """The output set of `repaudit validate --out OUT`, checked before any model runs."""
    from ..output_set import OutputSet
    return OutputSet(out, kind="validate", family=FILES)


def write(validation: dict, files) -> list:
    """Write the models and pairs tables (and the residence check, when run) as CSV into FILES (from
    `output_files`), all or nothing; no text cell
    can run as a spreadsheet formula."""
    from ..safe_text import for_csv
    with files:
        for name in ("models", "pairs", "residence"):
            if name in validation:
                for_csv(validation[name])[0].to_csv(files.path(f"validation_{name}.csv"), index=False)
    return files.written
