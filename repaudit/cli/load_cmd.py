"""`repaudit load SOURCE PATH...`: read official or user files into the warehouse."""
import click

from ..load import SOURCES, load_file
from ..options import db_option
from ..warehouse import Warehouse
from . import cli


def _sources_help():
    return "\n".join(f"  {s.name:<16} {s.description}" for s in sorted(SOURCES.values(), key=lambda s: s.name))


@cli.command("load", epilog="\b\nSOURCES:\n" + _sources_help() + "\n\n\b\nExamples:\n"
             "  repaudit load gias edubasealldata20250524.csv\n"
             "  repaudit load spc spc_school_level_underlying_data_2022_23.csv --db output/england.duckdb")
@click.argument("source", metavar="SOURCE")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--vintage", help="Label for the data's vintage (default: taken from the file name or contents).")
@click.option("--year", type=int, help="Year of the data when the file does not say (iod: IoD edition; population).")
@click.option("--crs", help="CRS of a geometry or centroid file that has none or a wrong one, e.g. EPSG:27700.")
@click.option("--urn-map", type=click.Path(exists=True, dir_okay=False),
              help="catchments: CSV of name,urn giving the school each catchment name belongs to.")
@db_option
def load(source, paths, vintage, year, crs, urn_map, db):
    """Load one or more files of kind SOURCE into the warehouse (see SOURCES below)."""
    given = {k: v for k, v in {"year": year, "crs": crs, "urn_map": urn_map}.items() if v is not None}
    with Warehouse(db) as wh:
        for path in paths:
            result = load_file(wh, source, path, vintage=vintage, **given)
            click.echo(
                f"{result.source_file}: {result.rows_read} rows read, {result.rows_loaded} loaded, "
                f"{result.rows_rejected} rejected -> {', '.join(t.table for t in result.tables)} in {db}"
            )
            for note in result.notes:
                click.echo(f"  note: {note}")
