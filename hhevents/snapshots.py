"""A loopback HTTP server for recorded site snapshots, used by the demo and by the spider tests.

Real publishers can't be reached from the build machine, so their pages are recorded under a folder named
after the site's host (``demo/snapshots/kulturvaerftet.dk/arrangementer/...``) and served by
:class:`SnapshotServer` on 127.0.0.1. :func:`snapshot_location` says where a real URL lives on it::

    https://kulturvaerftet.dk/arrangementer/?x=1 -> http://127.0.0.1:PORT/kulturvaerftet.dk/arrangementer/?x=1

Crawls use it through ``spiders.offline.SnapshotDownloadHandler``, which hands each response back under its
real URL, so pages may link exactly as real sites do (absolute, root-relative or relative links).

Path mapping: ``/a/b/`` -> ``a/b/index.html``; ``/a/b`` -> the file ``a/b``, or ``a/b/index.html`` when
``a/b`` is a folder. The query string is ignored. Nothing outside the root is ever served (404).

Date templating
---------------
Recorded pages must always show upcoming events, so text files (HTML, iCalendar, JSON, XML, RSS, ...) may hold
placeholders that are replaced on every request::

    {{ +Nd [HH:MM] [| FORMAT] [@ TZ] }}

- ``+Nd`` / ``-Nd``: today plus N days (the sign is optional, spaces anywhere are optional).
- ``HH:MM``: the time of day (default 00:00).
- ``| FORMAT``: a :meth:`~datetime.datetime.strftime` format (default ``%Y-%m-%d``); ``iso`` gives
  :meth:`~datetime.datetime.isoformat`; a ``utc:`` prefix (``utc:%Y%m%dT%H%M%SZ``, ``utc:iso``) converts to
  UTC first and needs ``@ TZ``.
- ``@ TZ``: an IANA zone; the local time is made aware in it, so ``iso`` carries that day's offset (+01:00 in
  winter, +02:00 in summer). A local time that doesn't exist (the spring-forward gap) is moved forward.

Examples (today = 2026-03-27)::

    {{ +2d }}                                   2026-03-29
    {{ +5d 20:00 | %Y-%m-%dT%H:%M:%S }}         2026-04-01T20:00:00
    {{ +5d 20:00 | iso @ Europe/Copenhagen }}   2026-04-01T20:00:00+02:00
    {{ +1d 19:00 | utc:%Y%m%dT%H%M%SZ @ Europe/Stockholm }}   20260327T180000Z
    {{-3d|%d.%m.%Y}}                            24.03.2026

"Today" is the server's ``today`` argument, else the date of :func:`hhevents.clock.now` in Europe/Stockholm
(re-read on every request, so a long-running demo rolls over at midnight and ``HHEVENTS_NOW`` is honoured).
``{{`` is reserved in text files: a placeholder that doesn't parse (or isn't closed on its line) makes the
request fail with HTTP 500 naming the file and line, because a silently broken snapshot would hide bugs.

HTTP behaviour
--------------
Like a real site: a strong ``ETag`` (hash of the rendered bytes), ``Last-Modified`` (the file's mtime; for a
templated file at least the start of today, since its content changed then), ``304`` for a matching
``If-None-Match`` or a fresh ``If-Modified-Since``, ``HEAD``, ``Content-Length`` and keep-alive (HTTP/1.1).

Recorded API responses
----------------------
APIs answer one path differently by query string (``?page=2``) and with meaningful statuses and headers
(WordPress's ``X-WP-TotalPages``, a 404 that means "no events"). A folder that a URL path names may hold a
``_snapshot.yaml`` describing its recorded responses::

    headers: {X-WP-TotalPages: "2"}          # sent with every response below (optional)
    responses:                               # the first whose query matches wins
      - query: {page: "2"}                   # every listed parameter must be in the request, with that value
        file: page-2-price-ranges.json       # relative to this folder; rendered like any snapshot file
      - query: {page: "3"}
        status: 400                          # default 200
        file: page-3.400-past-the-end.json
        headers: {Content-Type: application/json}
      - file: page-1-first-page.json         # no query: the default

A request that no response matches gets 404. A broken ``_snapshot.yaml`` is a 500 naming the file.

Fault hooks for tests: :meth:`SnapshotServer.fail`, :meth:`SnapshotServer.delay`,
:meth:`SnapshotServer.clear_faults`; every request is recorded in :attr:`SnapshotServer.requests`.

Run ``python -m hhevents.snapshots demo/snapshots`` to browse a snapshot folder by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import mimetypes
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Self
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from hhevents import clock

__all__ = [
    "RecordedRequest",
    "SnapshotServer",
    "TemplateError",
    "render_template",
    "snapshot_location",
]

log = logging.getLogger(__name__)

# "Today" for the recorded sites is the Helsingborg date (both cities share it in practice).
HOME_ZONE = ZoneInfo("Europe/Stockholm")

CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}
_TEXT_APPLICATION_TYPES = ("json", "xml", "javascript")
_PLAIN = "text/plain; charset=utf-8"

_OPEN = b"{{"
# One placeholder, on one line (so the reported line number means something).
_PLACEHOLDER = re.compile(rb"\{\{([^{}\r\n]*)\}\}")
_SPEC = re.compile(
    r"""^\s*(?P<sign>[+-])?\s*(?P<days>\d+)\s*d
        (?:\s*(?P<hour>\d{1,2}):(?P<minute>\d{2}))?
        \s*(?:\|\s*(?P<fmt>[^@|]*?))?
        \s*(?:@\s*(?P<tz>[A-Za-z0-9_+\-/]+))?
        \s*$""",
    re.VERBOSE,
)


class TemplateError(ValueError):
    """A ``{{ ... }}`` placeholder that can't be rendered; names the file and line."""

    def __init__(self, source: str, line: int, placeholder: str, reason: str) -> None:
        self.source, self.line, self.placeholder, self.reason = source, line, placeholder, reason
        super().__init__(f"{source}:{line}: bad date placeholder {placeholder!r}: {reason}")


def _render_one(spec: str, today: date) -> str:
    """Render the inside of one placeholder; raises ValueError with a reason."""
    m = _SPEC.match(spec)
    if not m:
        raise ValueError("expected '+Nd [HH:MM] [| FORMAT] [@ TZ]'")
    days = int(m["days"]) * (-1 if m["sign"] == "-" else 1)
    hour, minute = int(m["hour"] or 0), int(m["minute"] or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"no such time of day {hour:02d}:{minute:02d}")
    day = today + timedelta(days=days)
    value = datetime(day.year, day.month, day.day, hour, minute)
    if m["tz"]:
        try:
            zone = ZoneInfo(m["tz"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {m['tz']!r}") from exc
        # Round-trip through UTC so a wall time in the spring-forward gap becomes a real instant.
        value = value.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    fmt = m["fmt"]
    if fmt is None:
        fmt = "%Y-%m-%d"
    elif not fmt:
        raise ValueError("empty FORMAT after '|'")
    if fmt.startswith("utc:"):
        if value.tzinfo is None:
            raise ValueError("'utc:' needs '@ TZ' to know which local time to convert")
        value, fmt = value.astimezone(UTC), fmt[4:]
    return value.isoformat() if fmt == "iso" else value.strftime(fmt)


def render_template(data: bytes, today: date, source: str = "<snapshot>") -> bytes:
    """Replace every date placeholder in ``data`` (see the module docstring).

    Works on bytes so any ASCII-compatible encoding (a Latin-1 page from a sloppy site) passes through intact.
    Raises :class:`TemplateError` for the first placeholder that doesn't parse or isn't closed.
    """
    if _OPEN not in data:
        return data
    out: list[bytes] = []
    pos = 0
    while (start := data.find(_OPEN, pos)) != -1:
        line = data.count(b"\n", 0, start) + 1
        m = _PLACEHOLDER.match(data, start)
        if not m:
            end = data.find(b"\n", start)
            snippet = data[start : end if end != -1 else None][:60].decode("utf-8", "replace").strip()
            raise TemplateError(source, line, snippet, "no closing '}}' on the same line")
        spec = m[1].decode("ascii", "replace")
        try:
            rendered = _render_one(spec, today)
        except ValueError as exc:
            raise TemplateError(source, line, m[0].decode("ascii", "replace"), str(exc)) from None
        out += [data[pos:start], rendered.encode("utf-8")]
        pos = m.end()
    out.append(data[pos:])
    return b"".join(out)


def snapshot_location(url: str, base_url: str) -> str:
    """Where the snapshot site at ``base_url`` keeps the real ``url``: its path and query under its host.

    ``snapshot_location("https://kulturvaerftet.dk/arrangementer/?x=1", "http://127.0.0.1:8000")`` gives
    ``http://127.0.0.1:8000/kulturvaerftet.dk/arrangementer/?x=1``.
    """
    real = urlsplit(url)
    if not real.hostname:
        raise ValueError(f"{url!r} is not an absolute URL")
    base = urlsplit(base_url)
    path = "/".join([base.path.rstrip("/"), real.hostname, real.path.lstrip("/")])
    return urlunsplit((base.scheme, base.netloc, path, real.query, ""))


class _Headers(dict[str, str]):
    """Request headers with lower-cased keys; lookups ignore case, as HTTP does."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for key, value in items:
            key = key.lower()
            self[key] = f"{self[key]}, {value}" if key in self else value

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key.lower() if isinstance(key, str) else key)

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)


class RecordedRequest(NamedTuple):
    """One request the server answered. ``path`` is the request target as sent (query included)."""

    method: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class _Fault:
    status: int
    times: int | None
    body: bytes
    headers: dict[str, str]


def _normalise_pattern(path: str) -> str:
    return path if path.startswith("/") else "/" + path


class SnapshotServer:
    """Serve a snapshot folder on 127.0.0.1 from a background thread.

    ``with SnapshotServer(root) as site: ...`` or ``site = SnapshotServer(root).start(); ...; site.stop()``.
    """

    def __init__(
        self,
        root: str | Path,
        today: date | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        cache_control: str | None = "max-age=0",
    ) -> None:
        """``today`` freezes the template date; ``cache_control`` is sent on 200s (None sends none).

        The default ``max-age=0`` makes an HTTP cache revalidate on every fetch. Not ``no-cache``: Scrapy's
        RFC2616Policy then refetches without ``If-None-Match``/``If-Modified-Since``, so no 304 could happen.
        """
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise NotADirectoryError(f"snapshot root {self.root} is not a folder")
        self.today = today
        self.verbose = verbose
        self.cache_control = cache_control
        self.requests: list[RecordedRequest] = []  # appended under a lock; tests may read or clear() it
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._faults: dict[str, _Fault] = {}
        self._delays: dict[str, float] = {}
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._httpd = _Server((self._host, self._port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="snapshot-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        # Keep-alive connections would otherwise go on being served after "stop".
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("SnapshotServer is not running; call start() first")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """An absolute URL on this server for a path like ``/kulturvaerftet.dk/arrangementer/``."""
        return self.base_url + _normalise_pattern(path)

    def url_for(self, real_url: str) -> str:
        """:func:`snapshot_location` on this server."""
        return snapshot_location(real_url, self.base_url)

    def current_date(self) -> date:
        return self.today if self.today is not None else clock.now().astimezone(HOME_ZONE).date()

    # -- fault hooks -------------------------------------------------------------------------------------

    def fail(
        self,
        path: str,
        status: int = 500,
        times: int | None = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer requests for ``path`` with ``status`` (for ``times`` requests, or until cleared).

        ``path`` is matched against the URL path without the query, with :func:`fnmatch.fnmatchcase`
        (so ``/kulturvaerftet.dk/*`` covers a whole source); the newest matching fault wins. ``headers`` are
        added to the response (e.g. ``{"Retry-After": "1"}`` or a ``Location`` for a redirect).
        """
        if times is not None and times < 1:
            raise ValueError("times must be a positive count or None (forever)")
        with self._lock:
            pattern = _normalise_pattern(path)
            self._faults.pop(pattern, None)  # re-adding moves it to the end, i.e. makes it the newest
            self._faults[pattern] = _Fault(status, times, body, dict(headers or {}))

    def delay(self, path: str, seconds: float) -> None:
        """Wait ``seconds`` before answering requests for ``path`` (same matching as :meth:`fail`)."""
        with self._lock:
            self._delays[_normalise_pattern(path)] = seconds

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for pattern in reversed(list(self._faults)):
                fault = self._faults[pattern]
                if fnmatchcase(path, pattern):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            del self._faults[pattern]
                    return fault
        return None

    def _delay_for(self, path: str) -> float:
        with self._lock:
            for pattern in reversed(list(self._delays)):
                if fnmatchcase(path, pattern):
                    return self._delays[pattern]
        return 0.0

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    # -- files -------------------------------------------------------------------------------------------

    def recorded_response(self, url_path: str, query: str) -> tuple[Path | None, int, dict[str, str]] | None:
        """(file, status, headers) from the ``_snapshot.yaml`` of the folder ``url_path`` names, if any."""
        folder = self.resolve_folder(url_path)
        spec_path = folder / "_snapshot.yaml" if folder is not None else None
        if spec_path is None or not spec_path.is_file():
            return None
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
        asked = parse_qs(query, keep_blank_values=True)
        for response in spec.get("responses", []):
            wanted = {str(k): str(v) for k, v in (response.get("query") or {}).items()}
            if all(asked.get(key, [None])[0] == value for key, value in wanted.items()):
                name = response.get("file")
                file = self.resolve(f"{url_path.rstrip('/')}/{name}") if name else None
                if name and file is None:
                    raise ValueError(f"{spec_path.relative_to(self.root)}: no file {name!r}")
                headers = {**(spec.get("headers") or {}), **(response.get("headers") or {})}
                return file, int(response.get("status", 200)), {k: str(v) for k, v in headers.items()}
        return None, 404, {}

    def resolve_folder(self, url_path: str) -> Path | None:
        """The folder a URL path names, or None (not a folder, or outside the root)."""
        parts = [p for p in unquote(url_path).split("/") if p not in ("", ".")]
        if ".." in parts:
            return None
        folder = self.root.joinpath(*parts).resolve()
        return folder if folder.is_relative_to(self.root) and folder.is_dir() else None

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path maps to, or None (missing, or outside the root)."""
        rel = unquote(url_path)
        if "\x00" in rel:
            return None
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if ".." in parts:
            return None
        candidate = self.root.joinpath(*parts)
        if rel.endswith("/") or candidate.is_dir():
            candidate = candidate / "index.html"
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            return None
        # resolve() follows symlinks, so a link pointing out of the root is refused too.
        if not real.is_relative_to(self.root) or not real.is_file():
            return None
        return real


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        return "application/octet-stream"
    if guessed.startswith("text/"):
        return f"{guessed}; charset=utf-8"
    return guessed


def _is_text(ctype: str) -> bool:
    main = ctype.split(";")[0].strip()
    return main.startswith("text/") or any(t in main for t in _TEXT_APPLICATION_TYPES)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], site: SnapshotServer):
        self.site = site
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):  # type: ignore[no-untyped-def]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[no-untyped-def]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        # A client hanging up mid-delay is normal in fault tests; only say so when asked to.
        if self.site.verbose:
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hhevents-snapshots/1"
    timeout = 30  # idle keep-alive connections are dropped after this
    server: _Server

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        if self.server.site.verbose:
            sys.stderr.write(f"snapshots: {self.address_string()} {format % args}\n")

    def _serve(self, head: bool) -> None:
        site = self.server.site
        url_path = unquote(urlsplit(self.path).path) or "/"

        if (pause := site._delay_for(url_path)) > 0:
            time.sleep(pause)
        if (fault := site._take_fault(url_path)) is not None:
            self._send(fault.status, fault.body, {"Content-Type": _PLAIN, **fault.headers})
            return

        status, extra_headers = 200, {}
        try:
            recorded = site.recorded_response(url_path, urlsplit(self.path).query)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            self._send(500, f"500 broken _snapshot.yaml: {exc}\n".encode(), {"Content-Type": _PLAIN})
            return
        if recorded is not None:
            file, status, extra_headers = recorded
            if file is None:  # a recorded status without a body, or no response matched (404)
                self._send(status if status != 200 else 404, b"", {"Content-Type": _PLAIN, **extra_headers})
                return
        else:
            file = site.resolve(url_path)
        if file is None:
            self._send(404, f"404 Not Found: {url_path}\n".encode(), {"Content-Type": _PLAIN})
            return

        ctype = content_type(file)
        stat = file.stat()
        modified = int(stat.st_mtime)
        data = file.read_bytes()
        if _is_text(ctype) and _OPEN in data:
            today = site.current_date()
            rel = file.relative_to(site.root).as_posix()
            try:
                data = render_template(data, today, source=rel)
            except TemplateError as exc:
                log.error("snapshot template error: %s", exc)
                self._send(500, f"500 snapshot template error: {exc}\n".encode(), {"Content-Type": _PLAIN})
                return
            # The rendered page changed at the start of today even if the file didn't.
            midnight = datetime(today.year, today.month, today.day, tzinfo=HOME_ZONE)
            modified = max(modified, int(midnight.timestamp()))

        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)}
        if status == 200 and self._not_modified(etag, modified):
            self._send(304, b"", headers)
            return
        headers["Content-Type"] = ctype
        if site.cache_control:
            headers["Cache-Control"] = site.cache_control
        headers.update(extra_headers)
        self._send(status, b"" if head else data, headers, length=len(data))

    def _not_modified(self, etag: str, modified: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            # RFC 9110 13.1.2: weak comparison for If-None-Match; If-Modified-Since is then ignored.
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError, IndexError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return modified <= since.timestamp()
        return False

    def _send(self, status: int, body: bytes, headers: dict[str, str], length: int | None = None) -> None:
        # Recorded before answering, so a test that has read the response always finds its request here.
        request = RecordedRequest(self.command, self.path, status, _Headers(self.headers.items()))
        self.server.site._record(request)
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304 and not (100 <= status < 200 or status == 204):
                # HEAD passes the GET body's length; error bodies are sent for GET only.
                self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a snapshot folder on 127.0.0.1, dates rendered.")
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--today", type=date.fromisoformat, help="YYYY-MM-DD (default: hhevents.clock)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    with SnapshotServer(args.root, args.today, port=args.port, verbose=not args.quiet) as site:
        print(f"serving {site.root} at {site.base_url}/ (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
