"""The `hbg` spider in real crawls (`hhevents crawl`, a child process) of Helsingborg's API over loopback.

The API pages by query string (``?per_page=3&page=2``): each endpoint's folder has a ``_snapshot.yaml``
that maps pages to recorded files, with their statuses (WordPress's 400 past the last page, the API's 404
``empty_result``) and headers (``X-WP-TotalPages``).
Time is frozen at 2026-03-20 12:00 CET, the week before summer time.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import FIXTURES, run_hhevents, source_tags

from hhevents.model import Event
from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "hbg.yaml"


@pytest.fixture(scope="module")
def site():
    with SnapshotServer(FIXTURES / "sites") as server:
        yield server


def api_requests(site: SnapshotServer) -> list[str]:
    """The paged API requests the crawl made, in order."""
    return [r.path for r in site.requests if "page=" in r.path]


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """One crawl of the four hbg test sources; the tests below read what it stored."""
    data_dir = tmp_path_factory.mktemp("var")
    result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store, site
    store.close()


def events_of(store: EventStore, source_id: str) -> list[Event]:
    return sorted(
        (e for e in store.events() if e.sources[0].source_id == source_id), key=lambda e: (e.start, e.title)
    )


def titled(store: EventStore, source_id: str, title: str) -> list[Event]:
    return [e for e in events_of(store, source_id) if e.title == title]


def starts(events: list[Event]) -> list[str]:
    return [e.start.isoformat() for e in events]


# -- paging and the API's answers ----------------------------------------------------------------------------


def test_every_source_ran_and_each_run_is_recorded(crawled):
    result, store, _ = crawled
    runs = store.latest_runs()
    assert result.returncode == 1, result.stderr  # hbg-legacy has a broken record, and the exit code says so
    assert runs["hbg-legacy"].outcome == "degraded" and runs["hbg-legacy"].new == 37
    assert (runs["hbg-time"].outcome, runs["hbg-time"].new, runs["hbg-time"].errors) == ("ok", 4, 0)
    assert (runs["hbg-v3"].outcome, runs["hbg-v3"].new, runs["hbg-v3"].errors) == ("ok", 12, 0)


def test_x_wp_totalpages_header_drives_paging(crawled):
    _, store, site = crawled
    legacy = [p for p in api_requests(site) if p.startswith("/api.hbg.example/event/json/wp/v2/event?")]
    assert sorted(parse_qs(urlsplit(p).query)["page"][0] for p in legacy) == ["1", "2"]
    assert all(parse_qs(urlsplit(p).query)["per_page"] == ["3"] for p in legacy)
    assert all(parse_qs(urlsplit(p).query)["group-id"] == ["312"] for p in legacy)  # the URL's own query kept
    # Records of both pages are stored.
    titles = {e.title for e in events_of(store, "hbg-legacy")}
    assert {"Jazzkväll på Konserthuset", "Vårkonsert: Brahms & Sibelius"} <= titles


def test_time_endpoint_gets_a_date_range_and_pages_until_404(crawled):
    _, store, site = crawled
    time_requests = [
        p for p in api_requests(site) if p.startswith("/api.hbg.example/event/json/wp/v2/event/time?")
    ]
    queries = [parse_qs(urlsplit(p).query) for p in time_requests]
    assert sorted(q["page"][0] for q in queries) == ["1", "2", "3"]  # page 3 is the 404 past the end
    # Without start/end the endpoint lists only today's events: the spider asks for its whole window.
    assert all(q["start"] == ["2026-03-20"] and q["end"] == ["2027-03-20"] for q in queries)
    runs = store.latest_runs()
    assert runs["hbg-time"].message == ""  # the 404 past the last page is not an error


def test_400_invalid_page_number_past_the_end_is_not_an_error(crawled):
    _, store, site = crawled
    v3 = [p for p in api_requests(site) if p.startswith("/evenemang.hbg.example/")]
    # A full page without X-WP-TotalPages may have a next one; WordPress answers 400 for page 2.
    assert sorted(parse_qs(urlsplit(p).query)["page"][0] for p in v3) == ["1", "2"]
    assert all(parse_qs(urlsplit(p).query)["_embed"] == ["1"] for p in v3)
    assert store.latest_runs()["hbg-v3"].message == ""


def test_404_empty_result_is_an_empty_source_not_an_error(crawled):
    result, store, _ = crawled
    run = store.latest_runs()["hbg-empty"]
    assert (run.outcome, run.items, run.errors, run.message) == ("degraded", 0, 0, "no events")
    assert run.stats.get("empty_pages") == 1
    assert not [line for line in result.stderr.splitlines() if "hbg-empty" in line and "ERROR" in line]


def test_one_broken_record_or_occasion_is_reported_and_the_rest_is_kept(crawled):
    result, store, _ = crawled
    run = store.latest_runs()["hbg-legacy"]
    assert run.errors == 2
    assert "occasion with unreadable start 'nästa fredag'" in run.message
    assert "record #2: not an object; skipped" in result.stderr
    # The same record's readable occasion is stored.
    [photo] = titled(store, "hbg-legacy", "Fotoutställning: Kärnan i nytt ljus")
    assert photo.start.isoformat() == "2026-06-12T12:00:00+02:00"


# -- occasions -----------------------------------------------------------------------------------------------


def test_each_occasion_is_an_event_with_its_own_status_and_stable_id(crawled):
    _, store, _ = crawled
    jazz = titled(store, "hbg-legacy", "Jazzkväll på Konserthuset")
    # The occasion of 10 March is in the past (before the window) and left out.
    assert starts(jazz) == [
        "2026-03-27T19:00:00+01:00",
        "2026-04-03T19:00:00+02:00",
        "2026-04-10T20:00:00+02:00",
    ]
    assert [e.status for e in jazz] == ["scheduled", "cancelled", "rescheduled"]
    assert [e.end.isoformat() for e in jazz] == [
        "2026-03-27T21:00:00+01:00",
        "2026-04-03T21:00:00+02:00",
        "2026-04-10T22:00:00+02:00",
    ]
    assert [e.id for e in jazz] == [
        Event.make_id("hbg-legacy", f"1001/{when}")
        for when in ("2026-03-27T19:00", "2026-04-03T19:00", "2026-04-10T20:00")
    ]


def test_occasion_exception_text_and_door_time_are_in_the_description(crawled):
    _, store, _ = crawled
    first, cancelled, moved = titled(store, "hbg-legacy", "Jazzkväll på Konserthuset")
    assert cancelled.description.startswith("Inställt på grund av sjukdom. Köpta biljetter återbetalas.\n\n")
    assert moved.description.startswith("Flyttad från 19.00 till 20.00.\n\n")
    assert first.description == (
        "Helsingborgs konserthus bjuder in till en kväll med svensk jazz.\n\n"
        "Baren är öppen före konserten & i pausen.\n\n"
        "Insläpp 18:30\n\n"
        "Tillgänglighet: Handikapptoalett, Hiss/ramp\n\n"
        "Biljetter: https://helsingborgskonserthus.se/biljetter/\n\n"
        "Biljettbokning: 042-10 42 70"
    )


def test_rcr_rules_weekly_with_removed_and_cancelled_exceptions(crawled):
    _, store, _ = crawled
    stories = titled(store, "hbg-legacy", "Sagostund på Stadsbiblioteket")
    # Tuesdays 10:00 in March–April from today: 7 April removed ("default"), 14 April kept as cancelled.
    assert starts(stories) == [
        "2026-03-24T10:00:00+01:00",
        "2026-03-31T10:00:00+02:00",
        "2026-04-14T10:00:00+02:00",
        "2026-04-21T10:00:00+02:00",
        "2026-04-28T10:00:00+02:00",
    ]
    assert [e.status for e in stories] == ["scheduled", "scheduled", "cancelled", "scheduled", "scheduled"]
    assert stories[2].description.startswith("Inställd – personalutbildning.")
    assert all(e.end - e.start == stories[0].end - stories[0].start for e in stories)
    assert stories[0].end.isoformat() == "2026-03-24T10:45:00+01:00"
    assert stories[0].description.endswith("Ålder: 3–6 år")
    assert len({e.id for e in stories}) == 5


def test_rcr_rule_is_expanded_within_a_bounded_window_without_doubling_listed_dates(crawled):
    _, store, _ = crawled
    studio = titled(store, "hbg-legacy", "Öppen ateljé på Dunkers")
    # Every other Saturday until 2031, but only within horizon_days (365): 21 March 2026 to 20 March 2027.
    # 21 March and 4 April are also in the API's occasions list: each date is one event.
    assert len(studio) == 27
    assert studio[0].start.isoformat() == "2026-03-21T11:00:00+01:00"
    assert studio[-1].start.isoformat() == "2027-03-20T11:00:00+01:00"
    assert len({e.start for e in studio}) == 27
    assert [e.start.date().isoformat() for e in studio if e.status == "cancelled"] == ["2026-04-04"]
    assert {e.start.weekday() for e in studio} == {5}


def test_record_listed_once_per_occasion_on_time_endpoint_is_one_event_per_occasion(crawled):
    _, store, _ = crawled
    theatre = titled(store, "hbg-time", "Barnteater: Pettson och Findus")
    assert starts(theatre) == ["2026-03-28T11:00:00+01:00", "2026-03-28T14:00:00+01:00"]
    assert len(events_of(store, "hbg-time")) == 4


def test_time_labelled_utc_is_local_wall_time(crawled):
    _, store, _ = crawled
    [market] = titled(store, "hbg-time", "Loppis på Gröningen")
    # "2026-05-16T10:00:00+00:00": Helsingborg labels its local times UTC; the market opens at 10 local.
    assert market.start.isoformat() == "2026-05-16T10:00:00+02:00"
    assert market.end.isoformat() == "2026-05-16T15:00:00+02:00"
    assert market.description == "Fynda begagnat i hamnen.\n\nFri entré, säljplatser bokas i förväg."


# -- event fields --------------------------------------------------------------------------------------------


def test_location_with_string_coordinates_is_the_venue(crawled):
    _, store, _ = crawled
    jazz = titled(store, "hbg-legacy", "Jazzkväll på Konserthuset")[0]
    venue = jazz.venue
    assert (venue.name, venue.street_address, venue.postal_code, venue.locality, venue.country) == (
        "Helsingborgs konserthus",
        "Terrassgatan 3",
        "252 29",
        "Helsingborg",
        "SE",
    )
    assert (venue.latitude, venue.longitude) == (56.0445153, 12.6925482)
    [concert] = titled(store, "hbg-legacy", "Vårkonsert: Brahms & Sibelius")
    # "Stora salen, Helsingborgs konserthus", a hall within its building: the venue table's name.
    assert concert.venue.name == "Helsingborgs konserthus"
    [photo] = titled(store, "hbg-legacy", "Fotoutställning: Kärnan i nytt ljus")
    assert (photo.venue.latitude, photo.venue.longitude) == (None, None)  # "ej angivet" is no position
    [walk] = titled(store, "hbg-time", "Stadsvandring i Norra hamnen")
    assert (walk.venue.name, walk.venue.street_address, walk.venue.postal_code, walk.venue.locality) == (
        "Norra hamnen",
        "Norra hamnen 5",
        "252 25",
        "Helsingborg",
    )
    assert (walk.venue.latitude, walk.venue.longitude) == (56.0502, 12.688)


def test_html_escaped_event_categories_and_tags_become_tags(crawled):
    _, store, _ = crawled
    assert source_tags(titled(store, "hbg-legacy", "Öppen ateljé på Dunkers")[0]) == (
        "konst & design",
        "workshop",
    )
    assert source_tags(titled(store, "hbg-legacy", "Jazzkväll på Konserthuset")[0]) == (
        "musik",
        "konsert & scen",
        "jazz",
    )


def test_prices_per_audience_give_min_max_and_text_in_sek(crawled):
    _, store, _ = crawled
    jazz = titled(store, "hbg-legacy", "Jazzkväll på Konserthuset")[0].price
    assert (jazz.min, jazz.max, jazz.currency, jazz.free) == (100.0, 250.0, "SEK", False)
    assert (
        jazz.text == "Vuxen 250 kr, Student 200 kr, Barn (till 15 år) 100 kr, Pensionär (från 65 år) 220 kr"
    )
    concert = titled(store, "hbg-legacy", "Vårkonsert: Brahms & Sibelius")[0].price
    assert (concert.min, concert.max) == (150.0, 395.0)
    assert concert.text == (
        "Vuxen 395 kr, Student 195 kr, Sittplats 150–395 kr. Ungdom under 26 år betalar halva priset."
    )
    studio = titled(store, "hbg-legacy", "Öppen ateljé på Dunkers")[0].price
    assert (studio.free, studio.min, studio.max, studio.text) == (True, 0.0, 0.0, "Vuxen gratis, Barn gratis")
    stories = titled(store, "hbg-legacy", "Sagostund på Stadsbiblioteket")[0].price
    assert (stories.free, stories.min, stories.text) == (None, None, None)  # no prices given: unknown


def test_url_image_and_organizer(crawled):
    _, store, _ = crawled
    jazz = titled(store, "hbg-legacy", "Jazzkväll på Konserthuset")[0]
    assert jazz.url == "https://helsingborgskonserthus.se/program/jazzkvall/"  # event_link
    assert jazz.image == "https://api.hbg.example/wp-content/uploads/sites/2/2026/02/jazzkvall.jpg"
    assert jazz.organizer == "Helsingborgs konserthus"  # the main organizer, though listed second
    studio = titled(store, "hbg-legacy", "Öppen ateljé på Dunkers")[0]
    # No event_link, no permalink: the YAML's event_url with the record's slug.
    assert studio.url == "https://helsingborg.se/evenemang/oppen-atelje-pa-dunkers/"
    assert (
        studio.image == "https://api.hbg.example/wp-content/uploads/sites/2/2026/01/atelje.jpg"
    )  # _embedded
    concert = titled(store, "hbg-legacy", "Vårkonsert: Brahms & Sibelius")[0]
    # An empty event_link falls back to the template too; organizer from _embedded.organizers.
    assert concert.url == "https://helsingborg.se/evenemang/varkonsert-brahms-sibelius/"
    assert concert.organizer == "Helsingborgs symfoniorkester"
    theatre = titled(store, "hbg-time", "Barnteater: Pettson och Findus")[0]
    assert theatre.image is None and theatre.url.startswith("https://helsingborgsstadsteater.se/")
    assert (theatre.city, theatre.category, theatre.language, theatre.timezone) == (
        "helsingborg",
        "culture",
        "sv",
        "Europe/Stockholm",
    )


def test_raw_record_is_kept_as_provenance(crawled):
    _, store, _ = crawled
    [photo] = titled(store, "hbg-legacy", "Fotoutställning: Kärnan i nytt ljus")
    ref = photo.sources[0]
    assert ref.source_event_id == "1005/2026-06-12T12:00"
    assert ref.url.startswith("https://api.hbg.example/event/json/wp/v2/event?")
    [sighting] = store.provenance(photo.id)
    assert sighting["raw"]["id"] == 1005 and sighting["raw"]["occasions"][0]["start_date"] == "nästa fredag"


# -- the v3 (acf) shape --------------------------------------------------------------------------------------


def test_v3_occasions_with_their_own_status(crawled):
    _, store, _ = crawled
    saturday, sunday = titled(store, "hbg-v3", "Vårmarknad på Stortorget")
    assert (saturday.start.isoformat(), saturday.end.isoformat()) == (
        "2026-04-25T10:00:00+02:00",
        "2026-04-25T16:00:00+02:00",
    )
    assert (saturday.status, sunday.status) == ("scheduled", "cancelled")
    assert sunday.description.startswith("Söndagen är inställd på grund av stormvarning.\n\n")
    assert saturday.description == (
        "Lokala odlare, hantverkare och matvagnar fyller Stortorget.\n\nMusik på scenen hela dagen."
    )
    assert saturday.id == Event.make_id("hbg-v3", "3001/2026-04-25T10:00")


def test_v3_weekly_repeat_on_several_days(crawled):
    _, store, _ = crawled
    yoga = titled(store, "hbg-v3", "Yoga i Slottshagen")
    assert [e.start.date().isoformat() for e in yoga] == [
        "2026-05-06",
        "2026-05-09",
        "2026-05-13",
        "2026-05-16",
        "2026-05-20",
        "2026-05-23",
        "2026-05-27",
        "2026-05-30",
    ]
    assert all(e.start.hour == 8 and e.end.hour == 9 for e in yoga)
    assert (yoga[0].price.min, yoga[0].price.max, yoga[0].price.currency) == (120.0, 1000.0, "SEK")
    assert yoga[0].price.text == "Drop-in 120 kr, Klippkort 10 gånger 1000 kr"
    assert source_tags(yoga[0]) == ("hälsa & motion",)
    assert yoga[0].organizer == "Yoga Helsingborg"
    assert yoga[0].description == (
        "Morgonyoga utomhus för alla nivåer.\n\n"
        "Biljetter: https://yogahbg.example/boka/\n\n"
        "Tillgänglighet: Tillgänglig entré"
    )


def test_v3_event_status_cancelled_and_compact_dates(crawled):
    _, store, _ = crawled
    [talk] = [e for e in events_of(store, "hbg-v3") if e.title.startswith("Föreläsning")]
    assert talk.title == "Föreläsning: Sofiero – slottet och trädgården"
    assert talk.status == "cancelled"
    assert talk.start.isoformat() == "2026-04-16T18:00:00+02:00"  # acf date "20260416"
    assert talk.price.free is True  # an entrance fee without any ticket is shown as free
    assert (talk.venue.street_address, talk.venue.postal_code, talk.venue.locality, talk.venue.country) == (
        "Bollbrogatan 1",
        "252 25",
        "Helsingborg",
        "SE",
    )


def test_v3_location_image_terms_and_free(crawled):
    _, store, _ = crawled
    market = titled(store, "hbg-v3", "Vårmarknad på Stortorget")[0]
    venue = market.venue
    assert (venue.name, venue.street_address, venue.postal_code, venue.locality, venue.country) == (
        "Stortorget",
        "Stortorget",
        "252 23",
        "Helsingborg",
        "SE",
    )
    assert (venue.latitude, venue.longitude) == (56.0455, 12.6942)
    assert market.image == "https://evenemang.hbg.example/wp-content/uploads/2026/02/varmarknad.jpg"
    assert source_tags(market) == ("marknad", "alla åldrar")
    assert market.organizer == "Helsingborgs stad"
    assert market.price.free is True
    assert market.url == "https://evenemang.hbg.example/event/varmarknad-pa-stortorget/"  # the permalink


def test_v3_end_time_before_start_is_next_day_and_age_limit(crawled):
    _, store, _ = crawled
    [run] = titled(store, "hbg-v3", "Nattloppet")
    assert (run.start.isoformat(), run.end.isoformat()) == (
        "2026-06-13T22:00:00+02:00",
        "2026-06-14T01:00:00+02:00",
    )
    assert run.description == "Fem kilometer längs Strandpromenaden i midsommarnatten.\n\nÅldersgräns: 15 år"
    assert (run.venue.name, run.venue.street_address, run.venue.postal_code) == (
        "Tropical Beach",
        "Hamnplan 1",
        "252 21",
    )
    assert (run.price.min, run.price.text) == (295.0, "Startavgift 295 kr")


def test_shape_is_detected_per_record_without_a_yaml_key():
    from config.schema import HbgSource
    from spiders.hbg import record_shape

    pages = FIXTURES / "sites"
    [legacy_page] = (pages / "api.hbg.example/event/json/wp/v2/event").glob("page-1-*.json")
    [v3_page] = (pages / "evenemang.hbg.example/wp-json/wp/v2/event").glob("page-1-*.json")
    legacy, v3 = json.loads(legacy_page.read_text()), json.loads(v3_page.read_text())
    assert {record_shape(r) for r in legacy} == {"legacy"}  # with occasions, with rcr_rules only, with both
    assert {record_shape(r) for r in v3} == {"v3"}  # acf.occasions, or the early acf.date
    assert record_shape({"id": 1, "title": {"rendered": "Utan tider"}}) is None
    assert record_shape("trasig post") is None
    assert not any("shape" in name or "version" in name for name in HbgSource.model_fields)


# -- value readers (no crawl) --------------------------------------------------------------------------------


def test_value_readers():
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from spiders.hbg import local_when, price_number, weekday_number, weekly_days

    zone = ZoneInfo("Europe/Stockholm")
    assert local_when("2026-03-24 18:30", zone) == datetime(2026, 3, 24, 18, 30)
    assert local_when("2026-03-24T18:30:00+00:00", zone) == datetime(2026, 3, 24, 18, 30)  # the UTC mislabel
    assert local_when("2026-03-24T18:30:00+02:00", zone) == datetime(2026, 3, 24, 17, 30)  # a real offset
    assert local_when("20260324", zone) == date(2026, 3, 24)
    assert local_when("nästa fredag", zone) is None
    assert [weekday_number(d) for d in ("Tuesday", "tisdag", "https://schema.org/Sunday", "7", "0")] == [
        1,
        1,
        6,
        6,
        6,
    ]
    assert [price_number(v) for v in ("250", "395 kr", "99,50", "100:-", 0, "gratis", "", None)] == [
        250.0,
        395.0,
        99.5,
        100.0,
        0.0,
        0.0,
        None,
        None,
    ]
    # Every other week on Monday and Thursday, counting weeks from the start's week.
    assert [d.isoformat() for d in weekly_days(date(2026, 3, 26), date(2026, 4, 20), [0, 3], 2)] == [
        "2026-03-26",
        "2026-04-06",
        "2026-04-09",
        "2026-04-20",
    ]
