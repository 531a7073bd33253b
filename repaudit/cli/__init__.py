"""The `repaudit` command: a thin Click layer that parses options, calls the library and echoes."""
import os
import signal
import sys
import threading
from contextlib import contextmanager

from ..errors import explain, is_interrupt   # standard library only: imported before anything Ctrl-C could stop


@contextmanager
def interrupt_exits():
    """Ctrl-C, whether Python or a running DuckDB query sees it, ends the command with 'Interrupted.' and 130."""
    try:
        yield
    except BaseException as exc:
        if not is_interrupt(exc):
            raise
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)


class CtrlC:
    """Remembers a Ctrl-C while a command runs, even when a library turns the KeyboardInterrupt it raised into an
    error of its own (DuckDB does, while converting a data frame)."""

    def __init__(self):
        self.seen, self.previous = False, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._pressed)
        return self

    def _pressed(self, signum, frame):
        self.seen = True
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


with interrupt_exits():
    import click

    from .. import __version__


class RepauditGroup(click.Group):
    """Turns library errors, and failures of the machine (a full disk, a locked warehouse), into a one-paragraph
    message and exit code 1, Ctrl-C into 'Interrupted.' and 130, never a traceback."""

    def make_context(self, *args, **kwargs):
        with interrupt_exits():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with interrupt_exits(), CtrlC() as ctrl_c:
            try:
                return super().invoke(ctx)
            except (click.exceptions.Exit, click.ClickException, click.Abort):
                raise
            except BrokenPipeError:
                devnull = os.open(os.devnull, os.O_WRONLY)       # the reader (e.g. `| head`) has gone: stop quietly
                os.dup2(devnull, sys.stdout.fileno())
                sys.exit(1)
            except Exception as exc:
                if is_interrupt(exc) or ctrl_c.seen:
                    raise KeyboardInterrupt from None
                error = explain(exc)
                if error is not None:
                    click.echo(f"Error: {error}", err=True)
                    sys.exit(1)
                if os.environ.get("REPAUDIT_DEBUG"):
                    raise
                click.echo(
                    f"Error: unexpected failure ({type(exc).__name__}: {exc}). This is a bug in repaudit, not in "
                    "your input; please report it. Set REPAUDIT_DEBUG=1 to see the traceback.",
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
    \b
    Set REPAUDIT_DB to the warehouse file to use when --db is not given.
    """


def main():
    cli(prog_name="repaudit")


with interrupt_exits():
    from . import load_cmd  # noqa: E402,F401  (registers commands on `cli`)
    from . import sample_cmd, load_sample_cmd  # noqa: E402,F401
    from . import fetch_cmd  # noqa: E402,F401
    from . import audit_cmd  # noqa: E402,F401
    from . import map_cmd  # noqa: E402,F401
    from . import site_cmd  # noqa: E402,F401
    from . import simulate_cmd  # noqa: E402,F401
    from . import validate_cmd  # noqa: E402,F401
    from . import trend_cmd  # noqa: E402,F401
