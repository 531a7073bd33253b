"""`repaudit load-sample`: load the bundled synthetic sample region into the warehouse."""
import click

from ..load import commit, summary
from ..options import db_option
from ..paths import SAMPLE_DIR
from ..sample import read_sample
from ..warehouse import Warehouse, check_warehouse_path
from . import cli


@cli.command("load-sample", epilog="\b\nExamples:\n  repaudit load-sample\n"
             "  repaudit load-sample --db output/sample.duckdb")
@db_option
def load_sample_command(db):
    """Load every file of the bundled synthetic region (repaudit/sample_data) into the warehouse.

    Each file goes through `repaudit load` with its SOURCE, all in one transaction; the summary says what
    went into which table. Nothing in the sample is real (see SYNTHETIC.md in the sample folder).
    """
    check_warehouse_path(db)
    results = commit(db, read_sample())
    tables = sorted({t.table for r in results for t in r.tables})
    with Warehouse(db, read_only=True) as wh:
        held = {t: wh.count(t) for t in tables}
    click.echo(f"Loaded the synthetic sample region from {SAMPLE_DIR} into {db}:")
    for r in results:
        first, *notes = summary(r, db)
        click.echo(f"  {r.source:<16} {first}")
        for note in notes:
            click.echo(f"  {'':<16}{note}")
    click.echo("Warehouse tables now: " + ", ".join(f"{t} {n:,}" for t, n in held.items()))
