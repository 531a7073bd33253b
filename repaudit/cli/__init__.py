"""The `repaudit` command: a thin Click layer that parses options, calls the library and echoes."""
import os
import sys

import click

from .. import __version__
from ..errors import RepauditError


class RepauditGroup(click.Group):
    """Turns library errors into a one-paragraph message and exit code 1, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RepauditError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)       # the reader (e.g. `| head`) has gone: stop quietly
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as exc:
            if os.environ.get("REPAUDIT_DEBUG"):
                raise
            click.echo(
                f"Error: unexpected failure ({type(exc).__name__}: {exc}). This is a bug in repaudit, not in your "
                "input; please report it. Set REPAUDIT_DEBUG=1 to see the traceback.",
                err=True,
            )
            sys.exit(2)


@click.group(cls=RepauditGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="repaudit")
def cli():
    """Audit how representative each English school's intake is of its local community.

    \b
    Quick start (synthetic sample region, bundled):
      repaudit load-sample
      repaudit audit --map --report
    \b
    On real open data:
      repaudit load gias edubasealldata20250524.csv
      repaudit load spc spc_school_level_underlying_data.csv
      repaudit audit --indicator fsm --community nearby-schools --phase secondary
    """


def main():
    cli(prog_name="repaudit")


from . import load_cmd  # noqa: E402,F401  (registers commands on `cli`)
from . import sample_cmd, load_sample_cmd  # noqa: E402,F401
from . import fetch_cmd  # noqa: E402,F401
from . import audit_cmd  # noqa: E402,F401
from . import map_cmd  # noqa: E402,F401
from . import simulate_cmd  # noqa: E402,F401
from . import validate_cmd  # noqa: E402,F401
