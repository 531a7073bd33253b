"""Each school's demand from the applications and offers loaded (`repaudit load admissions`): the one reader of
`school_admissions`, shared by the simulator's markets and the fitted community model."""
from __future__ import annotations

import pandas as pd

from . import sql


def school_demand(con, phase: str = "Secondary", year: int | None = None):
    """Per school of PHASE (queries/school_demand.sql): its places (places offered in YEAR where at least as many
    put it first, so it filled; else the most offered in YEAR and the two years before, since offers fall short of
    the admission number where a school is undersubscribed) and the times it was put 1st, 2nd, 3rd and at any rank
    in YEAR (default the latest loaded); the preferences each LA allowed in YEAR (the most common value among its
    schools). (None, None, None) when nothing is loaded. Of these two estimates of next year's places at schools
    that fill, the first is the closer (entries 2019 to 2021: bias +0.2 to +0.4%, against +2.3 to +3.0% for the
    most of three years). A school closed since (an academy conversion gives a new URN) counts for its one open
    successor (GIAS links) unless the successor has its own row that year."""
    if not con.execute("SELECT count(*) FROM school_admissions").fetchone()[0]:
        return None, None, None
    latest = con.execute("SELECT max(year) FROM school_admissions WHERE phase ILIKE ?", [phase]).fetchone()[0]
    if latest is None or pd.isna(latest):
        return None, None, None
    year = int(latest if year is None else year)
    demand = sql.run(con, "school_demand", phase=phase, year=year).df()
    prefs = con.execute(
        """SELECT la_code, preferences, count(*) AS n FROM school_admissions
           WHERE phase ILIKE ? AND year = ? AND preferences IS NOT NULL GROUP BY la_code, preferences""",
        [phase, year]).df()
    prefs = prefs.sort_values(["la_code", "n", "preferences"], ascending=[True, False, True]).drop_duplicates("la_code")
    return demand, year, prefs.set_index("la_code")["preferences"].astype(int)
