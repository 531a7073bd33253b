"""Audit, then write the shareable files: the interactive map and/or the report (`repaudit map`,
`repaudit report`). Disclosure control is applied inside write_map and write_report."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .auditing.command import open_warehouse
from .auditing.run import audit
from .maps import write_map
from .report import write_report


@dataclass
class Published:
    """What was written (None when not asked for) and the counts a command reports."""
    map_path: Path | None
    report_path: Path | None
    audited: int
    excluded: int
    indicators: list[str]
    suppressed: bool


def audit_and_publish(db, *, map_path=None, report_path=None, unsuppressed: bool = False, top: int = 50,
                      **audit_args) -> Published:
    """Audit the warehouse DB (`repaudit.audit(wh, **audit_args)`), then write the map to MAP_PATH and/or the
    report to REPORT_PATH, whose school tables show TOP rows; the report links the map when both are written."""
    with open_warehouse(db) as wh:
        result = audit(wh, **audit_args)
        written_map = write_map(result, map_path, wh, unsuppressed=unsuppressed) if map_path else None
    written_report = (write_report(result, report_path, map_path=written_map, unsuppressed=unsuppressed, top=top)
                      if report_path else None)
    audited = set(result.schools.loc[result.schools["status"] == "audited", "urn"])
    return Published(written_map, written_report, audited=len(audited),
                     excluded=len(set(result.schools["urn"]) - audited),
                     indicators=list(result.meta.get("indicators") or []), suppressed=not unsuppressed)
