"""The `tribe` spider (The Events Calendar's REST API), crawled for real over loopback.

One `hhevents crawl` of tests/fixtures/tribe.yaml, time frozen at 2026-03-20 12:00 CET (the week before
summer time); each test below reads one quirk's outcome from the store. The snapshot server ignores query
strings, so the fixtures' `next_rest_url`s point at pages with their own paths; the plugin's 404 answers
(a page past the end, an empty calendar in old versions) are served with the server's fault hook.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from helpers import FIXTURES, run_hhevents, source_tags

from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "tribe.yaml"
API = "wp-json/tribe/events/v1"
NOT_FOUND = FIXTURES / "sites" / "sommerfestival.example" / "404-event-archive-page-not-found.json"


@pytest.fixture(scope="module")
def site():
    with SnapshotServer(FIXTURES / "sites") as server:
        for path in (
            f"/sommerfestival.example/{API}/events",
            f"/toldkammeret.example/{API}/events-page-3-past-the-end",
        ):
            server.fail(
                path,
                status=404,
                body=NOT_FOUND.read_bytes(),
                headers={"Content-Type": "application/json; charset=UTF-8"},
            )
        yield server


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """One crawl of the enabled sources."""
    data_dir = tmp_path_factory.mktemp("var")
    result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


@pytest.fixture(scope="module")
def variants(site, tmp_path_factory):
    """A crawl of the disabled sources: the same pages as two enabled ones, one option changed."""
    data_dir = tmp_path_factory.mktemp("var")
    options = ("--source", "toldkammeret-side-1", "--source", "dunkers-lokal-tid")
    result = run_hhevents("crawl", *options, config=SOURCES, data_dir=data_dir, site=site.base_url)
    assert result.returncode == 0, result.stderr
    store = EventStore(data_dir / DB_FILENAME)
    yield store
    store.close()


def events_of(store: EventStore, source_id: str) -> dict[str, object]:
    return {e.title: e for e in store.events() if e.sources[0].source_id == source_id}


def test_all_pages_are_read_following_next_rest_url(crawled):
    result, store = crawled
    assert sorted(events_of(store, "toldkammeret")) == sorted(
        [
            "Jazz & vin – Øresund Quintet",
            "Foredrag: Søfartens Helsingør",
            "Påskeudstilling i Toldkammeret",
            "Quiz-aften i caféen",
            "Fælles tur: Koncert på Dunkers Kulturhus",  # page 2
            "Standup-aften med Kystkomikerne",  # page 2
        ]
    )


def test_request_asks_for_per_page_and_start_date_minus_past_days(crawled, site):
    paths = [r.path for r in site.requests]
    assert f"/toldkammeret.example/{API}/events?per_page=4&start_date=2026-03-20" in paths
    assert (
        f"/dunkerskulturhus.example/{API}/events?per_page=50&start_date=2026-03-13" in paths
    )  # past_days: 7


def test_404_event_archive_page_not_found_after_page_1_is_the_end_not_an_error(crawled, site):
    _, store = crawled
    assert any(
        r.path.startswith(f"/toldkammeret.example/{API}/events-page-3") and r.status == 404
        for r in site.requests
    )
    run = store.latest_runs()["toldkammeret"]
    assert (run.new, run.errors) == (6, 1)  # the one error is the broken record, not the 404
    assert "404" not in run.message


def test_404_event_archive_page_not_found_on_page_1_is_an_empty_calendar(crawled):
    _, store = crawled
    run = store.latest_runs()["sommerfestival"]
    assert (run.outcome, run.errors, run.message) == ("degraded", 0, "no events")
    assert run.stats.get("empty_pages") == 1


def test_200_with_no_events_is_an_empty_calendar(crawled):
    _, store = crawled
    run = store.latest_runs()["vinterfestival"]
    assert (run.outcome, run.errors, run.stats.get("empty_pages")) == ("degraded", 0, 1)


def test_plain_404_without_the_plugin_code_is_an_error(crawled):
    _, store = crawled
    run = store.latest_runs()["fel-adress"]
    assert run.outcome == "failed"
    assert run.message.endswith(
        "/wp-json/tribe/events/v1/evenemang?per_page=50&start_date=2026-03-20: HTTP 404"
    )


def test_max_pages_bounds_paging(variants):
    assert len(events_of(variants, "toldkammeret-side-1")) == 4
    run = variants.latest_runs()["toldkammeret-side-1"]
    assert (run.outcome, run.errors) == ("ok", 0)


def test_php_notice_before_json_is_skipped(crawled):
    _, store = crawled
    trip = events_of(store, "toldkammeret")["Fælles tur: Koncert på Dunkers Kulturhus"]
    assert trip.description == "Vi tager færgen over Øresund sammen."


def test_broken_record_is_reported_and_the_rest_of_its_page_kept(crawled):
    result, store = crawled
    run = store.latest_runs()["toldkammeret"]
    assert run.outcome == "degraded"
    assert "event 4107: utc_start_date 'ikke en dato' is not a date and time; skipped" in run.message
    assert "events-page-2-php-notice-before-json" in run.message
    assert "Standup-aften med Kystkomikerne" in events_of(store, "toldkammeret")  # same page, after it
    assert result.returncode == 1  # fel-adress failed, toldkammeret lost a record


def test_utc_start_date_shown_in_the_events_own_zone_on_both_sides_of_dst(crawled):
    _, store = crawled
    told = events_of(store, "toldkammeret")
    jazz = told["Jazz & vin – Øresund Quintet"]
    assert (jazz.start.isoformat(), jazz.end.isoformat()) == (
        "2026-03-27T20:00:00+01:00",
        "2026-03-27T22:30:00+01:00",
    )
    assert jazz.timezone == "Europe/Copenhagen"
    talk = told["Foredrag: Søfartens Helsingør"]
    assert talk.start.isoformat() == "2026-03-29T14:00:00+02:00"
    # A Danish site's event across the water keeps its own zone.
    trip = told["Fælles tur: Koncert på Dunkers Kulturhus"]
    assert (trip.timezone, trip.start.isoformat()) == ("Europe/Stockholm", "2026-04-10T19:00:00+02:00")


def test_manual_utc_offset_timezone_falls_back_to_the_source_zone(crawled):
    _, store = crawled
    quiz = events_of(store, "toldkammeret")["Quiz-aften i caféen"]  # "timezone": "UTC+1"
    assert (quiz.timezone, quiz.start.isoformat()) == ("Europe/Copenhagen", "2026-03-24T19:00:00+01:00")


def test_site_zone_left_at_utc_keeps_the_instant_or_reads_wall_times_when_told(crawled, variants):
    _, store = crawled
    default = events_of(store, "dunkers")["Vernissage: Vårsalongen"]
    assert (default.timezone, default.start.isoformat()) == ("Europe/Stockholm", "2026-04-01T20:00:00+02:00")
    local = events_of(variants, "dunkers-lokal-tid")["Vernissage: Vårsalongen"]  # use_local_times: true
    assert (local.start.isoformat(), local.end.isoformat()) == (
        "2026-04-01T18:00:00+02:00",
        "2026-04-01T20:00:00+02:00",
    )


def test_all_day_end_at_235959_becomes_the_next_midnight(crawled):
    _, store = crawled
    easter = events_of(store, "toldkammeret")["Påskeudstilling i Toldkammeret"]
    assert easter.all_day
    assert (easter.start.isoformat(), easter.end.isoformat()) == (
        "2026-04-02T00:00:00+02:00",
        "2026-04-07T00:00:00+02:00",
    )
    family = events_of(store, "dunkers")["Familjedag på Dunkers"]  # one day, the night clocks change
    assert (family.start.isoformat(), family.end.isoformat()) == (
        "2026-03-28T00:00:00+01:00",
        "2026-03-29T00:00:00+01:00",
    )


def test_html_and_entities_in_title_and_description(crawled):
    _, store = crawled
    jazz = events_of(store, "toldkammeret")["Jazz & vin – Øresund Quintet"]
    assert (
        jazz.description
        == "Svingende jazz i salen med Øresund Quintet.\n\nDørene åbner kl. 19.00 – køb billet i døren."
    )
    assert "Konsert: Sibelius & Grieg" in events_of(store, "dunkers")


def test_empty_description_falls_back_to_the_excerpt(crawled):
    _, store = crawled
    family = events_of(store, "dunkers")["Familjedag på Dunkers"]
    assert family.description == "Pyssel, sagor & musik för hela familjen."


def test_cost_details_values_and_currency(crawled):
    _, store = crawled
    jazz = events_of(store, "toldkammeret")["Jazz & vin – Øresund Quintet"].price
    assert (jazz.min, jazz.max, jazz.currency, jazz.free, jazz.text) == (
        150.0,
        250.0,
        "DKK",
        False,
        "150 kr. – 250 kr.",
    )
    # No currency_code (older plugin), symbol "kr": the city's currency.
    concert = events_of(store, "dunkers")["Konsert: Sibelius & Grieg"].price
    assert (concert.min, concert.max, concert.currency) == (120.0, 395.0, "SEK")


def test_plugin_default_dollar_currency_is_ignored(crawled):
    _, store = crawled
    standup = events_of(store, "toldkammeret")["Standup-aften med Kystkomikerne"].price
    assert (standup.min, standup.currency, standup.text) == (200.0, "DKK", "$200")


def test_free_cost_words_mean_free(crawled):
    _, store = crawled
    talk = events_of(store, "toldkammeret")["Foredrag: Søfartens Helsingør"].price
    assert (talk.free, talk.min, talk.text) == (True, 0.0, "Gratis")  # free costs 0 (pipelines/price.py)
    assert events_of(store, "dunkers")["Vernissage: Vårsalongen"].price.free is True  # "Fri entré"


def test_venue_address_country_name_and_geo(crawled):
    _, store = crawled
    venue = events_of(store, "toldkammeret")["Jazz & vin – Øresund Quintet"].venue
    # Toldkammeret is a hall of Kulturværftet in the venue table: its name; the source's own address.
    assert (venue.name, venue.street_address, venue.postal_code, venue.locality, venue.country) == (
        "Kulturværftet",
        "Havnepladsen 1",
        "3000",
        "Helsingør",
        "DK",
    )
    assert (venue.latitude, venue.longitude) == (56.0363, 12.6149)
    dunkers = events_of(store, "toldkammeret")["Fælles tur: Koncert på Dunkers Kulturhus"].venue
    assert (dunkers.locality, dunkers.country) == ("Helsingborg", "SE")  # "Sweden"


def test_empty_venue_list_means_no_venue(crawled):
    _, store = crawled
    venue = events_of(store, "toldkammeret")["Foredrag: Søfartens Helsingør"].venue  # "venue": []
    assert (venue.name, venue.street_address, venue.country) == (None, None, "DK")


def test_organizers_categories_tags_and_image(crawled):
    _, store = crawled
    concert = events_of(store, "dunkers")["Konsert: Sibelius & Grieg"]
    assert concert.organizer == "Dunkers Kulturhus, Helsingborgs Symfoniorkester"
    assert source_tags(concert) == ("konsert", "musik", "klassiskt")
    assert concert.image == "https://dunkerskulturhus.example/wp-content/uploads/2026/01/sibelius.jpg"
    talk = events_of(store, "toldkammeret")["Foredrag: Søfartens Helsingør"]  # "image": false, no organizer
    assert (talk.image, talk.organizer, source_tags(talk)) == (None, None, ())


def test_event_status_when_present_and_post_status_ignored(crawled):
    _, store = crawled
    told = events_of(store, "toldkammeret")
    assert told["Standup-aften med Kystkomikerne"].status == "cancelled"  # "event_status": "canceled"
    assert told["Jazz & vin – Øresund Quintet"].status == "scheduled"  # "status": "publish" is the post's


def test_event_url_id_and_provenance(crawled):
    _, store = crawled
    jazz = events_of(store, "toldkammeret")["Jazz & vin – Øresund Quintet"]
    assert jazz.url == "https://toldkammeret.example/event/jazz-og-vin-oresund-quintet/"
    assert jazz.sources[0].source_event_id == "4101"
    [sighting] = store.provenance(jazz.id)
    assert sighting["url"] == jazz.url
    assert sighting["raw"]["title"] == "Jazz &amp; vin &#8211; Øresund Quintet"
    assert sighting["raw"]["cost_details"]["values"] == ["150", "250"]
    assert jazz.first_seen == datetime.fromisoformat("2026-03-20T12:00:00+01:00")
