"""Age-band labels as published by ONS and NOMIS turned into (age_min, age_max); age_max None = open-ended."""
from __future__ import annotations

import re

TOTAL_LABELS = {"total", "all ages", "all persons", "all usual residents", "all", "total: all usual residents",
                "persons", "all people"}
_PREFIX = re.compile(r"^(?:age\s*:\s*|age\s+|aged\s+)+", re.I)
_SEX = re.compile(r"^[fm](\d+\+?)$", re.I)
_RULES = [
    (re.compile(r"^(\d+)\s*(?:years?\s*)?(?:and|or)\s+(?:under|younger)$"), lambda a: (0, int(a[0]))),
    (re.compile(r"^under\s+(\d+)(?:\s*years?)?$"), lambda a: (0, int(a[0]) - 1)),
    (re.compile(r"^(\d+)\s*(?:years?\s*)?(?:and|or)\s+(?:over|older)$"), lambda a: (int(a[0]), None)),
    (re.compile(r"^(\d+)\s*\+$"), lambda a: (int(a[0]), None)),
    (re.compile(r"^(\d+)\s*(?:to|-|–)\s*(\d+)(?:\s*years?)?$"), lambda a: (int(a[0]), int(a[1]))),
    (re.compile(r"^(\d+)(?:\s*years?)?$"), lambda a: (int(a[0]), int(a[0]))),
]


def clean_label(label: str) -> str:
    """The label without 'Age:', 'Aged', surrounding spaces or case ('Aged 16 to 24 years' -> '16 to 24 years')."""
    return _PREFIX.sub("", str(label).strip()).strip().lower()


def is_total(label: str) -> bool:
    """True for an all-ages total ('Total', 'All usual residents', 'Age: Total')."""
    return clean_label(label) in TOTAL_LABELS


def age_range(label: str) -> tuple[int, int | None] | None:
    """(age_min, age_max) for labels like 'Aged 15 years and under' -> (0, 15), 'Aged 16 to 24 years' ->
    (16, 24), 'Aged 65 years and over' -> (65, None), '90+' -> (90, None), '7' -> (7, 7); None otherwise."""
    text = clean_label(label)
    for pattern, build in _RULES:
        hit = pattern.match(text)
        if hit:
            low, high = build(hit.groups())
            plausible = low <= 120 and (high is None or low <= high <= 120)
            return (low, high) if plausible else None
    return None


def sex_split_age(column: str) -> str | None:
    """'5' for SAPE-style sex-split single-age columns ('F5', 'M5', 'm90+'), else None."""
    hit = _SEX.match(str(column).strip())
    return hit.group(1) if hit else None
