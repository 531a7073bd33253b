"""Plain-language names for what an audit covered (indicators, years, area, model), shared by the map
and the report so both describe a result in the same words."""
from __future__ import annotations

INDICATORS = {
    "fsm": ("FSM", "Free school meals (FSM)"),
    "sen": ("SEN", "Special educational needs (SEN support + EHC plan)"),
    "sen_support": ("SEN support", "SEN support"),
    "ehcp": ("EHC plan", "Education, health and care plan (EHCP)"),
    "cin": ("CIN", "Children in need (CIN)"),
}

MODELS = {
    "la": "the local authority's same-phase state-funded mainstream pupils",
    "nearby-schools": "the nearest same-phase state-funded mainstream schools, pupil-weighted",
    "residential": "LSOAs around the school, weighted by child population (FSM from calibrated IDACI)",
    "catchment": "LSOAs inside the school's published catchment, weighted by child population",
    "flows": "where the school's pupils live (residence flows), all pupils of the phase in those LSOAs",
    "proximity": "the intake it would have if every child went to the nearest school with room",
}


def indicator_short(key: str) -> str:
    return INDICATORS.get(key, (str(key).upper(), ""))[0]


def indicator_label(key: str) -> str:
    return INDICATORS.get(key, ("", str(key).upper()))[1]


def model_text(model) -> str:
    return MODELS.get(model, str(model))


def academic_year(year) -> str:
    """2022 -> '2022/23' (the project's convention: the first calendar year of the academic year)."""
    y = int(year)
    return f"{y}/{(y + 1) % 100:02d}"


def years_text(years) -> str:
    """'2022/23', or '2020/21 to 2022/23 (3 years pooled)'."""
    years = sorted(int(y) for y in (years or []))
    if not years:
        return "years not stated"
    if len(years) == 1:
        return academic_year(years[0])
    return f"{academic_year(years[0])} to {academic_year(years[-1])} ({len(years)} years pooled)"


def pooled_years(value) -> str:
    """A school's `years` value ('2021,2022,2023' or a list) in words; other text is returned as it is."""
    parts = value if isinstance(value, (list, tuple)) else str(value).replace(";", ",").split(",")
    try:
        years = sorted(int(str(p).strip()) for p in parts if str(p).strip())
    except ValueError:
        return str(value)
    if not years:
        return ""
    if len(years) == 1:
        return academic_year(years[0])
    return f"{academic_year(years[0])} to {academic_year(years[-1])} ({len(years)} years)"


def vintage_text(meta: dict, tables=("school_indicators", "school_census", "schools")) -> str:
    """The source files (and vintages) of the school-side data, from meta['vintages'], for popups."""
    out = []
    for table in tables:
        for item in (meta.get("vintages") or {}).get(table) or []:
            out.append(source_text(item))
    return "; ".join(dict.fromkeys(out))


def source_text(item) -> str:
    """{'source_file': f, 'vintage': v} -> 'f (v)'; a plain string stays as it is."""
    if isinstance(item, dict):
        name, vintage = item.get("source_file"), item.get("vintage")
        vintage = None if vintage is None or vintage != vintage else vintage
        return f"{name} ({vintage})" if vintage else str(name)
    return str(item)


def area_text(meta: dict) -> str:
    """The area and phase an audit was filtered to, e.g. 'Brighton and Hove, secondary'."""
    filters = meta.get("filters") or {}
    parts = [str(filters[k]) for k in ("region", "la", "trust") if filters.get(k)]
    phase = meta.get("phase") or filters.get("phase")
    area = ", ".join(parts) if parts else "all areas in the warehouse"
    return f"{area}; {phase} schools" if phase else f"{area}; all phases"


def title(meta: dict) -> str:
    names = ", ".join(indicator_short(i) for i in meta.get("indicators") or [])
    return f"How representative are schools of their communities? {names}".strip()


def years_by_indicator_text(meta: dict) -> str:
    """The years of each indicator ('FSM: 2022/23; SEN support: 2018/19') when they differ, else the years."""
    by = meta.get("years_by_indicator") or {}
    if by and len({tuple(v) for v in by.values()}) > 1:
        return "; ".join(f"{indicator_short(k)}: {years_text(v)}" for k, v in by.items())
    return years_text(meta.get("years"))


def subtitle(meta: dict) -> str:
    return (f"{area_text(meta)} · {years_by_indicator_text(meta)} · "
            f"community model: {meta.get('community_model', 'not stated')}")
