"""Files a user would supply from data only they hold: school CIN counts and NPD-style residence flows."""
from __future__ import annotations

from .csvtext import csv_bytes
from .model import Sample
from .region import YEARS, academic_year_label


def cin_schools(sample: Sample) -> bytes:
    """Children in need on roll per state-funded school and academic year (never published by DfE)."""
    rows = [[s.urn, academic_year_label(year), sample.intake.totals[(s.urn, year)].cin]
            for year in YEARS for s in sample.schools
            if s.state_funded and year in s.years]
    return csv_bytes(["urn", "year", "cin"], rows)


def flows(sample: Sample) -> bytes:
    """Where each state-funded school's pupils live: pupils, FSM and SEN (support + EHC plan) per LSOA."""
    codes = sample.geo.codes
    rows = [[urn, codes[k], c.pupils, c.fsm, c.sen_support + c.ehcp, academic_year_label(year)]
            for (urn, k, year), c in sorted(sample.intake.flows.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1]))]
    return csv_bytes(["urn", "lsoa", "pupils", "fsm", "sen", "year"], rows)
