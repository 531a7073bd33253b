"""HTTP downloads with urllib: a `.part` file renamed only when every promised byte has arrived.

A response shorter than its Content-Length, a dropped connection, a web page where a data file
was expected, a response larger than the --max-download limit or one still arriving after the
--max-time deadline is an error, and the `.part` file is removed: the cache never holds half a file.
"""
from __future__ import annotations

import http.client
import socket
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from tqdm import tqdm

from .. import __version__
from ..errors import FetchError, about
from .limits import DEFAULT_MAX_DOWNLOAD, DEFAULT_MAX_TIME, format_size

CHUNK = 1 << 16
TIMEOUT = 120
USER_AGENT = f"repaudit/{__version__} (school intake audit; open data download)"


class NotFound(FetchError):
    """The server has no file at this address (HTTP 404)."""


def _open(url: str, timeout: float = TIMEOUT):
    try:
        return urlopen(Request(url, headers={"User-Agent": USER_AGENT}), timeout=timeout)
    except HTTPError as exc:
        if exc.code == 404:
            raise NotFound(f"{url}: not found (HTTP 404)") from None
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from None
    except URLError as exc:
        raise FetchError(f"{url}: cannot connect ({exc.reason})") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{url}: no answer within {timeout:g} seconds") from None


def _wait_at_most(response, seconds: float):
    """Let the next read of RESPONSE wait at most SECONDS (the socket's timeout), so that a deadline holds."""
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def _late(url: str, seconds: float, received: int) -> FetchError:
    return FetchError(f"{url}: the download did not finish within the --max-time limit of {seconds:g} seconds "
                      f"({received:,} bytes had arrived) and was stopped; nothing was kept. The server is stalled "
                      "or very slow: try again later, or raise --max-time")


def _too_large(url: str, limit: int, page: bool, announced: int | None = None) -> FetchError:
    """The error for a body over LIMIT: a file (--max-download, which the user may raise) or a PAGE (a landing
    page or a page of features, capped because no real one comes near the limit)."""
    what = (f"the server announces {format_size(announced)}, more than" if announced is not None
            else "the download passed")
    if page:
        return FetchError(f"{url}: {what} the limit of {format_size(limit)} for one web page or page of features "
                          "(real ones are under 2 MB) and was stopped; nothing was kept. The mirror is not serving "
                          "the page it should")
    done = "nothing was downloaded" if announced is not None else "and was stopped; nothing was kept"
    return FetchError(f"{url}: {what} the --max-download limit of {format_size(limit)}"
                      f"{'; ' if announced is not None else ' '}{done}. If the file really is that large, raise "
                      "--max-download")


def _stream(url: str, sink, label: str, progress: bool, limit: int, seconds: float = DEFAULT_MAX_TIME,
            page: bool = False) -> int:
    """Copy the response body into SINK; return the byte count after checking it against Content-Length.
    A body announced or found to be larger than LIMIT bytes is refused when it passes the limit, and one still
    arriving SECONDS after the request was made is stopped (each read waits only for the time left)."""
    start = time.monotonic()
    with _open(url, min(TIMEOUT, seconds)) as response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.strip().isdigit() else None
        if expected is not None and expected > limit:
            raise _too_large(url, limit, page, expected)
        received = 0
        try:
            with tqdm(total=expected, unit="B", unit_scale=True, desc=label, disable=not progress,
                      leave=False) as bar:
                while True:
                    left = seconds - (time.monotonic() - start)
                    if left <= 0:
                        raise _late(url, seconds, received)
                    _wait_at_most(response, min(TIMEOUT, left))
                    chunk = response.read1(CHUNK)
                    if not chunk:
                        break
                    if received + len(chunk) > limit:
                        raise _too_large(url, limit, page)
                    sink(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
        except (http.client.IncompleteRead, ConnectionError, socket.timeout, TimeoutError) as exc:
            if time.monotonic() - start >= seconds - 0.05:
                raise _late(url, seconds, received) from None
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
             limit: int = DEFAULT_MAX_DOWNLOAD, seconds: float = DEFAULT_MAX_TIME) -> Path:
    """Save URL as DEST via DEST.part, refusing more than LIMIT bytes or a transfer longer than SECONDS; on any
    failure no file is left behind (a full disk is reported naming DEST)."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    with about(dest):
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(part, "wb") as out:
                _stream(url, out.write, dest.name, progress, limit, seconds)
            with open(part, "rb") as fh:
                check_content(fh.read(64), expect, url)
            part.replace(dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return dest


def get_bytes(url: str, *, expect: str = "json", limit: int = DEFAULT_MAX_DOWNLOAD,
              seconds: float = DEFAULT_MAX_TIME) -> bytes:
    """A small response (a web page, one page of features) read as it streams in, refused as soon as it passes
    LIMIT bytes (so at most LIMIT is ever held) or takes longer than SECONDS; length-checked."""
    parts: list[bytes] = []
    _stream(url, parts.append, url, progress=False, limit=limit, seconds=seconds, page=True)
    body = b"".join(parts)
    if expect != "html":
        check_content(body[:64], expect, url)
    return body
