"""Real Scrapy crawls (the `hhevents crawl` command, in a child process) over loopback snapshot sites.

Time is frozen at 2026-03-20 12:00 CET, the week before the change to summer time, so the fixtures' events
fall on both sides of it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from helpers import FIXTURES, FROZEN_NOW, run_hhevents

from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "sources.yaml"


def hhevents(
    *args: str, data_dir: Path, site: str | None = None, config: Path = SOURCES, now: str = FROZEN_NOW
):
    return run_hhevents(*args, config=config, data_dir=data_dir, site=site, now=now)


@pytest.fixture(scope="module")
def site():
    with SnapshotServer(FIXTURES / "sites") as server:
        server.fail("/down.example/calendar.ics", status=500)
        yield server


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """One crawl of the three test sources; the tests below read what it stored."""
    data_dir = tmp_path_factory.mktemp("var")
    result = hhevents("crawl", data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store, data_dir
    store.close()


def events_of(store: EventStore, source_id: str):
    return [e for e in store.events() if e.sources[0].source_id == source_id]


def test_ics_source_yields_every_occurrence_in_the_window(crawled):
    _, store, _ = crawled
    titles = sorted(e.title for e in events_of(store, "ohk"))
    # 4 single events + 3 of the 4 weekly trainings (one EXDATE); the 2025 match is outside the window.
    assert titles == sorted(
        [
            "Öresunds HK – Lugi HF",
            "Öresunds HK – IFK Ystad",
            "Öresunds HK – HK Malmö (efter sommartidens början)",
            "Påskcupen",
            *["Prova på-handboll för barn"] * 3,
        ]
    )


def test_ics_floating_times_with_x_wr_timezone_are_local_on_both_sides_of_dst(crawled):
    _, store, _ = crawled
    trainings = sorted(
        (e for e in events_of(store, "ohk") if e.title.startswith("Prova")), key=lambda e: e.start
    )
    assert [e.start.isoformat() for e in trainings] == [
        "2026-03-22T10:00:00+01:00",
        "2026-03-29T10:00:00+02:00",
        "2026-04-12T10:00:00+02:00",
    ]
    assert all(e.timezone == "Europe/Stockholm" for e in trainings)
    # Each occurrence has its own stable id, derived from UID + RECURRENCE-ID.
    assert len({e.id for e in trainings}) == 3


def test_ics_status_all_day_missing_end_and_escapes(crawled):
    _, store, _ = crawled
    by_title = {e.title: e for e in events_of(store, "ohk")}
    assert by_title["Öresunds HK – IFK Ystad"].status == "cancelled"
    cup = by_title["Påskcupen"]
    assert cup.all_day and cup.start.isoformat() == "2026-04-04T00:00:00+02:00"
    assert cup.end.isoformat() == "2026-04-06T00:00:00+02:00"  # exclusive, as DTEND;VALUE=DATE says
    # No DTEND: the default end of sport, 2 hours, on the first day of summer time.
    assert by_title["Öresunds HK – HK Malmö (efter sommartidens början)"].end.isoformat() == (
        "2026-03-29T20:00:00+02:00"
    )
    lugi = by_title["Öresunds HK – Lugi HF"]
    assert lugi.description == "Seriematch i division 1. Insläpp från 14.00, fri entré för barn."
    # The source's own categories first, then the sub-tag the category rules found in them.
    assert lugi.tags == ("handboll", "match", "handball")
    assert lugi.category_reason == "source category matched 'handboll' (sport/handball)"
    assert lugi.venue.name == "Helsingborg Arena" and lugi.venue.country == "SE"
    assert lugi.city == "helsingborg" and lugi.category == "sport" and lugi.language == "sv"


def test_jsonld_source_reads_detail_pages_pagination_and_listing_microdata(crawled):
    _, store, _ = crawled
    titles = sorted(e.title for e in events_of(store, "vaerftet"))
    assert titles == sorted(
        [
            "Jazzaften i Værftshallen",  # detail page, MusicEvent, entity in the name
            "Foredrag: Kronborgs historie",  # detail page, @graph wrapper, link with a #fragment
            "Koncert med Kystbandet",  # page 2, JSON-LD array, cancelled
            "Værftets skibe – udstilling",  # page 2, date-only multi-day exhibition
            "Loppemarked på havnen",  # microdata on the listing itself, no detail page
        ]
    )


def test_jsonld_fields_are_normalised(crawled):
    _, store, _ = crawled
    by_title = {e.title: e for e in events_of(store, "vaerftet")}
    jazz = by_title["Jazzaften i Værftshallen"]
    assert jazz.start.isoformat() == "2026-03-27T20:00:00+01:00"  # offset-less = local Copenhagen time
    assert jazz.description == "Svingende jazz med Øresund Quintet.\n\nDørene åbner kl. 19."  # no script
    assert jazz.url == "https://vaerftet.example/program/jazz-aften/"  # the real URL, not the snapshot's
    assert jazz.image == "https://vaerftet.example/img/jazz.jpg"
    assert (jazz.venue.latitude, jazz.venue.longitude) == (56.0375, 12.6186)
    assert (jazz.venue.street_address, jazz.venue.postal_code, jazz.venue.locality) == (
        "Allégade 2",
        "3000",
        "Helsingør",
    )
    assert (jazz.price.min, jazz.price.currency, jazz.price.free) == (180.0, "DKK", False)
    assert jazz.organizer == "Værftets Jazzklub"
    cancelled = by_title["Koncert med Kystbandet"]
    assert cancelled.status == "cancelled"
    assert (cancelled.price.min, cancelled.price.max) == (150.0, 250.0)
    talk = by_title["Foredrag: Kronborgs historie"]
    assert talk.start.isoformat() == "2026-03-29T14:00:00+02:00" and talk.price.free is True
    exhibition = by_title["Værftets skibe – udstilling"]
    assert exhibition.all_day and exhibition.end.isoformat() == "2026-05-01T00:00:00+02:00"
    assert exhibition.price.free is True
    market = by_title["Loppemarked på havnen"]
    assert market.description == "Gratis adgang & hyggelig stemning."
    assert market.venue.street_address == "Havnegade 1"


def test_one_broken_source_does_not_stop_the_others_and_each_run_is_recorded(crawled):
    result, store, _ = crawled
    assert result.returncode == 1, result.stderr  # something is broken, and the exit code says so
    runs = store.latest_runs()
    assert runs["ohk"].outcome == "ok" and runs["ohk"].new == 7 and runs["ohk"].errors == 0
    assert runs["down"].outcome == "failed"
    assert runs["down"].message == "https://down.example/calendar.ics: HTTP 500"
    # A broken JSON-LD block loses that page only.
    assert runs["vaerftet"].outcome == "degraded" and runs["vaerftet"].new == 5
    assert "broken-jsonld" in runs["vaerftet"].message and "JSONDecodeError" in runs["vaerftet"].message
    # An event without a start date is dropped, and the run's statistics say why.
    assert runs["vaerftet"].dropped == 1 and runs["vaerftet"].stats["dropped/start"] == 1
    assert "down: https://down.example/calendar.ics: HTTP 500" in result.stderr


def test_recrawl_of_unchanged_sources_changes_no_event(site, tmp_path):
    first = hhevents("crawl", "--source", "ohk", data_dir=tmp_path, site=site.base_url)
    assert first.returncode == 0, first.stderr
    store = EventStore(tmp_path / DB_FILENAME)
    before = {e.id: (e.material_hash(), e.last_modified, e.sequence) for e in store.events()}
    an_hour_later = "2026-03-20T13:00:00+01:00"
    again = hhevents("crawl", "--source", "ohk", data_dir=tmp_path, site=site.base_url, now=an_hour_later)
    assert again.returncode == 0, again.stderr
    after = {e.id: (e.material_hash(), e.last_modified, e.sequence) for e in store.events()}
    assert after == before and len(after) == 7
    run = store.latest_runs()["ohk"]
    assert (run.new, run.changed, run.unchanged) == (0, 0, 7)
    # last_seen moves on: the event was seen again an hour later.
    assert {e.last_seen for e in store.events()} == {datetime.fromisoformat("2026-03-20T13:00:00+01:00")}
    store.close()


def test_recrawl_sends_conditional_request(site, tmp_path):
    path = "/ohk.example/kalender/x-wr-timezone-floating-recurring.ics"
    hhevents("crawl", "--source", "ohk", data_dir=tmp_path, site=site.base_url)
    # The site says max-age=0, so the second crawl revalidates its cached copy with the ETag it kept.
    hhevents("crawl", "--source", "ohk", data_dir=tmp_path, site=site.base_url)
    revalidations = [r for r in site.requests if r.path == path and "If-None-Match" in r.headers]
    assert revalidations, [(r.path, r.status) for r in site.requests if r.path == path]
    assert revalidations[-1].status == 304


def test_export_prints_only_json_with_the_model_field_names(crawled):
    _, _, data_dir = crawled
    result = hhevents("export", "--format", "json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)  # stdout is nothing but the JSON array
    assert len(events) == 12
    assert set(events[0]) == {
        "id",
        "title",
        "description",
        "url",
        "image",
        "start",
        "end",
        "all_day",
        "timezone",
        "city",
        "category",
        "category_reason",
        "tags",
        "venue",
        "price",
        "language",
        "status",
        "organizer",
        "sources",
        "first_seen",
        "last_seen",
        "last_modified",
        "sequence",
    }
    assert events == sorted(events, key=lambda e: (datetime.fromisoformat(e["start"]), e["id"]))
    assert all("raw" not in ref for event in events for ref in event["sources"])


def test_export_with_raw_adds_each_sources_own_record(crawled):
    _, _, data_dir = crawled
    result = hhevents("export", "--with-raw", data_dir=data_dir)
    events = json.loads(result.stdout)
    lugi = next(e for e in events if e["title"] == "Öresunds HK – Lugi HF")
    raw = lugi["sources"][0]["raw"]  # the properties as the feed wrote them
    assert raw["UID"].endswith("match-101@ohk.example")
    assert "20260321T150000" in raw["DTSTART"]


def test_unknown_source_id_is_a_usage_error(site, tmp_path):
    result = hhevents("crawl", "--source", "nope", data_dir=tmp_path, site=site.base_url)
    assert result.returncode == 2
    assert "unknown source id(s): nope" in result.stderr and "ohk" in result.stderr


def test_broken_config_entry_skips_that_source_only(site, tmp_path):
    config = tmp_path / "sources.yaml"
    text = SOURCES.read_text(encoding="utf-8").replace("    category: culture\n", "    category: kultur\n")
    config.write_text(text, encoding="utf-8")
    result = hhevents("crawl", data_dir=tmp_path / "var", site=site.base_url, config=config)
    assert result.returncode == 1
    assert f"{config}:" in result.stderr and "kultur" in result.stderr
    store = EventStore(tmp_path / "var" / DB_FILENAME)
    assert set(store.latest_runs()) == {"ohk", "down"}  # vaerftet skipped, the others ran
    store.close()


def test_dry_run_shows_what_a_source_yields_and_stores_nothing(site, tmp_path):
    result = hhevents("crawl", "--source", "vaerftet", "--dry-run", data_dir=tmp_path, site=site.base_url)
    assert result.returncode == 0, result.stderr
    assert "dry run: 5 event(s), 1 dropped (nothing stored)" in result.stderr
    assert "uden-dato/: start: missing" in result.stderr
    assert "Jazzaften i Værftshallen" in result.stderr and "180 DKK" in result.stderr
    store = EventStore(tmp_path / DB_FILENAME)
    assert store.count() == 0 and store.runs() == []
    store.close()


def test_provenance_keeps_the_source_record_of_each_event(crawled):
    _, store, _ = crawled
    jazz = next(e for e in events_of(store, "vaerftet") if e.title.startswith("Jazzaften"))
    [sighting] = store.provenance(jazz.id)
    assert sighting["url"] == "https://vaerftet.example/program/jazz-aften/"
    assert (
        sighting["raw"]["@type"] == "MusicEvent"
        and sighting["raw"]["name"] == "Jazzaften i V&aelig;rftshallen"
    )


def test_a_failing_request_is_retried_with_backoff_and_then_succeeds(site, tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_text(SOURCES.read_text(encoding="utf-8"), encoding="utf-8")
    path = "/ohk.example/kalender/x-wr-timezone-floating-recurring.ics"
    site.fail(path, status=503, times=1)  # the retry consumes it
    result = hhevents(
        "crawl", "--source", "ohk", data_dir=tmp_path / "var", site=site.base_url, config=config
    )
    assert result.returncode == 0, result.stderr
    statuses = [r.status for r in site.requests if r.path == path]
    assert statuses[-2:] == [503, 200]
    store = EventStore(tmp_path / "var" / DB_FILENAME)
    assert store.latest_runs()["ohk"].outcome == "ok" and store.count() == 7
    store.close()


def test_requests_name_the_project_and_a_contact_url(site, tmp_path):
    hhevents("crawl", "--source", "ohk", data_dir=tmp_path, site=site.base_url)
    agents = {r.headers.get("User-Agent") for r in site.requests if r.path.startswith("/ohk.example/")}
    assert any(agent.startswith("hhevents/") and "+https://" in agent for agent in agents), agents


def test_a_source_can_set_its_own_delay_and_concurrency():
    from config.schema import IcsSource
    from hhevents.crawl import spider_class_for
    from spiders.ics import IcsSpider

    common = dict(
        id="x",
        name="X",
        city="helsingor",
        type="ics",
        url="https://x.dk/a.ics",
        category="sport",
        language="da",
    )
    assert spider_class_for(IcsSource(**common)) is IcsSpider
    polite = spider_class_for(IcsSource(**common, download_delay=5, concurrency=1))
    assert issubclass(polite, IcsSpider)
    assert polite.custom_settings["DOWNLOAD_DELAY"] == 5
    assert polite.custom_settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
