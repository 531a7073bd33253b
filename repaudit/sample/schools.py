"""The synthetic schools and trusts: who they are, where they stand and how they admit.

`role` drives the intake simulation: `ordinary` schools take their neighbourhood as it is;
`planted` schools sit in deprived LSOAs but admit few disadvantaged children (the audit must
find them); `grammar` and `faith` schools draw from wide areas and under-admit moderately.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geography import CELL, NX, Geography, lsoa_at
from .noise import Noise
from .region import FIRST_URN, YEARS

POSITION_JITTER = 0.12                    # share of a cell around its centre


@dataclass(frozen=True)
class Trust:
    """A multi-academy trust as GIAS lists it (Group UID doubles as `Trusts (code)`)."""

    key: str
    uid: str
    group_id: str
    name: str
    incorporated: str                     # dd-mm-yyyy


TRUSTS = {
    "T1": Trust("T1", "990101", "TR99101", "Northfield Learning Trust (synthetic)", "14-03-2012"),
    "T2": Trust("T2", "990102", "TR99102", "Riverside Academies Trust (synthetic)", "02-09-2014"),
    "T3": Trust("T3", "990103", "TR99103", "St Chad's Catholic Multi-Academy Trust (synthetic)", "01-04-2016"),
}

TYPES = {   # TypeOfEstablishment (name) -> (code, EstablishmentTypeGroup name, group code, SPC academy_flag)
    "Community school": ("01", "Local authority maintained schools", "4", "LA Maintained"),
    "Voluntary aided school": ("02", "Local authority maintained schools", "4", "LA Maintained"),
    "Voluntary controlled school": ("03", "Local authority maintained schools", "4", "LA Maintained"),
    "Foundation school": ("05", "Local authority maintained schools", "4", "LA Maintained"),
    "Community special school": ("07", "Special schools", "5", "LA Maintained"),
    "Other independent school": ("11", "Independent schools", "3", "Independent"),
    "Academy sponsor led": ("28", "Academies", "10", "Academy"),
    "Academy converter": ("34", "Academies", "10", "Academy"),
}

# key, name, phase, type, grid cell (column, row), relative size, trust, religion, role, estab, opened
_TABLE = (
    ("S1", "Sampleshire Grammar School", "Secondary", "Academy converter", (5, 6), 1.05, "T1", None, "grammar", "4001", "01-08-2011"),
    ("S2", "St Thomas à Becket Catholic Academy", "Secondary", "Academy converter", (3, 5), 1.00, "T3", "Roman Catholic", "faith", "4602", "01-04-2016"),
    ("S3", "Abbeyfield Academy", "Secondary", "Academy sponsor led", (2, 3), 1.10, "T1", None, "planted", "4003", "01-09-2013"),
    ("S4", "Castlegate School", "Secondary", "Community school", (3, 2), 1.00, None, None, "ordinary", "4004", ""),
    ("S5", "Riverside Academy", "Secondary", "Academy sponsor led", (6, 1), 1.00, "T2", None, "ordinary", "4005", "01-09-2014"),
    ("S6", "Hollins Park Academy", "Secondary", "Academy converter", (1, 6), 0.85, "T2", None, "ordinary", "4006", "01-01-2015"),
    ("S7", "Moorfield Community School", "Secondary", "Community school", (6, 4), 0.95, None, None, "ordinary", "4007", ""),
    ("S8", "Westbrook School", "Secondary", "Foundation school", (1, 1), 0.80, None, None, "ordinary", "5408", ""),
    ("P01", "Abbey Lane Primary School", "Primary", "Community school", (2, 4), 1.20, None, None, "ordinary", "2001", ""),
    ("P02", "Hillcrest Primary Academy", "Primary", "Academy converter", (3, 3), 1.10, "T1", None, "planted", "2002", "01-09-2017"),
    ("P03", "Foundry Street Primary School", "Primary", "Community school", (1, 3), 1.00, None, None, "ordinary", "2003", ""),
    ("P04", "Canal Side Primary School", "Primary", "Community school", (2, 2), 1.00, None, None, "ordinary", "2004", ""),
    ("P05", "St Mary's Church of England Primary School", "Primary", "Voluntary aided school", (3, 4), 0.70, None, "Church of England", "faith", "3305", ""),
    ("P06", "Newtown Primary Academy", "Primary", "Academy sponsor led", (1, 4), 1.00, "T2", None, "ordinary", "2006", "01-09-2015"),
    ("P07", "Orchard Vale Primary School", "Primary", "Foundation school", (6, 2), 1.10, None, None, "planted", "5207", ""),
    ("P08", "Eastfield Primary Academy", "Primary", "Academy sponsor led", (7, 1), 0.90, "T2", None, "ordinary", "2008", "01-09-2016"),
    ("P09", "Brickworks Primary School", "Primary", "Community school", (5, 1), 1.00, None, None, "ordinary", "2009", ""),
    ("P10", "Mill Road Primary Academy", "Primary", "Academy converter", (6, 0), 0.80, "T2", None, "ordinary", "2010", "01-12-2018"),
    ("P11", "St Joseph's Catholic Primary School", "Primary", "Academy converter", (5, 2), 0.70, "T3", "Roman Catholic", "faith", "3611", "01-04-2016"),
    ("P12", "Ashby Green Primary School", "Primary", "Community school", (0, 0), 0.60, None, None, "ordinary", "2012", ""),
    ("P13", "Southgate Primary School", "Primary", "Community school", (3, 0), 0.80, None, None, "ordinary", "2013", ""),
    ("P14", "Westwood Primary School", "Primary", "Community school", (0, 2), 0.80, None, None, "ordinary", "2014", ""),
    ("P15", "Kingsway Primary Academy", "Primary", "Academy converter", (4, 1), 0.90, "T2", None, "ordinary", "2015", "01-09-2019"),
    ("P16", "Market Street Primary School", "Primary", "Community school", (4, 3), 1.00, None, None, "ordinary", "2016", ""),
    ("P17", "Elm Tree Primary School", "Primary", "Community school", (5, 4), 0.90, None, None, "ordinary", "2017", ""),
    ("P18", "Holy Trinity Church of England Primary School", "Primary", "Voluntary controlled school", (7, 3), 0.70, None, "Church of England", "ordinary", "3018", ""),
    ("P19", "Oakfield Primary School", "Primary", "Community school", (0, 5), 0.80, None, None, "ordinary", "2019", ""),
    ("P20", "Beechwood Primary Academy", "Primary", "Academy converter", (2, 6), 0.90, "T1", None, "ordinary", "2020", "01-09-2012"),
    ("P21", "Northfield Primary Academy", "Primary", "Academy converter", (4, 6), 1.00, "T1", None, "ordinary", "2021", "01-09-2012"),
    ("P22", "Highfields Primary School", "Primary", "Community school", (6, 6), 0.90, None, None, "ordinary", "2022", ""),
    ("P23", "Thornton Primary School", "Primary", "Community school", (7, 7), 0.60, None, None, "ordinary", "2023", ""),
    ("P24", "Larkspur Primary Academy", "Primary", "Academy converter", (3, 7), 0.80, "T1", None, "ordinary", "2024", "01-09-2014"),
    ("X1", "Greenhill Primary School", "Primary", "Community school", (5, 5), 0.90, None, None, "ordinary", "2025", ""),
    ("P25", "Greenhill Primary Academy", "Primary", "Academy converter", (5, 5), 0.90, "T2", None, "ordinary", "2025", "01-09-2022"),
    ("Q1", "Brook Vale Special School", "Not applicable", "Community special school", (4, 4), 140, None, None, "special", "7001", ""),
    ("Q2", "Sampleshire Preparatory School", "Not applicable", "Other independent school", (6, 7), 380, None, None, "independent", "6001", "01-09-1987"),
)
CONVERSION = ("X1", "P25", "31-08-2022")      # predecessor, successor academy, date the predecessor closed


@dataclass
class School:
    """One establishment with everything GIAS and the census files say about it."""

    key: str
    urn: int
    name: str
    phase: str                    # GIAS PhaseOfEducation (name)
    type_name: str
    trust: Trust | None
    religion: str | None
    role: str
    estab: str
    size: float                   # relative size (mainstream) or roll (special, independent)
    open_date: str
    close_date: str
    years: tuple[int, ...]        # academic years the school is open at census time
    easting: int
    northing: int
    lsoa: int                     # index into Geography

    @property
    def state_funded(self) -> bool:
        return self.role != "independent"

    @property
    def mainstream(self) -> bool:
        return self.role not in ("special", "independent")

    @property
    def status(self) -> str:
        return "Closed" if self.close_date else "Open"

    @property
    def admissions_policy(self) -> str:
        if self.phase != "Secondary":
            return "Not applicable"
        return "Selective" if self.role == "grammar" else "Non-selective"


def build_schools(geo: Geography, noise: Noise) -> list[School]:
    """The schools in table order with URNs 990001...; positions drawn near their cell centres."""
    offsets = noise.uniform((len(_TABLE), 2), -POSITION_JITTER, POSITION_JITTER)
    points = {row[0]: np.round(geo.centre[row[4][1] * NX + row[4][0]] + offsets[n] * CELL)
              for n, row in enumerate(_TABLE)}
    pred, succ, closed_on = CONVERSION
    points[pred] = points[succ]                      # the academy stays on its predecessor's site
    schools = []
    for n, (key, name, phase, type_name, _, size, trust, religion, role, estab, opened) in enumerate(_TABLE):
        years = YEARS
        if key == pred:
            years = tuple(y for y in YEARS if y < int(closed_on[-4:]))
        elif key == succ:
            years = tuple(y for y in YEARS if y >= int(opened[-4:]))
        point = points[key]
        schools.append(School(
            key=key, urn=FIRST_URN + n, name=f"{name} (synthetic)", phase=phase, type_name=type_name,
            trust=TRUSTS.get(trust), religion=religion, role=role, estab=estab, size=size,
            open_date=opened, close_date=closed_on if key == pred else "", years=years,
            easting=int(point[0]), northing=int(point[1]), lsoa=lsoa_at(geo, point),
        ))
    return schools
