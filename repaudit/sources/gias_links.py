"""GIAS links file (links_edubasealldataYYYYMMDD.csv): predecessor and successor URNs of each school."""
from pathlib import Path

import pandas as pd

from ..warehouse import LoadResult, TableRows
from .reader import bad_numbers, parse_date, parse_number, read_csv_table, rejects_frame, resolve_columns
from .registry import source

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
    cols = resolve_columns(raw, ALIASES, ["urn", "link_urn", "link_type"], "gias-links")
    bad = bad_numbers(cols["urn"]) | bad_numbers(cols["link_urn"]) | cols["urn"].str.strip().eq("") | cols["link_urn"].str.strip().eq("")
    frame = pd.DataFrame({
        "urn": parse_number(cols["urn"]).astype("Int64"),
        "link_urn": parse_number(cols["link_urn"]).astype("Int64"),
        "link_name": cols.get("link_name"),
        "link_type": cols["link_type"].str.strip(),
        "link_date": parse_date(cols["link_date"]) if "link_date" in cols else None,
    })
    rejects = rejects_frame(raw, bad, "URN or LinkURN is not a number")
    good = frame[~bad.to_numpy()].drop_duplicates(["urn", "link_urn", "link_type"])
    dupes = len(frame[~bad.to_numpy()]) - len(good)
    notes = [f"{dupes} repeated link rows kept once"] if dupes else []
    return LoadResult("gias-links", Path(path).name, vintage or _vintage(path), len(frame),
                      [TableRows("school_links", good, ["urn", "link_urn", "link_type"])], rejects, notes)


def _vintage(path):
    import re
    m = re.search(r"(20\d{6})", Path(path).name)
    return m.group(1) if m else None
