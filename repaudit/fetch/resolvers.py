"""Find and download each kind of catalogue entry: GIAS walk-back, EES release ZIPs, ArcGIS layers."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tqdm import tqdm

from ..errors import FetchError, about
from .archive import extract_member
from .catalogue import EES_FILES, Entry
from .limits import Limits, format_size
from .transfer import NotFound, download, get_bytes

ARCGIS_PAGE = 2000


def rebase(url: str, base: str | None) -> str:
    """URL with its scheme and host replaced by a mirror BASE (which may carry a path prefix)."""
    if not base:
        return url
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return base.rstrip("/") + tail


def gias_daily(entry: Entry, folder: Path, base: str | None, start: dt.date, max_days_back: int,
               progress: bool, limits: Limits = Limits()) -> tuple[Path, str]:
    """The newest daily GIAS file on or before START: try each day back until one exists."""
    tried = []
    for back in range(max_days_back + 1):
        stamp = (start - dt.timedelta(days=back)).strftime("%Y%m%d")
        dest = folder / entry.filename.format(date=stamp)
        url = rebase(entry.url.format(date=stamp), base)
        if dest.exists():
            return dest, f"{stamp}, already in the cache"
        try:
            return (download(url, dest, expect="csv", progress=progress, limit=limits.max_download),
                    f"{stamp}, newest published")
        except NotFound:
            tried.append(stamp)
    raise FetchError(f"no GIAS file {entry.filename.format(date='YYYYMMDD')} for any day from "
                     f"{start:%Y-%m-%d} back {max_days_back} days (tried {tried[0]}..{tried[-1]} at "
                     f"{rebase(entry.url, base).rsplit('/', 1)[0]}/); try --date or a larger --max-days-back")


def release_id(page: bytes, url: str) -> str:
    """The release version id in an EES release page's embedded Next.js data."""
    text = page.decode("utf-8", errors="replace")
    match = re.search(r'<script id="__NEXT_DATA__"[^>]*>(.*?)</script>', text, re.S)
    if match:
        try:
            props = json.loads(match.group(1)).get("props", {}).get("pageProps", {})
        except json.JSONDecodeError:
            props = {}
        for key in ("releaseVersion", "release"):
            if isinstance(props.get(key), dict) and props[key].get("id"):
                return str(props[key]["id"])
    loose = re.search(r'"releaseVersion"\s*:\s*\{\s*"id"\s*:\s*"([0-9a-fA-F-]{36})"', text)
    if loose:
        return loose.group(1)
    raise FetchError(f"{url}: cannot find the release id in the page (expected Next.js data with "
                     "pageProps.releaseVersion.id); the site may have changed: download the school-level CSV "
                     "from the page by hand and use `repaudit load`")


def ees_release(entry: Entry, folder: Path, base: str | None, progress: bool,
                limits: Limits = Limits()) -> tuple[Path, str]:
    """Latest release of an EES publication: its all-files ZIP, then the school-level member."""
    dest = folder / entry.filename
    if dest.exists():
        return dest, "already in the cache"
    page_url = rebase(entry.url, base)
    release = release_id(get_bytes(page_url, expect="html", limit=limits.max_download), page_url)
    archive = folder / f"{entry.url.rstrip('/').rsplit('/', 1)[-1]}_{release}.zip"
    if not archive.exists():
        download(rebase(EES_FILES.format(release=release), base), archive, expect="zip", progress=progress,
                 limit=limits.max_download)
    return extract_member(archive, entry.member, dest, limits), f"release {release}"


def plain_file(entry: Entry, folder: Path, base: str | None, progress: bool,
               limits: Limits = Limits()) -> tuple[Path, str]:
    """A file at a fixed address, or the named member of a ZIP there."""
    dest = folder / entry.filename
    if dest.exists():
        return dest, "already in the cache"
    url = rebase(entry.url, base)
    if not entry.member:
        expect = "json" if entry.filename.endswith(".geojson") else "csv"
        return download(url, dest, expect=expect, progress=progress, limit=limits.max_download), "downloaded"
    archive = folder / Path(urlsplit(entry.url).path).name
    if not archive.exists():
        download(url, archive, expect="zip", progress=progress, limit=limits.max_download)
    return extract_member(archive, entry.member, dest, limits), f"extracted from {archive.name}"


def arcgis_layer(entry: Entry, folder: Path, base: str | None, progress: bool,
                 limits: Limits = Limits()) -> tuple[Path, str]:
    """Every feature of an ArcGIS feature layer, in British National Grid, as one GeoJSON file; the pages
    together may not pass the --max-download limit (a server that never stops paging is refused)."""
    dest = folder / entry.filename
    if dest.exists():
        return dest, "already in the cache"
    features, offset, received = [], 0, 0
    with tqdm(unit=" features", desc=entry.filename, disable=not progress, leave=False) as bar:
        while True:
            query = urlencode({"where": "1=1", "outFields": "*", "outSR": 27700, "f": "geojson",
                               "orderByFields": "FID", "resultOffset": offset, "resultRecordCount": ARCGIS_PAGE})
            url = rebase(entry.url, base) + "?" + query
            body = get_bytes(url, expect="json", limit=limits.max_download)
            received += len(body)
            if received > limits.max_download:
                raise FetchError(f"{rebase(entry.url, base)}: the layer's pages passed the --max-download limit of "
                                 f"{format_size(limits.max_download)} after {len(features):,} features and the "
                                 "download was stopped; nothing was kept")
            page = json.loads(body)
            if "error" in page:
                raise FetchError(f"{url}: the layer answered with an error: {page['error']}")
            batch = page.get("features", [])
            features += batch
            bar.update(len(batch))
            offset += len(batch)
            more = page.get("exceededTransferLimit") or page.get("properties", {}).get("exceededTransferLimit")
            if not batch or (not more and len(batch) < ARCGIS_PAGE):
                break
    if not features:
        raise FetchError(f"{rebase(entry.url, base)}: the layer returned no features")
    collection = {"type": "FeatureCollection", "name": dest.stem,
                  "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
                  "features": features}
    part = dest.with_name(dest.name + ".part")
    with about(dest):
        try:
            part.write_text(json.dumps(collection), encoding="utf-8")
            part.replace(dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return dest, f"{len(features):,} features"
