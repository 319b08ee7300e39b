"""The generic `json` spider over real JSON in the shared corpus, each file with its own YAML mapping.

The corpus has no folder of "other" JSON APIs, so the spider reads the real JSON that other source types are
built for, with nothing but a mapping: a Kultunaut partner export (a root list, "kl. 19-21" times), one
Helsingborg event manager record in its legacy and its v3 ``acf`` shape (a single object), Helsingborg's own
schema.org output, and The Events Calendar's archive. Each mapping is loaded from YAML by the real config
loader, so it is also an example that an operator could write.

Skipped when the corpus is absent (``HH_SHARED_DIR``, default: the repository's parent + ``/shared``).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from helpers import REPO
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from config import format_problems, load_sources
from hhevents.model import Event
from pipelines.normalise import normalise_item
from spiders.jsonapi import JsonApiSpider

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"

SCHEMA_ORG = """\
    fields:
      source_event_id: "@id"
      title: name
      description: description
      start: startDate
      end: endDate
      status: eventStatus
      url: url
      image: image.url
      venue.name: location.name
      venue.street_address: location.address
      venue.latitude: location.latitude
      venue.longitude: location.longitude
      price.min: offers.*.price
      price.max: offers.*.price
      price.currency: offers.0.priceCurrency
      tags: keywords.*.name
      organizer: [organizer.0.name, organizer.name]
"""

# file -> (the entry's keys after the common ones, events expected)
MAPPINGS: dict[str, tuple[str, int]] = {
    "kultunaut/kultunaut-export-cassiopeia-svaneke-bio_sb.json": (
        """\
    fields:
      source_event_id: ArrNr
      title: ArrKunstner
      description: [ArrLangBeskriv, ArrBeskrivelse]
      start: ["{Startdato}T{ArrTidspunkt}", Startdato]
      end: ["{Slutdato}T{ArrTidspunkt}", Slutdato]
      image: BilledeUrl
      venue.name: StedNavn
      tags: [ArrGenre, ArrUGenre]
""",
        21,
    ),
    "helsingborg-event-api/wp-legacy-event.json": (
        """\
    fields:
      source_event_id: id
      title: title.rendered
      description: content.rendered
      start: occasions.0.start_date
      end: occasions.0.end_date
      status: occasions.0.status
      url: event_link
      image: _embedded.wp:featuredmedia.0.source_url
      venue.name: location.title
      venue.street_address: location.street_address
      venue.postal_code: location.postal_code
      venue.locality: location.city
      venue.latitude: location.latitude
      venue.longitude: location.longitude
      price.min: [price_adult, price_range.seated_minimum_price]
      tags: event_categories
      organizer: organizers.0.organizer
""",
        1,
    ),
    "helsingborg-event-api/wp-release-event.json": (
        """\
    fields:
      source_event_id: id
      title: title.rendered
      description: acf.description
      start: ["{acf.occasions.0.date}T{acf.occasions.0.startTime}", "{acf.date}T{acf.timeFrom}"]
      end: ["{acf.occasions.0.date}T{acf.occasions.0.endTime}", "{acf.date}T{acf.timeEnd}"]
      status: acf.eventStatus
      url: link
      venue.name: acf.location_name
      venue.street_address: acf.location.address
      venue.latitude: acf.location.lat
      venue.longitude: acf.location.lng
      price.min: acf.pricesList.*.price
      price.max: acf.pricesList.*.price
""",
        1,
    ),
    "helsingborg-event-api/WPLegacyEventTransformTest__testMatchesSnapshot__1.json": (SCHEMA_ORG, 3),
    "helsingborg-event-api/WPReleaseEventTransformTest__testMatchesSnapshot__1.json": (SCHEMA_ORG, 2),
    "tribe-events-rest/tec-upstream-archive-snapshot.json": (
        """\
    items: events
    fields:
      title: title
      description: description
      start: utc_start_date
      end: utc_end_date
      timezone: "=UTC"
      url: url
      tags: categories.*.name
""",
        3,
    ),
}


@pytest.fixture(scope="module", autouse=True)
def corpus_present():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (set HH_SHARED_DIR to its parent folder)")


def read_file(name: str, tmp_path: Path, monkeypatch) -> tuple[list[Event], JsonApiSpider]:
    monkeypatch.setenv("HHEVENTS_NOW", "2026-03-20T12:00:00+01:00")
    mapping, _ = MAPPINGS[name]
    config = tmp_path / "sources.yaml"
    url = "https://corpus.example/api"
    entry = f"""\
        sources:
          - id: corpus
            name: Corpus
            city: helsingborg
            type: json
            url: {url}
            category: culture
            language: sv
        """
    config.write_text(textwrap.dedent(entry) + mapping, encoding="utf-8")
    loaded = load_sources(config)
    assert loaded.ok, format_problems(loaded.problems)
    [source] = loaded.sources
    spider = JsonApiSpider.from_crawler(get_crawler(JsonApiSpider, {}), source)
    response = TextResponse(url, body=(CORPUS / name).read_bytes(), request=Request(url))
    items = [item for item in spider.parse(response) if isinstance(item, dict)]
    return [normalise_item(item, source) for item in items], spider


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_each_file_gives_its_events_through_a_mapping_alone(name, tmp_path, monkeypatch):
    events, spider = read_file(name, tmp_path, monkeypatch)
    assert spider.problem_count == 0, spider.first_problem
    assert len(events) == MAPPINGS[name][1]


def test_kultunaut_times_with_kl_and_ranges(tmp_path, monkeypatch):
    events, _ = read_file("kultunaut/kultunaut-export-cassiopeia-svaneke-bio_sb.json", tmp_path, monkeypatch)
    by_time = {(e.start.strftime("%H:%M"), e.end.strftime("%H:%M") if e.end else None) for e in events}
    assert by_time == {("19:45", "19:45"), ("16:00", "16:00"), ("19:00", "21:00")}
    assert all(e.timezone == "Europe/Stockholm" and not e.all_day for e in events)


def test_helsingborg_legacy_record(tmp_path, monkeypatch):
    [event], _ = read_file("helsingborg-event-api/wp-legacy-event.json", tmp_path, monkeypatch)
    assert event.title == "Idrottsaktiviteter frö Årskurs 4-6"
    assert event.start.isoformat() == "2030-02-11T15:15:00+01:00"
    assert (event.venue.name, event.venue.postal_code, event.venue.latitude) == (
        "Rydebäcks idrottshall",
        "257 30",  # "25730", spelled the one way
        55.9668958,
    )
    assert (event.price.min, event.price.currency, event.organizer) == (
        250.0,
        "SEK",
        "Ung Fritid Helsingborg",
    )
    assert "mat & dryck" in event.tags


def test_helsingborg_release_record_with_compact_dates(tmp_path, monkeypatch):
    [event], _ = read_file("helsingborg-event-api/wp-release-event.json", tmp_path, monkeypatch)
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2030-06-06T12:00:00+02:00",
        "2030-06-06T13:00:00+02:00",
    )
    assert (event.price.min, event.venue.name, event.status) == (100.0, "SLF", "scheduled")
