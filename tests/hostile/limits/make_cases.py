"""Write the small files of this folder from the synthetic sample (repaudit/sample_data): inputs that stand for
ones expanding beyond a limit (cases.toml lowers the limit with --limit, so each stays tiny), a policy nested
5,000 deep and capacities with impossible PANs. Run from the project root:
    python tests/hostile/limits/make_cases.py"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[2] / "repaudit" / "sample_data"


def first_lines(name: str, count: int) -> bytes:
    """The header and the first COUNT rows of a sample file, as its own bytes (GIAS is cp1252)."""
    with open(SAMPLE / name, "rb") as handle:
        return b"".join(line for _, line in zip(range(count + 1), handle))


def with_shared_strings(book: io.BytesIO, target: Path):
    """The workbook openpyxl wrote (text as inline strings) rewritten as Excel writes it: text in
    xl/sharedStrings.xml, cells holding its index."""
    strings: list[str] = []

    def shared(match):
        strings.append(match.group(2))
        return f'{match.group(1)} t="s"><v>{len(strings) - 1}</v></c>'

    with zipfile.ZipFile(book) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(r'(<c r="[A-Z]+\d+") t="inlineStr"><is><t>([^<]*)</t></is></c>', shared,
                              data.decode("utf-8")).encode("utf-8")
            elif info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdStrings" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            out.writestr(zipfile.ZipInfo(info.filename, (2024, 1, 1, 0, 0, 0)), data)
        items = "".join(f"<si><t>{text}</t></si>" for text in strings)
        out.writestr(zipfile.ZipInfo("xl/sharedStrings.xml", (2024, 1, 1, 0, 0, 0)),
                     '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                     f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')


def main():
    gias = first_lines("synthetic_edubasealldata20240901.csv", 6)
    (HERE / "gias_six_schools.csv").write_bytes(gias)
    (HERE / "gias_six_schools.csv.gz").write_bytes(gzip.compress(gias, mtime=0))

    iod = first_lines("synthetic_File_7a_IoD2019_scores.csv", 6).decode("utf-8")
    rows = list(csv.reader(io.StringIO(iod)))
    book = Workbook()
    sheet = book.active
    sheet.title = "IoD2019 scores"
    for row in rows:
        sheet.append([float(v) if v.replace(".", "", 1).isdigit() and "." in v else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    with_shared_strings(buffer, HERE / "iod_synthetic_IoD2019_six_areas.xlsx")

    doc = json.loads((SAMPLE / "synthetic_lsoa21_boundaries.geojson").read_text(encoding="utf-8"))
    doc["features"] = doc["features"][:5]
    text = json.dumps(doc)
    (HERE / "boundaries_five.geojson").write_text(text, encoding="utf-8")
    with zipfile.ZipFile(HERE / "boundaries_five_geojson.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("boundaries_five.geojson", (2024, 1, 1, 0, 0, 0)), text)
    with tempfile.TemporaryDirectory() as scratch:
        frame = gpd.read_file(HERE / "boundaries_five.geojson")
        frame.to_file(Path(scratch) / "boundaries_five.shp")
        with zipfile.ZipFile(HERE / "boundaries_five_shapefile.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(scratch).iterdir()):
                info = zipfile.ZipInfo(part.name, (2024, 1, 1, 0, 0, 0))
                archive.writestr(info, part.read_bytes(), zipfile.ZIP_DEFLATED)

    depth = 5_000
    (HERE / "policy_nested_5000_deep.toml").write_text("criteria = " + "[" * depth + "]" * depth + "\n",
                                                        encoding="utf-8")
    pans = (HERE.parent / "simulate" / "pans.csv").read_text(encoding="utf-8").splitlines()
    for name, pan in (("capacities_pan_1e19.csv", "1e19"), ("capacities_pan_10_to_the_12.csv", "1000000000000")):
        changed = [pans[0]] + [line.replace(",5,", f",{pan},", 1) for line in pans[1:]]
        (HERE / name).write_text("\n".join(changed) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
