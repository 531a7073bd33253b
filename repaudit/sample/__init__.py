"""The synthetic sample region: a deterministic generator and a loader for the bundled copy."""
from __future__ import annotations

from pathlib import Path

from ..paths import SAMPLE_DIR
from .files import SAMPLE_FILES, SampleFile
from .model import Sample, build_sample
from .noise import SEED
from .readme import synthetic_md

README = "SYNTHETIC.md"


def generate(out_dir: str | Path, seed: int = SEED) -> list[Path]:
    """Write every sample file and SYNTHETIC.md into OUT_DIR (new, empty or an earlier sample), all or nothing;
    the same seed gives the same bytes."""
    from ..output_set import OutputSet

    files = OutputSet(out_dir, kind="sample")
    sample = build_sample(seed)
    with files:
        for f in SAMPLE_FILES:
            files.write_bytes(f.name, f.write(sample))
        files.write_bytes(README, synthetic_md(sample))
    return files.written


def read_sample(folder: str | Path = SAMPLE_DIR) -> list:
    """Read and check every bundled sample file with its SOURCE (the warehouse is not touched); the LoadResults."""
    from ..errors import RepauditError
    from ..load import read_file

    folder = Path(folder)
    missing = [f.name for f in SAMPLE_FILES if not (folder / f.name).is_file()]
    if missing:
        raise RepauditError(f"the sample folder {folder} lacks {', '.join(missing)}; "
                            "regenerate it with `repaudit sample --out DIR`")
    return [read_file(f.source, folder / f.name) for f in SAMPLE_FILES]


def load_sample(wh, folder: str | Path = SAMPLE_DIR) -> list:
    """Read every bundled sample file, then store them all in WH in one transaction; returns the LoadResults."""
    return wh.store_all(read_sample(folder))


__all__ = ["generate", "read_sample", "load_sample", "build_sample", "Sample", "SampleFile", "SAMPLE_FILES", "SEED"]
