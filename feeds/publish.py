"""Write the feed matrix to a directory: atomically, incrementally, and only when bytes change.

The matrix (docs/feeds.md is its public contract): for every language ∈ {sv, da, en}, city ∈ {all,
helsingborg, helsingor} and category ∈ {all, culture, sport, shopping}, the file
``{language}/{city}-{category}.{ics,rss,atom,json}``; plus ``all.{ics,rss,atom,json}`` at the root (English,
everything: the first published URLs) and ``manifest.json``, which describes every feed.

How a publish runs:

1. Events are windowed: calendars keep events that ended up to ``past_days`` ago, feed readers those not
   yet over (``reader_past_days``); nothing starting more than ``ahead_days`` ahead; a cancelled event
   stays, marked, until it has passed. The window decides membership only: the same events always give
   the same bytes.
2. Each feed's inputs (its events' content, its texts, the writer code) are fingerprinted. A feed whose
   fingerprint and file match the manifest is not rebuilt at all.
3. The other feeds are rendered in memory. Each event is rendered once per format and language
   (:class:`feeds.RenderCache`), however many feeds hold it.
4. Files whose bytes differ are written to temporary names beside them (fsynced), then all renamed into
   place, then the manifest. A failure before the renames changes nothing; readers never see a partial file.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from config.categories import FALLBACK_NAMES, CategoryRules
from feeds import RenderCache, effective_end, ordered
from feeds.ical import build_calendar
from feeds.jsonfeed import build_json_feed
from feeds.rss import ATOM_ID_PREFIX, build_atom, build_rss
from feeds.text import default_categories, feed_description, feed_title
from hhevents import clock
from hhevents.model import CATEGORIES, CITIES, LANGUAGES, Category, City, Event, Language

log = logging.getLogger(__name__)

# Published files must be readable by whatever serves them (mkstemp creates 0600).
FILE_MODE = 0o644
# fsync every new file before its rename and each directory after: a crash then leaves old or new files, never
# empty ones. Tests switch it off (it is most of a small publish's time there, and proves nothing).
FSYNC = True
MANIFEST = "manifest.json"
# Touched in the data dir by every publish that ran to the end, changed or not: /healthz reads it, since an
# unchanged publish rewrites no file (and so leaves no newer mtime in the output folder).
PUBLISH_STAMP = "last-publish"
MANIFEST_VERSION = 1

CALENDAR_PAST_DAYS = 30  # calendars keep a month of history: people look back at what they went to
READER_PAST_DAYS = 0  # feed readers list what is still to come (or still going on)
AHEAD_DAYS = 365
REFRESH_HOURS = 6

# Format -> (content type, window kind). The server and the manifest use the same types.
FORMATS: dict[str, tuple[str, str]] = {
    "ics": ("text/calendar; charset=utf-8", "calendar"),
    "rss": ("application/rss+xml; charset=utf-8", "reader"),
    "atom": ("application/atom+xml; charset=utf-8", "reader"),
    "json": ("application/feed+json; charset=utf-8", "reader"),
}
ALL = "all"  # the URL word for "no filter", for cities and categories alike
# RFC 7986 COLOR per category (CSS3 names; see feeds.ical.CSS_COLORS).
COLORS: dict[Category | None, str] = {None: "teal", "culture": "purple", "sport": "seagreen",
                                      "shopping": "darkorange"}


@dataclass(frozen=True)
class FeedSpec:
    """One published feed (in every format): where it lives, its language and which events it holds."""

    stem: str  # the path under the output folder without the extension: "sv/helsingor-culture", "all"
    language: Language = "en"
    city: City | None = None  # None: both cities
    category: Category | None = None  # None: every category

    def include(self, event: Event) -> bool:
        return (self.city is None or event.city == self.city) and (
            self.category is None or event.category == self.category
        )

    def path(self, fmt: str) -> str:
        return f"{self.stem}.{fmt}"


def matrix_stem(language: Language, city: City | None, category: Category | None) -> str:
    return f"{language}/{city or ALL}-{category or ALL}"


FEEDS: tuple[FeedSpec, ...] = (
    FeedSpec(stem="all"),  # English, everything: the root URLs published first (all.ics, all.rss)
    *(
        FeedSpec(stem=matrix_stem(language, city, category), language=language, city=city, category=category)
        for language in LANGUAGES
        for city in (None, *CITIES)
        for category in (None, *CATEGORIES)
    ),
)


@dataclass(frozen=True)
class Window:
    """Which events a feed lists, relative to ``now``; see the module docstring."""

    now: datetime
    past_days: int
    ahead_days: int

    def holds(self, event: Event) -> bool:
        now = self.now.timestamp()
        end = effective_end(event).timestamp()
        if end < now - self.past_days * 86400 or event.start.timestamp() > now + self.ahead_days * 86400:
            return False
        # A cancelled event keeps its place (marked) so subscribers see it is off, until it has passed.
        return not (event.status == "cancelled" and end <= now)


@dataclass
class PublishResult:
    files: list[Path]  # every feed file, written or left as it was (not the manifest)
    events: int  # distinct events given
    changed: list[Path] = field(default_factory=list)  # the files whose bytes changed in this run
    rebuilt: list[Path] = field(default_factory=list)  # the files rendered in this run (changed or not)
    manifest: Path | None = None
    rendered: Counter[str] = field(default_factory=Counter)  # per-event renders, per kind (see RenderCache)


# -- atomic writes ------------------------------------------------------------------------------------------


def _stage(path: Path, data: bytes) -> Path:
    """``data`` in a fsynced temporary file beside ``path``, ready to be renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if FSYNC:
                os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically unless it already holds exactly these bytes.

    An unchanged file is not touched, so its mtime (the server's Last-Modified) stays put. Readers see either
    the old or the new file, never a partial one: the bytes go to a temp file in the same directory, are
    fsynced, and os.replace swaps it in.
    """
    if _read(path) == data:
        return False
    tmp = _stage(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)  # make the rename itself durable
    return True


def _fsync_dir(directory: Path) -> None:
    if not FSYNC:
        return
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened/fsynced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _commit(staged: list[tuple[Path, Path]]) -> None:
    """Rename every staged file into place; if one rename fails, drop the temp files not yet renamed."""
    done = 0
    try:
        for tmp, path in staged:
            os.replace(tmp, path)
            done += 1
    finally:
        for tmp, _ in staged[done:]:
            tmp.unlink(missing_ok=True)
    for directory in sorted({path.parent for _, path in staged}):
        _fsync_dir(directory)


# -- fingerprints and the manifest --------------------------------------------------------------------------

_WRITER_MODULES = ("__init__.py", "text.py", "ical.py", "vtimezone.py", "rss.py", "jsonfeed.py", "publish.py")
_LIBRARIES = ("icalendar", "feedgen", "lxml", "babel", "nh3")


@lru_cache(maxsize=1)
def _writer_version() -> str:
    """A digest of the writers' code and libraries: a new version of either rebuilds every feed."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _WRITER_MODULES:
        digest.update((here / name).read_bytes())
    for library in _LIBRARIES:
        digest.update(f"{library}={importlib.metadata.version(library)};".encode())
    return digest.hexdigest()


def _names_digest(rules: CategoryRules | None) -> str:
    names = rules.names if rules is not None else FALLBACK_NAMES
    blob = json.dumps({k: dict(v) for k, v in names.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _event_digest(event: Event) -> str:
    # Everything a writer may show, bookkeeping included (sources' links, sequence, first seen), but not
    # last_seen: every crawl moves it, and no feed shows it.
    blob = event.model_dump_json(exclude={"last_seen", "category_reason"})
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_bytes())
        return {entry["path"]: entry for entry in data["feeds"] if data.get("version") == MANIFEST_VERSION}
    except FileNotFoundError:
        return {}
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable %s (%s): every feed is rebuilt", path, exc)
        return {}


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- publish ------------------------------------------------------------------------------------------------


def _render(spec: FeedSpec, fmt: str, events: list[Event], *, base: str, rules: CategoryRules | None,
            refresh_hours: int, uid_domain: str, cache: RenderCache) -> bytes:
    title = feed_title(spec.city, spec.category, spec.language, rules)
    description = feed_description(spec.city, spec.category, spec.language, rules)
    url = base + spec.path(fmt)
    common = {"language": spec.language, "rules": rules, "cache": cache}
    if fmt == "ics":
        return build_calendar(events, name=title, description=description, url=url, source=url,
                              color=COLORS[spec.category], uid_domain=uid_domain, refresh_hours=refresh_hours,
                              **common)
    if fmt == "rss":
        return build_rss(events, title=title, description=description, link=base, self_url=url,
                         ttl_minutes=refresh_hours * 60, **common)
    if fmt == "atom":
        return build_atom(events, title=title, description=description, link=base, self_url=url,
                          feed_id=f"{ATOM_ID_PREFIX}feed:{spec.stem}", **common)
    return build_json_feed(events, title=title, description=description, link=base, self_url=url, **common)


def publish(
    events: Sequence[Event],
    out_dir: Path,
    *,
    base_url: str,
    past_days: int = CALENDAR_PAST_DAYS,
    reader_past_days: int = READER_PAST_DAYS,
    ahead_days: int = AHEAD_DAYS,
    now: datetime | None = None,
    categories: CategoryRules | None = None,
    refresh_hours: int = REFRESH_HOURS,
    uid_domain: str = "hhevents",
) -> PublishResult:
    """Write every feed of :data:`FEEDS` in every format of :data:`FORMATS`, and the manifest, to ``out_dir``.

    ``now`` defaults to :func:`hhevents.clock.now`; ``categories`` to the names in config/categories.yaml.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/") + "/"
    now = now or clock.now()
    rules = categories if categories is not None else default_categories()
    unique = ordered(events)
    windows = {
        "calendar": Window(now, past_days, ahead_days),
        "reader": Window(now, reader_past_days, ahead_days),
    }
    in_window = {kind: [e for e in unique if window.holds(e)] for kind, window in windows.items()}
    digests = {e.id: _event_digest(e) for kind in in_window.values() for e in kind}
    settings = [_writer_version(), _names_digest(rules), clock.now().year, base, refresh_hours, uid_domain]

    manifest_path = out_dir / MANIFEST
    previous = _read_manifest(manifest_path)
    cache = RenderCache()
    result = PublishResult(files=[], events=len(unique), manifest=manifest_path)
    staged: list[tuple[Path, Path]] = []
    entries: list[dict[str, Any]] = []
    changed_at = _utc_text(now)
    try:
        for spec in FEEDS:
            selections = {kind: [e for e in chosen if spec.include(e)] for kind, chosen in in_window.items()}
            for fmt, (content_type, kind) in FORMATS.items():
                rel = spec.path(fmt)
                path = out_dir / rel
                selected = selections[kind]
                fingerprint = hashlib.sha256(
                    json.dumps([*settings, rel, fmt, [(e.id, digests[e.id]) for e in selected]]).encode()
                ).hexdigest()
                old = previous.get(rel)
                current = _read(path)
                current_hash = hashlib.sha256(current).hexdigest() if current is not None else None
                result.files.append(path)
                if old and old.get("fingerprint") == fingerprint and old.get("sha256") == current_hash:
                    entries.append(old)  # same inputs, file as we left it: nothing to render
                    continue
                data = _render(spec, fmt, selected, base=base, rules=rules, refresh_hours=refresh_hours,
                               uid_domain=uid_domain, cache=cache)
                result.rebuilt.append(path)
                if data == current:
                    last_change = (old or {}).get("last_change") or _utc_text(
                        datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    )
                else:
                    staged.append((_stage(path, data), path))
                    result.changed.append(path)
                    last_change = changed_at
                title = feed_title(spec.city, spec.category, spec.language, rules)
                entries.append(_manifest_entry(spec, fmt, content_type, base, selected, data, fingerprint,
                                               last_change, title))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    _commit(staged)
    # Last, so that the manifest never describes a file that is not in place.
    manifest = {"version": MANIFEST_VERSION, "base_url": base, "feeds": entries}
    write_if_changed(manifest_path, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())
    result.rendered = cache.made
    return result


def _manifest_entry(spec: FeedSpec, fmt: str, content_type: str, base: str, events: list[Event], data: bytes,
                    fingerprint: str, last_change: str, title: str) -> dict[str, Any]:
    url = base + spec.path(fmt)
    entry: dict[str, Any] = {
        "path": spec.path(fmt),
        "url": url,
        "format": fmt,
        "content_type": content_type,
        "title": title,
        "language": spec.language,
        "filters": {"city": spec.city or ALL, "category": spec.category or ALL},
        "events": len(events),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "last_change": last_change,
        "fingerprint": fingerprint,
    }
    if fmt == "ics":
        entry["webcal_url"] = "webcal://" + url.split("://", 1)[1]
    return entry
