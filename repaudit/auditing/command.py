"""What the `repaudit audit`, `trusts` and `segregation` commands do, as library functions the tests
call too: open the warehouse, audit, write the files (and the map and report when asked)."""
from __future__ import annotations

from pathlib import Path

from ..errors import WarehouseError
from ..output_set import OutputSet
from ..warehouse import Warehouse
from .run import audit


def open_warehouse(db) -> Warehouse:
    """The warehouse at DB, read-only (several audits may run at once); an error if there is none."""
    if str(db) != ":memory:" and not Path(db).exists():
        raise WarehouseError(f"no warehouse at {db}: load data first (`repaudit load SOURCE FILE --db {db}`) "
                             "or run `repaudit load-sample`")
    return Warehouse(db, read_only=True)


def origin(db, result) -> dict:
    """What a run of the audit read, as meta.json records it: the warehouse file and the community model."""
    return {"warehouse": str(db) if str(db) == ":memory:" else str(Path(db).resolve()),
            "community_model": result.meta.get("community_model")}


def audit_to_files(db, out=None, formats=("csv",), *, map_html=False, report_html=False, unsuppressed=False,
                   **options):
    """Audit the warehouse DB with OPTIONS (see repaudit.audit); write the tables into OUT (unless None)
    and, when asked, map.html and report.html, all or nothing (repaudit.output_set): a failure leaves the
    folder as it was. Returns (result, paths written); notes about files of other runs left in the folder
    are added to the result's notes."""
    from .. import results

    files = None
    if out is not None or map_html or report_html:
        out_dir = Path(out if out is not None else "output")
        files = OutputSet(out_dir, family=results.file_names() + ["map.html", "report.html"], kind="audit")
    with open_warehouse(db) as wh:
        result = audit(wh, **options)
        if files is None:
            return result, []
        files.origin = {k: v for k, v in origin(db, result).items() if v is not None}
        with files:
            tables = {}
            if out is not None:
                results.write(result, out_dir, formats, unsuppressed=unsuppressed, files=files)
                tables = {name: name for name in results.file_names() if name.rsplit(".", 1)[1] in results.parse_formats(formats)}
            map_path = out_dir / "map.html" if map_html else None
            if map_html:
                from ..maps import map_page      # folium: imported only for a map
                files.write_text("map.html", map_page(result, wh, unsuppressed=unsuppressed, run_id=files.run_id))
            if report_html:
                from ..report.build import map_href, report_page
                files.write_text("report.html", report_page(
                    result, map_href=map_href(map_path, out_dir / "report.html"), unsuppressed=unsuppressed,
                    run_id=files.run_id, tables=tables))
    if files.notes:
        result.meta = {**result.meta, "notes": [*(result.meta.get("notes") or []), *files.notes]}
    return result, files.written
