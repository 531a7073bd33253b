"""What the `repaudit audit`, `trusts` and `segregation` commands do, as library functions the tests
call too: open the warehouse, audit, write the files (and the map and report when asked)."""
from __future__ import annotations

from pathlib import Path

from ..errors import WarehouseError
from ..warehouse import Warehouse
from .run import audit


def open_warehouse(db) -> Warehouse:
    """The warehouse at DB, read-only (several audits may run at once); an error if there is none."""
    if str(db) != ":memory:" and not Path(db).exists():
        raise WarehouseError(f"no warehouse at {db}: load data first (`repaudit load SOURCE FILE --db {db}`) "
                             "or run `repaudit load-sample`")
    return Warehouse(db, read_only=True)


def audit_to_files(db, out=None, formats=("csv",), *, map_html=False, report_html=False, unsuppressed=False,
                   **options):
    """Audit the warehouse DB with OPTIONS (see repaudit.audit); write the tables into OUT (unless None)
    and, when asked, map.html and report.html. Returns (result, paths written)."""
    from .. import results

    with open_warehouse(db) as wh:
        result = audit(wh, **options)
        paths = results.write(result, out, formats, unsuppressed=unsuppressed) if out is not None else []
        if map_html or report_html:
            out_dir = Path(out if out is not None else "output")
            out_dir.mkdir(parents=True, exist_ok=True)
            map_path = None
            if map_html:
                from ..maps import write_map

                map_path = write_map(result, out_dir / "map.html", wh, unsuppressed=unsuppressed)
                paths.append(map_path)
            if report_html:
                from ..report import write_report

                paths.append(write_report(result, out_dir / "report.html", map_path=map_path,
                                          unsuppressed=unsuppressed))
    return result, paths
