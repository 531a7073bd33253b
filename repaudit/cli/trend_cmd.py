"""`repaudit trend`: the gap of each school in every census year under one community model, change and slope,
trusts before and after joining, D by year per LA and England; tables, trend.html and a site."""
import click

from ..auditing import models
from ..auditing.command import open_warehouse, origin
from ..auditing.indicators import INDICATORS
from ..options import db_option
from ..results import FORMATS
from ..trends import trend
from ..trends.summary import lines
from ..trends.write import write, write_site
from . import cli
from .audit_cmd import _params


@cli.command("trend", epilog="Formulas, the over-dispersion allowance of the slope test and the definition breaks: "
             "docs/methodology.md, 'Years, series and breaks'.\n\n\b\nExamples:\n"
             "  repaudit trend --db output/england.duckdb --phase secondary\n"
             "  repaudit trend --indicator all --la 'Brighton and Hove' --report --out output/trend-bh\n"
             "  repaudit trend --phase secondary --site output/trend-site")
@click.option("--indicator", "-i", "indicators", multiple=True, default=("fsm",), show_default=True,
              help=f"Indicator(s): {', '.join(n for n, i in INDICATORS.items() if not i.private)} or all.")
@click.option("--community", "-c", default="nearby-schools", show_default=True, type=click.Choice(models.names()),
              help="Community model, the same in every year.")
@click.option("--phase", type=click.Choice(["primary", "secondary"]), help="One phase only.")
@click.option("--region", help="Region name, e.g. 'South East'.")
@click.option("--la", help="Local authority: name, old code (846) or ONS code (E06000043).")
@click.option("--trust", help="Trust name or code.")
@click.option("--years", default=20, show_default=True, type=click.IntRange(2, 50),
              help="The last N census years with data (default: every year loaded).")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Model or audit parameter, as for `repaudit audit`.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(0), help="Schools to list.")
@click.option("--out", default="output/trend", show_default=True, type=click.Path(file_okay=False),
              help="Folder for trend_*.csv (and other formats), meta.json and trend.html.")
@click.option("--format", "formats", default="csv", show_default=True,
              help=f"Comma-separated output formats: {', '.join(f for f in FORMATS if f not in ('geojson', 'gpkg'))}.")
@click.option("--report", "report_html", is_flag=True, help="Also write trend.html (charts, no JavaScript needed).")
@click.option("--site", "site_dir", type=click.Path(file_okay=False),
              help="Also write a site folder: index.html and a page per LA charting every school.")
@db_option
def trend_command(indicators, params, top, out, formats, report_html, site_dir, db, **options):
    """Is it getting better or worse? Per school: the gap in each census year under the same community model
    (following the school across academy conversion through GIAS links), the change since its first year with a
    95% interval and a slope test allowing for the same over-dispersion as the flags; per trust: before and
    after each school joined; per LA and England: D and its excess over random allocation by year. Series that
    cross a change in what is counted say so (definition_breaks)."""
    with open_warehouse(db) as wh:
        result = trend(wh, indicators=list(indicators), params=_params(params), **options)
    paths = write(result, out, formats, report_html=report_html, origin=origin(db, result))
    click.echo("\n".join(lines(result, top)))
    click.echo("Wrote " + ", ".join(str(p) for p in paths))
    if site_dir:
        pages = write_site(result, site_dir)
        click.echo(f"Site: {pages[-1]} ({len(pages):,} pages: England and every local authority)")
