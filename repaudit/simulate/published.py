"""What happened in a synthetic LA's demand year, as facts for `--facts published`: per school of the LA, and
for the LA's schools together, the share of first-preference applicants offered their first preference
(school-level applications and offers). The cohort is built from the same year's applications and places;
the offers are never used, so this is a check on data the model did not see."""
from __future__ import annotations

import pandas as pd

from ..errors import RepauditError

KEYWORD = "published"


def published_facts(wh, game, phase: str = "Secondary") -> pd.DataFrame:
    """Facts (urn, metric, value, source; urn 0 = all the LA's schools of that year) for GAME's LA and
    demand year; per school only for the schools of the game."""
    year, la = game.meta.get("demand_year"), (game.meta.get("la") or {}).get("code")
    if not game.meta.get("synthetic") or year is None or la is None:
        raise RepauditError(f"--facts {KEYWORD} needs a synthetic LA cohort built from applications and offers "
                            "(--synthetic --la NAME with `repaudit load admissions` in the warehouse)")
    rows = wh.df("""SELECT urn, times_first, first_pref_offers FROM school_admissions
                    WHERE year = ? AND la_code = ? AND phase ILIKE ? AND times_first > 0
                      AND first_pref_offers IS NOT NULL ORDER BY urn""", [year, la, phase])
    source = f"applications and offers, entry {year}"
    out = [{"urn": 0, "metric": "first_pref_rate", "value": rows["first_pref_offers"].sum() / rows["times_first"].sum(),
            "source": f"{source}, the LA's {len(rows)} schools"}] if len(rows) else []
    mine = rows[rows["urn"].isin({int(u) for u in game.schools.urn})]
    out += [{"urn": int(r.urn), "metric": "first_pref_rate", "value": min(r.first_pref_offers / r.times_first, 1.0),
             "source": source} for r in mine.itertuples()]
    return pd.DataFrame(out, columns=["urn", "metric", "value", "source"])
