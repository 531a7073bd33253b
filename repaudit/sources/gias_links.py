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

LINK_TYPES = ("Successor", "Predecessor", "Predecessor - merged", "Successor - merged", "Sixth Form Centre School",
              "Predecessor - amalgamated", "Result of Amalgamation", "Successor - amalgamated", "Sixth Form Centre Link",
              "Successor - Split School", "Predecessor - Split School", "Other",
              "Merged - expansion in school capacity and changer in age range", "Merged - change in age range",
              "Merged - expansion of school capacity", "Expansion", "Closure")   # every LinkType GIAS uses (2025)


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
    problems.flag((urn == link_urn).fillna(False).to_numpy(dtype=bool), "URN and LinkURN are the same school")
    kind = cols["link_type"].astype(str).str.strip()
    known = {t.lower() for t in LINK_TYPES}
    problems.flag(~kind.str.lower().isin(known).to_numpy(),
                  "LinkType '" + kind + "' is not one GIAS uses (" + ", ".join(LINK_TYPES[:4]) + ", ...)")
    if "link_date" in cols:
        text = cols["link_date"].astype(str).str.strip()
        unreadable = (text != "") & parse_date(cols["link_date"]).isna()
        problems.flag(unreadable.to_numpy(), "LinkEstablishedDate '" + text + "' is not a date (dd-mm-yyyy)")
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
