"""DfE school-level applications and offers ('Secondary and primary school applications and offers', the
school-level underlying data, one row per school, entry year and phase) -> school_admissions: places offered,
offers by preference rank, times the school was put 1st / 2nd / 3rd / any preference, and the number of
preferences its LA allows. The simulator takes each school's places, its popularity and each LA's number of
preferences from it, and checks itself against it. Year = the entry year (time_period 202223 -> 2022: offers
made in spring 2022 for September 2022)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, uses
from .plausibility import Bounded
from .reader import parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import URN_ALIASES, flag_bad_urns, flag_unreadable, missing_note, numbers_with_reasons, \
    vintage_from_name, years_for

SOURCE = "admissions"
COUNTS = {   # stored name -> the DfE names (the documented name first)
    "places_offered": ["total_number_places_offered"],
    "preferred_offers": ["number_preferred_offers"],
    "first_pref_offers": ["number_1st_preference_offers"],
    "second_pref_offers": ["number_2nd_preference_offers"],
    "third_pref_offers": ["number_3rd_preference_offers"],
    "times_any": ["times_put_as_any_preferred_school"],
    "times_first": ["times_put_as_1st_preference"],
    "times_second": ["times_put_as_2nd_preference"],
    "times_third": ["times_put_as_3rd_preference"],
    "from_another_la": ["all_applications_from_another_la"],
    "offers_another_la": ["offers_to_applicants_from_another_la"],
}
ALIASES = {"urn": URN_ALIASES, "year": ["time_period", "year_key", "year"], "phase": ["phase_name", "school_phase",
                                                                                     "phase"],
           "la_code": ["la_code", "old_la_code"], "preferences": ["number_of_preferences", "no_of_preferences"],
           **COUNTS}
REQUIRED = ["urn", "phase", "places_offered", "times_first", "first_pref_offers"]
COUNT = Bounded("a count of applications or offers at one school is 0 to 20,000 (the largest in the DfE files "
                "2014-2022 is under 3,000)", 0, 20_000)
PREFERENCES = Bounded("LAs allow 1 to 6 preferences (3 to 6 for secondary schools)", 1, 6, whole=True)


@source(SOURCE, "DfE school-level applications and offers: places offered, offers by preference, times put 1st/2nd/3rd",
        "repaudit load admissions appsandoffers_school_level.csv")
def read(path, vintage=None, year=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    cols = resolve_columns(table, ALIASES, REQUIRED, SOURCE)
    notes = table.notes
    problems = RowProblems(table)
    problems.flag_overflow()
    urns = flag_bad_urns(problems, cols["urn"])
    years = years_for(table, cols, year, problems, notes, SOURCE)
    phase = cols["phase"].astype(str).str.strip().str.lower()
    phase = phase.replace({"year 7": "secondary", "reception": "primary"})
    problems.flag(~phase.isin(["primary", "secondary"]).to_numpy(),
                  "phase '" + cols["phase"].astype(str) + "' is not Primary or Secondary")
    counts = [c for c in COUNTS if c in cols]
    for name in counts:
        flag_unreadable(problems, cols[name], name)
        problems.flag_rule(cols[name], COUNT, name)
    if "preferences" in cols:
        problems.flag_rule(cols["preferences"], PREFERENCES, "number_of_preferences")
    problems.flag_duplicates(pd.DataFrame({"urn": urns, "year": years, "phase": phase}), "URN, year and phase")
    keep = problems.ok

    frame = pd.DataFrame({"urn": urns[keep].to_numpy(), "year": years[keep].to_numpy(),
                          "phase": phase[keep].str.capitalize().to_numpy()})
    frame["la_code"] = cols["la_code"][keep].astype(str).str.strip().to_numpy() if "la_code" in cols else None
    frame["preferences"] = parse_number(cols["preferences"][keep]).to_numpy() if "preferences" in cols else np.nan
    for name in COUNTS:
        if name in cols:
            frame[name], reason = numbers_with_reasons(cols[name][keep])
            notes.extend(missing_note(name, reason))
        else:
            frame[name] = np.nan
    fractional = int((np.mod(frame[counts].to_numpy(float), 1) > 0).any(axis=1).sum())
    if fractional:
        notes.append(f"{fractional:,} row(s) hold fractional counts (a copy that averaged several source rows of one "
                     "school and year); kept as given")
    return LoadResult(SOURCE, Path(path).name, vintage or vintage_from_name(path), len(table.frame),
                      [TableRows("school_admissions", frame, ["urn", "year", "phase"])], problems.rejects(), notes)
