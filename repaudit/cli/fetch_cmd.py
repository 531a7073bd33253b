"""`repaudit fetch [KIND...]`: download official open files into a cache folder, then load them."""
import click

from ..fetch import DEFAULT_CACHE, KINDS, Limits, fetch, parse_bases
from ..fetch.catalogue import CATALOGUE
from ..fetch.limits import DEFAULT_MAX_DOWNLOAD, DEFAULT_MAX_EXTRACT, DEFAULT_MAX_TIME, format_size
from ..options import SIZE, db_option
from . import cli


def _catalogue_help():
    return "\n".join(f"  {e.kind:<16} {e.source:<16} {e.filename}" for e in CATALOGUE)


@cli.command("fetch", epilog="\b\nKINDS and the files they give:\n" + _catalogue_help() + "\n\n\b\nExamples:\n"
             "  repaudit fetch                                  # everything, then load it\n"
             "  repaudit fetch gias --date 2025-05-24 --no-load\n"
             "  repaudit fetch iod population --cache /data/cache --db output/england.duckdb\n"
             "  repaudit fetch --base-url http://mirror.example/ --base-url gias=http://gias-mirror.example/")
@click.argument("kinds", nargs=-1, type=click.Choice(KINDS), metavar="[KIND]...")
@click.option("--cache", "cache", metavar="DIRECTORY", default=str(DEFAULT_CACHE), show_default=True,
              help="Folder for downloaded files (one sub-folder per kind); files already there are reused.")
@click.option("--base-url", "bases", multiple=True, metavar="[KIND=]URL",
              help="A mirror serving the official paths: URL for every kind, or KIND=URL for one (repeatable).")
@click.option("--date", "date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="GIAS: start the walk back from this day instead of today.")
@click.option("--max-days-back", type=click.IntRange(0, 366), default=14, show_default=True,
              help="GIAS: how many days before --date to try for the newest daily file.")
@click.option("--max-download", type=SIZE, default=format_size(DEFAULT_MAX_DOWNLOAD).replace(" ", ""),
              show_default=True, help="Refuse a download larger than this (e.g. 500MB, 4GB).")
@click.option("--max-extract", type=SIZE, default=format_size(DEFAULT_MAX_EXTRACT).replace(" ", ""),
              show_default=True, help="Refuse a ZIP member that expands to more than this (e.g. 500MB, 4GB).")
@click.option("--max-time", type=click.IntRange(1, 7 * 24 * 3600), default=DEFAULT_MAX_TIME, show_default=True,
              metavar="SECONDS", help="Stop a file (or a paged layer) still arriving after this many seconds.")
@click.option("--no-load", is_flag=True, help="Only download; do not load into the warehouse.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show download progress bars.")
@db_option
def fetch_command(kinds, cache, bases, date, max_days_back, max_download, max_extract, max_time, no_load, progress,
                  db):
    """Download the official open files (GIAS, SPC, SEN, IoD, ONS LSOA files and LA outlines, Census population).

    Downloads go to a `.part` file renamed only when complete; a truncated download, or one larger than
    --max-download, is an error and leaves nothing behind. A ZIP is extracted only when no member could
    escape the cache, none is a link or device, and none expands past --max-extract or more than 200:1;
    a refused archive is removed from the cache. Names a mirror gives (release ids) must be plain names:
    nothing is written outside the cache. Each file must arrive within --max-time; a paged layer is
    stopped when a page repeats or the pages never end. The files are loaded in one transaction: if one
    is refused, none is loaded.
    """
    report = fetch(cache, kinds, parse_bases(bases), date.date() if date else None, max_days_back,
                   None if no_load else db, progress, Limits(max_download, max_extract, max_time=max_time))
    for f in report.files:
        click.echo(f"{f.entry.kind:<16} {f.path}  ({f.note})")
    for r in report.loads:
        tables = ", ".join(f"{t.table} ({len(t.frame):,})" for t in r.tables)
        click.echo(f"loaded {r.source_file}: {r.rows_read:,} rows read, {r.rows_rejected:,} rejected -> {tables} in {db}")
    if no_load:
        click.echo(f"{len(report.files)} files in {cache}; load them with `repaudit load SOURCE PATH` or rerun without --no-load")
