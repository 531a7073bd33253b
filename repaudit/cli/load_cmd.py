"""`repaudit load SOURCE PATH...`: read official or user files into the warehouse."""
import click

from ..load import SOURCES, load_files, summary
from ..options import db_option, limits_option
from . import cli


def _sources_help():
    return "\n".join(f"  {s.name:<16} {s.description}" for s in sorted(SOURCES.values(), key=lambda s: s.name))


@cli.command("load", epilog="\b\nSOURCES:\n" + _sources_help() + "\n\n\b\nExamples:\n"
             "  repaudit load gias edubasealldata20250524.csv\n"
             "  repaudit load spc spc_school_level_underlying_data_2022_23.csv --db output/england.duckdb\n"
             "  repaudit load sen --year 2018 england_census.csv\n"
             "  repaudit load census performance_tables_england_census_2017_18.csv england_census_2023_24.csv\n"
             "  repaudit load cin b1_children_in_need_2013_to_2025.csv ons_mid-year_population_estimates_2012_to_2024.csv\n"
             "  repaudit load flows --year 2022 --rejects output/flows_rejects.csv npd_flows_2022.csv\n"
             "  repaudit load iod File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators.csv\n"
             "  repaudit load lsoa-boundaries --crs EPSG:27700 LSOA_2021_EW_BGC.shp\n"
             "  repaudit load catchments --urn-map catchment_urns.csv catchment_z.geojson\n"
             "  zcat flows_2022.csv.gz | repaudit load flows --year 2022 -\n"
             "  repaudit load lsoa-boundaries --limit vertices=1e8 LSOA_2021_EW_BFC.gpkg")
@click.argument("source", metavar="SOURCE")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--vintage", help="Label for the data's vintage (default: taken from the file name or contents).")
@click.option("--year", type=int, help="Year of the data when the file does not say: the academic year for sen, "
              "census, spc, cin-schools and flows (2022 = 2022/23); iod: IoD edition; population.")
@click.option("--crs", help="CRS of a geometry or centroid file that has none or a wrong one, e.g. EPSG:27700.")
@click.option("--urn-map", type=click.Path(exists=True, dir_okay=False),
              help="catchments: CSV of name,urn giving the school each catchment name belongs to.")
@click.option("--rejects", "rejects_file", type=str, metavar="FILE",
              help="Also write every rejected row (file, line, reason, raw text) to this CSV file.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Progress bars on stderr while reading large files.")
@limits_option
@db_option
def load(source, paths, vintage, year, crs, urn_map, rejects_file, progress, db):
    """Load one or more files of kind SOURCE into the warehouse (see SOURCES below).

    Every file is read and checked first, then all are stored in one transaction: if any file is refused,
    nothing is loaded and the warehouse stays as it was. Loading a file again replaces its rows. The summary accounts for
    every row: rows read = loaded + rejected + skipped (skipped rows, such as national totals, are named
    in a note). Rejected rows are kept in the warehouse table `rejects` and, with --rejects, in a CSV file.
    PATH `-` reads standard input (once). Only regular files are read, and a file that expands beyond a
    limit (--limit) is refused before it can fill the memory.
    """
    results = load_files(db, source, paths, rejects_file=rejects_file, progress=progress, vintage=vintage,
                         year=year, crs=crs, urn_map=urn_map)
    for result in results:
        for line in summary(result, db):
            click.echo(line)
