"""The generic `json` spider, crawled for real over loopback, plus its YAML mapping's checks.

One `hhevents crawl` of tests/fixtures/json.yaml (time frozen at 2026-03-20 12:00 CET) reads two differently
shaped APIs with the same spider: a Swedish municipality-style calendar (Swedish keys, date and time in
separate fields, numbered pages) and a Danish ticketing-style API (UTC instants, names per language, prices in
øre, a link to the next page). The snapshot server ignores query strings, so numbered pages use `{page}` in
the url path; the one source paged by a query parameter shows what happens when an API ignores it.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime
from pathlib import Path
from typing import get_args

import pytest
from helpers import FIXTURES, run_hhevents, source_tags

from config import format_problems, load_sources
from config.schema import JsonApiSource
from hhevents.model import Event, Price, Venue
from hhevents.snapshots import SnapshotServer
from spiders.jsonapi import as_when, evaluate, read_json, resolve
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "json.yaml"


@pytest.fixture(scope="module")
def site():
    with SnapshotServer(FIXTURES / "sites") as server:
        yield server


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


def events_of(store: EventStore, source_id: str) -> dict[str, Event]:
    return {e.title: e for e in store.events() if e.sources[0].source_id == source_id}


# -- the Swedish municipality-style API -------------------------------------------------------------------


def test_numbered_pages_are_read_until_an_empty_page(crawled, site):
    _, store = crawled
    assert sorted(events_of(store, "hbg-kalendern")) == sorted(
        [
            "Vårkonsert med Helsingborgs Kammarkör",
            "Utställning: Helsingborg förr och nu",
            "Loppis på Gröningen",
            "Föreläsning: Sofiero genom tiderna",  # page 2
        ]
    )
    pages = [
        r.path
        for r in site.requests
        if r.path.startswith("/kalender.helsingborg.example/api/v1/evenemang/sida/")
    ]
    assert sorted(pages) == [f"/kalender.helsingborg.example/api/v1/evenemang/sida/{n}" for n in (1, 2, 3)]


def test_headers_from_the_yaml_are_sent(crawled, site):
    sent = [r for r in site.requests if r.path.endswith("/evenemang/sida/1")]
    assert sent and sent[0].headers["Accept"] == "application/json"


def test_date_and_time_in_separate_fields_joined_by_a_template_with_dotted_times(crawled):
    _, store = crawled
    concert = events_of(store, "hbg-kalendern")["Vårkonsert med Helsingborgs Kammarkör"]  # "16.00"
    assert (concert.start.isoformat(), concert.end.isoformat()) == (
        "2026-03-22T16:00:00+01:00",
        "2026-03-22T17:30:00+01:00",
    )
    talk = events_of(store, "hbg-kalendern")["Föreläsning: Sofiero genom tiderna"]  # after the change
    assert talk.start.isoformat() == "2026-04-02T18:30:00+02:00"


def test_missing_time_falls_back_to_the_date_as_all_day_with_inclusive_end(crawled):
    _, store = crawled
    exhibition = events_of(store, "hbg-kalendern")["Utställning: Helsingborg förr och nu"]
    assert exhibition.all_day
    assert (exhibition.start.isoformat(), exhibition.end.isoformat()) == (
        "2026-03-25T00:00:00+01:00",
        "2026-04-13T00:00:00+02:00",  # the last day, 12 April, included
    )
    market = events_of(store, "hbg-kalendern")["Loppis på Gröningen"]  # empty time, no end
    assert market.all_day and market.end.isoformat() == "2026-03-29T00:00:00+01:00"


def test_fallback_list_takes_the_first_value_present(crawled):
    _, store = crawled
    by_title = events_of(store, "hbg-kalendern")
    assert (
        by_title["Utställning: Helsingborg förr och nu"].description
        == "Fotografier av staden från 1900 till i dag."
    )
    assert by_title["Vårkonsert med Helsingborgs Kammarkör"].description == (
        "Helsingborgs Kammarkör sjunger vårens musik.\n\nBiljetter säljs vid entrén & på webben."
    )


def test_nested_venue_fields_with_decimal_comma_coordinates(crawled):
    _, store = crawled
    venue = events_of(store, "hbg-kalendern")["Vårkonsert med Helsingborgs Kammarkör"].venue
    assert (venue.name, venue.street_address, venue.postal_code, venue.locality, venue.country) == (
        "Mariakyrkan",
        "Mariatorget 6",
        "252 21",
        "Helsingborg",
        "SE",
    )
    assert (venue.latitude, venue.longitude) == (56.0453, 12.6945)


def test_nested_price_fields_and_a_constant_currency(crawled):
    _, store = crawled
    by_title = events_of(store, "hbg-kalendern")
    price = by_title["Vårkonsert med Helsingborgs Kammarkör"].price
    assert (price.min, price.max, price.currency, price.free, price.text) == (
        150.0,
        250.0,
        "SEK",
        False,
        "Entré 150–250 kr",
    )
    assert by_title["Utställning: Helsingborg förr och nu"].price.free is True  # "gratis": true
    assert by_title["Loppis på Gröningen"].price.free is True  # 0 to 0 kronor


def test_star_path_collects_tags_and_negative_index_takes_the_last_image(crawled):
    _, store = crawled
    concert = events_of(store, "hbg-kalendern")["Vårkonsert med Helsingborgs Kammarkör"]
    assert source_tags(concert) == ("musik", "kör")
    # A root-relative URL in the API is made absolute against the API's address.
    assert concert.image == "https://kalender.helsingborg.example/media/2026/varkonsert-1280.jpg"
    assert concert.organizer == "Helsingborgs Kammarkör"
    assert events_of(store, "hbg-kalendern")["Utställning: Helsingborg förr och nu"].image is None


def test_boolean_flag_mapped_to_a_status_by_values(crawled):
    _, store = crawled
    by_title = events_of(store, "hbg-kalendern")
    assert by_title["Föreläsning: Sofiero genom tiderna"].status == "cancelled"  # "installt": true
    assert by_title["Vårkonsert med Helsingborgs Kammarkör"].status == "scheduled"


def test_source_event_id_from_its_path_else_the_url(crawled):
    _, store = crawled
    by_title = events_of(store, "hbg-kalendern")
    assert by_title["Vårkonsert med Helsingborgs Kammarkör"].sources[0].source_event_id == "20417"
    assert by_title["Loppis på Gröningen"].sources[0].source_event_id == (
        "https://kalender.helsingborg.example/evenemang/loppis-groningen"
    )


def test_item_that_is_not_an_object_is_reported_and_one_without_title_dropped(crawled):
    result, store = crawled
    run = store.latest_runs()["hbg-kalendern"]
    assert (run.outcome, run.new, run.dropped, run.errors) == ("degraded", 4, 1, 1)
    assert run.message == (
        "https://kalender.helsingborg.example/api/v1/evenemang/sida/2: "
        "item 2 is NoneType, not an object; skipped"
    )
    assert run.stats.get("dropped/title") == 1
    assert result.returncode == 1


def test_api_that_ignores_the_page_parameter_stops_at_the_repeated_page(crawled, site):
    _, store = crawled
    assert sorted(events_of(store, "hbg-kalendern-alla")) == ["Påskjakt i Slottshagen", "Skärtorsdagskonsert"]
    paths = [r.path for r in site.requests if "/evenemang/alla" in r.path]
    assert sorted(paths) == [
        "/kalender.helsingborg.example/api/v1/evenemang/alla?per_sida=50&sida=1",
        "/kalender.helsingborg.example/api/v1/evenemang/alla?per_sida=50&sida=2",
    ]
    run = store.latest_runs()["hbg-kalendern-alla"]
    assert (run.outcome, run.new, run.unchanged, run.errors) == ("ok", 2, 0, 0)


# -- the Danish ticketing-style API -----------------------------------------------------------------------


def test_relative_next_page_link_is_followed_until_null(crawled, site):
    _, store = crawled
    assert len(events_of(store, "billetten")) == 5
    assert "/api.billetten.example/v1/events/after/evt-7Q3?city=helsingor&limit=3" in [
        r.path for r in site.requests
    ]
    run = store.latest_runs()["billetten"]
    assert (run.outcome, run.new, run.errors) == ("ok", 5, 0)


def test_utc_and_offset_instants_shown_in_the_source_zone(crawled):
    _, store = crawled
    by_title = events_of(store, "billetten")
    jazz = by_title["Kronborg Jazz Festival: Åbningskoncert"]  # "2026-03-21T19:30:00Z"
    assert (jazz.start.isoformat(), jazz.end.isoformat()) == (
        "2026-03-21T20:30:00+01:00",
        "2026-03-21T23:00:00+01:00",
    )
    assert jazz.timezone == "Europe/Copenhagen"
    assert by_title["Hamlet – Shakespeare at Kronborg"].start.isoformat() == "2026-03-30T19:00:00+02:00"
    assert by_title["Børneteater: Pippi på Kulturværftet"].start.isoformat() == "2026-04-04T10:00:00+02:00"
    # "ends_at": null: the default end of a concert (culture), 2 hours.
    assert by_title["Koncert: Hyldest til Kim Larsen"].end.isoformat() == "2026-04-18T22:00:00+02:00"


def test_title_per_language_falls_back_when_the_danish_one_is_empty(crawled):
    _, store = crawled
    hamlet = events_of(store, "billetten")["Hamlet – Shakespeare at Kronborg"]
    assert hamlet.description == "The play, where it is set."


def test_prices_in_oere_over_ticket_types_give_min_and_max(crawled):
    _, store = crawled
    by_title = events_of(store, "billetten")
    jazz = by_title["Kronborg Jazz Festival: Åbningskoncert"].price
    assert (jazz.min, jazz.max, jazz.currency, jazz.free) == (195.0, 295.0, "DKK", False)
    midsummer = by_title["Sankt Hans på Kronborg"].price  # "– flyttet" is the clean stage's status
    assert (midsummer.min, midsummer.max) == (50.0, 125.0)
    assert by_title["Børneteater: Pippi på Kulturværftet"].price.free is True
    assert by_title["Koncert: Hyldest til Kim Larsen"].price.min is None  # no ticket types


def test_status_words_mapped_with_a_catch_all(crawled):
    _, store = crawled
    statuses = {title: e.status for title, e in events_of(store, "billetten").items()}
    assert statuses == {
        "Kronborg Jazz Festival: Åbningskoncert": "scheduled",  # on_sale
        "Hamlet – Shakespeare at Kronborg": "scheduled",  # sold_out
        "Koncert: Hyldest til Kim Larsen": "cancelled",
        "Børneteater: Pippi på Kulturværftet": "scheduled",  # presale, by "*"
        "Sankt Hans på Kronborg": "rescheduled",  # "– flyttet" taken out of the title
    }


def test_list_indexes_fill_venue_coordinates_and_image(crawled):
    _, store = crawled
    jazz = events_of(store, "billetten")["Kronborg Jazz Festival: Åbningskoncert"]
    assert (jazz.venue.name, jazz.venue.street_address, jazz.venue.postal_code, jazz.venue.locality) == (
        "Kulturværftet",
        "Allégade 2",
        "3000",
        "Helsingør",
    )
    assert (jazz.venue.country, jazz.venue.latitude, jazz.venue.longitude) == ("DK", 56.0391, 12.6147)
    assert jazz.image == "https://cdn.billetten.example/i/7q1-1600.jpg"
    assert jazz.url == "https://billetten.example/e/kronborg-jazz-aabning"
    assert jazz.tags[:2] == ("jazz", "festival")  # then the sub-tags the category rules add
    assert jazz.organizer == "Kronborg Jazz"  # an object: its name


def test_provenance_keeps_the_api_record(crawled):
    _, store = crawled
    jazz = events_of(store, "billetten")["Kronborg Jazz Festival: Åbningskoncert"]
    assert jazz.sources[0].source_event_id == "evt-7Q1"
    [sighting] = store.provenance(jazz.id)
    assert sighting["url"] == "https://billetten.example/e/kronborg-jazz-aabning"
    assert sighting["raw"]["ticket_types"][0]["price"] == {"amount": 29500, "currency": "DKK"}


# -- the mapping's syntax, in-process ---------------------------------------------------------------------


def test_path_syntax_keys_indexes_star_and_fallbacks():
    item = {"a": {"b": [{"c": 1}, {"c": 2}, {"c": ""}]}, "d": None, "0": "key zero"}
    assert resolve(item, ("a", "b", "0", "c")) == 1
    assert resolve(item, ("a", "b", "-2", "c")) == 2
    assert resolve(item, ("a", "b", "*", "c")) == [1, 2]  # empty values left out
    assert resolve(item, ("a", "x", "c")) is None
    assert resolve(item, ("0",)) == "key zero"
    assert evaluate(["d", "a.b.1.c"], item) == 2
    assert evaluate("=SEK", item) == "SEK"
    assert evaluate(["{a.b.0.c}-{a.b.2.c}", "=none"], item) == "none"  # a template with a hole gives nothing


def test_start_values_epoch_dotted_times_and_inclusive_end_dates():
    assert as_when(1774634400) == datetime(2026, 3, 27, 18, 0, tzinfo=UTC)
    assert as_when(1774634400000) == datetime(2026, 3, 27, 18, 0, tzinfo=UTC)
    assert as_when("2026-03-27 9.30") == "2026-03-27 09:30"
    assert as_when("2026-03-27T19:00:00Z") == "2026-03-27T19:00:00Z"
    assert as_when("2026-04-12", is_end=True) == date(2026, 4, 13)


def test_json_behind_a_php_notice_or_jsonp_wrapper_is_found():
    assert read_json(b'\xef\xbb\xbf{"a": 1}') == ({"a": 1}, "")
    assert read_json(b'cb({"data": [1]});') == ({"data": [1]}, "cb(")
    with pytest.raises(ValueError, match="not JSON"):
        read_json(b"<html><body>Fel 500</body></html>")


def test_field_names_are_the_models():
    # What a source can say about an event; ids, sightings and the categoriser's note are the pipeline's.
    bookkeeping = {"id", "sources", "first_seen", "last_seen", "last_modified", "sequence", "category_reason"}
    names = set(Event.model_fields) - bookkeeping - {"venue", "price"}
    expected = names | {f"venue.{n}" for n in Venue.model_fields} | {f"price.{n}" for n in Price.model_fields}
    expected.add("source_event_id")
    for key in ("fields", "values"):
        [literal, _] = get_args(JsonApiSource.model_fields[key].annotation)
        assert set(get_args(literal)) == expected, key


ENTRY = """\
sources:
  - id: kalendern
    name: Kalendern
    city: helsingborg
    type: json
    url: {url}
    category: culture
    language: sv
    items: data
{extra}    fields:
      title: rubrik
{fields}"""


def load(tmp_path: Path, fields: str, *, url: str = "https://x.example/api", extra: str = "") -> list[str]:
    path = tmp_path / "sources.yaml"
    fields = textwrap.indent(textwrap.dedent(fields), " " * 6)
    path.write_text(ENTRY.format(url=url, extra=extra, fields=fields), encoding="utf-8")
    config = load_sources(path)
    return format_problems(config.problems).splitlines()


def test_unknown_field_is_reported_at_its_key_with_a_did_you_mean(tmp_path):
    [problem] = load(tmp_path, "start: datum\nvenue.nam: plats\n")
    assert problem.startswith(f"{tmp_path / 'sources.yaml'}:13:18: sources[0] (kalendern).fields.venue.nam")
    assert "got 'venue.nam' — did you mean 'venue.name'?" in problem


def test_broken_paths_and_templates_are_reported(tmp_path):
    [problem] = load(tmp_path, 'start: "{datum}T{tid"\n')
    assert problem.endswith("fields: start: template '{datum}T{tid' has an unpaired '{' or '}'")
    [problem] = load(tmp_path, "start: tid..start\n")
    assert problem.endswith(
        "fields: start: path 'tid..start' has an empty part (two dots in a row, or a dot at an end)"
    )


def test_title_and_start_must_be_mapped(tmp_path):
    [problem] = load(tmp_path, "url: lank\n")
    assert problem.endswith("fields: every event needs start: add 'start: <path>'")


def test_value_maps_name_model_values(tmp_path):
    extra = "    values:\n      status: {aflyst: canceled}\n"
    [problem] = load(tmp_path, "start: datum\nstatus: tillstand\n", extra=extra)
    assert (
        "'aflyst' maps to 'canceled', which is not one of" in problem
        and "did you mean 'cancelled'?" in problem
    )
    [problem] = load(tmp_path, "start: datum\n", extra=extra)
    assert problem.endswith("values: status: not in 'fields'; map the field there first")


def test_only_one_way_to_page(tmp_path):
    [problem] = load(
        tmp_path, "start: datum\n", url="https://x.example/api/sida/{page}", extra="    page_param: sida\n"
    )
    assert "the url already counts pages with '{page}'" in problem
    [problem] = load(tmp_path, "start: datum\n", extra="    next_page: links.next\n    page_param: sida\n")
    assert "page either by counting ('page_param') or by 'next_page'" in problem


def test_the_documented_example_loads(tmp_path):
    assert load(tmp_path, "start: datum\n") == []
