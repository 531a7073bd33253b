"""Option bundles shared by several commands, so every command spells them the same way."""
import click

from .paths import DEFAULT_DB


class SizeType(click.ParamType):
    """A size such as 500MB or 4GB, as a number of bytes."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from .fetch.limits import parse_size

        try:
            return parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


SIZE = SizeType()

DB_ENV = "REPAUDIT_DB"

db_option = click.option(
    "--db",
    "db",
    type=str,                     # checked by the warehouse (folder, not DuckDB, NUL), which names the path
    metavar="FILE",
    default=str(DEFAULT_DB),
    envvar=DB_ENV,
    show_envvar=True,
    show_default=True,
    help=f"DuckDB warehouse file (set {DB_ENV} to use another by default).",
)
