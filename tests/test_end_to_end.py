"""From YAML to subscribed feeds: crawl, publish, serve, read back by the libraries calendar apps use."""

from __future__ import annotations

import signal
import subprocess
import urllib.request
from collections import Counter
from pathlib import Path

import feedparser
import icalendar
import pytest
from helpers import FIXTURES, REPO, cli_env, free_port, hhevents_command, run_hhevents, wait_for_http

from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "sources.yaml"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Crawl the fixture sources and publish them, as `hhevents crawl` then `hhevents publish` do."""
    root = tmp_path_factory.mktemp("e2e")
    data_dir, out = root / "var", root / "public"
    with SnapshotServer(FIXTURES / "sites") as site:
        site.fail("/down.example/calendar.ics", status=503)
        crawl = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
        assert crawl.returncode == 1, crawl.stderr  # the broken source is reported...
        publish = run_hhevents("publish", "--base-url", "https://feeds.example/", data_dir=data_dir, out=out)
        assert publish.returncode == 0, publish.stderr  # ...and the others still publish
        yield {"site": site, "data_dir": data_dir, "out": out}


def stored_events(data_dir: Path):
    store = EventStore(data_dir / DB_FILENAME)
    try:
        return store.events()
    finally:
        store.close()


def test_ics_feed_holds_every_stored_event_once_with_stable_uids(published):
    events = stored_events(published["data_dir"])
    calendar = icalendar.Calendar.from_ical((published["out"] / "all.ics").read_bytes())
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == len(events) == 12
    uids = [str(v["UID"]) for v in vevents]
    assert len(set(uids)) == len(uids)
    assert set(uids) == {f"{e.id}@hhevents" for e in events}
    # Both cities' zones are defined in the file, in the rule-based form.
    zones = {str(tz["TZID"]): tz for tz in calendar.walk("VTIMEZONE")}
    assert set(zones) == {"Europe/Stockholm", "Europe/Copenhagen"}
    assert all("RDATE" not in sub for tz in zones.values() for sub in tz.subcomponents)
    by_summary = {str(v["SUMMARY"]): v for v in vevents}
    # A cancelled event keeps its place, marked in the title too (the root feed is the English one).
    assert by_summary["Cancelled: Koncert med Kystbandet"]["STATUS"] == "CANCELLED"
    summer = by_summary["Foredrag: Kronborgs historie"]
    assert summer["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert summer["DTSTART"].dt.isoformat() == "2026-03-29T14:00:00+02:00"
    cup = by_summary["Påskcupen"]
    assert cup["DTSTART"].to_ical() == b"20260404" and cup["DTEND"].to_ical() == b"20260406"


def test_rss_feed_lists_every_event_with_unique_guids(published):
    feed = feedparser.parse((published["out"] / "all.rss").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == 12
    assert len({entry.id for entry in feed.entries}) == 12
    # Titles carry the date and place first: "Sat 21 Mar 10:00 · Place — Title".
    titles = Counter(entry.title.split(" — ", 1)[1] for entry in feed.entries)
    assert titles["Prova på-handboll för barn"] == 3
    assert feed.feed.title == "HH Cityclub — all events"


def test_republishing_unchanged_data_leaves_feed_bytes_and_mtimes_alone(published):
    out, data_dir, site = published["out"], published["data_dir"], published["site"]
    before = {
        name: ((out / name).read_bytes(), (out / name).stat().st_mtime_ns) for name in ("all.ics", "all.rss")
    }
    later = "2026-03-20T18:00:00+01:00"
    crawl = run_hhevents(
        "crawl",
        "--source",
        "ohk",
        "--source",
        "vaerftet",
        config=SOURCES,
        data_dir=data_dir,
        site=site.base_url,
        now=later,
    )
    assert "unchanged" in crawl.stderr
    run_hhevents("publish", "--base-url", "https://feeds.example/", data_dir=data_dir, out=out, now=later)
    after = {
        name: ((out / name).read_bytes(), (out / name).stat().st_mtime_ns) for name in ("all.ics", "all.rss")
    }
    assert after == before


@pytest.fixture(scope="module")
def server(published):
    port = free_port()
    command = hhevents_command("serve", "--port", str(port), out=published["out"])
    process = subprocess.Popen(
        command, env=cli_env(), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/all.ics", process)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        process.wait(timeout=20)


def fetch(url: str, method: str = "GET", **headers: str):
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/all.ics", "text/calendar; charset=utf-8"), ("/all.rss", "application/rss+xml; charset=utf-8")],
)
def test_serve_gives_feeds_with_the_content_types_clients_expect(server, published, path, content_type):
    status, headers, body = fetch(server + path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert body == (published["out"] / path.lstrip("/")).read_bytes()


def test_serve_answers_conditional_requests_with_304(server):
    status, headers, _ = fetch(server + "/all.ics")
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert fetch(server + "/all.ics", **{"If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(server + "/all.ics", **{"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    status, head_headers, body = fetch(server + "/all.ics", method="HEAD")
    assert status == 200 and body == b"" and head_headers["Content-Length"] == headers["Content-Length"]
    assert fetch(server + "/nope.ics")[0] == 404
