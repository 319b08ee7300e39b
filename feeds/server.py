"""The feed server: published feeds, custom feeds, the subscribe page, the widget and the operators' pages.

A small Starlette app over the published output folder (``out_dir``, what ``hhevents publish`` writes) and,
when given, the data dir (the event store and the scheduler's state file).

* Published files: the content types calendar apps expect, a strong ETag (the content's SHA-256) and
  Last-Modified, 304 for ``If-None-Match`` / ``If-Modified-Since``, gzip for clients that ask,
  ``Cache-Control`` matched to the feeds' refresh interval, HEAD, and ``Access-Control-Allow-Origin: *``.
  A file's bytes, hash and
  gzipped bytes are kept in memory until its mtime or size changes, so a poll of an unchanged feed costs a
  ``stat`` and a string compare.
* ``/feeds/custom.{ics,rss,atom,json}``: the store's events filtered by query parameters, rendered by the same
  writers as the published feeds; cached until the store changes; a bad parameter gets a 400 naming it.
* ``/healthz``, ``/metrics`` (Prometheus text) and ``/status`` (HTML) for operators.
* ``/`` the subscribe page (sv/da/en), ``/widget.js`` and ``/widget`` (iframe) for other sites.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hhevents.model import CATEGORIES, CITIES, LANGUAGES, Event

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
# Files whose name says more than their suffix: the publisher's manifest is plain JSON, not a JSON Feed.
NAMED_CONTENT_TYPES = {"manifest.json": "application/json; charset=utf-8"}
COMPRESSIBLE = ("text/", "application/rss+xml", "application/atom+xml", "application/feed+json",
                "application/json", "image/svg+xml")
GZIP_MIN_BYTES = 512
FRESH_HOURS = 26.0  # /healthz: the last publish must be younger than this (the housekeeping runs daily)
STALE_MARGIN = 2.0  # ... or than this many refresh intervals, whichever is larger
CUSTOM_CACHE_SIZE = 128
FORMATS = ("ics", "rss", "atom", "json")
STATIC = Path(__file__).parent / "static"
SCHEDULER_STATE = "scheduler/state.json"  # written by scheduler.py (`hhevents run`); see docs/operations.md


# -- serving bytes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """Bytes ready to serve: their strong validator, their gzip form (made once) and when they changed."""

    data: bytes
    media_type: str
    etag: str
    modified: float  # POSIX time
    gzipped: bytes | None

    @classmethod
    def of(cls, data: bytes, media_type: str, modified: float) -> Body:
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        gzipped = None
        if len(data) >= GZIP_MIN_BYTES and media_type.startswith(COMPRESSIBLE):
            gzipped = gzip.compress(data, compresslevel=6, mtime=0)
        return cls(data, media_type, etag, modified, gzipped)


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [tag.strip() for tag in header.split(",")]
    # A gzipped response carries the same tag with a suffix some proxies add ("-gzip"): accept both.
    return "*" in candidates or any(tag.removeprefix("W/").removesuffix('-gzip"').rstrip('"') + '"' == etag
                                    or tag.removeprefix("W/") == etag for tag in candidates)


def _not_modified(request: Request, body: Body) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, body.etag)
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(body.modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


def _wants_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().removeprefix("q=")
            try:
                return not params.strip().startswith("q=") or float(q) > 0
            except ValueError:
                return True
    return False


def serve_body(request: Request, body: Body, *, cache_control: str, cors: bool = True) -> Response:
    headers = {
        "ETag": body.etag,
        "Last-Modified": formatdate(body.modified, usegmt=True),
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
    }
    if cors:
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
    if _not_modified(request, body):
        return Response(status_code=304, headers=headers)
    data = body.data
    if body.gzipped is not None and _wants_gzip(request):
        data = body.gzipped
        headers["Content-Encoding"] = "gzip"
    headers["Content-Length"] = str(len(data))
    # HEAD: Starlette's Response sends the headers only; Content-Length stays that of the GET.
    return Response(data if request.method != "HEAD" else b"", media_type=body.media_type, headers=headers)


class FileCache:
    """Published files as :class:`Body`, read again only when their mtime or size changes."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._bodies: dict[Path, tuple[tuple[int, int], Body]] = {}
        self._lock = threading.Lock()

    def resolve(self, rel: str) -> Path | None:
        if "\x00" in rel:
            return None
        path = (self.root / rel.lstrip("/")).resolve()
        if path != self.root and self.root not in path.parents:
            return None  # ../ out of the folder
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def get(self, path: Path) -> Body | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._bodies.get(path)
        if cached and cached[0] == key:
            return cached[1]
        try:
            data = path.read_bytes()
        except OSError:
            return None
        media_type = (NAMED_CONTENT_TYPES.get(path.name) or CONTENT_TYPES.get(path.suffix.lower())
                      or "application/octet-stream")
        body = Body.of(data, media_type, stat.st_mtime)
        with self._lock:
            self._bodies[path] = (key, body)
        return body


# -- custom feeds -------------------------------------------------------------------------------------------


class BadParameter(ValueError):
    def __init__(self, name: str, why: str):
        super().__init__(f"parameter {name!r}: {why}")
        self.name = name


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}
KNOWN_PARAMETERS = {"city", "category", "tag", "venue", "q", "free", "from", "to", "lang"}
MAX_TEXT = 200


@dataclass(frozen=True)
class Query:
    cities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    venue: str = ""
    text: str = ""
    free: bool | None = None
    start: date | None = None
    end: date | None = None  # inclusive last day
    language: str = "en"

    @classmethod
    def parse(cls, params, default_language: str = "en") -> Query:
        """From the query string (a multi-dict); raises :class:`BadParameter`."""
        for name in params:
            if name not in KNOWN_PARAMETERS:
                raise BadParameter(name, f"unknown; use {', '.join(sorted(KNOWN_PARAMETERS))}")

        def choices(name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
            values = [v.strip().lower() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
            for value in values:
                if value == "all":
                    return ()
                if value not in allowed:
                    raise BadParameter(name, f"{value!r} is not one of {', '.join(allowed)}")
            return tuple(sorted(set(values)))

        def text(name: str) -> str:
            values = params.getlist(name)
            if len(values) > 1:
                raise BadParameter(name, "given more than once")
            value = values[0].strip() if values else ""
            if len(value) > MAX_TEXT:
                raise BadParameter(name, f"longer than {MAX_TEXT} characters")
            return value

        def day(name: str) -> date | None:
            value = text(name)
            if not value:
                return None
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                raise BadParameter(name, f"{value!r} is not a date like 2026-12-24") from None
            if not 1970 <= parsed.year <= 2200:
                raise BadParameter(name, f"{value!r} is out of range (years 1970 to 2200)")
            return parsed

        free_word = text("free").lower()
        if free_word and free_word not in TRUE_WORDS | FALSE_WORDS:
            raise BadParameter("free", f"{free_word!r} is not true or false")
        language = text("lang").lower() or default_language
        if language not in LANGUAGES:
            raise BadParameter("lang", f"{language!r} is not one of {', '.join(LANGUAGES)}")
        start, end = day("from"), day("to")
        if start and end and end < start:
            raise BadParameter("to", "is before 'from'")
        tags = tuple(sorted({t.strip().lower() for raw in params.getlist("tag") for t in raw.split(",")
                             if t.strip()}))
        if any(len(t) > MAX_TEXT for t in tags):
            raise BadParameter("tag", f"longer than {MAX_TEXT} characters")
        return cls(
            cities=choices("city", CITIES),
            categories=choices("category", CATEGORIES),
            tags=tags,
            venue=text("venue"),
            text=text("q"),
            free=None if not free_word else free_word in TRUE_WORDS,
            start=start,
            end=end,
            language=language,
        )

    def key(self) -> str:
        return json.dumps([self.cities, self.categories, self.tags, self.venue.casefold(),
                           self.text.casefold(),
                           self.free, str(self.start), str(self.end), self.language])

    def include(self, event: Event) -> bool:
        if self.cities and event.city not in self.cities:
            return False
        if self.categories and event.category not in self.categories:
            return False
        if self.tags and not set(self.tags) & {t.lower() for t in event.tags}:
            return False
        if self.venue and self.venue.casefold() not in (event.venue.name or "").casefold():
            return False
        if self.free is not None and bool(event.price.free) != self.free:
            return False
        zone = ZoneInfo(event.timezone)
        if self.start:
            from feeds import effective_end

            if effective_end(event) <= datetime.combine(self.start, dtime(), zone):
                return False
        if self.end and event.start >= datetime.combine(self.end + timedelta(days=1), dtime(), zone):
            return False
        if self.text:
            haystack = " ".join([event.title, event.description, event.venue.name or "",
                                 event.organizer or "",
                                 " ".join(event.tags)]).casefold()
            if not all(word in haystack for word in self.text.casefold().split()):
                return False
        return True


# -- the app ------------------------------------------------------------------------------------------------


class FeedServer:
    def __init__(self, out_dir: Path, data_dir: Path | None, *, config: Path | None,
                 refresh_hours: int | None,
                 base_url: str | None, fresh_hours: float | None):
        from feeds.publish import REFRESH_HOURS

        self.out_dir = Path(out_dir)
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.config = Path(config) if config is not None else None
        self.refresh_hours = refresh_hours if refresh_hours is not None else REFRESH_HOURS
        self.base_url = base_url
        self.fresh_seconds = 3600 * (fresh_hours if fresh_hours is not None
                                     else max(FRESH_HOURS, STALE_MARGIN * self.refresh_hours))
        self.files = FileCache(self.out_dir)
        self.static_files = FileCache(STATIC)
        self.feed_cache_control = f"public, max-age={self.refresh_hours * 3600}"
        self._custom: OrderedDict[tuple, Body] = OrderedDict()
        self._events: tuple[tuple, list[Event]] | None = None
        self._lock = threading.Lock()

    # -- helpers

    def db_path(self) -> Path | None:
        if self.data_dir is None:
            return None
        from store.db import DB_FILENAME

        path = self.data_dir / DB_FILENAME
        return path if path.exists() else None

    def data_version(self) -> tuple:
        """Changes whenever the store is written (SQLite's file, or its write-ahead log)."""
        path = self.db_path()
        if path is None:
            return ()
        marks = []
        for candidate in (path, path.with_name(path.name + "-wal")):
            try:
                stat = candidate.stat()
                marks.append((stat.st_mtime_ns, stat.st_size))
            except OSError:
                marks.append(None)
        return tuple(marks)

    def open_store(self):
        path = self.db_path()
        if path is None:
            return None
        from store import EventStore

        return EventStore(path)

    def public_base(self, request: Request) -> str:
        if self.base_url:
            return self.base_url.rstrip("/") + "/"
        manifest = self.manifest()
        if manifest.get("base_url"):
            return str(manifest["base_url"]).rstrip("/") + "/"
        return str(request.base_url).rstrip("/") + "/"

    def manifest(self) -> dict:
        from feeds.publish import MANIFEST

        path = self.out_dir / MANIFEST
        body = self.files.get(path)
        if body is None:
            return {}
        try:
            value = json.loads(body.data)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def last_publish(self) -> float | None:
        """When the publish last wrote (the manifest's mtime; it is written last)."""
        from feeds.publish import MANIFEST

        try:
            return (self.out_dir / MANIFEST).stat().st_mtime
        except OSError:
            return None

    def publish_age(self) -> float | None:
        """Seconds since the last publish *ran*: the scheduler's record if any, else the manifest's mtime."""
        latest = None
        state = self.scheduler_state()
        last = ((state or {}).get("publish") or {}).get("last")
        finished = None
        if isinstance(last, dict) and last.get("ok", True):
            finished = last.get("finished")
        elif isinstance(last, str):
            finished = last
        if finished:
            try:
                latest = datetime.fromisoformat(str(finished)).timestamp()
            except ValueError:
                latest = None
        for mtime in (self.last_publish(), self.publish_stamp()):
            if mtime is not None and (latest is None or mtime > latest):
                latest = mtime
        return None if latest is None else time.time() - latest

    def publish_stamp(self) -> float | None:
        """When `hhevents publish` last ran to the end (its stamp in the data dir), changed or not."""
        from feeds.publish import PUBLISH_STAMP

        if self.data_dir is None:
            return None
        try:
            return (self.data_dir / PUBLISH_STAMP).stat().st_mtime
        except OSError:
            return None

    def scheduler_state(self) -> dict | None:
        """The scheduler's state file (``<data-dir>/scheduler/state.json``), or None."""
        if self.data_dir is None:
            return None
        try:
            value = json.loads((self.data_dir / SCHEDULER_STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    # -- published files

    async def published(self, request: Request) -> Response:
        rel = request.path_params.get("path", "")
        path = self.files.resolve(rel)
        if path is None:
            return Response("not found\n", status_code=404, media_type="text/plain; charset=utf-8",
                            headers={"Access-Control-Allow-Origin": "*"})
        body = self.files.get(path)
        if body is None:
            return Response("not found\n", status_code=404, media_type="text/plain; charset=utf-8")
        cache_control = self.feed_cache_control
        if path.name == "manifest.json" or path.suffix == ".html":
            cache_control = "no-cache"
        return serve_body(request, body, cache_control=cache_control)

    # -- custom feeds

    def custom(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return _problem(404, f"no custom feed format {fmt!r}; use one of {', '.join(FORMATS)}")
        try:
            query = Query.parse(request.query_params)
        except BadParameter as error:
            return _problem(400, str(error))
        base = self.public_base(request)
        version = self.data_version()
        key = (fmt, query.key(), version, base, _today())
        with self._lock:
            body = self._custom.get(key)
            if body is not None:
                self._custom.move_to_end(key)
        if body is None:
            try:
                data = self.render_custom(fmt, query, base, str(request.url))
            except Exception:  # noqa: BLE001 - e.g. the store locked mid-write: a retry helps, a 500 does not
                log.exception("custom feed %s failed", request.url)
                return Response("the events could not be read just now; try again shortly\n", status_code=503,
                                media_type="text/plain; charset=utf-8", headers={"Retry-After": "30"})
            from feeds.publish import FORMATS as PUBLISH_FORMATS

            body = Body.of(data, PUBLISH_FORMATS[fmt][0], float(int(time.time())))
            with self._lock:
                self._custom[key] = body
                while len(self._custom) > CUSTOM_CACHE_SIZE:
                    self._custom.popitem(last=False)
        return serve_body(request, body, cache_control=self.feed_cache_control)

    def events(self) -> list[Event]:
        """The store's events, read again only when the store changes."""
        version = self.data_version()
        with self._lock:
            cached = self._events
        if cached is not None and cached[0] == version:
            return cached[1]
        store = self.open_store()
        if store is None:
            return []
        try:
            events = list(store.iter_events())
        finally:
            store.close()
        with self._lock:
            self._events = (version, events)
        return events

    def render_custom(self, fmt: str, query: Query, base: str, self_url: str) -> bytes:
        from feeds import RenderCache, ordered
        from feeds.ical import build_calendar
        from feeds.jsonfeed import build_json_feed
        from feeds.publish import AHEAD_DAYS, CALENDAR_PAST_DAYS, COLORS, READER_PAST_DAYS, Window
        from feeds.publish import FORMATS as PUBLISH_FORMATS
        from feeds.rss import ATOM_ID_PREFIX, build_atom, build_rss
        from feeds.text import default_categories, feed_description, feed_title
        from hhevents import clock

        kind = PUBLISH_FORMATS[fmt][1]
        now = clock.now()
        window = Window(now, CALENDAR_PAST_DAYS if kind == "calendar" else READER_PAST_DAYS, AHEAD_DAYS)
        chosen = [e for e in ordered(self.events()) if window.holds(e) and query.include(e)]
        rules = default_categories()
        city = query.cities[0] if len(query.cities) == 1 else None
        category = query.categories[0] if len(query.categories) == 1 else None
        language = query.language
        title = feed_title(city, category, language, rules) + " (" + CUSTOM_WORD[language] + ")"
        description = feed_description(city, category, language, rules)
        common = {"language": language, "rules": rules, "cache": RenderCache()}
        if fmt == "ics":
            return build_calendar(chosen, name=title, description=description, url=self_url, source=self_url,
                                  color=COLORS.get(category, "teal"), refresh_hours=self.refresh_hours,
                                  **common)
        if fmt == "rss":
            return build_rss(chosen, title=title, description=description, link=base, self_url=self_url,
                             ttl_minutes=self.refresh_hours * 60, **common)
        if fmt == "atom":
            digest = hashlib.sha256(query.key().encode()).hexdigest()[:16]
            return build_atom(chosen, title=title, description=description, link=base, self_url=self_url,
                              feed_id=f"{ATOM_ID_PREFIX}feed:custom:{digest}", **common)
        return build_json_feed(chosen, title=title, description=description, link=base, self_url=self_url,
                               **common)

    # -- operators

    def healthz(self, request: Request) -> Response:
        age = self.publish_age()
        if age is None:
            return _plain(503, "unhealthy: nothing published yet\n")
        if age > self.fresh_seconds:
            return _plain(503, f"unhealthy: last publish {age / 3600:.1f} h ago "
                               f"(limit {self.fresh_seconds / 3600:.1f} h)\n")
        return _plain(200, f"ok: last publish {age:.0f} s ago\n")

    def metrics(self, request: Request) -> Response:
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]):
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            for labels, value in samples:
                label_text = ",".join(f'{k}="{_label(v)}"' for k, v in sorted(labels.items()))
                lines.append(f"{name}{{{label_text}}} {_number(value)}" if label_text
                             else f"{name} {_number(value)}")

        store = self.open_store()
        runs_by_source: dict[str, list] = {}
        latest: dict = {}
        events = 0
        if store is not None:
            try:
                latest = store.latest_runs()
                for run in store.runs():
                    runs_by_source.setdefault(run.source_id, []).append(run)
                events = store.count()
            finally:
                store.close()
        runs = [({"source": s, "outcome": o}, sum(1 for r in rs if str(r.outcome) == o))
                for s, rs in sorted(runs_by_source.items()) for o in ("ok", "degraded", "failed")]
        family("hhevents_source_runs_total", "counter", "Crawl runs per source and outcome.", runs)
        family("hhevents_source_failures_total", "counter", "Crawl runs per source that failed.",
               [({"source": s}, sum(1 for r in rs if str(r.outcome) == "failed"))
                for s, rs in sorted(runs_by_source.items())])
        family("hhevents_source_last_run_items", "gauge", "Events the source's last run stored.",
               [({"source": s}, r.items) for s, r in sorted(latest.items())])
        family("hhevents_source_last_run_errors", "gauge", "Errors in the source's last run.",
               [({"source": s}, r.errors) for s, r in sorted(latest.items())])
        family("hhevents_source_last_run_timestamp_seconds", "gauge", "When the source's last run finished.",
               [({"source": s}, r.finished.timestamp()) for s, r in sorted(latest.items())])
        family("hhevents_source_last_run_duration_seconds", "gauge", "How long the source's last run took.",
               [({"source": s}, (r.finished - r.started).total_seconds()) for s, r in sorted(latest.items())])
        family("hhevents_source_last_run_ok", "gauge", "1 if the source's last run was ok.",
               [({"source": s}, 1 if str(r.outcome) == "ok" else 0) for s, r in sorted(latest.items())])
        family("hhevents_store_events", "gauge", "Events in the store.", [({}, events)])
        feeds = [f for f in self.manifest().get("feeds", []) if isinstance(f, dict) and f.get("path")]
        family("hhevents_feed_bytes", "gauge", "Size of each published feed.",
               [({"path": str(f["path"])}, float(f.get("bytes") or 0)) for f in feeds])
        family("hhevents_feed_events", "gauge", "Events in each published feed.",
               [({"path": str(f["path"])}, float(f.get("events") or 0)) for f in feeds])
        published = self.last_publish()
        family("hhevents_publish_timestamp_seconds", "gauge", "When the publish last wrote the manifest.",
               [({}, published)] if published is not None else [])
        last = ((self.scheduler_state() or {}).get("publish") or {}).get("last")
        duration = (last.get("seconds") or last.get("duration")) if isinstance(last, dict) else None
        family("hhevents_publish_duration_seconds", "gauge", "How long the last publish took.",
               [({}, float(duration))] if isinstance(duration, int | float) else [])
        return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    def status(self, request: Request) -> Response:
        return Response(status_page(self), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    def index(self, request: Request) -> Response:
        return Response(subscribe_page(self, request), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language"})

    def static(self, request: Request) -> Response:
        return self.static_file(request, request.path_params["name"])

    def widget_js(self, request: Request) -> Response:
        return self.static_file(request, "widget.js")

    def static_file(self, request: Request, name: str) -> Response:
        path = STATIC / name
        body = self.static_files.get(path) if path.parent == STATIC else None
        if body is None:
            return _plain(404, "not found\n")
        return serve_body(request, body, cache_control="public, max-age=3600")

    def widget_frame(self, request: Request) -> Response:
        return Response(widget_frame(request), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=3600"})


CUSTOM_WORD = {"sv": "eget urval", "da": "eget udvalg", "en": "custom"}


def _today() -> str:
    from hhevents import clock

    return clock.now().date().isoformat()


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) and not float(value).is_integer() else str(int(value))


def _plain(status: int, text: str) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def _problem(status: int, message: str) -> Response:
    return Response(json.dumps({"error": message}, ensure_ascii=False) + "\n", status_code=status,
                    media_type="application/json; charset=utf-8",
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"})


def custom_url(base: str, fmt: str, **params: str) -> str:
    """The custom feed URL for ``params`` (empty values left out)."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{base}feeds/custom.{fmt}" + (f"?{query}" if query else "")


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def q(value: str) -> str:
    return quote(value, safe="")


# -- pages --------------------------------------------------------------------------------------------------

PAGE_CSS = """
:root{color-scheme:light;--ink:#1a1a1a;--muted:#555;--accent:#0b5d6b;--bad:#a4161a;--ok:#1b6b2f;--warn:#8a5a00}
*{box-sizing:border-box}body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);
margin:0 auto;max-width:72rem;padding:1rem}a{color:var(--accent)}a:focus,button:focus,select:focus,input:focus
{outline:3px solid #f4b400;outline-offset:2px}table{border-collapse:collapse;width:100%}th,td{text-align:left;
padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}th{background:#f3f3f3}
.num{text-align:right}.badge{display:inline-block;padding:0 .4rem;border-radius:.25rem;font-size:.85em;
font-weight:600}.ok{background:#dff3e3;color:var(--ok)}.degraded{background:#fff1d6;color:var(--warn)}
.failed,.broken{background:#fbe0e0;color:var(--bad)}.muted{color:var(--muted)}.up{color:var(--ok)}
.down{color:var(--bad)}.nowrap{white-space:nowrap}
"""


def _local_text(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo("Europe/Stockholm")).strftime(fmt)


def _iso(value: object) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=UTC)


def scheduler_view(state: dict) -> tuple[dict[str, str], list[str]]:
    """Next run per source and notes, from the scheduler's state (as scheduler.status_view reads it)."""
    heartbeat = _iso(state.get("heartbeat"))
    try:
        limit = max(60.0, 10 * float(state.get("watch_interval") or 2))
    except (TypeError, ValueError):
        limit = 60.0
    running = (state.get("state") in ("running", "stopping") and heartbeat is not None
               and (datetime.now(UTC) - heartbeat).total_seconds() < limit)
    if not running:
        seen = _local_text(heartbeat)
        return {}, [f"scheduler: not running (last seen {seen}, state {state.get('state')})"]
    next_runs: dict[str, str] = {}
    jobs = state.get("jobs") if isinstance(state.get("jobs"), dict) else {}
    for source_id, job in jobs.items():
        if not isinstance(job, dict):
            continue
        if job.get("running_since"):
            next_runs[source_id] = f"running since {_local_text(_iso(job['running_since']), '%H:%M:%S')}"
        else:
            next_runs[source_id] = _local_text(_iso(job.get("next_run")))
    notes = [f"scheduler: running since {_local_text(_iso(state.get('started')))} (pid {state.get('pid')})"]
    config = state.get("config") if isinstance(state.get("config"), dict) else {}
    for error in config.get("errors") or []:
        notes.append(f"configuration rejected: {error.get('text') if isinstance(error, dict) else error}")
    return next_runs, notes


def status_rows(server: FeedServer) -> tuple[list[dict], list[str]]:
    """One dict per source (configured, or seen in the store), and the scheduler's notes."""
    from pipelines.health import COVERAGE_FIELDS, HISTORY, broken_reason, median_items

    notes: list[str] = []
    next_runs: dict[str, str] = {}
    state = server.scheduler_state()
    if state is not None:
        next_runs, notes = scheduler_view(state)
    configured: dict[str, bool] = {}
    if server.config is not None:
        try:
            from config.loader import load_sources

            configured = {source.id: source.enabled for source in load_sources(server.config).sources}
        except Exception as error:  # noqa: BLE001
            notes.append(f"configuration unreadable: {error}")
    rows: list[dict] = []
    store = server.open_store()
    latest: dict = {}
    try:
        if store is not None:
            latest = store.latest_runs()
        for source_id in [*configured, *sorted(set(latest) - set(configured))]:
            run = latest.get(source_id)
            row = {"source": source_id, "enabled": configured.get(source_id, True), "run": run,
                   "next_run": next_runs.get(source_id, ""), "broken": "", "typical": None, "coverage": {}}
            if run is not None and store is not None:
                history = store.healthy_runs(source_id, limit=HISTORY + 1)
                row["broken"] = broken_reason(run, history)
                row["typical"] = median_items([r for r in history if r.id != run.id][:HISTORY])
                row["coverage"] = {name: run.coverage[name] for name in COVERAGE_FIELDS
                                   if name in run.coverage}
            rows.append(row)
    finally:
        if store is not None:
            store.close()
    return rows, notes


def status_page(server: FeedServer) -> str:
    rows, notes = status_rows(server)
    body = []
    for row in rows:
        run = row["run"]
        source = escape(row["source"])
        if run is None:
            state = "disabled" if not row["enabled"] else ""
            body.append(f'<tr><th scope="row">{source}</th><td>never</td><td></td><td class="num"></td>'
                        '<td></td>'
                        f'<td></td><td>{escape(state)}</td><td>{escape(row["next_run"])}</td></tr>')
            continue
        outcome = escape(str(run.outcome))
        typical = row["typical"]
        change = ""
        if typical:
            delta = (run.items - typical) / typical
            css = "down" if delta < -0.2 else ("up" if delta > 0.2 else "muted")
            change = f'<span class="{css}">{delta:+.0%}</span> <span class="muted">(usual {typical:g})</span>'
        coverage = " ".join(f"{escape(name)} {share:.0%}" for name, share in row["coverage"].items())
        if row["broken"]:
            state = f'<span class="badge broken">BROKEN</span> {escape(row["broken"])}'
        elif not row["enabled"]:
            state = "disabled"
        else:
            state = '<span class="badge ok">ok</span>'
        if run.message and not row["broken"]:
            state += f' <span class="muted">{escape(run.message)}</span>'
        body.append(
            f'<tr><th scope="row">{source}</th><td class="nowrap">{escape(_local_text(run.finished))}</td>'
            f'<td><span class="badge {outcome}">{outcome}</span></td><td class="num">{run.items}</td>'
            f"<td>{change}</td><td>{coverage}</td><td>{state}</td><td>{escape(row['next_run'])}</td></tr>"
        )
    age = server.publish_age()
    published = "never" if age is None else f"{age / 60:.0f} min ago"
    notes_html = "".join(f"<li>{escape(note)}</li>" for note in notes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>hhevents — sources</title><style>{PAGE_CSS}</style></head>
<body><main><h1>Sources</h1>
<p>Last publish: {escape(published)}. <a href="/metrics">metrics</a> · <a href="/healthz">health</a></p>
<table><caption class="muted">Times in Europe/Stockholm. Change: the last run's events against the median of
its healthy history. Coverage: share of events with an end, a venue, a price, an image.</caption>
<thead><tr><th scope="col">source</th><th scope="col">last run</th><th scope="col">outcome</th>
<th scope="col" class="num">events</th><th scope="col">change</th><th scope="col">coverage</th>
<th scope="col">state</th><th scope="col">next run</th></tr></thead>
<tbody>{"".join(body)}</tbody></table>
{f"<ul>{notes_html}</ul>" if notes else ""}
</main></body></html>
"""


UI: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Evenemang i Helsingborg och Helsingör",
        "intro": "Prenumerera på evenemangen i din kalender eller i din flödesläsare. "
                 "Kalendern uppdateras av sig själv.",
        "feeds": "Kalendrar och flöden", "feed": "Flöde", "subscribe": "Prenumerera",
        "google": "Lägg till i Google Kalender", "outlook": "Lägg till i Outlook", "copy": "Kopiera länk",
        "copied": "Kopierad!", "builder": "Bygg ditt eget flöde", "city": "Stad", "category": "Kategori",
        "venue": "Plats (t.ex. Dunkers)", "free_only": "Bara gratis evenemang", "all": "Alla",
        "make": "Skapa länk",
        "your_feed": "Ditt flöde", "next": "Kommande evenemang", "none": "Inga kommande evenemang just nu.",
        "cancelled": "Inställt", "language": "Språk", "other_formats": "Andra format",
        "widget": "Vill du visa evenemangen på din egen webbplats? Se widgeten:",
    },
    "da": {
        "title": "Arrangementer i Helsingborg og Helsingør",
        "intro": "Abonnér på arrangementerne i din kalender eller din feedlæser. "
                 "Kalenderen opdaterer sig selv.",
        "feeds": "Kalendere og feeds", "feed": "Feed", "subscribe": "Abonnér",
        "google": "Tilføj til Google Kalender", "outlook": "Tilføj til Outlook", "copy": "Kopiér link",
        "copied": "Kopieret!", "builder": "Byg dit eget feed", "city": "By", "category": "Kategori",
        "venue": "Sted (f.eks. Kronborg)", "free_only": "Kun gratis arrangementer", "all": "Alle",
        "make": "Lav link", "your_feed": "Dit feed", "next": "Kommende arrangementer",
        "none": "Ingen kommende arrangementer lige nu.", "cancelled": "Aflyst", "language": "Sprog",
        "other_formats": "Andre formater",
        "widget": "Vil du vise arrangementerne på dit eget websted? Se widgetten:",
    },
    "en": {
        "title": "Events in Helsingborg and Helsingør",
        "intro": "Subscribe to the events in your calendar or your feed reader. "
                 "The calendar keeps itself up to date.",
        "feeds": "Calendars and feeds", "feed": "Feed", "subscribe": "Subscribe",
        "google": "Add to Google Calendar", "outlook": "Add to Outlook", "copy": "Copy link",
        "copied": "Copied!",
        "builder": "Build your own feed", "city": "City", "category": "Category",
        "venue": "Venue (e.g. Kronborg)", "free_only": "Free events only", "all": "All", "make": "Make link",
        "your_feed": "Your feed", "next": "Upcoming events", "none": "No upcoming events right now.",
        "cancelled": "Cancelled", "language": "Language", "other_formats": "Other formats",
        "widget": "Want the events on your own website? See the widget:",
    },
}
LANGUAGE_NAMES = {"sv": "Svenska", "da": "Dansk", "en": "English"}
NEXT_EVENTS = 10


def pick_language(request: Request) -> str:
    """?lang= first, then the best of Accept-Language, then Swedish."""
    asked = request.query_params.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked
    best, best_q = None, 0.0
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        primary = {"nb": "da", "no": "da", "nn": "da"}.get(primary, primary)
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            weight = 0.0
        if primary in LANGUAGES and weight > best_q:
            best, best_q = primary, weight
    return best or "sv"


def calendar_links(url: str, name: str, words: dict[str, str]) -> str:
    """Subscribe (webcal), Google, Outlook and copy links for the calendar at ``url`` (http/https)."""
    google = "https://calendar.google.com/calendar/render?cid=" + q(webcal(url))
    outlook = f"https://outlook.live.com/calendar/0/addfromweb?url={q(url)}&name={q(name)}"
    # Each row's links say which feed they are for, to screen readers too (the row heading is visual context).
    which = f'<span class="vh"> — {escape(name)}</span>'
    return (
        f'<a class="button subscribe" href="{escape(webcal(url))}">{escape(words["subscribe"])}{which}</a> '
        f'<a class="google" href="{escape(google)}" rel="noopener">{escape(words["google"])}{which}</a> '
        f'<a class="outlook" href="{escape(outlook)}" rel="noopener">{escape(words["outlook"])}{which}</a> '
        f'<button type="button" class="copy" data-url="{escape(url)}" hidden>{escape(words["copy"])}{which}'
        "</button>"
    )


def subscribe_page(server: FeedServer, request: Request) -> str:
    from feeds import effective_end, ordered
    from feeds.publish import matrix_stem
    from feeds.text import (
        CITY_NAMES,
        default_categories,
        display_title,
        feed_title,
        label,
        place_name,
        when_short,
    )
    from hhevents import clock

    lang = pick_language(request)
    words = UI[lang]
    base = server.public_base(request)
    rules = default_categories()
    rows = []
    for city in (None, *CITIES):
        for category in (None, *CATEGORIES):
            stem = matrix_stem(lang, city, category)
            name = feed_title(city, category, lang, rules)
            ics = base + stem + ".ics"
            others = " · ".join(f'<a href="{escape(base + stem + "." + fmt)}">{fmt.upper()}</a>'
                                for fmt in ("rss", "atom", "json"))
            rows.append(f"<tr><th scope=\"row\">{escape(name.split(' — ', 1)[-1])}</th>"
                        f"<td>{calendar_links(ics, name, words)}</td><td>{others}</td></tr>")
    # The builder: a plain GET form back to this page (works without JavaScript); the script fills it live.
    params = request.query_params
    chosen = {"city": params.get("city", ""), "category": params.get("category", ""),
              "venue": params.get("venue", "")[:MAX_TEXT], "free": "true" if params.get("free") else ""}
    chosen["city"] = chosen["city"] if chosen["city"] in CITIES else ""
    chosen["category"] = chosen["category"] if chosen["category"] in CATEGORIES else ""

    def options(name: str, values: tuple[str, ...], names: dict[str, str]) -> str:
        items = [f'<option value="">{escape(words["all"])}</option>']
        for value in values:
            selected = " selected" if chosen[name] == value else ""
            items.append(f'<option value="{value}"{selected}>{escape(names[value])}</option>')
        return "".join(items)

    custom = custom_url(base, "ics", lang=lang, **chosen)
    built = ""
    if "build" in params:
        built = (f'<p><label for="custom-url">{escape(words["your_feed"])}</label> '
                 f'<input id="custom-url" readonly size="60" value="{escape(custom)}"></p>'
                 f'<p>{calendar_links(custom, words["your_feed"], words)}</p>')
    upcoming = []
    now = clock.now()
    for event in ordered(server.events()):
        if effective_end(event) <= now:
            continue
        cancelled = (f' <span class="badge cancelled">{escape(words["cancelled"])}</span>'
                     if event.status == "cancelled" else "")
        title = escape(display_title(event, lang))
        link = f'<a href="{escape(event.url)}">{title}</a>' if event.url else title
        when = escape(when_short(event, lang))
        upcoming.append(f'<li><time datetime="{event.start.isoformat()}">{when}</time> {link}{cancelled} '
                        f'<span class="muted">{escape(place_name(event, lang))}</span></li>')
        if len(upcoming) >= NEXT_EVENTS:
            break
    current = ' aria-current="true"'
    switch = " ".join(
        f'<a href="?lang={code}" hreflang="{code}" lang="{code}"{current if code == lang else ""}>'
        f"{LANGUAGE_NAMES[code]}</a>" for code in LANGUAGES
    )
    words_json = json.dumps(words, ensure_ascii=True).replace("<", "\\u003c")
    city_names = CITY_NAMES[lang]
    category_names = {c: label(c, lang, rules) for c in CATEGORIES}
    all_json = base + f"{lang}/all-all.json"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(words["title"])}</title>
<link rel="alternate" type="application/feed+json" href="{escape(all_json)}">
<style>{PAGE_CSS}{SUBSCRIBE_CSS}</style></head>
<body><header><nav aria-label="{escape(words["language"])}">{switch}</nav>
<h1>{escape(words["title"])}</h1><p>{escape(words["intro"])}</p></header>
<main>
<section aria-labelledby="feeds"><h2 id="feeds">{escape(words["feeds"])}</h2>
<table><thead><tr><th scope="col">{escape(words["feed"])}</th>
<th scope="col">{escape(words["subscribe"])}</th>
<th scope="col">{escape(words["other_formats"])}</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></section>
<section aria-labelledby="builder"><h2 id="builder">{escape(words["builder"])}</h2>
<form id="feed-builder" method="get" action="/#builder" data-base="{escape(base)}">
<input type="hidden" name="lang" value="{lang}"><input type="hidden" name="build" value="1">
<p><label for="b-city">{escape(words["city"])}</label>
<select id="b-city" name="city">{options("city", CITIES, city_names)}</select>
<label for="b-category">{escape(words["category"])}</label>
<select id="b-category" name="category">{options("category", CATEGORIES, category_names)}</select>
<label for="b-venue">{escape(words["venue"])}</label>
<input id="b-venue" name="venue" value="{escape(chosen["venue"])}" maxlength="{MAX_TEXT}">
<label><input type="checkbox" name="free" value="true"{" checked" if chosen["free"] else ""}>
{escape(words["free_only"])}</label>
<button type="submit">{escape(words["make"])}</button></p></form>
<div id="built" aria-live="polite">{built}</div></section>
<section aria-labelledby="next"><h2 id="next">{escape(words["next"])}</h2>
{f'<ol class="events">{"".join(upcoming)}</ol>' if upcoming else f"<p>{escape(words['none'])}</p>"}
</section>
<p>{escape(words["widget"])} <a href="/widget?lang={lang}">/widget</a> ·
<a href="/widget.js">widget.js</a></p>
</main>
<script>{SUBSCRIBE_JS}</script>
<script type="application/json" id="ui-words">{words_json}</script>
</body></html>
"""


SUBSCRIBE_CSS = """
header nav a{margin-right:.75rem}nav a[aria-current]{font-weight:700;text-decoration:none;color:var(--ink)}
.button{display:inline-block;background:var(--accent);color:#fff;padding:.15rem .6rem;border-radius:.3rem;
text-decoration:none}button{font:inherit;padding:.15rem .6rem;cursor:pointer}form p{display:flex;
flex-wrap:wrap;gap:.5rem;align-items:center}.events li{margin:.3rem 0}.cancelled{background:#fbe0e0;
color:var(--bad)}input,select{font:inherit}.vh{position:absolute;width:1px;height:1px;overflow:hidden;
clip:rect(0 0 0 0);white-space:nowrap}
"""
SUBSCRIBE_JS = """
(function () {
  var words = {};
  function init() {
    words = JSON.parse(document.getElementById('ui-words').textContent);
    document.querySelectorAll('button.copy').forEach(function (b) { b.hidden = false; });
    document.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('button.copy');
      if (!b || !navigator.clipboard) return;
      navigator.clipboard.writeText(b.getAttribute('data-url')).then(function () {
        var label = b.firstChild;
        label.textContent = words.copied;
        setTimeout(function () { label.textContent = words.copy; }, 2000);
      });
    });
  }
  function build() {
    var form = document.getElementById('feed-builder');
    if (!form) return;
    var params = new URLSearchParams();
    params.set('lang', form.elements.lang.value);
    ['city', 'category', 'venue'].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    });
    if (form.elements.free.checked) params.set('free', 'true');
    var url = form.getAttribute('data-base') + 'feeds/custom.ics?' + params.toString();
    var webcal = 'webcal://' + url.split('://')[1];
    var out = document.getElementById('built');
    out.textContent = '';
    var p = document.createElement('p');
    var label = document.createElement('label');
    label.htmlFor = 'custom-url'; label.textContent = words.your_feed + ' ';
    var input = document.createElement('input');
    input.id = 'custom-url'; input.readOnly = true; input.size = 60; input.value = url;
    p.appendChild(label); p.appendChild(input); out.appendChild(p);
    var links = document.createElement('p');
    [[webcal, words.subscribe, 'button'],
     ['https://calendar.google.com/calendar/render?cid=' + encodeURIComponent(webcal), words.google, ''],
     ['https://outlook.live.com/calendar/0/addfromweb?url=' + encodeURIComponent(url) + '&name=' +
      encodeURIComponent(words.your_feed), words.outlook, '']].forEach(function (l) {
      var a = document.createElement('a');
      a.href = l[0]; a.textContent = l[1]; if (l[2]) a.className = l[2];
      links.appendChild(a); links.appendChild(document.createTextNode(' '));
    });
    var copy = document.createElement('button');
    copy.type = 'button'; copy.className = 'copy'; copy.setAttribute('data-url', url);
    copy.textContent = words.copy;
    links.appendChild(copy); out.appendChild(links);
  }
  function initBuilder() {
    var form = document.getElementById('feed-builder');
    if (!form) return;
    form.addEventListener('input', build);
    form.addEventListener('change', build);
    form.addEventListener('submit', function (e) { e.preventDefault(); build(); });
  }
  var start = init;
  init = function () { start(); initBuilder(); };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
"""


WIDGET_ATTRIBUTES = ("city", "category", "tags", "venue", "free", "lang", "count", "layout")


def widget_frame(request: Request) -> str:
    """The widget on a page of its own, for ``<iframe src="/widget?city=...">``; the tag's parameters."""
    params = request.query_params
    attributes = " ".join(f'data-{name}="{escape(params[name][:MAX_TEXT])}"'
                          for name in WIDGET_ATTRIBUTES if params.get(name))
    lang = params.get("lang") if params.get("lang") in LANGUAGES else "sv"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>HH Cityclub</title>
<base target="_blank"><style>body{{margin:0;padding:.25rem;background:transparent}}</style></head>
<body><script src="/widget.js" {attributes}></script></body></html>
"""


def create_app(out_dir: Path, data_dir: Path | None = None, *, config: Path | None = None,
               refresh_hours: int | None = None, base_url: str | None = None,
               fresh_hours: float | None = None) -> Starlette:
    """The app; ``data_dir`` (the store, the scheduler state) enables custom feeds and the status page."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    server = FeedServer(out_dir, data_dir, config=config, refresh_hours=refresh_hours, base_url=base_url,
                        fresh_hours=fresh_hours)
    methods = ["GET", "HEAD"]
    app = Starlette(routes=[
        Route("/", server.index, methods=methods),
        Route("/healthz", server.healthz, methods=methods),
        Route("/metrics", server.metrics, methods=methods),
        Route("/status", server.status, methods=methods),
        Route("/static/{name}", server.static, methods=methods),
        Route("/widget.js", server.widget_js, methods=methods),
        Route("/widget", server.widget_frame, methods=methods),
        Route("/feeds/custom.{fmt}", server.custom, methods=methods),
        Route("/{path:path}", server.published, methods=methods),
    ])
    app.state.feed_server = server
    return app


__all__ = ["UTC", "create_app", "custom_url", "escape", "q", "webcal"]
