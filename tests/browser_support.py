"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, fully offline: CDN requests are
answered from the npm copies in tests/browser/node_modules (same versions as the URLs name, or the test
fails), map tiles with a small local PNG, anything else is refused and recorded."""
from __future__ import annotations

import json
import mimetypes
import re
import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NODE_MODULES = Path(__file__).resolve().parent / "browser" / "node_modules"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"     # git-ignored; not output/, which repaudit owns
JSDELIVR_NPM = re.compile(r"^https://cdn\.jsdelivr\.net/npm/(?P<pkg>(@[^/@]+/)?[^/@]+)@(?P<ver>[^/]+)/(?P<path>[^?#]+)")
TILE = re.compile(r"^https://[a-z.]*tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")


def tile_png(size: int = 256, grey: int = 232) -> bytes:
    """A plain light-grey PNG tile, written by hand (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes([grey]) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def local_asset(url: str) -> Path:
    """The file in node_modules standing in for a jsDelivr npm URL; raises if the version differs."""
    m = JSDELIVR_NPM.match(url)
    if not m:
        raise LookupError(f"not a jsDelivr npm URL: {url}")
    package = NODE_MODULES / m["pkg"]
    manifest = package / "package.json"
    if not manifest.exists():
        raise LookupError(f"{m['pkg']} is not installed in {NODE_MODULES}: run `make test` (npm install)")
    version = json.loads(manifest.read_text())["version"]
    if version != m["ver"]:
        raise LookupError(f"{url} names {m['pkg']}@{m['ver']} but tests/browser has {version}: "
                          "update tests/browser/package.json")
    return package / m["path"]


@dataclass
class PageLog:
    """What went wrong on a page: uncaught exceptions, console errors, refused requests, dialogs."""
    errors: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)


def route_offline(page, log: PageLog):
    png = tile_png()

    def handle(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            return route.continue_()
        if TILE.match(url):
            return route.fulfill(status=200, body=png, content_type="image/png")
        try:
            path = local_asset(url)
        except LookupError as exc:
            log.refused.append(str(exc))
            return route.abort()
        if not path.is_file():
            log.refused.append(f"{url}: no file {path}")
            return route.abort()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return route.fulfill(status=200, body=path.read_bytes(), content_type=kind)

    page.route("**/*", handle)


@contextmanager
def chromium():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser, path: Path, viewport=(1280, 800)):
    """A new offline page showing the HTML file PATH, with its PageLog."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    log = PageLog()
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: log.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda d: (log.dialogs.append(d.message), d.dismiss()))
    route_offline(page, log)
    page.goto(Path(path).resolve().as_uri())
    return page, log


def screenshot(target, name: str) -> Path:
    """Save a PNG of a page or a locator into tests/screenshots/ (written on every run, for a person to look at;
    not into output/, where repaudit refuses to write beside files it did not make)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    out = SCREENSHOTS / name
    target.screenshot(path=str(out))
    return out
