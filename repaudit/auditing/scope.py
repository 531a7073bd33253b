"""The input schools of an audit: every school in the warehouse (GIAS and census), with the filters
the user asked for. Nothing is dropped here: schools outside the audit's scope keep a reason."""
from __future__ import annotations

import pandas as pd

from ..errors import RepauditError, WarehouseError
from .. import names
from .relations import materialise

PHASES = ("primary", "secondary")
NEWER_COLUMNS = {"schools": ("statutory_low_age", "statutory_high_age"),
                 "school_census": ("youngest_year_group", "year_groups", "boarders", "hospital_school", "open_date")}
INCLUDE = {"new": "new_school_reason", "boarding": "boarding_reason", "non-entry": "non_entry_reason"}
NOT_COMPARABLE = "not comparable:"     # the start of the reasons whose schools' own counts still enter area figures


def parse_include(values) -> tuple[str, ...]:
    """'new,boarding' (or a list of such texts) -> ('new', 'boarding'), checked against INCLUDE."""
    texts = [values] if isinstance(values, str) else list(values or ())
    items = [v.strip().lower() for text in texts for v in str(text).split(",") if v.strip()]
    bad = [v for v in items if v not in INCLUDE]
    if bad:
        raise RepauditError(f"--include takes {', '.join(INCLUDE)} (comma-separated); got '{', '.join(bad)}'")
    return tuple(dict.fromkeys(items))


def _check_upgraded(con) -> None:
    """A WarehouseError when the warehouse predates columns the audit reads (a read-only connection
    cannot add them; opening the file for writing once, as any load does, adds them)."""
    have = {(t, c) for t, c in con.execute("select table_name, column_name from duckdb_columns()").fetchall()}
    missing = [f"{t}.{c}" for t, cols in NEWER_COLUMNS.items() for c in cols if (t, c) not in have]
    if missing:
        raise WarehouseError("the warehouse was made by an earlier version of repaudit and lacks "
                             f"{', '.join(missing)}; upgrade it by loading any file into it once "
                             "(e.g. `repaudit load gias FILE --db DB`), "
                             "or reload GIAS and the SPC to fill the new columns")


def prepare(con, include_non_entry: bool = False, include=()) -> None:
    """Build the tables audit_schools (queries/audit_schools.sql) and audit_school_values. Secondary
    schools that admit no Year 7 (16-19 schools, UTCs, studio schools, entry at 14) are outside the
    scope with the rule named, unless INCLUDE_NON_ENTRY; so are new schools with one or two year groups and
    state boarding schools, unless INCLUDE names them ('new', 'boarding')."""
    counts = con.execute("select (select count(*) from schools), (select count(*) from school_census)").fetchone()
    if not any(counts):
        raise WarehouseError("the warehouse has no schools: load GIAS (`repaudit load gias FILE`) or the school "
                             "census (`repaudit load spc FILE`) first, or run `repaudit load-sample`")
    _check_upgraded(con)
    materialise(con, "audit_schools", "audit_schools")
    chosen = set(parse_include(include)) | ({"non-entry"} if include_non_entry else set())
    for name in sorted(chosen):
        column = INCLUDE[name]
        con.execute(f"update audit_schools set scope_reason = null where scope_reason = {column}")
    materialise(con, "audit_school_values", "school_values")


NAMED = {  # option: (what it names, code column, name column, other code columns)
    "region": ("region", "region", "region", ()),
    "type": ("school type", "type", "type", ()),
    "la": ("local authority", "la", "la_name", ("lad_code",)),
    "trust": ("trust", "group_code", "group_name", ("trust_code",)),
}


def choices(schools: pd.DataFrame, option: str) -> list[names.Choice]:
    """What --OPTION can name among SCHOOLS: one Choice per code, with its name and other codes."""
    _, code, name, others = NAMED[option]
    rows = schools[list(dict.fromkeys([code, name, *others]))].dropna(subset=[code]).drop_duplicates(code)
    return [names.Choice(str(r[code]), str(r[name]) if pd.notna(r[name]) else str(r[code]),
                         tuple(str(r[o]) for o in others if pd.notna(r[o])))
            for r in rows.to_dict("records")]


def check_la_name(con, wanted) -> None:
    """Fail at once, with the closest names, when --la WANTED names no LA of the GIAS or census schools: the
    LAs the audit can select are among these, so a miss here is a miss there, found without building
    audit_schools for the whole country first (a typo answers in well under a second)."""
    if wanted is None:
        return
    rows = con.execute("select la_code, any_value(la_name), any_value(lad_code) from ("
                       "select la_code, la_name, lad_code from schools union all "
                       "select la_code, la_name, lad_code from school_census) where la_code is not null "
                       "group by la_code order by la_code").fetchall()
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=["la", "la_name", "lad_code"])
    if not names.names_any(str(wanted), choices(frame, "la")):
        _named(frame, "la", str(wanted))


def _named(schools: pd.DataFrame, option: str, wanted: str) -> pd.Series:
    """The schools that --OPTION WANTED names: a code or name in any case, or a unique start of a name
    (repaudit.names); an error with the closest names when it names none. A trust is matched by its
    trust code too, so an LA-maintained group and an academy trust are found the same way."""
    what, code, _, _ = NAMED[option]
    found = names.find(wanted, choices(schools, option), what, option, missing="no school matches")
    return schools[code].astype("string").eq(found.code).fillna(False)


def select(con, phase=None, region=None, la=None, trust=None, school_type=None, selective=None,
           faith=None) -> pd.DataFrame:
    """The input schools matching the filters (case-insensitive names or codes; selective and faith
    are True/False); an error naming the filter and some values that exist when nothing matches."""
    schools = con.execute("select * from audit_schools order by urn").df()
    keep = pd.Series(True, index=schools.index)
    if phase is not None:
        if phase not in PHASES:
            raise RepauditError(f"--phase must be one of {', '.join(PHASES)}; got '{phase}'")
        keep &= schools["phase"].eq(phase)
    if selective is not None:
        keep &= schools["selective"].fillna(False).astype(bool).eq(bool(selective))
    if faith is not None:
        keep &= schools["faith"].fillna(False).astype(bool).eq(bool(faith))
    for option, wanted in (("region", region), ("type", school_type), ("la", la), ("trust", trust)):
        if wanted is not None:
            keep &= _named(schools, option, str(wanted))
    chosen = schools[keep].reset_index(drop=True)
    if chosen.empty:
        raise RepauditError("no school matches all the filters given together (phase, region, la, trust, type, "
                            "selective, faith)")
    return chosen
