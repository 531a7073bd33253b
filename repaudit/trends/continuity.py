"""Series that follow the school, not the URN (METHODS §4, §9): the audit carries a predecessor's counts over
to its successor through GIAS links (queries/school_values.sql); here the links a series used are written out,
and a series that cannot be joined honestly says why instead of splicing: a merger of several schools (their
summed counts are dropped from the series), a split, a closure without successor."""
from __future__ import annotations

import datetime as dt

import pandas as pd

CENSUS_DAY = (1, 18)           # about the third Thursday of January: the day a year's census counts


def census_date(year: int) -> dt.date:
    """The January census day of academic year YEAR (2022 -> about 18 January 2023)."""
    return dt.date(int(year) + 1, *CENSUS_DAY)


def inherited_rows(con, urns, indicators) -> pd.DataFrame:
    """Rows of the audit's school values carried over from predecessors: urn, indicator, year, inherited_from,
    predecessors (the number of schools summed)."""
    rows = con.execute("select urn, indicator, year, inherited_from, predecessors from audit_school_values "
                       "where inherited_from is not null").df()
    return rows[rows["urn"].isin(list(urns)) & rows["indicator"].isin(list(indicators))].reset_index(drop=True)


def links_used(con, inherited: pd.DataFrame) -> pd.DataFrame:
    """One row per school, indicator and predecessor whose counts the series carries: the GIAS link (type and
    date, when direct) and the years carried; `spliced` is False for mergers of several schools (not used)."""
    if inherited.empty:
        return pd.DataFrame(columns=["urn", "indicator", "predecessor_urn", "link_type", "link_date", "years",
                                     "predecessors", "spliced"])
    grouped = (inherited.groupby(["urn", "indicator", "inherited_from"])
               .agg(years=("year", lambda y: ",".join(str(v) for v in sorted(y))),
                    predecessors=("predecessors", "max")).reset_index()
               .rename(columns={"inherited_from": "predecessor_urn"}))
    links = con.execute("""
        select urn as successor, link_urn as predecessor, link_type, link_date from school_links
        where link_type ilike 'predecessor%'
        union all
        select link_urn, urn, link_type, link_date from school_links where link_type ilike 'successor%'""").df()
    links = links.sort_values(["successor", "predecessor", "link_type"]).drop_duplicates(["successor", "predecessor"])
    out = grouped.merge(links, left_on=["urn", "predecessor_urn"], right_on=["successor", "predecessor"], how="left")
    out["link_type"] = out["link_type"].fillna("through an intermediate school (GIAS links, several steps)")
    out["spliced"] = out["predecessors"] <= 1
    return out[["urn", "indicator", "predecessor_urn", "link_type", "link_date", "years", "predecessors", "spliced"]]


def structural_breaks(con, schools: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """Per urn of SCHOOLS (result rows with urn and exclusion_reason), what interrupts its series: a merger of
    several schools, a split, a closure; '' when nothing does."""
    notes: dict[int, list[str]] = {}
    for row in links[~links["spliced"]].itertuples():
        notes.setdefault(int(row.urn), []).append(
            f"merger of {int(row.predecessors)} schools: their years {row.years} are not joined to this series")
    splits = con.execute("""select urn, link_urn, link_date from school_links
                            where link_type ilike 'predecessor%split%'""").df()
    for row in splits.itertuples():
        when = f" ({row.link_date:%d-%m-%Y})" if pd.notna(row.link_date) else ""
        notes.setdefault(int(row.urn), []).append(f"split from URN {int(row.link_urn)}{when}: earlier years not joined")
    closed = schools["exclusion_reason"].fillna("").str.contains("closed")
    successors = schools["successor"] if "successor" in schools else pd.Series(None, index=schools.index)
    for urn, successor in zip(schools.loc[closed, "urn"], successors[closed]):
        notes.setdefault(int(urn), []).append(
            f"closed: its series continues under its successor URN {int(successor)}" if pd.notna(successor)
            else "closed with no successor in GIAS links: the series ends")
    return schools["urn"].map(lambda u: "; ".join(dict.fromkeys(notes.get(int(u), [])))).fillna("")


def conversions(con, series: pd.DataFrame, first_year: int, last_year: int) -> dict:
    """Schools that became academies between the census of FIRST_YEAR and that of LAST_YEAR (a plain GIAS
    'Predecessor' link dated in between, the successor an academy): how many have an FSM series in the trend,
    and how many of those continue across the conversion (years both before and after the link date)."""
    converted = con.execute("""
        select distinct l.urn, l.link_urn as predecessor, l.link_date from school_links l
        join schools s on s.urn = l.urn
        where l.link_type = 'Predecessor' and l.link_date > ? and l.link_date <= ?
          and (s.type_group ilike '%academ%' or s.type ilike '%academ%' or s.type ilike '%free school%')""",
        [census_date(first_year), census_date(last_year)]).df()
    converted["link_date"] = pd.to_datetime(converted["link_date"])
    fsm = series.loc[(series["indicator"] == "fsm") & series["in_series"], ["urn", "year"]].drop_duplicates()
    fsm["census"] = pd.to_datetime({"year": fsm["year"] + 1, "month": CENSUS_DAY[0], "day": CENSUS_DAY[1]})
    both = converted.merge(fsm, on="urn")
    sides = both.assign(before=both["census"] < both["link_date"], after=both["census"] >= both["link_date"]) \
        .groupby("urn")[["before", "after"]].any()
    continues = sides["before"] & sides["after"]
    return {"converted_since": first_year, "converted_until": last_year,
            "converted_with_series": int(len(sides)), "series_continues": int(continues.sum()),
            "not_continued_urns": sorted(int(u) for u in sides.index[~continues])[:20]}
