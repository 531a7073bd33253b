"""Find and download each kind of catalogue entry: GIAS walk-back, EES release ZIPs, ArcGIS layers."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tqdm import tqdm

from ..errors import FetchError, about
from .archive import extract_member
from .catalogue import EES_FILES, Entry
from .limits import Limits, format_size
from .names import checked_release, in_cache, shown
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
        url = rebase(entry.url.format(date=stamp), base)
        dest = in_cache(folder, entry.filename.format(date=stamp), url)
        if dest.exists():
            return dest, f"{stamp}, already in the cache"
        try:
            return (download(url, dest, expect="csv", progress=progress, limit=limits.max_download,
                             seconds=limits.max_time), f"{stamp}, newest published")
        except NotFound:
            tried.append(stamp)
    raise FetchError(f"no GIAS file {entry.filename.format(date='YYYYMMDD')} for any day from "
                     f"{start:%Y-%m-%d} back {max_days_back} days (tried {tried[0]}..{tried[-1]} at "
                     f"{rebase(entry.url, base).rsplit('/', 1)[0]}/); try --date or a larger --max-days-back")


def release_id(page: bytes, url: str) -> str:
    """The release version id in an EES release page's embedded Next.js data (checked to be a plain id)."""
    text = page.decode("utf-8", errors="replace")
    match = re.search(r'<script id="__NEXT_DATA__"[^>]*>(.*?)</script>', text, re.S)
    if match:
        try:
            data = json.loads(match.group(1))
        except (json.JSONDecodeError, RecursionError):
            data = None
        props = _dig(data, "props", "pageProps")
        for key in ("releaseVersion", "release"):
            found = _dig(props, key, "id")
            if found is not None and not isinstance(found, (dict, list)) and str(found):
                return checked_release(str(found), url)
    loose = re.search(r'"releaseVersion"\s*:\s*\{\s*"id"\s*:\s*"([0-9a-fA-F-]{36})"', text)
    if loose:
        return loose.group(1)
    raise FetchError(f"{url}: cannot find the release id in the page (expected Next.js data with "
                     "pageProps.releaseVersion.id); the site may have changed: download the school-level CSV "
                     "from the page by hand and use `repaudit load`")


def _dig(data, *keys):
    """DATA[k1][k2]... when each step is an object holding the key, else None (for JSON of any shape)."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def ees_release(entry: Entry, folder: Path, base: str | None, progress: bool,
                limits: Limits = Limits()) -> tuple[Path, str]:
    """Latest release of an EES publication: its all-files ZIP, then the school-level member."""
    page_url = rebase(entry.url, base)
    dest = in_cache(folder, entry.filename, page_url)
    if dest.exists():
        return dest, "already in the cache"
    release = release_id(get_bytes(page_url, expect="html", limit=limits.max_page, seconds=limits.max_time),
                         page_url)
    archive = in_cache(folder, f"{entry.url.rstrip('/').rsplit('/', 1)[-1]}_{release}.zip", page_url)
    if not archive.exists():
        download(rebase(EES_FILES.format(release=release), base), archive, expect="zip", progress=progress,
                 limit=limits.max_download, seconds=limits.max_time)
    return extract_member(archive, entry.member, dest, limits), f"release {release}"


def plain_file(entry: Entry, folder: Path, base: str | None, progress: bool,
               limits: Limits = Limits()) -> tuple[Path, str]:
    """A file at a fixed address, or the named member of a ZIP there."""
    url = rebase(entry.url, base)
    dest = in_cache(folder, entry.filename, url)
    if dest.exists():
        return dest, "already in the cache"
    if not entry.member:
        expect = "json" if entry.filename.endswith(".geojson") else "csv"
        return (download(url, dest, expect=expect, progress=progress, limit=limits.max_download,
                         seconds=limits.max_time), "downloaded")
    archive = in_cache(folder, Path(urlsplit(entry.url).path).name, url)
    if not archive.exists():
        download(url, archive, expect="zip", progress=progress, limit=limits.max_download, seconds=limits.max_time)
    return extract_member(archive, entry.member, dest, limits), f"extracted from {archive.name}"


def arcgis_layer(entry: Entry, folder: Path, base: str | None, progress: bool,
                 limits: Limits = Limits()) -> tuple[Path, str]:
    """Every feature of an ArcGIS feature layer, in British National Grid, as one GeoJSON file. A hostile or broken
    server is stopped: the pages together may not pass --max-download nor take longer than --max-time, there are at
    most limits.max_pages of them, and a page served twice (a server ignoring resultOffset) ends the paging."""
    layer = rebase(entry.url, base)
    dest = in_cache(folder, entry.filename, layer)
    if dest.exists():
        return dest, "already in the cache"
    features, offset, received, seen = [], 0, 0, {}
    deadline = time.monotonic() + limits.max_time
    with tqdm(unit=" features", desc=entry.filename, disable=not progress, leave=False) as bar:
        while True:
            if len(seen) >= limits.max_pages:
                raise FetchError(f"{layer}: the layer was still paging after {len(seen):,} pages ({len(features):,} "
                                 "features), more than any official layer has; the download was stopped and nothing "
                                 "was kept")
            query = urlencode({"where": entry.where, "outFields": "*", "outSR": 27700, "f": "geojson",
                               "orderByFields": "FID", "resultOffset": offset, "resultRecordCount": ARCGIS_PAGE})
            url = layer + "?" + query
            left = deadline - time.monotonic()
            if left <= 0:
                raise FetchError(f"{layer}: the layer's pages did not all arrive within the --max-time limit of "
                                 f"{limits.max_time:g} seconds ({len(features):,} features after {len(seen):,} "
                                 "pages); the download was stopped and nothing was kept")
            body = get_bytes(url, expect="json", limit=limits.max_page, seconds=left)
            received += len(body)
            if received > limits.max_download:
                raise FetchError(f"{layer}: the layer's pages passed the --max-download limit of "
                                 f"{format_size(limits.max_download)} after {len(features):,} features and the "
                                 "download was stopped; nothing was kept")
            digest = hashlib.sha256(body).hexdigest()
            if digest in seen:
                raise FetchError(f"{layer}: the server sent the same page for offset {offset:,} as for offset "
                                 f"{seen[digest]:,}: it ignores the paging in the query string, so the layer "
                                 "cannot be read in full; the download was stopped and nothing was kept")
            seen[digest] = offset
            batch, more = feature_page(body, url)
            features += batch
            bar.update(len(batch))
            offset += len(batch)
            if not batch or (not more and len(batch) < ARCGIS_PAGE):
                break
    if not features:
        raise FetchError(f"{layer}: the layer returned no features")
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


def feature_page(body: bytes, url: str) -> tuple[list, bool]:
    """One ArcGIS GeoJSON page: its features and whether the server says more follow. Anything else (not JSON, cut
    short, not an object, an error answer, features that are not a list of objects) is a FetchError."""
    try:
        page = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        reason = f"cut short or damaged at byte {exc.pos:,}" if isinstance(exc, json.JSONDecodeError) else "not JSON text"
        raise FetchError(f"{url}: the layer answered with a page that is not valid JSON ({reason}); nothing was "
                         "kept, run the command again or check the mirror") from None
    if not isinstance(page, dict):
        raise FetchError(f"{url}: the layer answered with JSON {type(page).__name__} {shown(json.dumps(page)[:60])} "
                         "where a GeoJSON FeatureCollection object was expected; nothing was kept")
    if "error" in page:
        raise FetchError(f"{url}: the layer answered with an error: {shown(json.dumps(page['error']), 200)}")
    batch = page.get("features", [])
    if not isinstance(batch, list) or not all(isinstance(f, dict) for f in batch):
        raise FetchError(f"{url}: the page's 'features' is not a list of GeoJSON features; nothing was kept")
    more = page.get("exceededTransferLimit") or _dig(page, "properties", "exceededTransferLimit")
    return batch, bool(more)
