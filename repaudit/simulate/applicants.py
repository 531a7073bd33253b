"""The applications CSV an LA can export from its admissions system: read, validate, turn into arrays.

Columns (one row per child; names matched case- and punctuation-insensitively):

  applicant_id                  unique id (any text)
  easting, northing             home location, British National Grid metres (EPSG:27700), or
  lsoa                          the home LSOA code, placed at its population-weighted centroid
  fsm, looked_after             0/1 (also yes/no, true/false, y/n)
  medical_social_urn            optional: school named for a medical or social need
  sibling_urn                   optional: school a sibling attends
  ehcp_urn                      optional: school named in the child's EHC plan (admitted there first)
  sex                           optional: F or M (girls' and boys' schools admit only their sex)
  qualified                     optional: 0/1, passed the selection test (selective schools admit only
                                these; without the column every child counts as qualified)
  pref1, pref2, ... prefN       preferences as URNs, best first, no gaps; a child may list none

Every problem is an error naming the file, row and column: unknown URN, duplicate applicant_id,
repeated preference, missing or impossible location, a value that is not 0/1.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError
from ..sources.damage import tidy_lsoa_codes
from ..sources.reader import parse_number, read_csv_table, resolve_columns, normalise
from .game import Applicants

ALIASES = {   # the documented name first: error messages name it
    "applicant_id": ["applicant_id", "id", "applicant", "child_id", "pupil_id"],
    "easting": ["easting", "x", "home_easting"],
    "northing": ["northing", "y", "home_northing"],
    "lsoa": ["lsoa", "lsoa_code", "lsoa21", "lsoa11"],
    "fsm": ["fsm", "free_school_meals", "fsm_eligible"],
    "looked_after": ["looked_after", "lac", "looked_after_child", "cla"],
    "medical_social_urn": ["medical_social_urn", "medical_urn", "social_urn", "medical_social"],
    "sibling_urn": ["sibling_urn", "sibling"],
    "ehcp_urn": ["ehcp_urn", "ehc_plan_urn", "ehcp"],
    "sex": ["sex", "gender"],
    "qualified": ["qualified", "passed_selection_test", "selective_qualified", "grammar_qualified"],
}
REQUIRED = ["applicant_id", "fsm", "looked_after"]
URN_COLUMNS = ["medical_social_urn", "sibling_urn", "ehcp_urn"]
TRUE = {"1", "y", "yes", "true", "t"}
FALSE = {"0", "n", "no", "false", "f", ""}
PREF = re.compile(r"^pref(?:erence)?(\d+)$")

# British National Grid extent (metres): catches longitude/latitude given as easting/northing.
BNG_E, BNG_N = (0.0, 700_000.0), (0.0, 1_300_000.0)


def read_applications(path: str | Path, school_urns, lsoa_xy: dict | None = None) -> pd.DataFrame:
    """Validated applications: applicant_id, easting, northing, fsm, looked_after, the three URN columns
    (0 = none), `prefs` (a list of URNs per row) and `line` (its row in the file). SCHOOL_URNS are the URNs a preference may name;
    LSOA_XY maps LSOA codes to centroid (easting, northing) for rows located by LSOA. attrs["notes"] says what
    reading the file decided or corrected."""
    table = read_csv_table(path)
    frame = resolve_columns(table, ALIASES, REQUIRED, "applications")
    line = table.line
    known = {int(u) for u in school_urns}
    pref_cols = _preference_columns(table.frame.columns)
    out = pd.DataFrame({"applicant_id": frame["applicant_id"].astype(str).str.strip()})
    _check_ids(path, out["applicant_id"], line)
    notes: list[str] = []
    out["easting"], out["northing"] = _locations(path, frame, line, lsoa_xy or {}, notes)
    for col in ("fsm", "looked_after"):
        out[col] = _flag(path, frame[col], line, col)
    for col in URN_COLUMNS:
        out[col] = _urns(path, frame[col], line, col, known) if col in frame else 0
    if "qualified" in frame:
        out["qualified"] = _flag(path, frame["qualified"], line, "qualified")
    if "sex" in frame:
        out["sex"] = _sex(path, frame["sex"], line)
    prefs = np.zeros((len(frame), len(pref_cols)), dtype=np.int64)
    for j, col in enumerate(pref_cols):
        prefs[:, j] = _urns(path, table.frame[col], line, col, known)
    _check_preferences(path, prefs, line, pref_cols)
    out["prefs"] = [list(row[row > 0]) for row in prefs]
    out["line"] = np.asarray(line, dtype=np.int64)
    out.attrs["pref_columns"] = pref_cols
    out.attrs["notes"] = notes
    return out


def _preference_columns(columns) -> list[str]:
    found = sorted(((int(m.group(1)), c) for c in columns if (m := PREF.match(normalise(c)))), key=lambda x: x[0])
    return [c for _, c in found]


def _check_ids(path, ids: pd.Series, line):
    blank = ids.eq("") | ids.str.lower().eq("nan")
    if blank.any():
        i = int(np.argmax(blank.to_numpy()))
        raise InputFileError(path, "applicant_id is empty; every row needs a unique id", row=int(line[i]),
                             column="applicant_id")
    dup = ids.duplicated(keep=False)
    if dup.any():
        first_id = ids[dup].iloc[0]
        rows = [int(line[i]) for i in np.flatnonzero(ids.eq(first_id).to_numpy())]
        raise InputFileError(path, f"applicant_id '{first_id}' appears more than once (rows "
                                   f"{', '.join(map(str, rows))}); ids must be unique", row=rows[1],
                             column="applicant_id")


def _locations(path, frame, line, lsoa_xy, notes):
    e = parse_number(frame["easting"]) if "easting" in frame else pd.Series(np.nan, index=frame.index)
    n = parse_number(frame["northing"]) if "northing" in frame else pd.Series(np.nan, index=frame.index)
    for col, values in (("easting", e), ("northing", n)):
        if col in frame:
            text = frame[col].astype(str).str.strip()
            bad = values.isna() & text.ne("") & text.str.lower().ne("nan")
            if bad.any():
                i = int(np.argmax(bad.to_numpy()))
                raise InputFileError(path, f"'{text.iloc[i]}' is not a number (metres, EPSG:27700)",
                                     row=int(line[i]), column=col)
    if "lsoa" in frame:
        codes, said = tidy_lsoa_codes(frame["lsoa"], line, "lsoa")
        notes.extend(said)
        need = e.isna() | n.isna()
        xy = codes[need].map(lambda c: lsoa_xy.get(c))
        unknown = need & codes.ne("") & xy.reindex(frame.index).isna()
        if unknown.any():
            i = int(np.argmax(unknown.to_numpy()))
            raise InputFileError(path, f"LSOA '{codes.iloc[i]}' has no centroid in the warehouse; load LSOA "
                                       "centroids (`repaudit load lsoa-centroids ...`) or give easting and northing",
                                 row=int(line[i]), column="lsoa")
        got = xy.dropna()
        e.loc[got.index] = [p[0] for p in got]
        n.loc[got.index] = [p[1] for p in got]
    missing = e.isna() | n.isna()
    if missing.any():
        i = int(np.argmax(missing.to_numpy()))
        raise InputFileError(path, f"applicant has no location ({int(missing.sum())} row(s) in all): give "
                                   "easting and northing (EPSG:27700) or an lsoa code", row=int(line[i]))
    outside = ~(e.between(*BNG_E) & n.between(*BNG_N))
    if outside.any():
        i = int(np.argmax(outside.to_numpy()))
        raise InputFileError(path, f"location ({e.iloc[i]}, {n.iloc[i]}) is outside British National Grid "
                                   "(easting 0-700000, northing 0-1300000 metres); longitude/latitude given?",
                             row=int(line[i]), column="easting")
    return e.to_numpy(float), n.to_numpy(float)


def _flag(path, values: pd.Series, line, col) -> np.ndarray:
    text = values.astype(str).str.strip().str.lower()
    bad = ~text.isin(TRUE | FALSE)
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise InputFileError(path, f"'{values.iloc[i]}' is not 0 or 1", row=int(line[i]), column=col)
    return text.isin(TRUE).to_numpy()


def _sex(path, values: pd.Series, line) -> np.ndarray:
    text = values.astype(str).str.strip().str.upper().replace({"FEMALE": "F", "MALE": "M", "GIRL": "F", "BOY": "M"})
    bad = ~text.isin(["F", "M"])
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise InputFileError(path, f"'{values.iloc[i]}' is not F or M", row=int(line[i]), column="sex")
    return text.to_numpy(object)


def _urns(path, values: pd.Series, line, col, known: set) -> np.ndarray:
    text = values.astype(str).str.strip()
    blank = text.eq("") | text.str.lower().isin(["nan", "0", "none", "na"])
    number = parse_number(text.where(~blank, "0"))
    bad = number.isna() | (number != np.floor(number))
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        raise InputFileError(path, f"'{text.iloc[i]}' is not a URN (a whole number)", row=int(line[i]), column=col)
    urn = number.fillna(0).astype(np.int64).to_numpy()
    unknown = (urn > 0) & ~np.isin(urn, np.fromiter(known, dtype=np.int64, count=len(known)))
    if unknown.any():
        i = int(np.argmax(unknown))
        more = int(unknown.sum()) - 1
        raise InputFileError(
            path, f"unknown URN {urn[i]}: not one of the {len(known)} schools with capacities"
            + (f" ({more} more row(s) name unknown URNs)" if more else "")
            + "; add it to --capacities or load it into the warehouse", row=int(line[i]), column=col)
    return urn


def _check_preferences(path, prefs: np.ndarray, line, cols):
    if not prefs.size:
        return
    filled = prefs > 0
    gap = (~filled[:, :-1] & filled[:, 1:]).any(axis=1)
    if gap.any():
        i = int(np.argmax(gap))
        j = int(np.argmax(~filled[i]))
        raise InputFileError(path, f"{cols[j]} is empty but a later preference is given; list preferences "
                                   "from pref1 without gaps", row=int(line[i]), column=cols[j])
    s = np.sort(np.where(filled, prefs, -np.arange(1, prefs.shape[1] + 1)), axis=1)
    rep = (s[:, 1:] == s[:, :-1]).any(axis=1)
    if rep.any():
        i = int(np.argmax(rep))
        row = prefs[i]
        urn = next(u for k, u in enumerate(row) if u > 0 and u in row[:k])
        col = cols[int(np.flatnonzero(row == urn)[1])]
        raise InputFileError(path, f"URN {urn} is listed twice in the preferences of applicant row; each school "
                                   "may be listed once", row=int(line[i]), column=col)


def to_applicants(frame: pd.DataFrame, school_index: dict) -> Applicants:
    """Arrays for the engine from a validated frame (as `read_applications` or the synthetic generator make)."""
    def idx(urns):
        return np.array([school_index.get(int(u), -1) if u else -1 for u in urns], dtype=np.int64)

    lengths = np.array([len(p) for p in frame["prefs"]], dtype=np.int64)
    flat = [school_index[int(u)] for p in frame["prefs"] for u in p]
    return Applicants(
        applicant_id=frame["applicant_id"].astype(str).to_numpy(dtype=object),
        xy=np.column_stack([frame["easting"].to_numpy(float), frame["northing"].to_numpy(float)]),
        fsm=frame["fsm"].to_numpy(bool),
        looked_after=frame["looked_after"].to_numpy(bool),
        medical_school=idx(frame.get("medical_social_urn", pd.Series(0, index=frame.index))),
        sibling_school=idx(frame.get("sibling_urn", pd.Series(0, index=frame.index))),
        ehcp_school=idx(frame.get("ehcp_urn", pd.Series(0, index=frame.index))),
        offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        prefs=np.asarray(flat, dtype=np.int64),
        lsoa=frame["lsoa"].to_numpy(object) if "lsoa" in frame else None,
        girl=frame["sex"].eq("F").to_numpy(bool) if "sex" in frame else None,
        qualified=frame["qualified"].to_numpy(bool) if "qualified" in frame else None,
        own_criteria=np.concatenate([np.asarray(m, dtype=bool) for m in frame["own_criteria"]] + [np.zeros(0, bool)])
        if "own_criteria" in frame else None,
    )
