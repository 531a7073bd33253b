"""Option bundles shared by several commands, so every command spells them the same way."""
import click

from .paths import DEFAULT_DB

db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=str(DEFAULT_DB),
    show_default=True,
    help="DuckDB warehouse file.",
)
