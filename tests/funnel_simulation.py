"""Simulate the random-effects model of docs/methodology.md §4.1 exactly and flag the simulated schools
with the audit's own code (repaudit.auditing.dispersion.apply).

Each school keeps its pupils n and community rate t; its true rate is expit(logit(t) + tau u) with
u ~ N(0, 1), and its count is Binomial(n, true rate). The share of schools below the lower 95% limit is
then what the method gives when its model holds."""
from __future__ import annotations

import numpy as np
import pandas as pd

from repaudit.auditing import dispersion

BANDS = [0.0, 0.10, 0.20, 0.30, 0.40, 1.01]
LABELS = ["under 10%", "10-20%", "20-30%", "30-40%", "40% and over"]


def simulate(pupils, community_rate, tau, reps, seed=0, scale="logit", mode="additive") -> pd.DataFrame:
    """Per replicate and band of community rate: schools and the share below the lower 95% limit."""
    rng = np.random.default_rng(seed)
    n = np.maximum(1, np.rint(np.asarray(pupils, float))).astype(int)
    t = np.asarray(community_rate, float)
    band = pd.cut(t, BANDS, labels=LABELS, right=False)
    out = []
    for rep in range(reps):
        true = 1.0 / (1.0 + np.exp(-(np.log(t / (1 - t)) + tau * rng.standard_normal(len(t)))))
        rate = rng.binomial(n, true) / n
        table = pd.DataFrame({"urn": np.arange(len(t)), "status": "audited", "indicator": "fsm", "phase": "p",
                              "pupils": n.astype(float), "school_rate": rate, "community_rate": t, "z": 0.0})
        flagged, _ = dispersion.apply(table, mode, scale)
        below = flagged["flag"].isin(["below_95", "below_998"]).to_numpy()
        far = (flagged["flag"] == "below_998").to_numpy()
        frame = pd.DataFrame({"band": band, "below": below, "far": far})
        shares = frame.groupby("band", observed=False).agg(size=("below", "size"), mean=("below", "mean"),
                                                           far=("far", "mean")).reset_index()
        out.append(shares.assign(rep=rep))
        out.append(pd.DataFrame({"band": ["all"], "size": [len(t)], "mean": [below.mean()], "far": [far.mean()],
                                 "rep": [rep]}))
    return pd.concat(out, ignore_index=True)


def summary(simulated: pd.DataFrame, column: str = "mean") -> pd.Series:
    """Mean share below the lower 95% limit (%) per band over the replicates (COLUMN 'far': below 99.8%)."""
    return 100 * simulated.groupby("band", observed=False)[column].mean()
