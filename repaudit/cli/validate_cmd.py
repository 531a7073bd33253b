"""`repaudit validate`: audit the same schools under every community model and compare them."""
import click

from ..auditing import models, residence
from ..auditing.command import open_warehouse
from ..auditing.indicators import INDICATORS
from ..auditing.validation import compare_models, output_files, summary, write
from ..errors import RepauditError
from ..options import db_option
from . import cli
from .audit_cmd import _params


@cli.command("validate", epilog="\b\nExamples:\n"
             "  repaudit validate --phase secondary\n"
             "  repaudit validate --indicator fsm --phase primary --region 'North East'\n"
             "  repaudit validate --community nearby-schools,residential,proximity --out output/validate\n"
             "  repaudit validate --flows npd_flows_2022.csv\n"
             "  repaudit validate --flows gla_london_schools_atlas_sec_school_to_lsoa_2016_part_a.csv.gz "
             "--flows-year 2014")
@click.option("--indicator", "-i", default="fsm", show_default=True, type=click.Choice(list(INDICATORS)),
              help="The indicator to compare the models on.")
@click.option("--community", "-c", "community", default="", metavar="MODEL,...",
              help=f"Models to compare, comma-separated (default: every model: {', '.join(models.names())}).")
@click.option("--phase", type=click.Choice(["primary", "secondary", "all"]), default="secondary", show_default=True,
              help="Phase of the schools compared.")
@click.option("--region", help="Region name, e.g. 'South East'.")
@click.option("--la", help="Local authority: name, old code (846) or ONS code (E06000043).")
@click.option("--years", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Pool the last N years with data.")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Model or audit parameter, as for `repaudit audit`.")
@click.option("--flows", "flows_file", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Residence flows (an NPD extract or the London Schools Atlas, in the format of `repaudit load "
              "flows`): also check every public model against where the pupils of these schools live (the "
              "warehouse is not changed).")
@click.option("--flows-year", type=int, help="Academic year of the --flows file when it has no year column "
              "(2014 for the Atlas's January 2015 census).")
@click.option("--out", type=click.Path(file_okay=False), help="Also write validation_models.csv and "
              "validation_pairs.csv (and, with --flows, validation_residence.csv) into this folder (new, empty "
              "or an earlier validation's).")
@db_option
def validate_command(indicator, community, phase, region, la, years, params, flows_file, flows_year, out, db):
    """Compare the community models on the loaded data: per model the share of schools flagged, phi and tau,
    and the grammar schools' mean gap; per pair of models the correlation of their gaps and ranks and how
    many schools change flag. A conclusion that holds under every model is robust to the choice of model
    (docs/methodology.md in the repaudit repository explains each model and its known biases). With --flows,
    also check each public model against where the pupils of the schools in FILE live: the correlation and
    mean absolute error of its community rate and gaps against the residence-based community, and the
    grammar schools' mean gap under each."""
    chosen = [c.strip() for c in community.split(",") if c.strip()] or None
    unknown = [c for c in chosen or [] if c not in models.names()]
    if unknown:
        raise RepauditError(f"--community: unknown model(s) {', '.join(unknown)}; choose from "
                            f"{', '.join(models.names())} (comma-separated)")
    files = output_files(out) if out else None
    with open_warehouse(db) as wh:
        result = compare_models(wh, indicator, chosen, None if phase == "all" else phase, _params(params),
                                region=region, la=la, years=years)
        if flows_file:
            described = residence.use_flows_file(wh, flows_file, flows_year)
            result["residence"] = residence.residence_check(wh, indicator, chosen, None if phase == "all" else phase,
                                                            _params(params), region=region, la=la, years=years)
    click.echo(summary(result))
    if flows_file:
        click.echo(residence.summary(result["residence"], described))
    if files is not None:
        click.echo("Wrote " + ", ".join(str(p) for p in write(result, files)))
