"""GIAS links file (links_edubasealldataYYYYMMDD.csv): predecessor and successor URNs of each school."""
from pathlib import Path

import pandas as pd

from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, uses
from .reader import parse_date, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import parse_urns, vintage_from_name

ALIASES = {
    "urn": ["URN"],
    "link_urn": ["LinkURN", "Link URN"],
    "link_name": ["LinkName", "Link Name"],
    "link_type": ["LinkType", "Link Type"],
    "link_date": ["LinkEstablishedDate", "Link Established Date"],
}


@source("gias-links", "GIAS links: predecessor/successor URNs (links_edubasealldataYYYYMMDD.csv)",
        "repaudit load gias-links links_edubasealldata20250422.csv")
def read(path, vintage=None, **_):
    raw = read_csv_table(path)
    check_repeated_columns(raw, uses(ALIASES), "gias-links")
    cols = resolve_columns(raw, ALIASES, ["urn", "link_urn", "link_type"], "gias-links")
    urn, bad_urn = parse_urns(cols["urn"])
    link_urn, bad_link = parse_urns(cols["link_urn"])
    problems = RowProblems(raw)
    problems.flag(bad_urn | bad_link, "URN or LinkURN is not a number")
    problems.flag_long_text(cols.drop(columns=["urn", "link_urn"]))
    keep = problems.ok
    frame = pd.DataFrame({
        "urn": urn[keep].to_numpy(),
        "link_urn": link_urn[keep].to_numpy(),
        "link_name": cols["link_name"][keep].to_numpy() if "link_name" in cols else None,
        "link_type": cols["link_type"][keep].str.strip().to_numpy(),
        "link_date": parse_date(cols["link_date"][keep]).to_numpy() if "link_date" in cols else None,
    })
    good = frame.drop_duplicates(["urn", "link_urn", "link_type"])
    dupes = len(frame) - len(good)
    notes = raw.notes + ([f"{dupes} repeated link rows kept once (the repeats skipped)"] if dupes else [])
    return LoadResult("gias-links", Path(path).name, vintage or vintage_from_name(path), len(raw.frame),
                      [TableRows("school_links", good, ["urn", "link_urn", "link_type"])], problems.rejects(), notes,
                      rows_skipped=dupes)
