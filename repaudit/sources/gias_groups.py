"""GIAS group links (allgroupslinks / links to trusts, federations, sponsors) -> trust_membership: which
group each school belongs to. Accepts the download's headers ('Group UID', 'Group Type', 'Joined date') and
the '(name)' spellings; a repeated (URN, Group UID) pair keeps its first row, the others go to rejects."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, uses
from .reader import read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import URN_ALIASES, column_values, flag_bad_urns, known_dates, vintage_from_name

SOURCE = "gias-groups"
ALIASES = {
    "urn": URN_ALIASES,
    "group_uid": ["Group UID", "GroupUID", "Trusts (code)", "group_uid"],
    "group_id": ["Group ID", "GroupID", "group_id"],
    "group_name": ["Group Name", "GroupName", "Group Name (name)", "group_name"],
    "group_type": ["Group Type", "Group Type (name)", "GroupType (name)", "group_type"],
    "group_status": ["Group Status", "Group Status (name)", "GroupStatus (name)", "group_status"],
    "joined_date": ["Joined date", "Joined Date", "JoinedDate", "Date joined", "joined_date"],
}


@source(SOURCE, "GIAS group links: school -> trust / federation / sponsor (allgroupslinks.csv)",
        "repaudit load gias-groups allgroupslinks20250524.csv")
def read(path, vintage=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    cols = resolve_columns(table, ALIASES, ["urn", "group_uid"], SOURCE)
    problems = RowProblems(table)
    problems.flag_overflow()
    urns = flag_bad_urns(problems, cols["urn"], table.notes)
    uid = cols["group_uid"].astype(str).str.strip()
    problems.flag(uid.eq("").to_numpy(), "Group UID is empty")
    problems.flag_long_text(cols.drop(columns=["urn"]))
    problems.flag_duplicates(pd.DataFrame({"urn": urns, "group_uid": uid}), "URN and Group UID")
    keep = problems.ok

    frame = pd.DataFrame({"urn": urns[keep].to_numpy(), "group_uid": uid[keep].to_numpy()})
    for name in ("group_id", "group_name", "group_type", "group_status"):
        frame[name] = column_values(cols, name, keep)
    notes = table.notes
    if "joined_date" in cols:
        frame["joined_date"] = known_dates(cols["joined_date"][keep], "joined date", notes, table.path,
                                            table.line[keep])
    return LoadResult(SOURCE, Path(path).name, vintage or vintage_from_name(path), len(table.frame),
                      [TableRows("trust_membership", frame, ["urn", "group_uid"])], problems.rejects(), notes)

