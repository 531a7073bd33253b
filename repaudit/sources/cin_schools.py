"""A user's own school-level children-in-need counts (DfE does not publish them) -> school_indicators
indicator 'cin'. Columns: URN, year (or --year), a CIN count, optionally the pupils it is out of (otherwise
the denominator stays empty and the audit takes the school's roll). Suppressed counts stay missing with
their reason; nothing is filled in or estimated."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, uses
from .lsoa_codes import find_column
from .plausibility import SCHOOL_PUPILS
from .reader import parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import (URN_ALIASES, YEAR_ALIASES, flag_bad_urns, flag_unreadable, missing_note,
                          numbers_with_reasons, vintage_from_name, years_for)

SOURCE = "cin-schools"
ALIASES = {
    "urn": URN_ALIASES,
    "year": YEAR_ALIASES,
    "cin": ["cin_count", "cin", "children_in_need", "number_cin", "cin_pupils", "CIN count"],
    "pupils": ["pupils", "headcount", "total_pupils", "nor", "number_of_pupils", "denominator"],
}


@source(SOURCE, "Your own file of children in need by school: URN, year, CIN count[, pupils]",
        "repaudit load cin-schools --year 2023 cin_by_school.csv")
def read(path, vintage=None, year=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    cols = resolve_columns(table, ALIASES, ["urn", "cin"], SOURCE)
    notes = table.notes
    problems = RowProblems(table)
    problems.flag_overflow()
    urns = flag_bad_urns(problems, cols["urn"], notes)
    years = years_for(table, cols, year, problems, notes, SOURCE)
    labels = {name: find_column(table.frame.columns, [name, *ALIASES[name]]) for name in cols}
    for name in ("cin", "pupils"):
        if name in cols:
            flag_unreadable(problems, cols[name], labels[name])
    problems.flag_rule(cols["cin"], SCHOOL_PUPILS, "CIN count")
    if "pupils" in cols:
        pupils = problems.flag_rule(cols["pupils"], SCHOOL_PUPILS, "pupils")
        problems.flag(pupils == 0, f"'{labels['pupils']}' must be above 0: " + cols["pupils"].astype(str))
        problems.flag_part(cols["cin"], "CIN count", cols["pupils"], "pupils")
    problems.flag_duplicates(pd.DataFrame({"urn": urns, "year": years}), "URN and year")
    keep = problems.ok

    numerator, reason = numbers_with_reasons(cols["cin"][keep])
    notes.extend(missing_note("CIN counts", reason))
    denominator = parse_number(cols["pupils"][keep]).to_numpy() if "pupils" in cols else np.full(len(numerator), np.nan)
    if "pupils" not in cols:
        notes.append("no pupils column: denominators left empty (the audit uses each school's roll)")
    frame = pd.DataFrame({"urn": urns[keep].to_numpy(), "year": years[keep].to_numpy(), "indicator": "cin",
                          "numerator": numerator, "denominator": denominator, "missing_reason": reason})
    return LoadResult(SOURCE, Path(path).name, vintage or vintage_from_name(path), len(table.frame),
                      [TableRows("school_indicators", frame, ["urn", "year", "indicator"])],
                      problems.rejects(), notes)
