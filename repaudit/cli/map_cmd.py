"""`repaudit map` and `repaudit report`: audit with the options of `repaudit audit`, then write the
interactive map or the self-contained report for sharing (disclosure control on unless --unsuppressed)."""
from pathlib import Path

import click
from click.core import ParameterSource

from ..paths import OUTPUT_DIR
from ..publish import audit_and_publish
from . import cli
from .audit_cmd import _params, audit_options, robustness_option

REPORT_ROWS = 50     # schools per ranking in the report unless --top is given


def _audit_args(params, overdispersion, indicators, **options):
    p = _params(params)
    if overdispersion:
        p["overdispersion"] = True
    return dict(params=p, indicators=list(indicators), **options)


def _size(path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def _figures(kind, png, svg) -> list:
    return [(kind, p) for p in (png, svg) if p]


def _echo(published):
    for label, path in (("Map", published.map_path), ("Report", published.report_path),
                        *(("Figure", p) for p in published.figures)):
        if path:
            click.echo(f"{label}: {path} ({_size(path)})")
    click.echo(f"{published.audited:,} schools audited, {published.excluded:,} not audited (reasons in the "
               f"{'report' if published.report_path else 'map legend'}); indicators: {', '.join(published.indicators)}; "
               + ("disclosure control applied." if published.suppressed else "UNSUPPRESSED: internal use only."))


@cli.command("map", epilog="\b\nExamples:\n"
             "  repaudit map\n"
             "  repaudit map --indicator fsm,sen_support --phase secondary --la 'Brighton and Hove'\n"
             "  repaudit map --community residential --out output/residential_map.html")
@audit_options
@robustness_option
@click.option("--out", type=click.Path(dir_okay=False), default=str(OUTPUT_DIR / "map.html"), show_default=True,
              help="HTML file to write.")
@click.option("--png", type=click.Path(dir_okay=False), help="Also draw the map as a static PNG figure (1200x675).")
@click.option("--svg", type=click.Path(dir_okay=False), help="Also draw the map as a static SVG figure.")
def map_command(top, unsuppressed, db, out, png, svg, **options):
    """Write an interactive map of the audit: schools coloured by their gap (one layer per indicator),
    community rates, catchments of flagged schools, a trust filter, search and a legend."""
    published = audit_and_publish(db, map_path=out, unsuppressed=unsuppressed, figures=_figures("map", png, svg),
                                  **_audit_args(**options))
    _echo(published)


@cli.command("report", epilog="\b\nExamples:\n"
             "  repaudit report\n"
             "  repaudit report --indicator all --phase secondary --out output/secondary.html --map output/secondary_map.html\n"
             "  repaudit report --indicator cin --community la --no-map --unsuppressed   # internal use only")
@audit_options
@robustness_option
@click.option("--out", type=click.Path(dir_okay=False), default=str(OUTPUT_DIR / "report.html"), show_default=True,
              help="HTML file to write.")
@click.option("--map", "map_out", type=click.Path(dir_okay=False),
              help="Also write the interactive map here, linked from the report [default: map.html beside it].")
@click.option("--no-map", is_flag=True, help="Write the report only.")
@click.option("--png", type=click.Path(dir_okay=False), help="Also draw the funnel plot as a static PNG figure (1200x675).")
@click.option("--svg", type=click.Path(dir_okay=False), help="Also draw the funnel plot as a static SVG figure.")
@click.pass_context
def report_command(ctx, top, unsuppressed, db, out, map_out, no_map, png, svg, **options):
    """Write one self-contained HTML report: what was audited, ranked schools and trusts, funnel plots,
    segregation indices, a map overview and plain notes on method and limits (50 schools per ranking
    unless --top says otherwise)."""
    rows = top if ctx.get_parameter_source("top") is not ParameterSource.DEFAULT else REPORT_ROWS
    map_path = None if no_map else (map_out or Path(out).with_name("map.html"))
    published = audit_and_publish(db, map_path=map_path, report_path=out, unsuppressed=unsuppressed, top=rows,
                                  figures=_figures("funnel", png, svg), **_audit_args(**options))
    _echo(published)
