"""Changes in what is counted (METHODS §9): a series crossing one says so, and docs/methodology.md says how to
read a comparison across it. Years are academic years' first calendar years (2018 = January 2019 census)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefinitionBreak:
    """A change between the census of year `before` and that of year `after` (or a gap in the files)."""

    name: str
    indicators: tuple[str, ...]
    before: int          # the last census year counted the old way
    after: int           # the first census year counted the new way
    text: str
    short: str = ""


BREAKS = (
    DefinitionBreak("fsm_2017_percentage", ("fsm",), 2017, 2018,
                    "FSM 2017/18 is made from the performance tables' percentage (pupils of compulsory school age), "
                    "later years are counts over all pupils on roll", "FSM 2017/18 from a percentage"),
    DefinitionBreak("transitional_protection", ("fsm",), 2017, 2018,
                    "FSM transitional protection from April 2018: pupils keep eligibility during the move to "
                    "Universal Credit, so FSM shares rise from 2018/19 without any change in admissions",
                    "FSM transitional protection (April 2018)"),
    DefinitionBreak("pandemic_gap", ("fsm", "sen_support", "ehcp"), 2018, 2021,
                    "2019/20 and 2020/21 are missing (no census file for the pandemic years): a change across "
                    "them spans three years", "2019/20 and 2020/21 missing"),
    DefinitionBreak("uc_extension", ("fsm",), 2025, 2026,
                    "FSM for every Universal Credit household from September 2026: the January 2027 census "
                    "(2026/27) will jump", "FSM for all Universal Credit households (September 2026)"),
)


def crossed(indicator: str, years) -> list[DefinitionBreak]:
    """The breaks of INDICATOR that a series with data in YEARS crosses (a year on or before `before` and a
    year on or after `after`)."""
    years = sorted(int(y) for y in years)
    if not years:
        return []
    return [b for b in BREAKS if indicator in b.indicators and years[0] <= b.before and years[-1] >= b.after]


def describe(indicator: str, years, short: bool = False) -> str:
    """The breaks crossed, as one line ('' when none); SHORT gives their short names."""
    return "; ".join(b.short if short else b.text for b in crossed(indicator, years))
