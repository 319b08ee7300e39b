"""The `kultunaut` spider (Kultunaut's partner export), crawled for real over loopback.

One `hhevents crawl` of tests/fixtures/kultunaut.yaml, time frozen at 2026-03-20 12:00 CET (the week before
summer time); each test below reads one quirk's outcome from the store. The fixtures are Helsingør
programmes in the export's two shapes: the JSON array (windows-1252, no charset) and the older XML
(ISO-8859-1, no declaration), plus an ISO-8859-15 export that needs the YAML `encoding` key and an HTML
error page served where the export should be.
"""

from __future__ import annotations

import re

import pytest
from helpers import FIXTURES, run_hhevents, source_tags
from pydantic import ValidationError

from config.schema import KultunautSource
from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "kultunaut.yaml"
ARRMORE = "https://www.kultunaut.dk/perl/arrmore/type-nynaut?ArrNr="


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    with SnapshotServer(FIXTURES / "sites") as site:
        result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


def events_of(store: EventStore, source_id: str) -> list:
    return [e for e in store.events() if e.sources[0].source_id == source_id]


def by_title(store: EventStore, source_id: str) -> dict:
    return {e.title: e for e in events_of(store, source_id)}


def test_cp1252_export_without_charset_keeps_danish_letters_and_dashes(crawled):
    _, store = crawled
    assert sorted(e.title for e in events_of(store, "kultunaut-helsingor")) == sorted(
        [
            *["Fiskerne fra Nordhavn"] * 3,
            "Øresundstolden – da Helsingør tjente på skibene",  # æøå and 0x96, an en dash only cp1252 has
            "Skibe i flasker – særudstilling",
            "Påskeskattejagt på Kronborg",
            "Loppemarked på Kulturværftet",
            "Hamlet – prins af Danmark",
        ]
    )
    venues = {e.venue.name for e in events_of(store, "kultunaut-helsingor")}
    assert venues == {
        "Kino Helsingør",  # "Toldkammeret" is a hall of Kulturværftet in the venue table
        "M/S Museet for Søfart",
        "Kronborg Slot",
        "Kulturværftet",
        "Helsingør Teater",
    }


def test_one_record_per_showing_is_one_event_each_keyed_by_arrnr(crawled):
    _, store = crawled
    showings = sorted(
        (e for e in events_of(store, "kultunaut-helsingor") if e.title == "Fiskerne fra Nordhavn"),
        key=lambda e: e.start,
    )
    assert [e.sources[0].source_event_id for e in showings] == ["20301001", "20301002", "20301003"]
    assert len({e.id for e in showings}) == 3
    # The export has no link; the event page is built from the ArrNr (the YAML's default event_url).
    assert [e.url for e in showings] == [f"{ARRMORE}20301001", f"{ARRMORE}20301002", f"{ARRMORE}20301003"]


def test_arrtidspunkt_kl_hh_mm_and_kl_hh_are_local_times_on_both_sides_of_dst(crawled):
    _, store = crawled
    showings = sorted(
        (e for e in events_of(store, "kultunaut-helsingor") if e.title == "Fiskerne fra Nordhavn"),
        key=lambda e: e.start,
    )
    # No end in the export: the default end of culture, 2 hours.
    assert [(e.start.isoformat(), e.end.isoformat()) for e in showings] == [
        ("2026-03-27T19:45:00+01:00", "2026-03-27T21:45:00+01:00"),  # "kl. 19:45"
        ("2026-03-28T16:00:00+01:00", "2026-03-28T18:00:00+01:00"),  # "kl. 16"
        ("2026-04-02T19:45:00+02:00", "2026-04-02T21:45:00+02:00"),  # "kl. 19:45", summer time
    ]
    assert all(e.timezone == "Europe/Copenhagen" and not e.all_day for e in showings)
    hamlet = by_title(store, "kultunaut-helsingor")["Hamlet – prins af Danmark"]
    assert hamlet.start.isoformat() == "2026-03-26T19:30:00+01:00"


def test_arrtidspunkt_range_kl_19_21_fills_the_end(crawled):
    _, store = crawled
    talk = by_title(store, "kultunaut-helsingor")["Øresundstolden – da Helsingør tjente på skibene"]
    assert talk.start.isoformat() == "2026-04-14T19:00:00+02:00"
    assert talk.end.isoformat() == "2026-04-14T21:00:00+02:00"


def test_long_html_description_wins_over_the_teaser_and_br_become_paragraphs(crawled):
    _, store = crawled
    talk = by_title(store, "kultunaut-helsingor")["Øresundstolden – da Helsingør tjente på skibene"]
    assert talk.description == (
        "I over 400 år betalte skibene told ved Kronborg.\n\n"
        "Hør om kaptajner, toldere og smuglere – og om hvordan tolden byggede Helsingør.\n\n"
        "Læs mere og køb billet"
    )
    market = by_title(store, "kultunaut-helsingor")["Loppemarked på Kulturværftet"]
    assert market.description == "Loppemarked med over 60 stande i Værftshallerne"  # only the teaser


def test_several_days_without_time_is_all_day_with_exclusive_end(crawled):
    _, store = crawled
    exhibition = by_title(store, "kultunaut-helsingor")["Skibe i flasker – særudstilling"]
    assert exhibition.all_day
    assert exhibition.start.isoformat() == "2026-04-01T00:00:00+02:00"
    assert exhibition.end.isoformat() == "2026-07-01T00:00:00+02:00"  # Slutdato 2026-06-30 is the last day


def test_one_day_without_time_is_all_day(crawled):
    _, store = crawled
    market = by_title(store, "kultunaut-helsingor")["Loppemarked på Kulturværftet"]
    assert market.all_day
    assert (market.start.isoformat(), market.end.isoformat()) == (
        "2026-04-18T00:00:00+02:00",
        "2026-04-19T00:00:00+02:00",
    )


def test_several_days_with_daily_hours_is_all_day_and_keeps_the_hours_in_the_description(crawled):
    _, store = crawled
    hunt = by_title(store, "kultunaut-helsingor")["Påskeskattejagt på Kronborg"]
    assert hunt.all_day
    assert (hunt.start.isoformat(), hunt.end.isoformat()) == (
        "2026-04-02T00:00:00+02:00",
        "2026-04-07T00:00:00+02:00",
    )
    assert hunt.description == "Find Holger Danskes skat i kasematterne\n\nTidspunkt: kl. 10-16"


def test_genres_and_film_rating_become_tags_image_and_place_are_kept(crawled):
    _, store = crawled
    film = next(e for e in events_of(store, "kultunaut-helsingor") if e.title == "Fiskerne fra Nordhavn")
    assert film.tags[:4] == ("film", "drama", "komedie", "tilladt over 11 år")  # then added sub-tags
    assert film.image == "http://www.kultunaut.dk/images/film/7107311/plakat.jpg"  # http, as exported
    assert film.venue.name == "Kino Helsingør" and film.venue.country == "DK"
    assert film.venue.street_address is None  # the export names the venue only
    assert (film.city, film.category, film.language) == ("helsingor", "culture", "da")


def test_record_without_arrnr_is_reported_and_undated_record_dropped_the_rest_kept(crawled):
    result, store = crawled
    run = store.latest_runs()["kultunaut-helsingor"]
    assert run.outcome == "degraded" and run.new == 8
    assert run.errors == 1 and "record 8" in run.message and "no ArrNr" in run.message
    assert run.dropped == 1 and run.stats["dropped/start"] == 1  # "Sommerkoncert på havnen" has no date
    assert "Sommerkoncert på havnen" not in by_title(store, "kultunaut-helsingor")
    assert result.returncode == 1  # something was lost, and the exit code says so


def test_xml_export_in_latin1_without_declaration(crawled):
    _, store = crawled
    events = by_title(store, "kultunaut-xml")
    assert sorted(events) == ["Bogbytte-weekend på biblioteket", "Jazz på Værftet: Øresund Kvartet"]
    jazz = events["Jazz på Værftet: Øresund Kvartet"]
    assert jazz.start.isoformat() == "2026-04-11T20:00:00+02:00"  # startdato + tid "kl. 20"
    assert jazz.url == f"{ARRMORE}20301101" and jazz.sources[0].source_event_id == "20301101"
    assert jazz.description == "Swing og be-bop i Bølgen.\n\nDørene åbner kl. 19."
    assert source_tags(jazz) == ("musik", "jazz") and jazz.venue.name == "Kulturværftet"
    books = events["Bogbytte-weekend på biblioteket"]
    assert books.all_day and books.end.isoformat() == "2026-05-04T00:00:00+02:00"
    assert books.image == "https://kultunaut.example/images/arr/20301102.jpg"  # relative, resolved
    assert store.latest_runs()["kultunaut-xml"].outcome == "ok"


def test_encoding_key_reads_an_export_that_detection_would_misread(crawled):
    _, store = crawled
    [trip] = events_of(store, "kultunaut-latin9")
    # ISO-8859-15's 0xA4 is €; windows-1252, the detected guess, would have made it ¤.
    assert trip.description == "Guidet sejltur over Sundet. Billet: 12 € eller 90 kr."
    assert trip.title == "Sejltur Helsingør-Helsingborg med guide"
    assert trip.url == "https://kultunaut.example/arr/20301201"  # the source's own event_url template


def test_html_error_page_instead_of_the_export_fails_the_source(crawled):
    _, store = crawled
    run = store.latest_runs()["kultunaut-down"]
    assert run.outcome == "failed" and run.new == 0
    assert run.message == (
        "https://kultunaut.example/perl/export/html-error-page-instead-of-export.json: "
        "not Kultunaut XML: its root is <html>"
    )


def test_provenance_keeps_the_export_record(crawled):
    _, store = crawled
    talk = by_title(store, "kultunaut-helsingor")["Øresundstolden – da Helsingør tjente på skibene"]
    [sighting] = store.provenance(talk.id)
    assert sighting["url"] == "https://kultunaut.example/perl/export/helsingor-cp1252-undeclared.json"
    assert sighting["raw"]["ArrNr"] == 20301010 and sighting["raw"]["ArrTidspunkt"] == "kl. 19-21"
    jazz = by_title(store, "kultunaut-xml")["Jazz på Værftet: Øresund Kvartet"]
    [sighting] = store.provenance(jazz.id)
    assert sighting["raw"]["tid"] == "kl. 20" and sighting["raw"]["sted"] == "Kulturværftet"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("encoding", "latin-42", "unknown text encoding 'latin-42'"),
        ("encoding", "base64", "unknown text encoding 'base64'"),
        ("event_url", "https://www.kultunaut.dk/arr/", "must contain {id}"),
        ("event_url", "www.kultunaut.dk/arr/{id}", "must be an absolute http(s) URL"),
        ("format", "csv", "'json' or 'xml'"),
    ],
)
def test_config_keys_are_checked(key, value, message):
    entry = {
        "id": "k",
        "name": "Kultunaut",
        "city": "helsingor",
        "type": "kultunaut",
        "url": "https://www.kultunaut.dk/perl/export/helsingor.json",
        "category": "culture",
        "language": "da",
    }
    with pytest.raises(ValidationError, match=re.escape(message)):
        KultunautSource(**{**entry, key: value})
    assert KultunautSource(**entry).event_url == f"{ARRMORE}{{id}}"
    assert KultunautSource(**{**entry, "event_url": None}).event_url is None
