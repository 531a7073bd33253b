"""Audit, then write the shareable files: the interactive map and/or the report (`repaudit map`,
`repaudit report`). Disclosure control is applied inside the page builders; both files carry one run id
and appear together or not at all."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .auditing.command import open_warehouse
from .auditing.run import audit
from .maps import map_page
from .output_set import OutputSet, distinct
from .report import report_page
from .report.build import map_href


@dataclass
class Published:
    """What was written (None when not asked for) and the counts a command reports."""
    map_path: Path | None
    report_path: Path | None
    audited: int
    excluded: int
    indicators: list[str]
    suppressed: bool
    run_id: str = ""
    figures: tuple = ()


def audit_and_publish(db, *, map_path=None, report_path=None, unsuppressed: bool = False, top: int = 50,
                      figures=(), **audit_args) -> Published:
    """Audit the warehouse DB (`repaudit.audit(wh, **audit_args)`), then write the map to MAP_PATH and/or the
    report to REPORT_PATH, whose school tables show TOP rows; the report links the map when both are written.
    FIGURES: (kind 'map' or 'funnel', path .png or .svg) static figures written in the same set."""
    from .figures import figure_format, funnel_figure, map_figure
    formats = [(kind, Path(p), figure_format(p)) for kind, p in figures]
    map_path = Path(map_path) if map_path else None
    report_path = Path(report_path) if report_path else None
    distinct({"--out": report_path or map_path, "--map": map_path if report_path else None,
              **{f"--{fmt}": path for _, path, fmt in formats}})
    first = report_path or map_path or (formats[0][1] if formats else Path("."))
    files = OutputSet(first.parent)
    for path in (map_path, report_path, *(path for _, path, _ in formats)):
        if path is not None:
            files.check(path)
    with files:
        with open_warehouse(db) as wh:
            result = audit(wh, **audit_args)
            if map_path:
                files.write_text(map_path, map_page(result, wh, unsuppressed=unsuppressed, run_id=files.run_id))
        if report_path:
            files.write_text(report_path, report_page(result, map_href=map_href(map_path, report_path),
                                                      unsuppressed=unsuppressed, top=top, run_id=files.run_id))
        for kind, path, fmt in formats:
            draw = map_figure if kind == "map" else funnel_figure
            draw(result, files.path(path), unsuppressed=unsuppressed, fmt=fmt)
    audited = set(result.schools.loc[result.schools["status"] == "audited", "urn"])
    return Published(map_path, report_path, audited=len(audited),
                     excluded=len(set(result.schools["urn"]) - audited),
                     indicators=list(result.meta.get("indicators") or []), suppressed=not unsuppressed,
                     run_id=files.run_id, figures=tuple(path for _, path, _ in formats))
