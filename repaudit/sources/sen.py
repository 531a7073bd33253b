"""School-level SEN counts -> school_indicators 'sen_support' and 'ehcp' (denominator = pupils on roll).
Two formats, told apart by their columns:
- EES 'Special educational needs in England' sen_school_level_underlying_data: URN, time_period,
  'Total pupils', 'SEN support', 'EHC plan' (snake_case in other releases: total_pupils, sen_support, ehc_plan).
- Performance-tables census (england_census.csv): URN, NOR, TSENELK (SEN support), TSENELSE (EHC plan or
  statement); it has no year, so --year is required. Its summary rows (URN 'NAT', ESTAB 'PRI'/'SEC'/'SPE')
  are not schools: they are skipped with a note, not rejected."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, uses
from .lsoa_codes import find_column
from .plausibility import SCHOOL_PUPILS
from .reader import RawTable, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import (URN_ALIASES, YEAR_ALIASES, flag_bad_urns, flag_unreadable, missing_note,
                          numbers_with_reasons, vintage_from_name, without_rows, years_for)

SOURCE = "sen"
ALIASES = {
    "urn": URN_ALIASES,
    "year": YEAR_ALIASES,
    "pupils": ["Total pupils", "total_pupils", "NOR", "TOTPUPSENDN", "pupils", "number_of_pupils"],
    "sen_support": ["SEN support", "sen_support", "TSENELK", "SEN_Support", "number_sen_support"],
    "ehcp": ["EHC plan", "ehc_plan", "TSENELSE", "EHCP", "statement_or_ehc_plan", "Statement or EHC plan",
             "number_ehc_plan"],
}
LABELS = {"pupils": "pupils", "sen_support": "SEN support count", "ehcp": "EHC plan count"}
SUMMARY_CODES = {"NAT", "PRI", "SEC", "SPE", "ALL", "ENG"}
INDICATORS = ("sen_support", "ehcp")


@source(SOURCE, "SEN support and EHC plans by school: EES school-level SEN, or performance-tables census",
        "repaudit load sen --year 2018 england_census.csv")
def read(path, vintage=None, year=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES, ["ESTAB"]), SOURCE)
    table, skipped, summary_notes = without_summary_rows(table)
    notes = table.notes + summary_notes
    cols = resolve_columns(table, ALIASES, ["urn", "pupils", "sen_support", "ehcp"], SOURCE)
    problems = RowProblems(table)
    problems.flag_overflow()
    urns = flag_bad_urns(problems, cols["urn"], notes)
    years = years_for(table, cols, year, problems, notes, SOURCE)
    for name in ("pupils", *INDICATORS):
        flag_unreadable(problems, cols[name], find_column(table.frame.columns, [name, *ALIASES[name]]))
    for name in ("pupils", *INDICATORS):
        problems.flag_rule(cols[name], SCHOOL_PUPILS, LABELS[name])
    for name in INDICATORS:
        problems.flag_part(cols[name], LABELS[name], cols["pupils"], "pupils")
    problems.flag_reasons(_both_over_pupils(cols))
    problems.flag_duplicates(pd.DataFrame({"urn": urns, "year": years}), "URN and year")
    keep = problems.ok

    pupils = parse_number(cols["pupils"][keep]).to_numpy()
    frames = []
    for name in INDICATORS:
        count, reason = numbers_with_reasons(cols[name][keep])
        frames.append(pd.DataFrame({"urn": urns[keep].to_numpy(), "year": years[keep].to_numpy(), "indicator": name,
                                    "numerator": count, "denominator": pupils, "missing_reason": reason}))
        notes.extend(missing_note(f"{name} counts", reason))
    frame = pd.concat(frames, ignore_index=True)
    return LoadResult(SOURCE, Path(path).name, vintage or vintage_from_name(path) or _year_label(year),
                      len(table.frame) + skipped,
                      [TableRows("school_indicators", frame, ["urn", "year", "indicator"])],
                      problems.rejects(), notes, rows_skipped=skipped, file_rows_loaded=int(keep.sum()))


def without_summary_rows(table: RawTable) -> tuple[RawTable, int, list[str]]:
    """TABLE without national/phase summary rows (URN or ESTAB 'NAT', 'PRI', 'SEC', 'SPE'), with a note."""
    summary = np.zeros(len(table.frame), dtype=bool)
    for column in (find_column(table.frame.columns, URN_ALIASES), find_column(table.frame.columns, ["ESTAB"])):
        if column is not None:
            summary |= table.frame[column].astype(str).str.strip().str.upper().isin(SUMMARY_CODES).to_numpy()
    if not summary.any():
        return table, 0, []
    lines = ", ".join(str(n) for n in table.line[summary][:6])
    note = (f"{int(summary.sum())} summary rows (URN/ESTAB NAT, PRI, SEC or SPE: national totals, not schools) "
            f"skipped, on rows {lines}")
    return without_rows(table, summary), int(summary.sum()), [note]


def _both_over_pupils(cols: pd.DataFrame) -> np.ndarray:
    """SEN support and EHC plans are separate groups of pupils: together they cannot exceed the roll."""
    support, ehcp, pupils = (parse_number(cols[n]).to_numpy() for n in ("sen_support", "ehcp", "pupils"))
    over = support + ehcp > pupils
    text = [cols[n].astype(str).str.strip().to_numpy(dtype=object) for n in ("sen_support", "ehcp", "pupils")]
    return np.array([f"SEN support {a} and EHC plans {b} together are more than pupils {c}" if o else None
                     for o, a, b, c in zip(over, *text)], dtype=object)


def _year_label(year):
    """'2018/19' for --year 2018, so the vintage names the academic year as the file's readers know it."""
    return f"{year}/{(year + 1) % 100:02d}" if year is not None else None
