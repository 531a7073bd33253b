"""Site benchmark on the real national files: audit, then `repaudit site`, timing each and measuring the folder.

    .venv/bin/python bench/real_warehouse.py /tmp/england.duckdb     # once: every real file (about 1 minute)
    .venv/bin/python bench/site_bench.py /tmp/england.duckdb /tmp/site

Measured on 2026-12-06 (2 shared cores, other jobs running), FSM, nearby-schools, 2022/23, every public model
compared (as `repaudit site` does): site 6,915 pages (153 local authorities with audited schools, each with its
report and map; 2,306 trusts; 4,302 flagged schools; index) in 36 to 41 s, 72.1 MB; `repaudit site` in all 70 s (main before: 154 s).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.auditing.command import open_warehouse  # noqa: E402
from repaudit.auditing.run import audit  # noqa: E402
from repaudit.site import build_site  # noqa: E402


def main(db: str, out: str) -> None:
    with open_warehouse(db) as wh:
        start = time.perf_counter()
        result = audit(wh, robustness=True)       # as `repaudit site` does: every public model compared
        audited = time.perf_counter() - start
        site = build_site(result, out, wh, progress=True)
    print(f"audit {audited:.0f} s; site {site.pages:,} pages ({site.la_pages} LAs, {site.trust_pages:,} trusts) "
          f"in {site.seconds:.0f} s, {site.bytes / 1e6:.1f} MB at {site.folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/england.duckdb", sys.argv[2] if len(sys.argv) > 2 else "/tmp/site")
