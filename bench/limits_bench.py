"""Input-limits benchmark: files built to expand without end (a gzip bomb, a zipped GeoJSON of millions of tiny
polygons, workbooks of millions of shared strings or rows), a device, a pipe, a policy nested 100,000 deep and
`simulate --runs 10000000`, each run through the CLI in a subprocess; then, with --real, every real public file
loaded with the default limits.

    .venv/bin/python bench/limits_bench.py            # the hostile cases (about a minute, ~1 GB of scratch disk)
    .venv/bin/python bench/limits_bench.py --real     # and the real files in ../shared/data/real
    .venv/bin/python bench/limits_bench.py --only-real --real-dir /work/shared/data/real

Prints, per case, the seconds, the peak memory of the CLI process (getrusage of that child) and its first error
line. Target: every hostile case ends within 60 s with a clear error and under 2 GB; every real file loads.
"""
from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from real_files import REAL_FILES  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
CLI = [sys.executable, "-m", "repaudit"]
TIME_LIMIT, MEMORY_LIMIT = 60.0, 2 * 2**30
CHUNK = 64 * 2**20
ENV = {k: v for k, v in os.environ.items() if k not in ("REPAUDIT_LIMITS", "REPAUDIT_DEBUG")}   # the defaults


def gzip_bomb(path: Path, members: int = 100) -> int:
    """A GIAS-like .csv.gz of MEMBERS gzip members, each 64 MB of one row repeated, compressed once: about 16 MB
    that expand to MEMBERS x 64 MB. Returns the expanded size."""
    row = b"100001,Bench School,846\n"
    block = (row * (CHUNK // len(row) + 1))[:CHUNK]
    member = gzip.compress(block, compresslevel=9)
    with open(path, "wb") as out:
        out.write(gzip.compress(b"URN,EstablishmentName,LA (code)\n"))
        for _ in range(members):
            out.write(member)
    return members * CHUNK


def zipped_polygons(path: Path, features: int = 3_000_000) -> int:
    """A zip holding one GeoJSON of FEATURES tiny square polygons in British National Grid."""
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("polygons.geojson", "w", force_zip64=True) as out:
            head = (b'{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},'
                    b'"features":[\n')
            out.write(head)
            size += len(head)
            for lo in range(0, features, 100_000):
                part = b",\n".join(
                    b'{"type":"Feature","properties":{"LSOA21CD":"E01%06d"},"geometry":{"type":"Polygon",'
                    b'"coordinates":[[[530000,180000],[530001,180000],[530001,180001],[530000,180000]]]}}'
                    % (i % 1_000_000) for i in range(lo, min(lo + 100_000, features)))
                part = (b",\n" if lo else b"") + part
                out.write(part)
                size += len(part)
            out.write(b"\n]}\n")
    return size + 4


WORKBOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            b'<sheet name="IoD2019" sheetId="1" r:id="rId1"/></sheets></workbook>')
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              b'spreadsheetml/2006/main"><sheetData>')


def workbook(path: Path, strings: int = 0, rows: int = 0) -> int:
    """A minimal .xlsx whose sharedStrings.xml holds STRINGS empty strings and whose sheet holds ROWS rows;
    returns the bytes its parts expand to."""
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
        size += _part(archive, "xl/sharedStrings.xml",
                      b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                      b'spreadsheetml/2006/main">', b"<si><t/></si>", strings, b"</sst>")
        size += _part(archive, "xl/worksheets/sheet1.xml", SHEET_HEAD, b'<row><c t="n"><v>1</v></c></row>', rows,
                      b"</sheetData></worksheet>")
    return size


def _part(archive, name: str, head: bytes, item: bytes, count: int, tail: bytes) -> int:
    block = item * 100_000
    with archive.open(name, "w", force_zip64=True) as out:
        out.write(head)
        for lo in range(0, count, 100_000):
            out.write(block if count - lo >= 100_000 else item * (count - lo))
        out.write(tail)
    return len(head) + len(item) * count + len(tail)


def nested_policy(path: Path, depth: int = 100_000):
    path.write_text("criteria = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")


def run(label: str, args: list[str], cwd: Path, stdin=None) -> dict:
    """ARGS through the CLI in a child process: seconds, peak memory (the child's own getrusage) and the last
    line it wrote (its error, or its summary)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(CLI + args, cwd=cwd, stdin=stdin or subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, env=ENV)
        deadline = started + 3 * TIME_LIMIT
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        lines = [line for line in out.read().decode("utf-8", "replace").splitlines() if line.strip()]
    error = next((line for line in lines if line.startswith("Error:") or " rows read = " in line),
                 lines[-1] if lines else "")
    peak = usage.ru_maxrss * 1024
    code = os.waitstatus_to_exitcode(status)
    return {"case": label, "seconds": seconds, "peak": peak, "code": code, "line": error}


def show(result: dict, hostile: bool = True) -> bool:
    ok = result["seconds"] < TIME_LIMIT and result["peak"] < MEMORY_LIMIT
    ok = ok and (result["code"] == 1 and "Traceback" not in result["line"] if hostile else result["code"] == 0)
    print(f"{result['case']:<44} {result['seconds']:6.1f} s {result['peak'] / 2**20:7.0f} MB  exit {result['code']}  "
          f"{'ok  ' if ok else 'FAIL'}\n    {result['line'][:400]}", flush=True)
    return ok


def hostile_cases(scratch: Path) -> list[tuple[str, list[str], object]]:
    db = str(scratch / "w.duckdb")
    made = time.perf_counter()
    bomb = scratch / "gias_bomb.csv.gz"
    expanded = gzip_bomb(bomb)
    polygons = scratch / "polygons.zip"
    geo_size = zipped_polygons(polygons)
    million = scratch / "million_polygons.zip"
    million_size = zipped_polygons(million, 1_000_000)
    strings = scratch / "File_1_strings.xlsx"
    strings_size = workbook(strings, strings=100_000_000)
    some_strings = scratch / "File_1_20M_strings.xlsx"
    some_size = workbook(some_strings, strings=20_000_000)
    rows = scratch / "File_1_rows.xlsx"
    rows_size = workbook(rows, rows=10_000_000)
    policy = scratch / "deep.toml"
    nested_policy(policy)
    fifo = scratch / "pipe.csv"
    os.mkfifo(fifo)
    print(f"built in {time.perf_counter() - made:.0f} s: {bomb.name} {bomb.stat().st_size / 1e6:.1f} MB -> "
          f"{expanded / 1e9:.1f} GB; {polygons.name} {polygons.stat().st_size / 1e6:.1f} MB -> "
          f"{geo_size / 1e6:.0f} MB, 3,000,000 polygons; {million.name} {million.stat().st_size / 1e6:.1f} MB -> "
          f"{million_size / 1e6:.0f} MB; {strings.name} {strings.stat().st_size / 1e6:.1f} MB -> "
          f"{strings_size / 1e9:.1f} GB, 100,000,000 shared strings; {some_strings.name} "
          f"{some_strings.stat().st_size / 1e6:.1f} MB -> {some_size / 1e6:.0f} MB, 20,000,000 shared strings; "
          f"{rows.name} {rows.stat().st_size / 1e6:.1f} MB -> {rows_size / 1e6:.0f} MB, 10,000,000 rows", flush=True)
    return [
        ("gzip bomb: load gias", ["load", "gias", str(bomb), "--db", db], None),
        ("gzip bomb on standard input: load gias -", ["load", "gias", "-", "--db", db], bomb),
        ("zipped GeoJSON, 3M polygons", ["load", "lsoa-boundaries", str(polygons), "--db", db], None),
        ("zipped GeoJSON, 1M polygons", ["load", "lsoa-boundaries", str(million), "--db", db], None),
        ("xlsx, 100M shared strings", ["load", "iod", str(strings), "--db", db], None),
        ("xlsx, 20M shared strings", ["load", "iod", str(some_strings), "--db", db], None),
        ("xlsx, 10M rows", ["load", "iod", str(rows), "--db", db], None),
        ("load gias /dev/zero", ["load", "gias", "/dev/zero", "--db", db], None),
        ("load gias FIFO (no writer)", ["load", "gias", str(fifo), "--db", db], None),
        ("policy nested 100,000 deep", ["simulate", "--policy", str(policy), "--synthetic", "--la", "990", "--db",
                                        db, "--out", str(scratch / "sim")], None),
        ("simulate --runs 10000000", ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", "990", "--runs",
                                      "10000000", "--db", db, "--out", str(scratch / "sim")], None),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="also load every real file with the default limits")
    parser.add_argument("--real-dir", type=Path, default=REAL, help=f"folder of the real files (default {REAL})")
    parser.add_argument("--only-real", action="store_true", help="load the real files only")
    args = parser.parse_args()
    real = args.real_dir
    failed = []
    with tempfile.TemporaryDirectory(prefix="repaudit-limits-") as folder:
        scratch = Path(folder)
        sample = run("load-sample (setup)", ["load-sample", "--db", str(scratch / "w.duckdb")], scratch)
        if sample["code"]:
            sys.exit(f"load-sample failed: {sample['line']}")
        for label, argv, stdin_file in ([] if args.only_real else hostile_cases(scratch)):
            if stdin_file is None:
                result = run(label, argv, scratch)
            else:
                with open(stdin_file, "rb") as stdin:
                    result = run(label, argv, scratch, stdin=stdin)
            if not show(result):
                failed.append(label)
        if args.real or args.only_real:
            if not real.is_dir():
                sys.exit(f"{real} is absent: the real files cannot be loaded")
            db = str(scratch / "real.duckdb")
            print("\nreal files with the default limits:")
            for source, name, options in REAL_FILES:
                extra = [x for k, v in options.items() for x in (f"--{k}", str(v))]
                result = run(name, ["load", source, str(real / name), *extra, "--db", db, "--no-progress"], scratch)
                if not show(result, hostile=False):
                    failed.append(name)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\nlargest peak of any child: {usage.ru_maxrss / 2**10:.0f} MB")
    if failed:
        sys.exit(f"cases that failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
