"""`repaudit school`: one school's card, in the terminal or as a page to share."""
from pathlib import Path

import click

from ..auditing import models
from ..auditing.command import open_warehouse
from ..options import db_option
from ..output_set import OutputSet
from ..report.card import card_page, card_text, school_card
from . import cli
from .audit_cmd import _params


@cli.command("school", epilog="\b\nExamples:\n"
             "  repaudit school Varndean\n"
             "  repaudit school 114606 --db output/england.duckdb\n"
             "  repaudit school 'King Edward VI Grammar' --html output/king_edward.html")
@click.argument("query", metavar="NAME|URN")
@click.option("--community", "-c", default=models.DEFAULT, show_default=True, type=click.Choice(models.names()),
              help="The community model of the headline result (every public model is shown below it).")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Model or audit parameter, as for `repaudit audit`.")
@click.option("--html", "html", type=click.Path(dir_okay=False), help="Also write the card as a page to share.")
@click.option("--simulation", type=click.Path(file_okay=False), metavar="DIR",
              help="Folder of a `repaudit simulate --what-would-it-take` run to show the school's result from "
                   "[default: output/simulate].")
@click.option("--unsuppressed", is_flag=True, help="Show small counts of private data (internal use only).")
@db_option
def school_command(query, community, params, html, simulation, unsuppressed, db):
    """One school's card: for every indicator, its intake against its community under the chosen model, how
    many of the public community models put it below its community (and its result under each), and its rank
    among the schools of its local authority and phase. NAME may be any case or the start of a name; an
    ambiguous or unknown name lists the closest schools with their URNs."""
    with open_warehouse(db) as wh:
        card = school_card(wh, query, community, _params(params), unsuppressed, simulation)
    click.echo(card_text(card), nl=False)
    if html:
        path = Path(html)
        out = OutputSet(path.parent)
        out.check(path)
        with out:
            out.write_text(path, card_page(card))
        click.echo(f"Wrote {path}")
