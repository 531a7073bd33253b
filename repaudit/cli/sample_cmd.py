"""`repaudit sample --out DIR`: regenerate the synthetic sample region's files."""
import click

from ..sample import generate
from . import cli


@cli.command("sample", epilog="\b\nExample:\n  repaudit sample --out output/sample\n"
             "  diff -r output/sample repaudit/sample_data   # identical: the generator is deterministic")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the sample files and SYNTHETIC.md into (created if missing).")
def sample(out):
    """Write the synthetic sample region (every file in the real formats) into a folder.

    Nothing in it is real: LA 990 'Sampleshire (synthetic)', URNs 990001..., LSOAs E01990001...
    The same files, committed, ship with repaudit; `repaudit load-sample` loads them.
    """
    written = generate(out)
    total = sum(p.stat().st_size for p in written)
    for path in written:
        click.echo(f"{path}  {path.stat().st_size:,} bytes")
    click.echo(f"{len(written)} files, {total:,} bytes in {out}")
