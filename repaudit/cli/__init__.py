"""The `repaudit` command: a thin Click layer that parses options, calls the library and echoes."""
import importlib
import os
import signal
import sys
import threading
from contextlib import contextmanager

from ..errors import Terminated, explain, is_interrupt   # standard library only: imported before Ctrl-C could stop

OUTPUT_OPTIONS = {"out", "out_dir", "rejects_file", "map_out", "png", "svg"}
INPUTS = {"db": "the warehouse", "cache": "the download cache"}


@contextmanager
def interrupt_exits():
    """Ctrl-C, whether Python or a running DuckDB query sees it, ends the command with 'Interrupted.' and 130;
    SIGTERM with 'Terminated.' and 143. Either way temporary files have been removed on the way out."""
    try:
        yield
    except BaseException as exc:
        if not is_interrupt(exc):
            raise
        if isinstance(exc, Terminated):
            sys.stderr.write("Terminated.\n")
            sys.exit(143)
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)


def _terminated(signum, frame):
    raise Terminated


if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _terminated)        # also while the modules below load: 'Terminated.', 143


class CtrlC:
    """Turns Ctrl-C (SIGINT) and SIGTERM into exceptions while a command runs, so every `with` block cleans up,
    and remembers the signal even when a library turns the exception into an error of its own (DuckDB does,
    while converting a data frame)."""

    def __init__(self):
        self.seen, self.previous = None, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self.previous[number] = signal.signal(number, self._pressed)
        return self

    def _pressed(self, signum, frame):
        self.seen = signum
        raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt

    def stop(self) -> KeyboardInterrupt:
        return Terminated() if self.seen == signal.SIGTERM else KeyboardInterrupt()

    def __exit__(self, *exc):
        for number, handler in self.previous.items():
            signal.signal(number, handler)


def protect_inputs(ctx) -> None:
    """Mark the command's warehouse, cache and input files as things no output may replace (repaudit.output_guard)."""
    from ..output_guard import clear_protected, protect

    clear_protected()
    types = {p.name: p.type for p in ctx.command.params}
    for name, value in ctx.params.items():
        if name in OUTPUT_OPTIONS or value in (None, ""):
            continue
        is_path = name in INPUTS or isinstance(types.get(name), click.Path) or name in ("policy", "baseline")
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if is_path and isinstance(item, (str, os.PathLike)) and (name in INPUTS or os.path.lexists(item)):
                protect(item, INPUTS.get(name, "an input of this command"), tree=name == "cache" or os.path.isdir(item))


with interrupt_exits():
    import click

    from .. import __version__
    from ..paths import shown


class RepauditCommand(click.Command):
    """A command that protects its inputs from its outputs before it runs."""

    def invoke(self, ctx):
        protect_inputs(ctx)
        return super().invoke(ctx)


COMMANDS = {"load": "load_cmd", "sample": "sample_cmd", "load-sample": "load_sample_cmd", "fetch": "fetch_cmd",
            "audit": "audit_cmd", "trusts": "audit_cmd", "segregation": "audit_cmd", "map": "map_cmd",
            "report": "map_cmd", "site": "site_cmd", "simulate": "simulate_cmd", "validate": "validate_cmd",
            "school": "school_cmd", "trend": "trend_cmd"}   # command -> the module that defines it


class RepauditGroup(click.Group):
    """Runs RepauditCommands; turns library errors, and failures of the machine (a full disk, a locked warehouse), into a one-paragraph
    message and exit code 1, Ctrl-C into 'Interrupted.' and 130, never a traceback.

    A command's module (and the libraries it needs: pandas, geopandas, folium...) is imported only when that
    command runs, so the command line starts quickly; listing the commands imports them all."""

    command_class = RepauditCommand

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMANDS:
            with interrupt_exits():
                importlib.import_module(f"{__name__}.{COMMANDS[name]}")
        return super().get_command(ctx, name)

    def list_commands(self, ctx):
        load_all()
        return super().list_commands(ctx)

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
                    raise ctrl_c.stop() from None
                error = explain(exc)
                if error is not None:
                    click.echo(f"Error: {shown(error)}", err=True)
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
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")     # a file name that is not UTF-8 prints as it is
    cli(prog_name="repaudit")


def load_all() -> dict:
    """Import every command's module; returns {name: command}."""
    with interrupt_exits():
        for module in dict.fromkeys(COMMANDS.values()):
            importlib.import_module(f"{__name__}.{module}")
    return cli.commands
