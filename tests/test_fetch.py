"""`repaudit fetch` against a local HTTP mirror on 127.0.0.1 serving the real files from ../shared under
their official paths: GIAS walk-back over missing days, EES release ZIPs, a paged ArcGIS layer,
a truncated response, a web page instead of data, a ZIP whose members try to escape, a ZIP bomb,
an endless response, and a load that is all or nothing."""
import csv
import functools
import gzip
import io
import json
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from repaudit.cli import cli
from repaudit.errors import FetchError, RepauditError
from repaudit.fetch import Limits, fetch, parse_bases, parse_size
from repaudit.fetch.archive import extract_member, unsafe_reason
from repaudit.fetch.limits import format_size
from repaudit.fetch.resolvers import rebase, release_id

GIAS = "/edubase/downloads/public/"
IOD = ("/government/uploads/system/uploads/attachment_data/file/845345/"
       "File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv")
LOOKUP = "/api/download/v1/items/cbfe64cc03d74af982c1afec639bafd1/csv"
BOUNDARIES = "/api/download/v1/items/68515293204e43ca8ab56fa13ae8a547/geojson"
CENTROIDS = "/ESMARspQHYMw9BZ9/arcgis/rest/services/LSOA_PopCentroids_EW_2021_V4/FeatureServer/0/query"
POPULATION = "/output/census/2021/census2021-ts007a.zip"
LAD = "/ESMARspQHYMw9BZ9/arcgis/rest/services/Local_Authority_Districts_December_2022_UK_BUC_V2/FeatureServer/0/query"
LAD_FILE = "geography/LAD22_outlines_EW.geojson.gz"


class Truncated(bytes):
    """A body sent with a Content-Length 1,000 bytes larger than itself."""


class Endless:
    """A response with no Content-Length that streams zeros until the client hangs up."""


class Trickle(bytes):
    """A body sent one byte every 0.3 seconds (a stalled or hostile server that never times out a read)."""


class Mirror(BaseHTTPRequestHandler):
    routes: dict = {}
    requests: list = []
    streamed: list = []

    def do_GET(self):
        path = urlsplit(self.path).path
        self.requests.append(self.path)
        body = self.routes.get(path, 404)
        if isinstance(body, Endless):
            self._stream_forever()
            return
        if isinstance(body, Trickle):
            self._trickle(body)
            return
        if callable(body):
            body = body(parse_qs(urlsplit(self.path).query))
        if body == 404:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + (1000 if isinstance(body, Truncated) else 0)))
        self.end_headers()
        self.wfile.write(body)

    def _stream_forever(self):
        self.send_response(200)
        self.end_headers()
        sent, chunk = 0, b"0" * 65536
        try:
            while sent < 1 << 32:                 # 4 GB: far past any limit a test sets
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.streamed.append(sent)

    def _trickle(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.3)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror():
    Mirror.routes, Mirror.requests, Mirror.streamed = {}, [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Mirror.routes
    server.shutdown()
    server.server_close()


def unzip_gz(path):
    return gzip.decompress(path.read_bytes())


def zip_bytes(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def release_page(release: str) -> bytes:
    data = {"props": {"pageProps": {"releaseVersion": {"id": release, "title": "2022/23"}}}}
    return f'<html><script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script></html>'.encode()


def pwc_pages(real):
    """The ArcGIS layer as pages of GeoJSON points built from the real PWC CSV."""
    rows = list(csv.DictReader(io.StringIO(unzip_gz(real / "geography/LSOA_Dec_2021_PWC_EW.csv.gz").decode("utf-8-sig"))))

    def page(query):
        offset, count = int(query["resultOffset"][0]), int(query["resultRecordCount"][0])
        chunk = rows[offset:offset + count]
        features = [{"type": "Feature", "properties": {"FID": int(r["FID"]), "LSOA21CD": r["LSOA21CD"]},
                     "geometry": {"type": "Point", "coordinates": [float(r["x"]), float(r["y"])]}} for r in chunk]
        more = offset + count < len(rows)
        return json.dumps({"type": "FeatureCollection", "features": features,
                           "properties": {"exceededTransferLimit": more}}).encode()
    return page, rows


def lad_pages(real):
    """The ONS LAD layer as pages of GeoJSON polygons in British National Grid (outSR=27700), built from the real
    LAD 2022 outlines (CRS84, names only)."""
    import shapely
    from pyproj import Transformer

    source = json.loads(unzip_gz(real / LAD_FILE))["features"]
    bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    features = [{"type": "Feature", "properties": {"FID": k + 1, "LAD22NM": f["properties"]["LAD22NM"]},
                 "geometry": shapely.geometry.mapping(shapely.transform(
                     shapely.geometry.shape(f["geometry"]), lambda xy: np.column_stack(bng.transform(xy[:, 0], xy[:, 1]))))}
                for k, f in enumerate(source)]

    def page(query):
        offset, count = int(query["resultOffset"][0]), int(query["resultRecordCount"][0])
        return json.dumps({"type": "FeatureCollection", "features": features[offset:offset + count],
                           "properties": {"exceededTransferLimit": offset + count < len(features)}}).encode()
    return page, features


@pytest.fixture
def official(real):
    """Official path -> bytes, from the real files (decompressed as the publishers serve them)."""
    return _official(real)


@functools.lru_cache(maxsize=1)
def _official(real):
    spc = unzip_gz(real / "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz")
    sen = unzip_gz(real / "spc_sen/performance_tables_england_census_KSPDeveloper.csv.gz")
    return {
        GIAS + "edubasealldata20250524.csv": unzip_gz(real / "gias/edubasealldata20250524_reheadered_subset.csv.gz"),
        GIAS + "links_edubasealldata20250524.csv": unzip_gz(real / "gias/links_edubasealldata20250422.csv.gz"),
        GIAS + "alllinksdata20250524.csv": unzip_gz(real / "gias/gias_allgroupslinks_202203_ajb1970.csv.gz"),
        "/find-statistics/school-pupils-and-their-characteristics": release_page("spc-release-1"),
        "/api/releases/spc-release-1/files": zip_bytes({"data/spc_pupils_fsm.csv": b"x\n1\n",
                                                        "supporting-files/spc_school_level_underlying_data.csv": spc}),
        "/find-statistics/special-educational-needs-in-england": release_page("sen-release-1"),
        "/api/releases/sen-release-1/files": zip_bytes({"supporting-files/sen_school_level_underlying_data.csv": sen}),
        IOD: unzip_gz(real / "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz"),
        LOOKUP: unzip_gz(real / "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz"),
        BOUNDARIES: unzip_gz(real / "geography/MSOA11_outlines_EW_samuelbook.geojson.gz"),
        POPULATION: zip_bytes({"census2021-ts007a-lsoa.csv":
                               unzip_gz(real / "population/census2021_lsoa21_usual_residents_by_age6.csv.gz")}),
    }


def test_downloads_every_kind_from_a_mirror_without_loading(mirror, official, real, tmp_path, runner):
    base, routes = mirror
    routes.update(official)
    page, pwc_rows = pwc_pages(real)
    routes[CENTROIDS] = page
    routes[LAD], lad = lad_pages(real)
    cache = tmp_path / "cache"
    result = runner.invoke(cli, ["fetch", "--cache", str(cache), "--base-url", base, "--date", "2025-05-26",
                                 "--no-load", "--no-progress", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "w.duckdb").exists()
    gias = [r for r in Mirror.requests if r.startswith(GIAS + "edubasealldata")]
    assert gias == [GIAS + f"edubasealldata{d}.csv" for d in ("20250526", "20250525", "20250524")]
    assert (cache / "gias/edubasealldata20250524.csv").read_bytes() == official[GIAS + "edubasealldata20250524.csv"]
    assert (cache / "iod" / IOD.rsplit("/", 1)[1]).read_bytes() == official[IOD]
    assert (cache / "spc/spc_school_level_underlying_data.csv").read_bytes() == \
        unzip_gz(real / "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz")
    assert (cache / "population/census2021-ts007a-lsoa.csv").stat().st_size == 11125430
    layer = json.loads((cache / "lsoa-centroids/LSOA_PopCentroids_EW_2021_V4.geojson").read_text())
    assert len(layer["features"]) == len(pwc_rows) == 35672
    outlines = json.loads((cache / "la-boundaries/Local_Authority_Districts_December_2022_UK_BUC_V2.geojson").read_text())
    assert len(outlines["features"]) == len(lad) == 327
    assert not list(cache.rglob("*.part"))
    assert "20250524, newest published" in result.output


def test_fetch_then_load_fills_the_warehouse(mirror, official, real, tmp_path):
    base, routes = mirror
    routes.update(official)
    routes[CENTROIDS], pwc_rows = pwc_pages(real)
    db = tmp_path / "w.duckdb"
    report = fetch(tmp_path / "cache", ["gias", "iod", "lsoa-lookup", "lsoa-centroids"], {"*": base},
                   __import__("datetime").date(2025, 5, 24), 0, db, progress=False)
    assert [r.source for r in report.loads] == ["gias", "gias-groups", "gias-links", "iod", "lsoa-centroids", "lsoa-lookup"]
    from repaudit.warehouse import Warehouse
    with Warehouse(db, read_only=True) as wh:
        assert wh.count("schools") == 27153
        assert wh.count("lsoa_centroids") == 35672
        first = pwc_rows[0]
        x, y = wh.con.execute("SELECT easting, northing FROM lsoa_centroids WHERE lsoa = ?", [first["LSOA21CD"]]).fetchone()
        assert (round(x, 3), round(y, 3)) == (round(float(first["x"]), 3), round(float(first["y"]), 3))
        lookup_rows = official[LOOKUP].decode("utf-8-sig").strip().count("\n")
        assert wh.count("lsoa_lookup") == lookup_rows == 35795
        assert wh.con.execute("SELECT score FROM lsoa_deprivation WHERE lsoa = 'E01000001' AND measure = 'idaci'").fetchone()[0] == 0.006


def test_la_outlines_come_from_the_ons_layer_and_load_as_the_file_does(mirror, official, real, tmp_path):
    import datetime as dt

    from repaudit.load import load_file
    from repaudit.warehouse import Warehouse
    base, routes = mirror
    routes.update(official)
    routes[LAD], lad = lad_pages(real)
    db = tmp_path / "w.duckdb"
    report = fetch(tmp_path / "cache", ["la-boundaries"], {"*": base}, dt.date(2025, 5, 24), 0, db, progress=False)
    assert [r.source for r in report.loads] == ["la-boundaries"]
    asked = [parse_qs(urlsplit(r).query) for r in Mirror.requests if urlsplit(r).path == LAD]
    assert len(asked) == 1 and asked[0]["outSR"] == ["27700"]                 # 327 areas: one page
    assert asked[0]["where"] == ["LAD22CD LIKE 'E%' OR LAD22CD LIKE 'W%'"]     # England and Wales only
    area = "select name, round(st_area(geom) / 1e6, 3) from la_boundaries order by name"
    with Warehouse(db, read_only=True) as wh:
        fetched = wh.con.execute(area).fetchall()
    with Warehouse(tmp_path / "direct.duckdb") as wh:                           # the same file loaded by hand
        load_file(wh, "la-boundaries", real / LAD_FILE)
        direct = wh.con.execute(area).fetchall()
    assert len(fetched) == len(lad) == 327
    assert [n for n, _ in fetched] == [n for n, _ in direct]
    assert [a for _, a in fetched] == pytest.approx([a for _, a in direct], rel=1e-6)
    # km2: ONS gives Brighton and Hove about 83 km2; the file is simplified and clipped to the coast (76 km2)
    assert dict(fetched)["Brighton and Hove"] == pytest.approx(80, rel=0.1)


def test_truncated_download_leaves_nothing_and_a_rerun_succeeds(mirror, official, tmp_path, runner):
    base, routes = mirror
    routes[IOD] = Truncated(official[IOD][:50_000])
    cache = tmp_path / "cache"
    args = ["fetch", "iod", "--cache", str(cache), "--base-url", f"iod={base}", "--no-load", "--no-progress"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "truncated download, 50,000 bytes received but the server announced 51,000" in result.output
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert list((cache / "iod").iterdir()) == []
    routes[IOD] = official[IOD]
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert (cache / "iod" / IOD.rsplit("/", 1)[1]).read_bytes() == official[IOD]


def test_gias_walk_back_gives_up_with_the_days_it_tried(mirror, tmp_path):
    base, routes = mirror
    with pytest.raises(FetchError, match=r"tried 20250530\.\.20250528 .*--max-days-back"):
        fetch(tmp_path, ["gias"], {"gias": base}, __import__("datetime").date(2025, 5, 30), 2, None, progress=False)
    assert not list(tmp_path.rglob("*.csv*"))


def test_a_web_page_instead_of_data_is_refused(mirror, tmp_path):
    base, routes = mirror
    routes[IOD] = b"<!DOCTYPE html><html><body>Sign in</body></html>"
    with pytest.raises(FetchError, match="expected a CSV file but the server sent a web page"):
        fetch(tmp_path, ["iod"], {"*": base}, None, 0, None, progress=False)
    assert not list((tmp_path / "iod").iterdir())


@pytest.mark.parametrize("evil", ["../escaped.csv", "/tmp/escaped.csv", "sub/../../escaped.csv", "C:/escaped.csv"])
def test_zip_slip_archives_are_refused(mirror, tmp_path, evil):
    base, routes = mirror
    routes[POPULATION] = zip_bytes({evil: b"owned", "census2021-ts007a-lsoa.csv": b"a,b\n1,2\n"})
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match=f"refused, member '{evil}' has"):
        fetch(cache, ["population"], {"*": base}, None, 0, None, progress=False)
    assert not (cache / "population/census2021-ts007a-lsoa.csv").exists()
    assert not (tmp_path / "escaped.csv").exists() and not (cache / "escaped.csv").exists()


def test_symlink_members_and_missing_members(tmp_path):
    link = zipfile.ZipInfo("link.csv")
    link.external_attr = (0o120777 << 16)
    assert unsafe_reason(link) == "a symbolic link"
    assert unsafe_reason(zipfile.ZipInfo("supporting-files/a.csv")) is None
    archive = tmp_path / "a.zip"
    archive.write_bytes(zip_bytes({"data/x.csv": b"1"}))
    with pytest.raises(FetchError, match=r"expected one member whose name matches wanted\\.csv, found 0. Members: data/x.csv"):
        extract_member(archive, r"wanted\.csv", tmp_path / "out.csv")
    archive.write_bytes(zip_bytes({"supporting-files/spc_school_level_underlying_data_23112023.csv": b"a\n1\n"}))
    assert extract_member(archive, r"spc_school_level_underlying_data[\w-]*\.csv", tmp_path / "o.csv").read_bytes() == b"a\n1\n"
    (tmp_path / "b.zip").write_bytes(b"not a zip")
    with pytest.raises(FetchError, match="not a readable ZIP"):
        extract_member(tmp_path / "b.zip", "x.csv", tmp_path / "out.csv")


def test_ees_release_page_without_an_id_is_a_clear_error():
    assert release_id(release_page("abc-123"), "u") == "abc-123"
    uuid = "63491b17-2037-4533-b719-d3656aaf6ed5"
    assert release_id(f'<script>self.push({{"releaseVersion":{{"id":"{uuid}"}}}})</script>'.encode(), "u") == uuid
    with pytest.raises(FetchError, match="cannot find the release id"):
        release_id(b"<html>moved</html>", "https://example/page")


def test_base_urls_and_kinds_are_checked():
    assert parse_bases(["http://m/", "gias=https://g/x"]) == {"*": "http://m/", "gias": "https://g/x"}
    assert rebase("https://ea.example/edubase/downloads/public/f.csv?x=1", "http://127.0.0.1:9/m/") == \
        "http://127.0.0.1:9/m/edubase/downloads/public/f.csv?x=1"
    with pytest.raises(RepauditError, match="expected an http"):
        parse_bases(["gias=ftp://x"])
    with pytest.raises(RepauditError, match="unknown kind"):
        fetch("x", ["weather"], None, None, 0, None)
    with pytest.raises(RepauditError, match="names kind 'weather'"):
        fetch("x", ["iod"], {"weather": "http://x"}, None, 0, None)


def test_unreachable_server_is_a_clear_error(tmp_path, runner):
    result = runner.invoke(cli, ["fetch", "iod", "--cache", str(tmp_path), "--base-url", "http://127.0.0.1:9",
                                 "--no-load", "--no-progress"])
    assert result.exit_code == 1 and "cannot connect" in result.output


def bomb(size: int) -> bytes:
    """A ZIP whose one member, census2021-ts007a-lsoa.csv, is SIZE bytes of zeros deflated (about 1,000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("census2021-ts007a-lsoa.csv")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as member:
            block = b"0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_and_removed_from_the_cache(mirror, tmp_path, runner):
    base, routes = mirror
    routes[POPULATION] = bomb(200 * 10**6)
    assert len(routes[POPULATION]) < 250_000                     # 200 MB in under 250 KB
    cache = tmp_path / "cache"
    result = runner.invoke(cli, ["fetch", "population", "--cache", str(cache), "--base-url", base, "--no-load",
                                 "--no-progress"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {cache / 'population' / 'census2021-ts007a.zip'}: refused, member "
                                    "'census2021-ts007a-lsoa.csv' expands ")
    assert "times" in result.output and "more than the 200:1 a data file can: a ZIP bomb" in result.output
    assert result.output.rstrip().endswith("nothing was extracted and the archive was removed from the cache")
    assert list((cache / "population").iterdir()) == []


def test_the_bytes_written_are_counted_as_well_as_the_sizes_the_archive_declares(tmp_path, monkeypatch):
    """With the check of the declared sizes out of the way (as if the headers lied), extraction itself stops at the
    ratio and at --max-extract, and leaves neither the archive nor a partial file."""
    from repaudit.fetch import archive as archive_module

    monkeypatch.setattr(archive_module, "check_members", lambda zf, limits: None)
    archive = tmp_path / "a.zip"
    archive.write_bytes(bomb(50 * 10**6))
    with zipfile.ZipFile(archive) as zf:
        packed = zf.infolist()[0].compress_size
    assert packed < 100_000
    with pytest.raises(FetchError, match=r"expands \d[\d,]* times \(.* to at least .*\), more than the 200:1"):
        extract_member(archive, r"census2021-ts007a-lsoa\.csv", tmp_path / "out.csv", Limits(max_extract=10**9))
    assert list(tmp_path.iterdir()) == []
    archive.write_bytes(bomb(50 * 10**6))
    lenient = Limits(max_extract=20 * 10**6, max_ratio=10**6)
    with pytest.raises(FetchError, match=r"expands to more than the --max-extract limit of 20 MB"):
        extract_member(archive, r"census2021-ts007a-lsoa\.csv", tmp_path / "out.csv", lenient)
    assert list(tmp_path.iterdir()) == []


def test_max_extract_refuses_a_large_member_that_compresses_normally(mirror, tmp_path, runner):
    base, routes = mirror
    member = "".join(f"E01{i:06d},{i * 7919 % 100003}\n" for i in range(200_000)).encode()
    routes[POPULATION] = zip_bytes({"census2021-ts007a-lsoa.csv": member})
    cache = tmp_path / "cache"
    args = ["fetch", "population", "--cache", str(cache), "--base-url", base, "--no-load", "--no-progress"]
    result = runner.invoke(cli, args + ["--max-extract", "1MB"])
    assert result.exit_code == 1
    assert ("member 'census2021-ts007a-lsoa.csv' expands to more than the --max-extract limit of 1 MB (raise "
            "--max-extract if the file really is that large)") in result.output
    assert list((cache / "population").iterdir()) == []
    again = runner.invoke(cli, args + ["--max-extract", "10MB"])
    assert again.exit_code == 0, again.output
    assert (cache / "population/census2021-ts007a-lsoa.csv").read_bytes() == member


def test_an_endless_download_is_stopped_at_the_limit(mirror, tmp_path, runner):
    base, routes = mirror
    routes[IOD] = Endless()
    cache = tmp_path / "cache"
    result = runner.invoke(cli, ["fetch", "iod", "--cache", str(cache), "--base-url", base, "--no-load",
                                 "--no-progress", "--max-download", "2MB"])
    assert result.exit_code == 1
    url = base + IOD
    assert result.output == (f"Error: {url}: the download passed the --max-download limit of 2 MB and was stopped; "
                             "nothing was kept. If the file really is that large, raise --max-download\n")
    assert list((cache / "iod").iterdir()) == []


def test_a_download_announced_larger_than_the_limit_is_not_started(mirror, official, tmp_path):
    base, routes = mirror
    routes[IOD] = official[IOD]
    size = len(official[IOD])
    with pytest.raises(FetchError, match=f"announces {format_size(size)}, more than the --max-download limit of "
                                         "100 KB; nothing was downloaded"):
        fetch(tmp_path, ["iod"], {"*": base}, None, 0, None, progress=False, limits=Limits(max_download=10**5))
    assert list((tmp_path / "iod").iterdir()) == []


def test_an_arcgis_layer_that_never_stops_paging_is_stopped(mirror, tmp_path):
    base, routes = mirror
    routes[CENTROIDS] = endless_pages
    page = endless_pages({"resultOffset": ["0"]})
    with pytest.raises(FetchError, match=r"the layer's pages passed the --max-download limit of 1 MB after "
                                         r"\d[\d,]* features"):
        fetch(tmp_path, ["lsoa-centroids"], {"*": base}, None, 0, None, progress=False,
              limits=Limits(max_download=10**6))
    assert list((tmp_path / "lsoa-centroids").iterdir()) == []
    assert len(Mirror.requests) == 10**6 // len(page) + 1


def endless_pages(query):
    """A new page of 2,000 point features for every offset, always saying that more follow."""
    offset = int(query["resultOffset"][0])
    features = [{"type": "Feature", "properties": {"FID": offset + i, "LSOA21CD": "E01000001"},
                 "geometry": {"type": "Point", "coordinates": [530000.0, 180000.0]}} for i in range(2000)]
    return json.dumps({"type": "FeatureCollection", "features": features,
                       "properties": {"exceededTransferLimit": True}}).encode()


@pytest.mark.parametrize("mode,kind", [(0o020644, "a device file"), (0o060644, "a device file"),
                                       (0o010644, "a named pipe"), (0o140644, "a socket")])
def test_device_members_are_refused(tmp_path, mode, kind):
    member = zipfile.ZipInfo("census2021-ts007a-lsoa.csv")
    member.external_attr = mode << 16
    assert unsafe_reason(member) == kind
    archive = tmp_path / "a.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(member, b"")
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(FetchError, match=f"member 'census2021-ts007a-lsoa.csv' has {kind}"):
        extract_member(archive, r"census2021-ts007a-lsoa\.csv", tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_refused_zip_slip_archive_is_removed(mirror, tmp_path):
    base, routes = mirror
    routes[POPULATION] = zip_bytes({"../escaped.csv": b"owned", "census2021-ts007a-lsoa.csv": b"a,b\n1,2\n"})
    with pytest.raises(FetchError, match="removed from the cache"):
        fetch(tmp_path, ["population"], {"*": base}, None, 0, None, progress=False)
    assert list((tmp_path / "population").iterdir()) == []


def test_sizes():
    assert [parse_size(t) for t in ("500MB", "4GB", "4 gb", "1.5GiB", "2000", "200KB", "1TB")] == [
        500 * 10**6, 4 * 10**9, 4 * 10**9, 3 * 2**29, 2000, 200_000, 10**12]
    for bad in ("", "4XB", "-5MB", "0", "MB", "4 G B"):
        with pytest.raises(ValueError):
            parse_size(bad)
    assert [format_size(n) for n in (2_150_000_000, 6_250_000, 999, 4 * 10**9)] == [
        "2.15 GB", "6.25 MB", "999 bytes", "4 GB"]


def test_size_options_are_checked(runner, tmp_path):
    result = runner.invoke(cli, ["fetch", "iod", "--cache", str(tmp_path), "--max-download", "lots"])
    assert result.exit_code == 2
    assert "Invalid value for '--max-download': 'lots' is not a size" in result.output
    assert "--max-extract SIZE" in runner.invoke(cli, ["fetch", "--help"]).output
    assert "--max-time SECONDS" in runner.invoke(cli, ["fetch", "--help"]).output
    result = runner.invoke(cli, ["fetch", "iod", "--cache", str(tmp_path), "--max-time", "0"])
    assert result.exit_code == 2 and "Invalid value for '--max-time'" in result.output


def test_fetch_loads_every_file_or_none(mirror, official, tmp_path):
    """The IoD file is fetched fine, the lookup is not a lookup: neither is loaded, the warehouse is as before."""
    from warehouse_state import warehouse_state
    from repaudit.warehouse import Warehouse

    base, routes = mirror
    routes[IOD] = official[IOD]
    routes[LOOKUP] = b"when,what\ntoday,nothing\n"
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        pass
    before = warehouse_state(db)
    with pytest.raises(RepauditError, match="LSOA11_LSOA21_LAD22_EW_LU_exact_fit.csv"):
        fetch(tmp_path / "cache", ["iod", "lsoa-lookup"], {"*": base}, None, 0, db, progress=False)
    assert warehouse_state(db) == before
    assert (tmp_path / "cache" / "iod" / IOD.rsplit("/", 1)[1]).exists()


def test_fetch_checks_the_warehouse_before_downloading(mirror, tmp_path, runner):
    base, routes = mirror
    not_a_db = tmp_path / "schools.csv"
    not_a_db.write_text("urn\n1\n")
    result = runner.invoke(cli, ["fetch", "iod", "--cache", str(tmp_path / "cache"), "--base-url", base,
                                 "--no-progress", "--db", str(not_a_db)])
    assert result.output == (f"Error: --db {not_a_db} exists and is not a DuckDB database; give the path of a "
                             "warehouse written by repaudit, or the name of a file that does not exist yet to start "
                             "a new one\n")
    assert Mirror.requests == []


def test_a_full_disk_while_downloading_names_the_file(mirror, official, tmp_path, monkeypatch):
    import errno

    from repaudit.fetch import transfer

    base, routes = mirror
    routes[IOD] = official[IOD]
    real_stream = transfer._stream

    def disk_full(url, sink, label, progress, limit, *rest):
        def failing(chunk):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_stream(url, failing, label, progress, limit, *rest)

    monkeypatch.setattr(transfer, "_stream", disk_full)
    dest = tmp_path / "iod" / IOD.rsplit("/", 1)[1]
    with pytest.raises(RepauditError) as error:
        fetch(tmp_path, ["iod"], {"*": base}, None, 0, None, progress=False)
    assert str(error.value) == (f"{dest}: the disk is full (No space left on device): free some space or choose a "
                                "location on another disk, then run the command again")
    assert list((tmp_path / "iod").iterdir()) == []


SPC_PAGE = "/find-statistics/school-pupils-and-their-characteristics"


def sentinel_tree(root):
    """A victim's files outside the cache, and a snapshot of them to compare with afterwards."""
    victim = root / "victim"
    victim.mkdir()
    (victim / "backup.zip").write_bytes(b"the user's own backup")
    (victim / "thesis.txt").write_text("years of work")
    return lambda: {p.name: p.read_bytes() for p in sorted(victim.iterdir())}


@pytest.mark.parametrize("release", ["x/../../../victim/backup", "../../victim/backup", "x\\..\\..\\victim",
                                     "/tmp/victim", "..", "id\nwith-newline", "a" * 300])
def test_a_release_id_that_is_a_path_writes_and_deletes_nothing_outside_the_cache(mirror, tmp_path, runner,
                                                                                    release):
    """A mirror whose release page names a path as its release id: refused before any download, with the id
    shown; the victim's files beside the cache are untouched and nothing is requested from the files address."""
    base, routes = mirror
    state = sentinel_tree(tmp_path)
    before = state()
    routes[SPC_PAGE] = release_page(release)
    routes["/api/releases/x/../../../victim/backup/files"] = zip_bytes({"spc_school_level_underlying_data.csv": b"a\n"})
    cache = tmp_path / "one" / "two" / "cache"
    result = runner.invoke(cli, ["fetch", "spc", "--cache", str(cache), "--base-url", base, "--no-load",
                                 "--no-progress"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {base}{SPC_PAGE}: the page gives the release id {ascii(release)[:76]}")
    assert "which is not a plain id" in result.output and "nothing was downloaded" in result.output
    assert state() == before
    assert [r for r in Mirror.requests if "/api/releases" in r] == []
    assert list((cache / "spc").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "victim"]


def test_names_from_a_mirror_are_checked_against_the_cache_folder(tmp_path):
    from repaudit.fetch.names import checked_release, in_cache

    assert in_cache(tmp_path, "spc_2023-24.zip", "u") == tmp_path / "spc_2023-24.zip"
    assert checked_release("63491b17-2037-4533-b719-d3656aaf6ed5", "u") == "63491b17-2037-4533-b719-d3656aaf6ed5"
    for bad in ("../x.zip", "a/b.zip", "a\\b.zip", ".hidden", "x..zip", "", "/etc/passwd", "a\x00b", "é.zip"):
        with pytest.raises(FetchError, match="is not a plain file name inside the cache folder"):
            in_cache(tmp_path, bad, "u")
    for bad in ("x/../y", "a b", "-rf", "1" * 101):
        with pytest.raises(FetchError, match="is not a plain id"):
            checked_release(bad, "u")


def test_a_server_sending_a_byte_every_few_seconds_is_stopped_at_the_deadline(mirror, tmp_path, runner):
    """Each read gets a byte within the per-read timeout, so only an overall deadline can stop it."""
    base, routes = mirror
    routes[IOD] = Trickle(b"a,b\n" * 1000)
    cache = tmp_path / "cache"
    started = time.monotonic()
    result = runner.invoke(cli, ["fetch", "iod", "--cache", str(cache), "--base-url", base, "--no-load",
                                 "--no-progress", "--max-time", "2"])
    took = time.monotonic() - started
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {base}{IOD}: the download did not finish within the --max-time limit "
                                    "of 2 seconds (")
    assert "bytes had arrived) and was stopped; nothing was kept" in result.output
    assert 2 <= took < 4
    assert list((cache / "iod").iterdir()) == []


def test_a_mirror_that_ignores_the_query_string_is_stopped_at_the_second_page(mirror, tmp_path):
    base, routes = mirror
    page = endless_pages({"resultOffset": ["0"]})
    routes[CENTROIDS] = lambda query: page
    with pytest.raises(FetchError, match="the server sent the same page for offset 2,000 as for offset 0: it ignores "
                                         "the paging in the query string"):
        fetch(tmp_path, ["lsoa-centroids"], {"*": base}, None, 0, None, progress=False)
    assert len(Mirror.requests) == 2
    assert list((tmp_path / "lsoa-centroids").iterdir()) == []


def test_a_layer_that_pages_for_ever_is_stopped_at_the_page_cap(mirror, tmp_path):
    base, routes = mirror
    routes[CENTROIDS] = endless_pages
    with pytest.raises(FetchError, match=r"the layer was still paging after 5 pages \(10,000 features\)"):
        fetch(tmp_path, ["lsoa-centroids"], {"*": base}, None, 0, None, progress=False, limits=Limits(max_pages=5))
    assert len(Mirror.requests) == 5
    assert list((tmp_path / "lsoa-centroids").iterdir()) == []


def test_a_landing_page_that_never_ends_is_cut_at_the_page_limit(mirror, tmp_path, runner):
    """The page is read as it streams and refused at the page limit, not held up to --max-download."""
    base, routes = mirror
    routes[SPC_PAGE] = Endless()
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match=r"the download passed the limit of 2 MB for one web page or page of "
                                         r"features \(real ones are under 2 MB\)"):
        fetch(cache, ["spc"], {"*": base}, None, 0, None, progress=False, limits=Limits(max_page=2 * 10**6))
    assert list((cache / "spc").iterdir()) == []
    result = runner.invoke(cli, ["fetch", "spc", "--cache", str(cache), "--base-url", base, "--no-load",
                                 "--no-progress"])
    assert result.exit_code == 1 and "the limit of 50 MB for one web page" in result.output


@pytest.mark.parametrize("body,says", [
    (b'{"type": "FeatureCollection", "features": [{"type": "Fea', "not valid JSON (cut short or damaged at byte"),
    (b"[]", "answered with JSON list '[]' where a GeoJSON FeatureCollection object was expected"),
    (b"null", "answered with JSON NoneType 'null' where"),
    (b'{"features": {"a": 1}}', "the page's 'features' is not a list of GeoJSON features"),
    (b'{"features": [1, 2]}', "the page's 'features' is not a list of GeoJSON features"),
    (b'{"error": {"code": 500, "message": "<b>down</b>"}}', "the layer answered with an error"),
    (b"\xff\xfe{", "not valid JSON (not JSON text)"),
    (b"[" * 100_000, "not valid JSON"),
])
def test_malformed_arcgis_pages_are_one_sentence_errors(mirror, tmp_path, runner, body, says):
    base, routes = mirror
    routes[CENTROIDS] = lambda query: body
    cache = tmp_path / "cache"
    result = runner.invoke(cli, ["fetch", "lsoa-centroids", "--cache", str(cache), "--base-url", base,
                                 "--no-load", "--no-progress"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {base}{CENTROIDS}?"), result.output
    assert says in result.output
    assert list((cache / "lsoa-centroids").iterdir()) == []


@pytest.mark.parametrize("page", [
    b'<script id="__NEXT_DATA__" type="application/json">{"props": null}</script>',
    b'<script id="__NEXT_DATA__" type="application/json">[]</script>',
    b'<script id="__NEXT_DATA__" type="application/json">{"props": {"pageProps": [1]}}</script>',
    b'<script id="__NEXT_DATA__" type="application/json">{"props": {"pageProps": {"releaseVersion": {"id": {}}}}}'
    b'</script>',
    b'<script id="__NEXT_DATA__" type="application/json">{"props": {"pageProps": {"releaseVers</script>',
    b'<script id="__NEXT_DATA__" type="application/json">' + b"[" * 100_000 + b"</script>",
])
def test_malformed_ees_pages_are_one_sentence_errors(mirror, tmp_path, runner, page):
    base, routes = mirror
    routes[SPC_PAGE] = page
    cache = tmp_path / "cache"
    result = runner.invoke(cli, ["fetch", "spc", "--cache", str(cache), "--base-url", base, "--no-load",
                                 "--no-progress"])
    assert result.exit_code == 1, result.output
    assert result.output == (f"Error: {base}{SPC_PAGE}: cannot find the release id in the page (expected Next.js "
                             "data with pageProps.releaseVersion.id); the site may have changed: download the "
                             "school-level CSV from the page by hand and use `repaudit load`\n")
    assert list((cache / "spc").iterdir()) == []
