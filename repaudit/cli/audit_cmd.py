"""`repaudit audit`, `repaudit trusts`, `repaudit segregation`: parse options, audit, echo the rankings."""
import click

from ..auditing import models, tables
from ..auditing.command import audit_to_files
from ..auditing.indicators import INDICATORS
from ..auditing.settings import GENERAL
from ..disclosure import for_sharing
from ..errors import RepauditError
from ..options import db_option
from ..results import FORMATS
from . import cli


def _params(pairs) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise RepauditError(f"--param takes KEY=VALUE (e.g. k=15 or selective.m=5); got '{pair}'")
        text = value.strip()
        try:
            out[key.strip()] = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            out[key.strip()] = text
    return out


def _models_help() -> str:
    return "\n\n".join("\b\n" + models.describe(models.get(name)) for name in models.names())


def audit_options(f):
    """The options every audit view shares (what to audit and how)."""
    decorators = [
        click.option("--indicator", "-i", "indicators", multiple=True, default=("fsm",), show_default=True,
                     help=f"Indicator(s): {', '.join(INDICATORS)} or all; repeat or comma-separate."),
        click.option("--community", "-c", default=models.DEFAULT, show_default=True,
                     type=click.Choice(models.names()), help="Community model (see MODELS below)."),
        click.option("--phase", type=click.Choice(["primary", "secondary"]), help="Audit one phase only."),
        click.option("--region", help="Region name, e.g. 'South East'."),
        click.option("--la", help="Local authority: name, old code (846) or ONS code (E06000043)."),
        click.option("--trust", help="Trust name or code (or 'LA maintained: <LA>')."),
        click.option("--type", "school_type", help="School type as GIAS names it, e.g. 'Academy converter'."),
        click.option("--selective/--non-selective", default=None, help="Only selective (grammar) or only "
                     "non-selective schools."),
        click.option("--faith/--no-faith", default=None, help="Only schools with, or without, a religious character."),
        click.option("--years", default=3, show_default=True, type=click.IntRange(1, 20),
                     help="Pool the last N years with data."),
        click.option("--include-non-entry", is_flag=True, help="Also audit secondary schools that admit no "
                     "Year 7 (16-19 schools, UTCs, studio schools, entry at 14), excluded by default."),
        click.option("--include", "include", multiple=True, metavar="new,boarding",
                     help="Also audit schools excluded by default as not comparable: new (pupils in only one or "
                          "two year groups) and/or boarding (state boarding schools, a quarter or more boarders)."),
        click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                     help="Model or audit parameter, e.g. k=15, selective.m=5, min_trust_schools=5."),
        click.option("--overdispersion", is_flag=True,
                     help="No longer needed: flags allow for over-dispersion by default (additive random effects); "
                          "-p overdispersion=multiplicative|none for the other limits."),
        click.option("--top", default=10, show_default=True, type=click.IntRange(0), help="Rows of each ranking to show."),
        click.option("--unsuppressed", is_flag=True,
                     help="Show and write small counts of private data (CIN, flows) for internal use only."),
        db_option,
    ]
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


robustness_option = click.option(
    "--robustness/--no-robustness", default=True, show_default=True,
    help="Also audit with every other public community model the data allow and give each school "
         "models_flagged of models_run and its gap range across them (--no-robustness: faster).")


RETIRED_OVERDISPERSION = ("note: --overdispersion is no longer needed: funnel limits allow for over-dispersion by "
                          "default (additive random-effects term, docs/methodology.md); -p overdispersion="
                          "multiplicative gives the old z / sqrt(phi) limits, -p overdispersion=none the plain "
                          "binomial ones.")


def _run(indicators, community, params, overdispersion, db, **options):
    p = _params(params)
    if overdispersion:
        click.echo(RETIRED_OVERDISPERSION, err=True)
    return audit_to_files(db, indicators=list(indicators), community=community, params=p, **options)


EPILOG = ("Every formula, default and reference, the community models and their known biases, and how to read "
          "flags and intervals: docs/methodology.md in the repaudit repository.\n\n"
          "\b\nMODELS (parameters and their defaults; faith and selective schools have their own):\n\n"
          + _models_help() + "\n\n\b\nAUDIT-WIDE PARAMETERS:\n"
          + "\n".join(f"  {k} = {v!r}: {h}" for k, (v, h) in GENERAL.items()))


@cli.command("audit", epilog=EPILOG + "\n\n\b\nExamples:\n"
             "  repaudit audit\n"
             "  repaudit audit --indicator fsm,sen_support --community residential --phase secondary "
             "--format csv,xlsx\n"
             "  repaudit audit --community nearby-schools -p k=15 -p selective.k=30 --la 'Brighton and Hove'\n"
             "  repaudit audit --phase secondary --selective --community residential\n"
             "  repaudit audit --community flows --indicator all --out output/flows --unsuppressed")
@audit_options
@robustness_option
@click.option("--out", default="output", show_default=True, type=click.Path(file_okay=False),
              help="Folder for schools.*, trusts.*, areas.* and meta.json.")
@click.option("--format", "formats", default="csv", show_default=True,
              help=f"Comma-separated output formats: {', '.join(FORMATS)} (geojson, gpkg: school points only).")
@click.option("--map", "map_html", is_flag=True, help="Also write the interactive map (map.html).")
@click.option("--report", "report_html", is_flag=True, help="Also write the shareable report (report.html).")
def audit_command(top, unsuppressed, out, formats, map_html, report_html, **options):
    """Audit how representative each school's intake is of its local community; write schools.*, trusts.*
    and areas.* into --out and print the top of each ranking.

    `flag` answers "is this school unusual among schools?" (funnel limits allowing for over-dispersion);
    `beyond_chance_flag` answers "does it differ from its community beyond chance?" (plain binomial).
    Schools are ranked on the shrunken (empirical-Bayes) gap with its 95% posterior interval."""
    result, paths = _run(out=out, formats=formats, map_html=map_html, report_html=report_html,
                         unsuppressed=unsuppressed, **options)
    click.echo(tables.summary(for_sharing(result, unsuppressed), top))
    click.echo("Wrote " + ", ".join(str(p) for p in paths))


@cli.command("trusts", epilog=EPILOG + "\n\n\b\nExamples:\n"
             "  repaudit trusts\n"
             "  repaudit trusts --phase secondary --community residential -p min_trust_schools=5 --top 20")
@audit_options
def trusts_command(top, unsuppressed, **options):
    """Rank academy trusts (and each LA's maintained schools, for comparison) by how representative
    their schools' intakes are: pupil-weighted gap, shortfall, pooled z, schools below the funnel."""
    result, _ = _run(out=None, unsuppressed=unsuppressed, robustness=False, **options)
    click.echo(tables.summary(for_sharing(result, unsuppressed), top, sections=("trusts",)))


@cli.command("segregation", epilog=EPILOG + "\n\n\b\nExamples:\n"
             "  repaudit segregation --phase secondary\n"
             "  repaudit segregation --indicator all --region 'South East' --top 20")
@audit_options
def segregation_command(top, unsuppressed, **options):
    """Segregation indices by LA and region: raw dissimilarity D, bias-corrected D with its bootstrap
    interval, D under random allocation, a school-resampling interval, Gorard GS and isolation
    (docs/methodology.md). D is "not defined" for one school or when no or every pupil is in the group."""
    result, _ = _run(out=None, unsuppressed=unsuppressed, robustness=False, **options)
    click.echo(tables.summary(for_sharing(result, unsuppressed), top, sections=("areas",)))
