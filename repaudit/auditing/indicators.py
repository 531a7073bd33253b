"""The indicators the audit compares (METHODS §2) and the window of years each is pooled over."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import RepauditError


@dataclass(frozen=True)
class Indicator:
    """A group of children whose share in a school is compared with its share in the community."""

    name: str
    label: str
    description: str
    private: bool = False          # only the user holds school-level counts (never published per school)


INDICATORS = {
    i.name: i for i in (
        Indicator("fsm", "FSM", "pupils known to be eligible for free school meals"),
        Indicator("sen_support", "SEN support", "pupils with special educational needs on SEN support"),
        Indicator("ehcp", "EHC plan", "pupils with an education, health and care plan"),
        Indicator("cin", "CIN", "children in need (user-supplied school-level counts)", private=True),
    )
}
ALIASES = {"sen": "sen_support", "senk": "sen_support", "ehc": "ehcp", "ehc_plan": "ehcp",
           "free_school_meals": "fsm", "children_in_need": "cin"}


def parse(names) -> list[str]:
    """Indicator names from the user ('all', aliases, comma lists), checked, in a stable order."""
    if isinstance(names, str):
        names = [names]
    wanted: list[str] = []
    for item in names:
        for raw in str(item).split(","):
            name = raw.strip().lower().replace("-", "_").replace(" ", "_")
            if not name:
                continue
            if name == "all":
                wanted += list(INDICATORS)
                continue
            name = ALIASES.get(name, name)
            if name not in INDICATORS:
                raise RepauditError(f"unknown indicator '{raw.strip()}'. Choose from: {', '.join(INDICATORS)} "
                                    "(or all)")
            wanted.append(name)
    if not wanted:
        raise RepauditError("no indicator given; choose from: " + ", ".join(INDICATORS))
    return list(dict.fromkeys(wanted))


def same_year_windows(con, names: list[str], years: int) -> tuple[dict[str, list[int]], list[str]]:
    """Each indicator's window of YEARS years, all ending in the latest year that every indicator with data has,
    so indicators are compared in the same years (METHODS §4); notes for newer years left unused. An indicator
    sharing no year with the others keeps its own last YEARS years (and the years-differ note says so)."""
    if years < 1:
        raise RepauditError(f"--years must be at least 1; got {years}")
    available = {name: [r[0] for r in con.execute(
        "select distinct year from audit_school_values where indicator = ? order by year", [name]).fetchall()]
        for name in names}
    present = {name: ys for name, ys in available.items() if ys}
    shared = set.intersection(*(set(ys) for ys in present.values())) if present else set()
    end = max(shared) if shared else None
    out, notes = {}, []
    for name in names:
        ys = available[name]
        if not ys:
            out[name] = []
            continue
        usable = [y for y in ys if end is None or y <= end]
        out[name] = usable[-years:]
        newer = [y for y in ys if end is not None and y > end]
        if newer:
            notes.append(f"{INDICATORS[name].label} also has {', '.join(label_years([y]) for y in newer)}: "
                         f"not used, so that every indicator ends in {label_years([end])}, the latest year all have "
                         f"(audit {name} alone to use it)")
    return out, notes


def label_years(years: list[int]) -> str:
    """'2020/21-2022/23' style label for a list of first calendar years."""
    if not years:
        return ""
    tag = lambda y: f"{y}/{(y + 1) % 100:02d}"  # noqa: E731
    return tag(years[0]) if len(years) == 1 else f"{tag(years[0])}-{tag(years[-1])}"


def vintage_note(windows: dict) -> str | None:
    """One line saying which years each indicator comes from when they differ, e.g. 'years differ by
    indicator: SEN support and EHC plan are 2018/19, FSM 2022/23'; None when all share one window."""
    groups: dict = {}
    for name, years in windows.items():
        groups.setdefault(tuple(years), []).append(INDICATORS[name].label)
    if len(groups) < 2:
        return None
    parts = [f"{' and '.join(labels)} {'are' if len(labels) > 1 else 'is'} {label_years(list(years))}"
             for years, labels in sorted(groups.items(), key=lambda kv: kv[0])]
    return "years differ by indicator: " + ", ".join(parts)
