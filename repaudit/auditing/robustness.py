"""How much each school's result depends on the community model, and how certain its rank is
(docs/methodology.md, "Model robustness").

Across models: the same schools are audited with every public community model the warehouse's data allow
(one audit per model, each memoised for the process, so comparing models or auditing with several of them
in turn computes each model once); per school and indicator, `models_run` counts the models under which it
was audited, `models_flagged` those that put it below the lower 95% funnel limit (the audit's own `flag`),
`models_below` names them, and `gap_min_pp` / `gap_max_pp` are the lowest and highest gap across them.

Rank interval: REPS draws of every audited school's gap from its empirical-Bayes posterior
N(gap_shrunk, sd^2) (sd from the 95% posterior interval), ranked as the audit ranks (lowest first, per
indicator); `rank_low` / `rank_high` are the 2.5% and 97.5% points of each school's simulated ranks.
"""
from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RepauditError
from .stats import Z95

COLUMNS = ["models_run", "models_flagged", "models_below", "gap_min_pp", "gap_max_pp"]
RANK_COLUMNS = ["rank_low", "rank_high"]
MOST = "more than half"             # the share of models_run a school must be flagged under to be named
_MEMO: dict = {}
_MEMO_SIZE = 12


def signature(wh) -> tuple | None:
    """What identifies the warehouse's contents for the memo: its file, modification time, size and load log;
    None (no memo) for a warehouse in memory or open for writing, whose contents may change under it."""
    path = getattr(wh, "path", ":memory:")
    readonly = wh.con.execute("select current_setting('access_mode')").fetchone()[0]
    if path == ":memory:" or str(readonly).lower() != "read_only" or not Path(path).exists():
        return None
    stat = Path(path).stat()
    log = wh.con.execute("select count(*), max(loaded_at)::varchar from load_log").fetchone()
    return (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size, *log)


def param_key(params: dict) -> tuple:
    """PARAMS for the memo key: each value as text and, for a value naming a file (a fitted model's JSON),
    a digest of the file's contents, so a file rewritten under the same name is not taken for the old one."""
    def state(value):
        try:
            path = Path(str(value))
            return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        except (OSError, ValueError):
            return None
    return tuple(sorted((k, str(v), state(v)) for k, v in params.items()))


def memoised(key: tuple, compute, copied: bool = True):
    """The AuditResult for KEY, computed once per process; computed afresh when KEY is None (a warehouse
    whose contents may change). A copy is returned, so callers may change it, unless not COPIED (for a
    caller that only reads it). A model the data do not allow fails once: its error is kept and raised again."""
    if key is None:
        return compute()
    if key not in _MEMO:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        try:
            _MEMO[key] = compute()
        except RepauditError as exc:
            _MEMO[key] = exc
    entry = _MEMO[key]
    if isinstance(entry, RepauditError):
        raise entry
    return copy.deepcopy(entry) if copied else entry


def is_below(flags: pd.Series) -> pd.Series:
    """True where a funnel flag says the school is below the lower 95% limit (below_95 or below_998)."""
    return flags.fillna("").astype(str).str.startswith("below")


def across_models(schools: pd.DataFrame, chosen: str, others: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """SCHOOLS (the chosen model's rows) with COLUMNS from its own result and OTHERS {model: schools}:
    every model's audited rows of the same (urn, indicator) are counted once."""
    frames = [schools.assign(_model=chosen)] + [frame.assign(_model=name) for name, frame in others.items()]
    rows = pd.concat([f.loc[f["status"] == "audited", ["urn", "indicator", "flag", "gap_pp", "_model"]]
                      for f in frames], ignore_index=True)
    rows["_below"] = is_below(rows["flag"])
    grouped = rows.groupby(["urn", "indicator"], sort=False)
    summary = pd.DataFrame({
        "models_run": grouped["_model"].size(),
        "models_flagged": grouped["_below"].sum(),
        "gap_min_pp": grouped["gap_pp"].min(),
        "gap_max_pp": grouped["gap_pp"].max(),
    })
    below = rows[rows["_below"]].sort_values("_model")
    summary["models_below"] = below.groupby(["urn", "indicator"], sort=False)["_model"].agg(";".join)
    summary["models_below"] = summary["models_below"].fillna("")
    summary = summary.reset_index()
    out = schools.drop(columns=[c for c in COLUMNS if c in schools]).merge(summary, on=["urn", "indicator"],
                                                                          how="left")
    out["models_run"] = out["models_run"].fillna(0).astype(int)
    out["models_flagged"] = out["models_flagged"].fillna(0).astype(int)
    out["models_below"] = out["models_below"].where(out["models_run"] > 0, None)
    return out


def flagged_by_most(rows: pd.DataFrame) -> pd.Series:
    """True where a school is below the lower 95% limit under more than half of the models run."""
    if "models_flagged" not in rows or "models_run" not in rows:
        return pd.Series(True, index=rows.index)
    run = pd.to_numeric(rows["models_run"], errors="coerce")
    return (2 * pd.to_numeric(rows["models_flagged"], errors="coerce") > run) & (run > 0)


def run_all(audit_model, chosen: str, names: list[str], step=None) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Audit with each model of NAMES but CHOSEN through AUDIT_MODEL(name); the schools of those that run
    and, for the others, why the data do not allow them. STEP(name), when given, is called as each starts
    (a progress bar)."""
    done, skipped = {}, {}
    for name in names:
        if name == chosen:
            continue
        if step is not None:
            step(name)
        try:
            done[name] = audit_model(name).schools
        except RepauditError as exc:
            skipped[name] = str(exc)
    return done, skipped


def rank_interval(schools: pd.DataFrame, reps: int, seed: int, level: float = 0.95) -> pd.DataFrame:
    """SCHOOLS with rank_low and rank_high: the LEVEL interval of each audited school's rank over REPS draws
    of its gap from N(gap_shrunk_pp, sd^2), sd = (posterior high - low) / (2 x 1.96); ranks run per indicator,
    1 = lowest gap, as the audit's `rank` (equal draws, as when tau is 0, keep the rank's order).
    Seeded: the same table and SEED give the same intervals."""
    out = schools.copy()
    low, high = np.full(len(out), np.nan), np.full(len(out), np.nan)
    needed = {"gap_shrunk_pp", "gap_shrunk_posterior95_low_pp", "gap_shrunk_posterior95_high_pp", "rank"}
    if reps > 0 and needed <= set(out.columns):
        rng = np.random.default_rng([seed, 2])
        ranked = (out["status"] == "audited").to_numpy() & out["rank"].notna().to_numpy()
        alpha = (1.0 - level) / 2.0
        for indicator in sorted(out.loc[ranked, "indicator"].astype(str).unique()):
            at = np.flatnonzero(ranked & (out["indicator"].astype(str) == indicator).to_numpy())
            at = at[np.argsort(out["rank"].to_numpy(dtype=float)[at], kind="stable")]   # ties keep the rank's order
            mean = out["gap_shrunk_pp"].to_numpy(dtype=float)[at]
            sd = (out["gap_shrunk_posterior95_high_pp"].to_numpy(dtype=float)[at]
                  - out["gap_shrunk_posterior95_low_pp"].to_numpy(dtype=float)[at]) / (2 * Z95)
            sd = np.where(np.isfinite(sd), sd, 0.0)
            ranks = np.empty((reps, len(at)), dtype=np.int32)
            for first in range(0, reps, 50):
                draws = mean + sd * rng.standard_normal((min(50, reps - first), len(at)))
                order = np.argsort(draws, axis=1, kind="stable")
                np.put_along_axis(ranks[first:first + len(draws)], order,
                                  np.arange(1, len(at) + 1, dtype=np.int32)[None, :], axis=1)
            low[at] = np.quantile(ranks, alpha, axis=0, method="lower")
            high[at] = np.quantile(ranks, 1.0 - alpha, axis=0, method="higher")
    out["rank_low"], out["rank_high"] = low, high
    return out


def words(row) -> str | None:
    """'below its community under 4 of 5 ways of measuring it (community models)', or None without counts."""
    run = row.get("models_run")
    flagged = row.get("models_flagged")
    if run is None or flagged is None or pd.isna(run) or pd.isna(flagged) or int(run) == 0:
        return None
    run, flagged = int(run), int(flagged)
    if run == 1:
        return ("below its community under the one way of measuring it the data allow" if flagged else
                "not below its community under the one way of measuring it the data allow")
    if flagged == 0:
        return f"below its community under none of {run} ways of measuring it"
    return f"below its community under {flagged} of {run} ways of measuring it"
