"""Descriptive census detail for each school and year (sex, age, ethnicity, language, meals taken).

None of this drives the audit; it fills the SPC columns with numbers that add up (ages sum to the
headcount, ethnic groups sum to the headcount), so the sample file looks and loads like the real one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geography import Geography
from .intake import Intake
from .noise import Noise, round_to_total
from .region import YEARS
from .schools import School

ETHNIC_GROUPS = (   # SPC 2022/23 wording, in file order, with a base share for a Midlands town
    ("white British", 0.700), ("Irish", 0.003), ("traveller of Irish heritage", 0.001),
    ("any other white background", 0.060), ("Gypsy/Roma", 0.003), ("white and black Caribbean", 0.015),
    ("white and black African", 0.006), ("white and Asian", 0.012), ("any other mixed background", 0.020),
    ("Indian", 0.030), ("Pakistani", 0.050), ("Bangladeshi", 0.005), ("any other Asian background", 0.015),
    ("Caribbean", 0.005), ("African", 0.030), ("any other black background", 0.005), ("Chinese", 0.004),
    ("any other ethnic group", 0.015), ("unclassified", 0.010),
)
SCHOOL_AGES = {"Primary": (4, 10), "Secondary": (11, 15), "Not applicable": (4, 15)}


@dataclass
class Detail:
    """SPC descriptive counts for one school in one year."""

    girls_by_age: dict[int, int]
    boys_by_age: dict[int, int]
    ethnicity: list[int]              # ETHNIC_GROUPS order
    english: int
    other_language: int
    language_unclassified: int
    fsm_taking_meal: int | None
    infants_taking_meal: int | None
    young_carers: int

    @property
    def girls(self) -> int:
        return sum(self.girls_by_age.values())

    @property
    def boys(self) -> int:
        return sum(self.boys_by_age.values())

    def pupils_aged(self, age: int) -> int:
        return self.girls_by_age.get(age, 0) + self.boys_by_age.get(age, 0)


def describe(geo: Geography, schools: list[School], intake: Intake, noise: Noise) -> dict[tuple[int, int], Detail]:
    """Detail for every (urn, year) with a census record, drawn school by school in table order."""
    base = np.array([share for _, share in ETHNIC_GROUPS])
    out = {}
    for s in schools:
        idaci = float(geo.idaci[s.lsoa])
        for year in YEARS:
            if year not in s.years:
                continue
            counts = intake.totals[(s.urn, year)]
            lo, hi = SCHOOL_AGES[s.phase]
            ages = list(range(lo, hi + 1))
            per_age = round_to_total(np.exp(noise.normal(len(ages), 0.05)), counts.pupils)
            girls = noise.round_stochastic(per_age * 0.49)
            shares = base * np.exp(noise.normal(len(base), 0.25))
            shares[0] *= max(0.2, 1.0 - 0.9 * (idaci - 0.2))
            ethnicity = round_to_total(shares, counts.pupils)
            other = int(noise.round_stochastic(np.array([counts.pupils * min(0.6, 0.05 + 0.4 * idaci)]))[0])
            unclassified = int(noise.round_stochastic(np.array([counts.pupils * 0.004]))[0])
            english = counts.pupils - other - unclassified
            taking = infants = None
            if counts.fsm is not None:
                taking = int(noise.round_stochastic(np.array([counts.fsm * 0.86]))[0])
                if s.phase == "Primary":
                    infants = int(noise.round_stochastic(np.array([per_age[:3].sum() * 0.88]))[0])
            carers = int(noise.round_stochastic(np.array([counts.pupils * 0.008]))[0])
            out[(s.urn, year)] = Detail(
                {a: int(g) for a, g in zip(ages, girls)},
                {a: int(n - g) for a, n, g in zip(ages, per_age, girls)},
                [int(e) for e in ethnicity], english, other, unclassified, taking, infants, carers,
            )
    return out
