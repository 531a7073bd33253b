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


def _apply_limits(ctx, param, values):
    """Parse --limit NAME=N (or REPAUDIT_LIMITS) and read every input of this command under those limits."""
    from .sources import limits

    try:
        parsed = limits.parse_limits(values or ())
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    ctx.with_resource(limits.applied(parsed))
    return parsed


limits_option = click.option(
    "--limit",
    "input_limits",
    multiple=True,
    metavar="NAME=N",
    envvar="REPAUDIT_LIMITS",
    show_envvar=True,
    callback=_apply_limits,
    expose_value=False,
    help="Raise (or lower) a limit on what an input file may expand to: bytes (500MB), rows (5e6), strings "
         "(xlsx shared strings, 5e6), features (2e5), vertices (2.5e7); e.g. --limit rows=2e7 --limit bytes=2GB.",
)
