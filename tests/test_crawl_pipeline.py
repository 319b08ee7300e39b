"""Raw items becoming clean events: one real crawl through every pipeline stage.

One `hhevents crawl` (a child process, time frozen at 2026-03-20 12:00 CET) reads the two sources of
tests/fixtures/pipeline.yaml over loopback: a Danish programme API (json) whose records carry what the
clean and normalise stages repair, and a Swedish venue's iCalendar feed that labels local times UTC
(``utc_is_local: true``). Each test checks one case in what the EventStore holds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import FIXTURES, run_hhevents

from hhevents.model import Event
from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "pipeline.yaml"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    with SnapshotServer(FIXTURES / "sites") as server:
        result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=server.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


@pytest.fixture(scope="module")
def store(crawled) -> EventStore:
    return crawled[1]


def event(store: EventStore, source_id: str, source_event_id: str) -> Event:
    [found] = [e for e in store.events() if e.id == Event.make_id(source_id, source_event_id)]
    return found


def span(found: Event) -> tuple[str, str | None]:
    return found.start.isoformat(), found.end.isoformat() if found.end else None


def test_crawl_stores_every_event_and_drops_the_one_with_an_impossible_end(crawled):
    result, store = crawled
    assert result.returncode == 0, result.stderr
    runs = store.latest_runs()
    assert (runs["helsingor-kultur"].new, runs["helsingor-kultur"].dropped) == (5, 1)
    assert (runs["dunkers-ical"].new, runs["dunkers-ical"].dropped) == (3, 0)


def test_cancelled_title_becomes_a_cancelled_event_with_a_clean_title(store):
    concert = event(store, "helsingor-kultur", "hk-101")  # "AFLYST: Koncert med Nordlys Trio", "scheduled"
    assert (concert.title, concert.status) == ("Koncert med Nordlys Trio", "cancelled")
    swedish = event(store, "dunkers-ical", "vk-2@ical.dunkerskulturhus.example")  # "INSTÄLLT: ..."
    assert (swedish.title, swedish.status) == ("Söndagsmatiné – Barnteater", "cancelled")


def test_html_description_becomes_paragraphs_without_scripts_and_with_entities_decoded(store):
    concert = event(store, "helsingor-kultur", "hk-101")
    assert concert.description == "Nordlys Trio spiller nordisk jazz.\n\nDørene åbner kl. 19."


@pytest.mark.parametrize(
    ("source_event_id", "text", "free", "low", "high", "currency"),
    [
        ("hk-101", "Entré: 150 kr.", False, 150.0, 150.0, "DKK"),
        ("hk-102", "Pris: 150 kr. (børn gratis)", False, 0.0, 150.0, "DKK"),
        ("hk-103", "fr. 95 kr", False, 95.0, None, "DKK"),
        ("hk-105", "Gratis adgang", True, 0.0, 0.0, "DKK"),
        # "kr" in Sweden (a Swedish address on a Danish source) is SEK.
        ("hk-104", "Entré: 120 kr", False, 120.0, 120.0, "SEK"),
    ],
)
def test_price_text_gives_free_min_max_and_currency_and_is_kept(store, source_event_id, text, free, low, high,
                                                                currency):
    price = event(store, "helsingor-kultur", source_event_id).price
    assert (price.text, price.free, price.min, price.max, price.currency) == (text, free, low, high, currency)


@pytest.mark.parametrize(
    ("source_event_id", "written"),
    [
        ("hk-101", "Toldkammeret på Kulturværftet"),
        ("hk-102", "Kulturværftet, Allégade 2"),
        ("hk-103", "KULTURVÆRFTET"),
    ],
)
def test_alias_venue_becomes_the_canonical_venue_with_its_address(store, source_event_id, written):
    venue = event(store, "helsingor-kultur", source_event_id).venue
    assert (venue.name, venue.street_address, venue.postal_code, venue.locality, venue.country) == (
        "Kulturværftet",
        "Allégade 2",
        "3000",
        "Helsingør",
        "DK",
    ), written


def test_utc_labelled_local_source_reads_z_as_local_wall_time(store):
    concert = event(store, "dunkers-ical", "vk-1@ical.dunkerskulturhus.example")  # DTSTART:20260328T190000Z
    assert span(concert) == ("2026-03-28T19:00:00+01:00", "2026-03-28T21:00:00+01:00")
    # On the day summer time begins: 15:00 on the clock, +02:00.
    matinee = event(store, "dunkers-ical", "vk-2@ical.dunkerskulturhus.example")  # DTSTART:20260329T150000Z
    assert matinee.start.isoformat() == "2026-03-29T15:00:00+02:00"


def test_utc_is_local_leaves_times_with_a_real_zone_alone(store):
    talk = event(store, "dunkers-ical", "vk-3@ical.dunkerskulturhus.example")  # TZID=Europe/Stockholm
    assert span(talk) == ("2026-04-02T18:00:00+02:00", "2026-04-02T20:00:00+02:00")


def test_past_midnight_end_moves_to_the_next_day_on_the_spring_forward_night(store):
    night = event(store, "helsingor-kultur", "hk-102")  # 22:00 to "2026-03-28T02:00"
    # 02:00 on 29 March does not exist in Copenhagen; the clocks show 03:00. Four real hours.
    assert span(night) == ("2026-03-28T22:00:00+01:00", "2026-03-29T03:00:00+02:00")
    assert night.end.timestamp() - night.start.timestamp() == timedelta(hours=4).total_seconds()


def test_end_clearly_before_the_start_is_rejected_with_the_reason(crawled):
    result, store = crawled
    ids = {e.id for e in store.events()}
    assert Event.make_id("helsingor-kultur", "hk-106") not in ids
    run = store.latest_runs()["helsingor-kultur"]
    assert run.stats["dropped/end"] == 1
    assert run.message == "1 item(s) dropped: 1 for end"
    logged = " ".join(result.stderr.split())  # the log wraps long lines
    assert "end 2026-04-01T21:00:00+02:00 is before start 2026-04-02T19:00:00+02:00" in logged


def test_english_text_on_a_danish_source_is_english(store):
    night = event(store, "helsingor-kultur", "hk-103")
    assert night.language == "en"
    assert event(store, "helsingor-kultur", "hk-101").language == "da"  # too little text: the source's


def test_swedish_postcode_on_a_danish_source_is_a_helsingborg_event(store):
    trip = event(store, "helsingor-kultur", "hk-104")  # "Dunkers", "25221", "Helsingborg"
    assert (trip.city, trip.timezone, trip.venue.country) == ("helsingborg", "Europe/Stockholm", "SE")
    assert (trip.venue.name, trip.venue.street_address, trip.venue.postal_code) == (
        "Dunkers kulturhus",
        "Kungsgatan 11",
        "252 21",
    )
    assert trip.start.isoformat() == "2026-04-11T15:00:00+02:00"


def test_implausible_coordinates_are_dropped_and_counted(store):
    market = event(store, "helsingor-kultur", "hk-105")  # latitude and longitude swapped
    assert (market.venue.latitude, market.venue.longitude) == (None, None)
    assert store.latest_runs()["helsingor-kultur"].stats["normalise/coordinates_dropped/swapped"] == 1


def test_missing_end_gets_the_default_of_the_final_category(store):
    market = event(store, "helsingor-kultur", "hk-105")  # a market (shopping), no end
    assert market.category == "shopping" and "market" in market.tags
    assert span(market) == ("2026-04-04T10:00:00+02:00", "2026-04-04T15:00:00+02:00")  # 5 hours
    matinee = event(store, "dunkers-ical", "vk-2@ical.dunkerskulturhus.example")  # theatre (culture), no end
    assert matinee.end.isoformat() == "2026-03-29T17:00:00+02:00"


def test_the_run_records_what_the_stages_decided(store):
    stats = store.latest_runs()["helsingor-kultur"].stats
    assert {key: stats.get(key) for key in (
        "clean/status_from_title/cancelled",
        "normalise/end_after_midnight",
        "normalise/language/da_to_en",
        "normalise/city/from_address",
        "default_end/shopping",
    )} == dict.fromkeys((
        "clean/status_from_title/cancelled",
        "normalise/end_after_midnight",
        "normalise/language/da_to_en",
        "normalise/city/from_address",
        "default_end/shopping",
    ), 1)


def test_raw_record_is_kept_as_the_source_wrote_it(store):
    concert = event(store, "helsingor-kultur", "hk-101")
    [sighting] = store.provenance(concert.id)
    assert sighting["raw"]["titel"] == "AFLYST: Koncert med Nordlys Trio"
    assert sighting["raw"]["sted"] == {"navn": "Toldkammeret på Kulturværftet"}
