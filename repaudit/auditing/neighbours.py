"""Nearest targets of each source point: the k nearest, those within a radius, or the nearest until
their weight reaches a need (schools near schools, LSOAs near schools, schools near LSOAs).

Runs queries/nearest_pairs.sql in passes of growing radius; each pass only handles the sources not yet
satisfied, so dense cities never pay for the wide searches rural schools need.
"""
from __future__ import annotations

import pandas as pd

from .relations import materialise

FIRST_RADIUS = 2_000.0
GROWTH = 2.5


def _table(con, name: str, rows) -> None:
    """A temp table from a DataFrame or from the text of a SELECT."""
    if isinstance(rows, str):
        con.execute(f"create or replace temp table {name} as {rows}")
        return
    con.register("_np_rows", rows)
    con.execute(f"create or replace temp table {name} as select * from _np_rows")
    con.unregister("_np_rows")


def nearest(con, sources: pd.DataFrame | str, targets: pd.DataFrame | str, *, count_mode: bool,
            first_radius: float = FIRST_RADIUS, out: str = "audit_pairs") -> None:
    """Fill table OUT(src, tgt, dist, weight) with the selected targets of every source.

    sources (a DataFrame or a SELECT): src, grp, easting, northing, need (k or a weight total; NaN = everything within max_dist),
             max_dist (metres). targets (likewise): tgt, grp, easting, northing, weight.
    A source gets its targets in order of distance while the count (count_mode) or weight before each
    is below `need`, so the target that reaches the need is kept; never beyond max_dist.
    """
    _table(con, "np_pending", sources)
    _table(con, "np_targets", targets)
    con.execute(f"""create or replace temp table {out} as
        select p.src, t.tgt, 0.0::double as dist, t.weight::double as weight from np_pending p, np_targets t limit 0""")
    radius = first_radius
    largest = con.execute("select coalesce(max(max_dist), 0) from np_pending").fetchone()[0]
    while con.execute("select count(*) from np_pending").fetchone()[0]:
        radius = min(radius, largest)
        materialise(con, "np_pass", "nearest_pairs", radius=radius, count_mode=count_mode)
        con.execute(f"""insert into {out}
            select src, tgt, dist, weight from np_pass
            where complete and (need is null or isnan(need) or cum_before < need)""")
        con.execute("""delete from np_pending where src in (select src from np_pass where complete)
                       or max_dist <= ?""", [radius])
        if radius >= largest:
            break
        radius *= GROWTH
    for table in ("np_pending", "np_targets", "np_pass"):
        con.execute(f"drop table if exists {table}")
