"""The publisher: the matrix at its public URLs, the manifest, windows, incremental and atomic writes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import icalendar
import pytest
from factories import COPENHAGEN, STOCKHOLM, make_event

from feeds import publish as publish_module
from feeds.publish import FEEDS, FORMATS, MANIFEST, PublishResult, publish, write_if_changed
from feeds.server import create_app

BASE = "https://hh.example/feeds"
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=STOCKHOLM)
LANGUAGES = ("sv", "da", "en")
CITIES = ("all", "helsingborg", "helsingor")
CATEGORIES = ("all", "culture", "sport", "shopping")
MATRIX = [f"{lang}/{city}-{cat}" for lang in LANGUAGES for city in CITIES for cat in CATEGORIES]
EXTENSIONS = ("ics", "rss", "atom", "json")


@pytest.fixture(autouse=True)
def frozen_clock_and_no_fsync(monkeypatch):
    # the VTIMEZONE rules are derived from "this year"; keep every test on one
    monkeypatch.setenv("HHEVENTS_NOW", NOW.isoformat())
    # fsync is most of a small publish's time and proves nothing here (test_durable_writes checks it is done)
    monkeypatch.setattr(publish_module, "FSYNC", False)


def city_event(n: int, city: str, category: str, **overrides):
    zone = STOCKHOLM if city == "helsingborg" else COPENHAGEN
    start = overrides.pop("start", datetime(2026, 6, 1, 18, 0, tzinfo=zone) + timedelta(days=n))
    end = start + timedelta(hours=2)
    return make_event(n, city=city, category=category, start=start, end=end, **overrides)


def sample_events():
    return [
        city_event(1, "helsingborg", "culture", title="Jazz på Dunkers"),
        city_event(2, "helsingborg", "sport", title="Helsingborgs IF – GAIS", tags=("football",)),
        city_event(3, "helsingor", "culture", title="Hamlet på Kronborg", status="cancelled"),
        city_event(4, "helsingor", "shopping", title="Julemarked i Stengade", tags=("market",)),
        city_event(5, "helsingborg", "shopping", title="Köpkväll på Kullagatan"),
        city_event(6, "helsingor", "sport", title="Håndbold: Helsingør – Ajax"),
    ]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One publish of the sample events, for the tests that only read what it wrote."""
    out = tmp_path_factory.mktemp("public") / "feeds"  # created, parents too
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HHEVENTS_NOW", NOW.isoformat())
        patch.setattr(publish_module, "FSYNC", False)
        result = run(sample_events() + [sample_events()[0]], out)
    return out, result


def run(events, out, **kwargs) -> PublishResult:
    kwargs.setdefault("base_url", BASE + "/")
    kwargs.setdefault("now", NOW)
    return publish(events, out, **kwargs)


def paths(out: Path, stem: str) -> list[Path]:
    return [out / f"{stem}.{ext}" for ext in EXTENSIONS]


def feed_ids(path: Path) -> set[str]:
    """The event ids a feed holds, read back by the format's own parser."""
    data = path.read_bytes()
    if path.suffix == ".ics":
        return {str(ev["UID"]).split("@")[0] for ev in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    if path.suffix == ".json":
        return {item["id"] for item in json.loads(data)["items"]}
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.bozo_exception
    return {entry.id.removeprefix("urn:hhevents:event:") for entry in feed.entries}


def backdate(path, seconds=3600):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns - seconds * 10**9, st.st_mtime_ns - seconds * 10**9))
    return path.stat().st_mtime_ns


# --- the matrix at its URLs ---------------------------------------------------------------------------------


def test_publish_writes_the_whole_matrix_and_the_root_feeds(published):
    out, result = published
    assert result.events == 6
    expected = paths(out, "all") + [p for stem in MATRIX for p in paths(out, stem)]
    assert result.files == expected and len(expected) == 148
    assert result.changed == result.rebuilt == result.files
    assert result.manifest == out / MANIFEST
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == sorted([str(p.relative_to(out)) for p in expected] + [MANIFEST])  # no temp files left
    for path in [*expected, out / MANIFEST]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # readable by the web server


def test_each_feed_holds_its_city_and_category(published):
    tmp_path, _ = published
    events = sample_events()
    ids = {(e.city, e.category): e.id for e in events}
    for stem in MATRIX:
        _, name = stem.split("/")
        city, category = name.split("-")
        expected = {
            event_id for (c, cat), event_id in ids.items()
            if city in ("all", c) and category in ("all", cat)
        }
        for path in paths(tmp_path, stem):
            assert feed_ids(path) == expected, path
    for path in paths(tmp_path, "all"):
        assert feed_ids(path) == set(ids.values())


def test_every_feed_names_its_own_url_and_speaks_its_language(published):
    tmp_path, _ = published
    cal = icalendar.Calendar.from_ical((tmp_path / "sv/helsingor-culture.ics").read_bytes())
    assert str(cal["URL"]) == str(cal["SOURCE"]) == f"{BASE}/sv/helsingor-culture.ics"
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "HH Cityclub — Kultur i Helsingör"
    assert str(cal["COLOR"]) == "purple"
    (cancelled,) = cal.walk("VEVENT")
    assert str(cancelled["SUMMARY"]) == "Inställt: Hamlet på Kronborg" and cancelled["STATUS"] == "CANCELLED"

    rss = feedparser.parse((tmp_path / "da/helsingborg-sport.rss").read_bytes())
    assert rss.feed.title == "HH Cityclub — Sport i Helsingborg" and rss.feed.language == "da"
    assert {"rel": "self", "href": f"{BASE}/da/helsingborg-sport.rss", "type": "application/rss+xml"} in [
        dict(link) for link in rss.feed.links
    ]
    assert [t.term for t in rss.entries[0].tags] == ["Sport", "Fodbold"]

    atom = feedparser.parse((tmp_path / "en/all-shopping.atom").read_bytes())
    assert atom.feed.title == "HH Cityclub — Shopping in Helsingborg and Helsingør"
    assert atom.feed.id == "urn:hhevents:feed:en/all-shopping"
    assert any(link.rel == "self" and link.href == f"{BASE}/en/all-shopping.atom" for link in atom.feed.links)

    feed = json.loads((tmp_path / "da/all-all.json").read_bytes())
    assert feed["feed_url"] == f"{BASE}/da/all-all.json"
    assert feed["title"] == "HH Cityclub — alle arrangementer"
    assert [item["title"].split(" — ", 1)[1] for item in feed["items"]][2] == "Aflyst: Hamlet på Kronborg"

    root = icalendar.Calendar.from_ical((tmp_path / "all.ics").read_bytes())
    assert str(root["X-WR-CALNAME"]) == "HH Cityclub — all events" and str(root["URL"]) == f"{BASE}/all.ics"
    assert feedparser.parse((tmp_path / "all.rss").read_bytes()).feed.title == "HH Cityclub — all events"


def test_root_feeds_are_the_english_everything_feeds_at_their_own_urls(published):
    tmp_path, _ = published
    for ext in EXTENSIONS:
        root = (tmp_path / f"all.{ext}").read_bytes()
        english = (tmp_path / f"en/all-all.{ext}").read_bytes()
        assert root.replace(b"/all.", b"/en/all-all.").replace(b"feed:all<", b"feed:en/all-all<") == english


def test_manifest_describes_every_feed(published):
    tmp_path, result = published
    manifest = json.loads((tmp_path / MANIFEST).read_bytes())
    assert manifest["version"] == 1 and manifest["base_url"] == BASE + "/"
    entries = {entry["path"]: entry for entry in manifest["feeds"]}
    assert [tmp_path / path for path in entries] == result.files
    for path, entry in entries.items():
        data = (tmp_path / path).read_bytes()
        assert entry["url"] == f"{BASE}/{path}"
        assert entry["format"] == path.rsplit(".", 1)[1]
        assert entry["content_type"] == FORMATS[entry["format"]][0]
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["events"] == len(feed_ids(tmp_path / path))
        assert entry["last_change"] == "2026-05-20T10:00:00Z"
    sv = entries["sv/helsingor-culture.ics"]
    assert (sv["language"], sv["filters"], sv["title"]) == (
        "sv", {"city": "helsingor", "category": "culture"}, "HH Cityclub — Kultur i Helsingör"
    )
    assert sv["webcal_url"] == "webcal://hh.example/feeds/sv/helsingor-culture.ics"
    assert entries["all.rss"]["filters"] == {"city": "all", "category": "all"}
    assert entries["all.rss"]["language"] == "en" and entries["all.rss"]["events"] == 6


def test_feed_specs_are_the_public_contract():
    assert [spec.stem for spec in FEEDS] == ["all", *MATRIX]
    assert list(FORMATS) == list(EXTENSIONS)


# --- windows ------------------------------------------------------------------------------------------------


def test_windows_past_ahead_and_cancelled(tmp_path):
    def at(days, **kw):
        return city_event(kw.pop("n"), "helsingborg", "culture", start=NOW + timedelta(days=days), **kw)

    long_ago = at(-40, n=1)  # ended 40 days ago: out everywhere (calendar history is 30 days)
    last_week = at(-7, n=2)  # ended: in calendars, not in feed readers
    ongoing = city_event(3, "helsingborg", "culture", start=NOW - timedelta(days=1))
    ongoing = ongoing.model_copy(update={"end": NOW + timedelta(days=1)})  # still going on: everywhere
    cancelled_past = at(-2, n=4, status="cancelled")  # cancelled and over: gone everywhere
    cancelled_soon = at(2, n=5, status="cancelled")  # cancelled, still to come: kept, marked
    far = at(400, n=6)  # beyond the 365-day horizon
    near = at(30, n=7)
    events = [long_ago, last_week, ongoing, cancelled_past, cancelled_soon, far, near]
    run(events, tmp_path)
    ids = {e.title: e.id for e in events}
    calendar = {ids[t] for t in ("Event 2", "Event 3", "Event 5", "Event 7")}
    assert feed_ids(tmp_path / "en/all-all.ics") == calendar
    for ext in ("rss", "atom", "json"):
        assert feed_ids(tmp_path / f"en/all-all.{ext}") == calendar - {ids["Event 2"]}

    wider = tmp_path / "wider"
    run(events, wider, past_days=60, reader_past_days=10, ahead_days=500)
    assert len(feed_ids(wider / "en/all-all.ics")) == 6  # all but the cancelled one that is over
    assert feed_ids(wider / "en/all-all.json") == feed_ids(wider / "en/all-all.ics") - {ids["Event 1"]}


def test_a_later_now_changes_nothing_unless_an_event_leaves_the_window(tmp_path):
    events = sample_events()
    first = run(events, tmp_path)
    mtimes = {p: backdate(p) for p in first.files}
    later = run(events, tmp_path, now=NOW + timedelta(days=3))
    assert later.changed == []
    assert {p: p.stat().st_mtime_ns for p in later.files} == mtimes
    # the first event (1 June 18:00-20:00, Helsingborg culture) is over on 2 June: it leaves the reader feeds
    # only; calendars keep it
    gone = run(events, tmp_path, now=datetime(2026, 6, 2, 21, 0, tzinfo=STOCKHOLM))
    assert {p.name for p in gone.changed} == {f"{n}.{ext}" for n in ("all", "all-all", "helsingborg-all",
                                                                       "all-culture", "helsingborg-culture")
                                              for ext in ("rss", "atom", "json")}


# --- incremental and idempotent -----------------------------------------------------------------------------


def test_unchanged_publish_rebuilds_and_rewrites_nothing(tmp_path):
    events = sample_events()
    run(events, tmp_path)
    before = {p: (backdate(p), p.stat().st_ino) for p in tmp_path.rglob("*") if p.is_file()}
    result = run(list(reversed(events)), tmp_path)
    assert result.changed == [] and result.rebuilt == []
    assert sum(result.rendered.values()) == 0
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in before} == before


def test_one_changed_event_rewrites_only_the_feeds_that_hold_it(tmp_path):
    events = sample_events()
    run(events, tmp_path)
    mtimes = {p: backdate(p) for p in tmp_path.rglob("*") if p.is_file()}
    # Hamlet (Helsingør, culture) moves
    changed = [e.model_copy(update={"title": "Hamlet – ny dato", "sequence": 2}) if e.id == "test-0003" else e
               for e in events]
    result = run(changed, tmp_path)
    holding = ["all"] + [f"{lang}/{city}-{cat}" for lang in LANGUAGES for city in ("all", "helsingor")
                         for cat in ("all", "culture")]
    expected = sorted(p for stem in holding for p in paths(tmp_path, stem))
    assert sorted(result.changed) == sorted(result.rebuilt) == expected and len(expected) == 52
    for path, mtime in mtimes.items():
        if path in expected or path.name == MANIFEST:
            assert path.stat().st_mtime_ns > mtime, path
        else:
            assert path.stat().st_mtime_ns == mtime, path
    manifest = {e["path"]: e for e in json.loads((tmp_path / MANIFEST).read_bytes())["feeds"]}
    assert manifest["sv/helsingor-culture.ics"]["sha256"] == hashlib.sha256(
        (tmp_path / "sv/helsingor-culture.ics").read_bytes()
    ).hexdigest()


def test_each_event_is_serialised_once_per_format_and_language(tmp_path):
    events = sample_events()
    result = run(events, tmp_path)
    # every event sits in 4 feeds per language (plus the root ones), but is rendered once per language
    assert result.rendered["text"] == len(events) * 3
    for kind in ("ics", "rss", "atom", "json"):
        assert result.rendered[kind] == len(events) * 3, kind
    for kind in ("ics-neutral", "body-html", "json-extension"):  # the language-neutral parts, once per event
        assert result.rendered[kind] == len(events), kind


def test_a_damaged_or_missing_file_is_rebuilt(tmp_path):
    events = sample_events()
    run(events, tmp_path)
    (tmp_path / "da/helsingor-all.rss").write_bytes(b"<rss>broken")
    (tmp_path / "en/all-sport.json").unlink()
    original_ics = (tmp_path / "sv/all-all.ics").read_bytes()
    result = run(events, tmp_path)
    repaired = [tmp_path / "da/helsingor-all.rss", tmp_path / "en/all-sport.json"]
    assert sorted(result.changed) == sorted(repaired)
    assert feed_ids(tmp_path / "da/helsingor-all.rss") == {"test-0003", "test-0004", "test-0006"}
    assert (tmp_path / "sv/all-all.ics").read_bytes() == original_ics


def test_a_lost_manifest_rebuilds_but_rewrites_nothing(tmp_path):
    events = sample_events()
    run(events, tmp_path)
    mtimes = {p: backdate(p) for p in tmp_path.rglob("*") if p.is_file() and p.name != MANIFEST}
    (tmp_path / MANIFEST).write_text("{not json")
    result = run(events, tmp_path)
    assert len(result.rebuilt) == 148 and result.changed == []
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    assert json.loads((tmp_path / MANIFEST).read_bytes())["feeds"][0]["path"] == "all.ics"


def test_other_settings_rebuild_every_feed(tmp_path):
    events = sample_events()
    run(events, tmp_path)
    moved = run(events, tmp_path, base_url="https://events.example/")
    assert len(moved.changed) == 148
    assert str(icalendar.Calendar.from_ical((tmp_path / "all.ics").read_bytes())["URL"]) == (
        "https://events.example/all.ics"
    )


# --- atomic writes ------------------------------------------------------------------------------------------


def test_durable_writes_fsync_every_new_file_and_its_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(publish_module, "FSYNC", True)
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(publish_module.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    run(sample_events(), tmp_path)
    # 148 feeds and the manifest, then the four directories they are in (the root twice: feeds, manifest)
    assert len(synced) == 149 + 5


def test_a_failure_while_writing_leaves_the_previous_complete_set(tmp_path, monkeypatch):
    events = sample_events()
    run(events, tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    real_stage = publish_module._stage
    calls = []

    def failing_stage(path, data):
        calls.append(path)
        if len(calls) == 20:
            raise OSError("disk full")
        return real_stage(path, data)

    monkeypatch.setattr(publish_module, "_stage", failing_stage)
    changed = [e.model_copy(update={"title": e.title + " (ny tid)", "sequence": 3}) for e in events]
    with pytest.raises(OSError, match="disk full"):
        run(changed, tmp_path)
    # nothing renamed yet: every file, the manifest included, is the old one, and no temp file is left
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    monkeypatch.setattr(publish_module, "_stage", real_stage)
    assert len(run(changed, tmp_path).changed) == 148


def test_a_failed_rename_leaves_no_temp_files(tmp_path, monkeypatch):
    run(sample_events(), tmp_path)
    real_replace = os.replace
    count = []

    def flaky(src, dst):
        count.append(dst)
        if len(count) == 3:
            raise OSError("rename failed")
        real_replace(src, dst)

    monkeypatch.setattr(publish_module.os, "replace", flaky)
    with pytest.raises(OSError, match="rename failed"):
        run([e.model_copy(update={"sequence": 9}) for e in sample_events()], tmp_path)
    assert not [p for p in tmp_path.rglob("*.tmp")]
    for path in tmp_path.rglob("*.ics"):
        icalendar.Calendar.from_ical(path.read_bytes())  # every file complete, old or new


def test_write_is_atomic_replace(tmp_path, monkeypatch):
    target = tmp_path / "all.ics"
    target.write_bytes(b"old")
    seen = {}
    real_replace = os.replace

    def spy(src, dst):
        # at the moment of the swap the new bytes are complete in a sibling temp file
        seen["src"], seen["dst"] = os.fspath(src), os.fspath(dst)
        seen["content"] = Path(src).read_bytes()
        real_replace(src, dst)

    monkeypatch.setattr(publish_module.os, "replace", spy)
    assert write_if_changed(target, b"new bytes") is True
    assert os.path.dirname(seen["src"]) == str(tmp_path) and seen["dst"] == str(target)
    assert seen["content"] == b"new bytes"
    assert target.read_bytes() == b"new bytes"
    assert write_if_changed(target, b"new bytes") is False


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "all.rss"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(publish_module.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_if_changed(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["all.rss"]


# --- served with the right content types --------------------------------------------------------------------


def asgi_get(app, path: str) -> tuple[int, dict[str, str], bytes]:
    """One GET through the ASGI app, without an HTTP client library."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test")], "client": ("127.0.0.1", 1), "server": ("test", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/all.ics", "text/calendar; charset=utf-8"),
        ("/sv/helsingor-culture.ics", "text/calendar; charset=utf-8"),
        ("/da/all-sport.rss", "application/rss+xml; charset=utf-8"),
        ("/en/helsingborg-all.atom", "application/atom+xml; charset=utf-8"),
        ("/sv/all-all.json", "application/feed+json; charset=utf-8"),
        ("/manifest.json", "application/json; charset=utf-8"),
    ],
)
def test_server_serves_every_file_with_its_content_type(published, path, content_type):
    tmp_path, _ = published
    status, headers, body = asgi_get(create_app(tmp_path), path)
    assert status == 200
    assert headers["content-type"] == content_type
    assert body == (tmp_path / path.lstrip("/")).read_bytes()
