"""`repaudit site`: audit with the options of `repaudit audit`, then write the static site folder."""
import sys

import click

from ..auditing.command import open_warehouse
from ..auditing.run import audit
from ..errors import RepauditError
from ..output_set import OutputFolder
from ..paths import OUTPUT_DIR
from ..site import build_site
from . import cli
from .audit_cmd import audit_options, robustness_option
from .map_cmd import _audit_args


def _audit_with_bar(wh, show: bool, args: dict):
    """The audit, with a progress bar advancing as each community model's audit ends."""
    from tqdm import tqdm

    from ..auditing import models
    names = models.public_names()
    total = len(names) + (args.get("community") not in names) if args.get("robustness") else 1
    started = []

    def step(name):
        if started:
            bar.update()
        started.append(name)
        bar.set_postfix_str(name)

    with tqdm(total=total, unit="model", desc="Auditing", disable=not show, leave=False, file=sys.stderr) as bar:
        result = audit(wh, step=step, **args)
        bar.update(total - bar.n)
    return result


@cli.command("site", epilog="\b\nExamples:\n"
             "  repaudit site\n"
             "  repaudit site --db output/england.duckdb --phase secondary --out output/site-secondary")
@audit_options
@robustness_option
@click.option("--out", type=click.Path(file_okay=True), default=str(OUTPUT_DIR / "site"), show_default=True,
              help="Folder to write the site into: new, empty or an earlier site, replaced only when the new site is "
                   "complete (a link to a folder is kept and the folder it points to replaced).")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar [default: when run in a terminal].")
def site_command(top, unsuppressed, db, out, progress, **options):
    """Write a static site: an England index (summary, every LA and trust ranked, search), one page per local
    authority (findings, map, schools, segregation against region and England, trusts; la/<LA code>/), one
    page per trust, each with its CSV, data years, model and disclosure note, and one page per flagged school
    (its card), linked from its LA's report and map and from its trust. Works from disk or any static host."""
    if unsuppressed:
        raise RepauditError("the site is for sharing, so disclosure control always applies: leave out --unsuppressed")
    show = sys.stderr.isatty() if progress is None else progress
    OutputFolder(out, kind="site")                    # refuse a place the site cannot go before auditing
    with open_warehouse(db) as wh:
        click.echo("Auditing every school" + (" under every public community model the data allow"
                                             if options.get("robustness", True) else "") + "...", err=True)
        result = _audit_with_bar(wh, show, _audit_args(**options))
        click.echo("Writing the site's pages...", err=True)
        site = build_site(result, out, wh, progress=show)
    las = f"{site.la_pages:,} local authorit{'y' if site.la_pages == 1 else 'ies'}"
    trusts = f"{site.trust_pages:,} trust{'' if site.trust_pages == 1 else 's'}"
    click.echo(f"Site: {site.folder}/index.html - {site.pages:,} pages ({las}, {trusts}), {site.bytes / 1e6:.1f} MB, "
               f"{site.seconds:.0f} s")
    for note in site.notes:
        click.echo(f"note: {note}")
