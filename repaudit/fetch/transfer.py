"""HTTP downloads with urllib: a `.part` file renamed only when every promised byte has arrived.

A response shorter than its Content-Length, a dropped connection, a web page where a data file
was expected or a response larger than the --max-download limit is an error, and the `.part` file is
removed: the cache never holds half a file.
"""
from __future__ import annotations

import http.client
import socket
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from tqdm import tqdm

from .. import __version__
from ..errors import FetchError, about
from .limits import DEFAULT_MAX_DOWNLOAD, format_size

CHUNK = 1 << 16
TIMEOUT = 120
USER_AGENT = f"repaudit/{__version__} (school intake audit; open data download)"


class NotFound(FetchError):
    """The server has no file at this address (HTTP 404)."""


def _open(url: str):
    try:
        return urlopen(Request(url, headers={"User-Agent": USER_AGENT}), timeout=TIMEOUT)
    except HTTPError as exc:
        if exc.code == 404:
            raise NotFound(f"{url}: not found (HTTP 404)") from None
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from None
    except URLError as exc:
        raise FetchError(f"{url}: cannot connect ({exc.reason})") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{url}: no answer within {TIMEOUT} seconds") from None


def _stream(url: str, sink, label: str, progress: bool, limit: int) -> int:
    """Copy the response body into SINK; return the byte count after checking it against Content-Length.
    A body announced or found to be larger than LIMIT bytes is refused when it passes the limit."""
    with _open(url) as response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.strip().isdigit() else None
        if expected is not None and expected > limit:
            raise FetchError(f"{url}: the server announces {format_size(expected)}, more than the --max-download "
                             f"limit of {format_size(limit)}; nothing was downloaded. If the file really is that "
                             "large, raise --max-download")
        received = 0
        try:
            with tqdm(total=expected, unit="B", unit_scale=True, desc=label, disable=not progress,
                      leave=False) as bar:
                while chunk := response.read(CHUNK):
                    if received + len(chunk) > limit:
                        raise FetchError(f"{url}: the download passed the --max-download limit of "
                                         f"{format_size(limit)} and was stopped; nothing was kept. If the file "
                                         "really is that large, raise --max-download")
                    sink(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
        except (http.client.IncompleteRead, ConnectionError, socket.timeout, TimeoutError) as exc:
            raise FetchError(f"{url}: the download broke off after {received:,} bytes"
                             + (f" of {expected:,}" if expected else "") + f" ({type(exc).__name__}); "
                             "nothing was kept, run the command again") from None
    if expected is not None and received != expected:
        raise FetchError(f"{url}: truncated download, {received:,} bytes received but the server announced "
                         f"{expected:,}; nothing was kept, run the command again")
    return received


def check_content(head: bytes, expect: str, url: str):
    """Refuse a web page (an error or login page) where a data file was expected."""
    start = head.lstrip()[:15].lower()
    if expect == "zip" and not head.startswith(b"PK\x03\x04"):
        raise FetchError(f"{url}: expected a ZIP archive but got "
                         + ("a web page" if start.startswith((b"<!doctype", b"<html")) else "something else"))
    if expect in ("csv", "json") and start.startswith((b"<!doctype", b"<html", b"<?xml")):
        raise FetchError(f"{url}: expected a {expect.upper()} file but the server sent a web page")


def download(url: str, dest: Path, *, expect: str = "csv", progress: bool = True,
             limit: int = DEFAULT_MAX_DOWNLOAD) -> Path:
    """Save URL as DEST via DEST.part, refusing more than LIMIT bytes; on any failure no file is left behind
    (a full disk is reported naming DEST)."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    with about(dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(part, "wb") as out:
                _stream(url, out.write, dest.name, progress, limit)
            with open(part, "rb") as fh:
                check_content(fh.read(64), expect, url)
            part.replace(dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return dest


def get_bytes(url: str, *, expect: str = "json", limit: int = DEFAULT_MAX_DOWNLOAD) -> bytes:
    """A small response (a web page, one page of features) held in memory, length-checked and at most LIMIT."""
    parts: list[bytes] = []
    _stream(url, parts.append, url, progress=False, limit=limit)
    body = b"".join(parts)
    if expect != "html":
        check_content(body[:64], expect, url)
    return body
