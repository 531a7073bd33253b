"""Trusts before and after each school joined (GIAS group links' joined date): a school's mean gap in the
census years before it joined and in those after, and per trust the inverse-variance weighted mean change
over its schools with years on both sides."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..auditing import stats
from .continuity import census_date


def joined_dates(con) -> pd.DataFrame:
    """urn, trust_code, joined_date from the group links (academy trusts only)."""
    return con.execute("""select urn, group_uid as trust_code, joined_date from trust_membership
                          where group_type in ('Multi-academy trust', 'Single-academy trust')
                            and joined_date is not null""").df()


def before_after(rows: pd.DataFrame, schools: pd.DataFrame, joined: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per school, per trust) tables of the mean gap before and after joining, with the change and its 95%
    interval; ROWS are the per-year rows of the series, SCHOOLS the audit's rows (urn, indicator, trust_code)."""
    members = schools[["urn", "indicator", "trust_code", "trust"]].dropna(subset=["trust_code"])
    members = members.merge(joined, on=["urn", "trust_code"])
    used = rows[rows["in_series"]].merge(members, on=["urn", "indicator"])
    if used.empty:
        return pd.DataFrame(), pd.DataFrame()
    used["after"] = [census_date(y) >= pd.Timestamp(d).date() for y, d in zip(used["year"], used["joined_date"])]
    side = used.groupby(["urn", "indicator", "trust_code", "trust", "joined_date", "after"]).agg(
        gap=("gap_pp", "mean"), var=("variance_pp2", "sum"), years=("year", "count"))
    side["var"] = side["var"] / side["years"] ** 2          # variance of a mean of independent years
    side = side.unstack("after")
    side = side[side[("years", True)].notna() & side[("years", False)].notna()]
    per_school = pd.DataFrame({
        "gap_before_pp": side[("gap", False)], "gap_after_pp": side[("gap", True)],
        "years_before": side[("years", False)].astype(int), "years_after": side[("years", True)].astype(int),
        "change_pp": side[("gap", True)] - side[("gap", False)],
        "change_se_pp": np.sqrt(side[("var", True)] + side[("var", False)]),
    }).reset_index()
    per_school["change_95_low_pp"] = per_school["change_pp"] - stats.Z95 * per_school["change_se_pp"]
    per_school["change_95_high_pp"] = per_school["change_pp"] + stats.Z95 * per_school["change_se_pp"]
    per_school["w"] = 1 / per_school["change_se_pp"] ** 2
    t = per_school.assign(wc=per_school["w"] * per_school["change_pp"]).groupby(["trust_code", "trust", "indicator"])
    per_trust = pd.DataFrame({"schools_before_and_after": t["urn"].count(),
                              "change_pp": t["wc"].sum() / t["w"].sum(),
                              "change_se_pp": 1 / np.sqrt(t["w"].sum())}).reset_index()
    per_trust["change_95_low_pp"] = per_trust["change_pp"] - stats.Z95 * per_trust["change_se_pp"]
    per_trust["change_95_high_pp"] = per_trust["change_pp"] + stats.Z95 * per_trust["change_se_pp"]
    return per_school.drop(columns="w"), per_trust
