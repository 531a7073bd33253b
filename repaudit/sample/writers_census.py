"""Explore-Education-Statistics-style files: SPC school level (2022/23 long names, three years),
SEN school level, and the LA-level children-in-need and 0-17 population tables."""
from __future__ import annotations

import numpy as np

from .census import ETHNIC_GROUPS, Detail
from .csvtext import csv_bytes, pct, slash_date
from .intake import Counts
from .model import Sample
from .region import (LA_CODE, LA_NAME, LA_ONS_CODE, PCON_CODE, PCON_NAME, REGION_CODE, REGION_NAME, WARD_CODE,
                     YEARS, time_period)
from .schools import TYPES, School
from .writers_gias import postcode

PHASE_GROUPING = {"Primary": "State-funded primary", "Secondary": "State-funded secondary",
                  "special": "State-funded special school", "independent": "Independent school"}
SPC_DESCRIPTIVE = [
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_name",
    "region_code", "urn", "old_la_code", "la_name", "new_la_code", "estab", "school_name", "laestab",
    "phase_type_grouping", "trust", "opendate", "sex_of_school_description", "typeofestablishment_name",
    "middle_school", "all_through_school", "hospital_school", "denomination", "admissions_policy",
    "district_administrative_code", "district_administrative_name", "parl_con_code", "parl_con_name",
    "ward_code", "ward_name", "urban_rural", "school_postcode", "academy_flag", "school_size",
]
YEAR_GROUPS = (["Early 1", "Early 2", "Nursery 1", "Nursery 2", "Reception"]
               + [f"Year group {n}" for n in range(1, 15)] + ["Year group Not followed"])
KEY_STAGES = [
    "Number of early year pupils (years E1 and E2)", "Number of nursery pupils (years N1 and N2)",
    "Number of reception pupils (year R)", "Number of key stage 1 pupils (years 1 and 2)",
    "Number of key stage 2 pupils (years 3 to 6)", "Number of key stage 3 pupils (years 7 to 9)",
    "Number of key stage 4 pupils (years 10 and 11)", "Number of key stage 5 pupils (years 12 to 14)",
    "Number of pupils not reception or key stage 1 to 5",
]
HEADCOUNTS = ["headcount total girls", "headcount total boys", "full time pupils", "part time pupils",
              "headcount of pupils", "fte pupils", "boy boarders", "girl boarders", "total boarders"]
FSM_COLUMNS = [
    "number of FSM eligible pupils taking a free school meal on census day",
    "% of FSM eligible pupils taking free school meals",
    "number of pupils known to be eligible for free school meals",
    "% of pupils known to be eligible for free school meals",
    "Number of pupils (used for FSM calculation in Performance Tables)",
    "number of pupils known to be eligible for free school meals (Performance Tables)",
    "% of pupils known to be eligible for free school meals (Performance Tables)",
    "Infants taken a free school meal on census day",
]
LANGUAGE = [
    "number of pupils of compulsory school age and above (rounded)",
    "number of pupils whose first language is known or believed to be English",
    "% of pupils whose first language is known or believed to be English",
    "number of pupils whose first language is known or believed to be other than English",
    "% of pupils whose first language is known or believed to be other than English",
    "number of pupils whose first language is unclassified", "% of pupils whose first language is unclassified",
    "number of pupils who are a young carer", "% of pupils who are a young carer",
    "number of dual subsidiary registrations",
]
SEN_HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
              "region_code", "region_name", "old_la_code", "new_la_code", "la_name", "URN", "School name",
              "phase_type_grouping", "type_of_establishment", "Total pupils", "SEN support", "EHC plan"]
CIN_HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
              "region_code", "region_name", "old_la_code", "new_la_code", "la_name", "category",
              "Anypoint_episodes", "Anypoint_child", "Started_episodes", "Started_child", "Ended_episodes",
              "Ended_child", "At31_episodes", "awaiting_assessment"]
CIN_RATIOS = (1.879, 1.751, 0.986, 0.923, 0.879, 0.830, 1.0, 0.0405)   # England 2025, relative to At31
POPULATION_HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
                     "region_code", "region_name", "old_la_code", "new_la_code", "la_name", "age_group",
                     "population_estimate"]


def _age_columns() -> list[str]:
    """The single-year-of-age columns, with the publication's own mix of 'part-time' and 'part time'."""
    cols = []
    for mode in ("part", "full"):
        cols += [f"{mode}-time girls aged {a}" for a in range(20)]
    for mode in ("part", "full"):
        cols += [f"{mode}{'-' if a in (3, 4) else ' '}time boys aged {a}" for a in range(20)]
    return cols


def _year_group_columns() -> list[str]:
    return [f"{mode} time {sex} {g}" for sex in ("girls", "boys") for mode in ("Part", "Full") for g in YEAR_GROUPS]


def _ethnicity_columns() -> list[str]:
    cols = []
    for group, _ in ETHNIC_GROUPS:
        if group == "unclassified":
            cols += ["number of pupils unclassified", "% of pupils unclassified"]
        else:
            cols += [f"number of pupils classified as {group} ethnic origin",
                     f"% of pupils classified as {group} ethnic origin"]
    return cols


SPC_HEADER = (SPC_DESCRIPTIVE + _age_columns() + _year_group_columns() + KEY_STAGES + HEADCOUNTS
              + FSM_COLUMNS + _ethnicity_columns() + LANGUAGE)


def school_size(pupils: int) -> str:
    if pupils <= 100:
        return "Up to 100 pupils"
    if pupils > 1700:
        return "1701 pupils and over"
    low = (pupils - 1) // 100 * 100
    return f"{low + 1} to {low + 100} pupils"


def grouping(s: School) -> str:
    return PHASE_GROUPING.get(s.role, PHASE_GROUPING.get(s.phase))


def spc(sample: Sample) -> bytes:
    """One row per school per year (202122, 202223, 202324), every column of the 2022/23 release."""
    rows = []
    for year in YEARS:
        for n, s in enumerate(sample.schools):
            if year in s.years:
                row = _spc_fields(sample, n, s, year)
                rows.append([row.get(c, "") for c in SPC_HEADER])
    return csv_bytes(SPC_HEADER, rows)


def _spc_fields(sample: Sample, n: int, s: School, year: int) -> dict:
    counts: Counts = sample.intake.totals[(s.urn, year)]
    detail: Detail = sample.details[(s.urn, year)]
    independent = s.role == "independent"
    row = {
        "time_period": time_period(year), "time_identifier": "Academic year", "geographic_level": "School",
        "country_code": "E92000001", "country_name": "England", "region_name": REGION_NAME,
        "region_code": REGION_CODE, "urn": s.urn, "old_la_code": LA_CODE, "la_name": LA_NAME,
        "new_la_code": LA_ONS_CODE, "estab": s.estab, "school_name": s.name, "laestab": LA_CODE + s.estab,
        "phase_type_grouping": grouping(s), "trust": s.trust.name.upper() if s.trust else "",
        "opendate": slash_date(s.open_date), "sex_of_school_description": "Mixed",
        "typeofestablishment_name": s.type_name, "denomination": s.religion or "No religious character",
        "admissions_policy": s.admissions_policy, "district_administrative_code": LA_ONS_CODE,
        "district_administrative_name": LA_NAME, "parl_con_code": PCON_CODE,
        "parl_con_name": PCON_NAME, "ward_code": WARD_CODE,
        "ward_name": "Sampleton Central (synthetic)", "urban_rural": "(England/Wales) Urban city and town",
        "school_postcode": postcode(n), "academy_flag": TYPES[s.type_name][3],
        "school_size": school_size(counts.pupils),
    }
    for a in range(20):
        row[f"part-time girls aged {a}"] = 0
        row[f"full-time girls aged {a}"] = detail.girls_by_age.get(a, 0)
        row[f"part{'-' if a in (3, 4) else ' '}time boys aged {a}"] = 0
        row[f"full{'-' if a in (3, 4) else ' '}time boys aged {a}"] = detail.boys_by_age.get(a, 0)
    by_group = {"Reception": 4, **{f"Year group {g}": g + 4 for g in range(1, 15)}}
    for sex, ages in (("girls", detail.girls_by_age), ("boys", detail.boys_by_age)):
        for g in YEAR_GROUPS:
            row[f"Part time {sex} {g}"] = "z" if independent else 0
            row[f"Full time {sex} {g}"] = "z" if independent else ages.get(by_group.get(g, -1), 0)
    stages = [[], [], [4], [5, 6], [7, 8, 9, 10], [11, 12, 13], [14, 15], [16, 17, 18], []]
    for name, ages in zip(KEY_STAGES, stages):
        row[name] = "z" if independent else sum(detail.pupils_aged(a) for a in ages)
    row.update({
        "headcount total girls": detail.girls, "headcount total boys": detail.boys,
        "full time pupils": counts.pupils, "part time pupils": 0, "headcount of pupils": counts.pupils,
        "fte pupils": f"{counts.pupils}.0", "boy boarders": 0, "girl boarders": 0, "total boarders": 0,
    })
    row.update(_fsm_fields(s, counts, detail))
    row.update(_ethnicity_fields(counts, detail, independent))
    compulsory = counts.pupils - detail.pupils_aged(4)
    row.update(dict(zip(LANGUAGE, ["z"] * len(LANGUAGE))) if independent else dict(zip(LANGUAGE, [
        compulsory, detail.english, pct(detail.english, counts.pupils), detail.other_language,
        pct(detail.other_language, counts.pupils), detail.language_unclassified,
        pct(detail.language_unclassified, counts.pupils), detail.young_carers,
        pct(detail.young_carers, counts.pupils), 0])))
    if independent:
        row[LANGUAGE[0]] = compulsory
    return row


def _fsm_fields(s: School, counts: Counts, detail: Detail) -> dict:
    if counts.fsm is None:
        return dict(zip(FSM_COLUMNS, ["z"] * len(FSM_COLUMNS)))
    return dict(zip(FSM_COLUMNS, [
        detail.fsm_taking_meal, pct(detail.fsm_taking_meal, counts.fsm), counts.fsm,
        pct(counts.fsm, counts.pupils), counts.pupils, counts.fsm, pct(counts.fsm, counts.pupils),
        detail.infants_taking_meal if detail.infants_taking_meal is not None else 0,
    ]))


def _ethnicity_fields(counts: Counts, detail: Detail, independent: bool) -> dict:
    cols = _ethnicity_columns()
    if independent:
        return dict(zip(cols, ["z"] * len(cols)))
    values = []
    for number in detail.ethnicity:
        values += [number, pct(number, counts.pupils)]
    return dict(zip(cols, values))


def sen(sample: Sample) -> bytes:
    """EES 'special educational needs in England' school-level file: SEN support and EHC plans."""
    rows = []
    for year in YEARS:
        for s in sample.schools:
            if year in s.years:
                c = sample.intake.totals[(s.urn, year)]
                rows.append([time_period(year), "Academic year", "School", "E92000001", "England", REGION_CODE,
                             REGION_NAME, LA_CODE, LA_ONS_CODE, LA_NAME, s.urn, s.name, grouping(s),
                             s.type_name, c.pupils, c.sen_support, c.ehcp])
    return csv_bytes(SEN_HEADER, rows)


def children_in_need_la(sample: Sample) -> bytes:
    """EES table B1 rows for the synthetic LA: children in need at 31 March of each academic year."""
    rows = []
    for t, year in enumerate(YEARS):
        at31 = cin_at31(sample, t)
        counts = [int(round(at31 * r)) for r in CIN_RATIOS]
        rows.append([year + 1, "Reporting year", "Local authority", "E92000001", "England", REGION_CODE,
                     REGION_NAME, LA_CODE, LA_ONS_CODE, LA_NAME, "Children in Need", *counts])
    return csv_bytes(CIN_HEADER, rows)


def cin_at31(sample: Sample, t: int) -> int:
    """Children in need in the LA: every LSOA's 0-17 residents at its CIN rate (the schools' source too)."""
    return int(round(float(np.sum(sample.geo.children(0, 17) * sample.intake.rates["cin"][t]))))


def population_0_17(sample: Sample, year: int) -> int:
    """ONS-style mid-year estimate of children 0-17: the Census 2021 count drifting up 0.3% a year."""
    return int(round(float(sample.geo.children(0, 17).sum()) * (1 + 0.003 * (year - 2021))))


def population_la(sample: Sample) -> bytes:
    rows = [[year, "Reporting year", "Local authority", "E92000001", "England", REGION_CODE, REGION_NAME,
             LA_CODE, LA_ONS_CODE, LA_NAME, "Children aged 0 to 17 years", population_0_17(sample, year)]
            for year in range(YEARS[0], YEARS[-1] + 2)]
    return csv_bytes(POPULATION_HEADER, rows)

