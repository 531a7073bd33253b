"""Output piped into a reader that stops early (`repaudit ... | head -1`) ends quietly, not as a bug report."""
import subprocess
import sys

CHILD = """
import click
from repaudit.cli import RepauditGroup

@click.group(cls=RepauditGroup)
def group():
    pass

@group.command()
def many():
    for i in range(200_000):          # far more than a pipe buffer holds, so the write must fail
        click.echo(f"line {i}")

group()
"""


def test_closed_pipe_is_not_reported_as_a_bug():
    proc = subprocess.Popen([sys.executable, "-c", CHILD, "many"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert first == b"line 0\n"
    assert stderr == ""
    assert proc.returncode == 1
