"""`hhevents demo`: the production catalogue, crawled offline from demo/snapshots, against their content.

The expected numbers are those demo/snapshots/README.md documents ("Totals"); the demo runs with the real
clock (the snapshots' dates follow today), and the numbers must not depend on the day.
"""

from __future__ import annotations

import re
import signal
import subprocess
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest
import yaml
from helpers import REPO, cli_env, free_port, hhevents_command, run_hhevents, wait_for_http

from config.loader import load_sources
from store import EventStore
from store.db import DB_FILENAME

CATALOGUE = REPO / "config" / "sources.yaml"

# Per source: the events it contributes before de-duplication (demo/snapshots/README.md, "Per source").
LISTINGS = {
    "helsingborg-stad": 4,
    "helsingborg-stad-idrott": 3,
    "helsingborg-stad-marknader": 5,
    "helsingborgs-if": 8,
    "dunkers-kulturhus": 5,
    "helsingborgs-konserthus": 4,
    "visit-helsingborg": 3,
    "fredriksdal": 3,
    "helsingborg-arena": 3,
    "helsingborg-city": 3,
    "vala": 3,
    "kulturvaerftet": 7,
    "kultunaut-helsingor": 6,
    "kultunaut-helsingor-sport": 3,
    "kultunaut-helsingor-marked": 3,
    "kronborg": 6,
    "ms-museet-for-sofart": 3,
    "helsingor-teater": 4,
    "visit-nordsjaelland": 3,
    "visit-nordsjaelland-shopping": 3,
    "fc-helsingor": 3,
    "dgi-nordsjaelland": 3,
    "helsingor-handel": 6,
}
MERGED = {
    "Kvartetten Kattegat – nordisk jazz i Toldkammeret": ["kulturvaerftet", "visit-nordsjaelland",
                                                          "kultunaut-helsingor"],
    "Sibelius 5 – Helsingborgs Symfoniorkester": ["helsingborgs-konserthus", "helsingborg-stad"],
    "Helsingborgs IF – GAIS": ["helsingborgs-if", "helsingborg-stad-idrott"],
    "Shoppingaften i Stengade": ["helsingor-handel", "visit-nordsjaelland-shopping"],
}
CANCELLED = {
    "Helsingborgs IF – Trelleborgs FF",
    "Handboll: OV Helsingborg – HK Malmö",
    "Stand-up på Dunkers",
    "Nordlys Trio: Vinterreise",
    "FC Helsingør - Hvidovre IF",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One `hhevents demo --no-serve` run: its output, and the store and feeds it left behind."""
    root = tmp_path_factory.mktemp("demo")
    result = run_hhevents("demo", "--no-serve", data_dir=root / "var", out=root / "public", now=None)
    assert result.returncode == 0, result.stderr
    store = EventStore(root / "var" / "demo" / DB_FILENAME)
    try:
        events, runs = store.events(), store.latest_runs()
    finally:
        store.close()
    return {"stderr": result.stderr, "out": root / "public", "events": events, "runs": runs}


def by_title(events, title: str):
    return [event for event in events if event.title == title]


# -- the catalogue ---------------------------------------------------------------------------------------


def test_the_catalogue_covers_both_cities_every_category_and_six_formats():
    loaded = load_sources(CATALOGUE)
    assert loaded.ok and len(loaded.sources) >= 18
    assert all(source.enabled for source in loaded.sources)
    per_city_category = Counter((source.city, source.category) for source in loaded.sources)
    for city in ("helsingborg", "helsingor"):
        for category in ("culture", "sport", "shopping"):
            assert per_city_category[(city, category)] >= 3, (city, category)
    assert len({source.type for source in loaded.sources}) >= 6
    assert set(LISTINGS) == {source.id for source in loaded.sources}


def test_every_catalogue_entry_says_what_is_known_and_what_is_assumed():
    text = CATALOGUE.read_text(encoding="utf-8")
    # The comment block right above each entry.
    for match in re.finditer(r"((?:^  #.*\n)+)  - id: (\S+)", text, re.MULTILINE):
        comment, source_id = match.groups()
        assert "Known:" in comment and "Assumed:" in comment, source_id
    assert len(re.findall(r"^  - id: ", text, re.MULTILINE)) == len(LISTINGS)


def test_the_docs_catalogue_table_lists_every_source():
    docs = (REPO / "docs" / "sources.md").read_text(encoding="utf-8")
    section = docs.split("## The HH catalogue", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.MULTILINE)
    assert sorted(listed) == sorted(LISTINGS)


def test_every_catalogue_source_has_a_recording_under_its_real_host():
    sources = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["sources"]
    snapshots = REPO / "demo" / "snapshots"
    for source in sources:
        host = re.match(r"https://([^/]+)/", source["url"])[1]
        assert (snapshots / host).is_dir(), source["id"]


# -- the demo's summary ------------------------------------------------------------------------------------


def test_the_summary_prints_the_numbers_of_the_snapshots(demo):
    stderr = demo["stderr"]
    assert "Helsingborg: 42 events (culture 17, sport 13, shopping 12)" in stderr
    assert "Helsingør: 47 events (culture 27, sport 9, shopping 11)" in stderr
    assert "events: 89, cancelled: 5" in stderr
    assert "duplicates merged: 5 of 94 listings, into 4 events listed by several sources" in stderr
    assert "sources ok: 23, broken: 0" in stderr


def test_the_summary_agrees_with_the_store(demo):
    events = demo["events"]
    assert len(events) == 89
    assert Counter((e.city, e.category) for e in events) == {
        ("helsingborg", "culture"): 17, ("helsingborg", "sport"): 13, ("helsingborg", "shopping"): 12,
        ("helsingor", "culture"): 27, ("helsingor", "sport"): 9, ("helsingor", "shopping"): 11,
    }
    assert {e.title for e in events if e.status == "cancelled"} == CANCELLED


def test_every_source_crawled_ok_with_its_recorded_number_of_events(demo):
    runs = demo["runs"]
    assert {sid: (run.outcome, run.items, run.errors) for sid, run in runs.items()} == {
        sid: ("ok", items, 0) for sid, items in LISTINGS.items()
    }


# -- the hard cases ----------------------------------------------------------------------------------------


def test_the_concert_on_three_sources_is_one_event_with_three_links(demo):
    events = demo["events"]
    merged = {e.title: [ref.source_id for ref in e.sources] for e in events if len(e.sources) > 1}
    assert {title: sorted(ids) for title, ids in merged.items()} == {
        title: sorted(ids) for title, ids in MERGED.items()
    }
    [concert] = [e for e in events if "Kattegat" in e.title]
    # Kulturværftet's own page has the highest priority: its title, venue and price win.
    assert concert.sources[0].source_id == "kulturvaerftet"
    assert concert.start.isoformat()[11:] in ("20:00:00+01:00", "20:00:00+02:00")
    assert concert.price.min == 180 and concert.price.currency == "DKK"
    assert {ref.url for ref in concert.sources} == {
        "https://kulturvaerftet.dk/arrangementer/kvartetten-kattegat-i-toldkammeret/",
        "https://www.visitnordsjaelland.dk/helsingoer/begivenheder/kvartetten-kattegat",
        "https://www.kultunaut.dk/perl/export/helsingor.json",  # the page it was read from: the export
    }


def test_weekly_markets_are_one_event_per_week_at_the_same_wall_clock_time(demo):
    for title, zone, hour in (
        ("Lördagsmarknad på Stortorget", "Europe/Stockholm", 8),
        ("Torvedag på Axeltorv", "Europe/Copenhagen", 8),
    ):
        markets = sorted(by_title(demo["events"], title), key=lambda e: e.start)
        assert len(markets) == 4, title
        local = [e.start.astimezone(ZoneInfo(zone)) for e in markets]
        assert all(t.hour == hour and t.minute == 0 for t in local)
        assert all((b.date() - a.date()).days == 7 for a, b in zip(local, local[1:], strict=False))


def test_all_day_festivals_and_multi_day_exhibitions(demo):
    events = demo["events"]
    [books] = by_title(events, "Helsingborgs bokfestival")
    assert books.all_day and books.end - books.start <= timedelta(days=1, hours=1)
    [renaissance] = by_title(events, "Renæssancefestival på Kronborg")
    assert renaissance.all_day and (renaissance.end.date() - renaissance.start.date()).days == 2
    [harbour] = by_title(events, "Havnens lys – fotografier fra Øresund")
    assert harbour.all_day and (harbour.end.date() - harbour.start.date()).days == 29


def test_the_long_exhibition_spans_a_dst_change_with_each_day_s_own_offset(demo):
    [exhibition] = by_title(demo["events"], "Utställning: Helsingborg i tusen bilder")
    zone = ZoneInfo("Europe/Stockholm")
    start, end = exhibition.start.astimezone(zone), exhibition.end.astimezone(zone)
    assert (start.hour, start.minute, end.hour, end.minute) == (11, 0, 17, 0)
    # Each end carries the offset its own day has in Stockholm...
    for instant in (exhibition.start, exhibition.end):
        assert instant.utcoffset() == instant.replace(tzinfo=None).replace(tzinfo=zone).utcoffset()
    # ...and the clocks change at least once between them, whatever today is.
    days = (end.date() - start.date()).days
    offsets = {(start + timedelta(days=n)).replace(tzinfo=zone).utcoffset() for n in range(days + 1)}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}


def test_the_private_club_meeting_is_not_published(demo):
    assert not by_title(demo["events"], "Bestyrelsesmøde")


# -- the published feeds -----------------------------------------------------------------------------------


def test_the_feeds_hold_every_event_with_the_real_sites_urls(demo):
    out: Path = demo["out"]
    calendar = icalendar.Calendar.from_ical((out / "all.ics").read_bytes())
    assert len(calendar.walk("VEVENT")) == 89
    feed = feedparser.parse((out / "all.rss").read_bytes())
    assert len(feed.entries) == 89 and not feed.bozo
    # The production config was used unchanged: events carry the real sites' URLs, not the loopback's.
    urls = {entry.link for entry in feed.entries}
    assert any(url.startswith("https://kulturvaerftet.dk/") for url in urls)
    assert not any("127.0.0.1" in url for url in urls)


# -- serving -----------------------------------------------------------------------------------------------


def test_demo_serves_the_feeds_until_interrupted(tmp_path):
    port = free_port()
    command = hhevents_command(
        "demo", "--port", str(port), data_dir=tmp_path / "var", out=tmp_path / "public"
    )
    process = subprocess.Popen(
        command, env=cli_env(now=None), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        # The promise is "within a minute" (about 20 s here); the margin is for loaded CI machines.
        wait_for_http(f"http://127.0.0.1:{port}/all.ics", process, timeout=90)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/all.ics", timeout=10) as response:
            assert response.status == 200 and response.read().startswith(b"BEGIN:VCALENDAR")
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode in (0, 130), stderr
    assert f"webcal://127.0.0.1:{port}/all.ics" in stderr.decode()
