"""The `hbg` spider over the real-world samples in the shared corpus (helsingborg-event-api/), in process.

The API records (``wp-legacy-event.json``, ``wp-release-event.json``) must give events that normalise; the
schema.org snapshots Helsingborg's own transformer derives from them (``*Snapshot*.json``) are the oracle:
the same occasions, wall-clock times, statuses and prices. The transformer labels local times ``+00:00``
(the pitfall the consumer notes describe), so only their wall-clock part is compared. The snapshots
themselves are not API records: fed to the spider they give no events, only reported problems.

Skipped when the corpus is absent (``HH_SHARED_DIR``, default: the repository's parent + ``/shared``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import REPO
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from config.schema import HbgSource
from hhevents.model import Event
from pipelines.normalise import normalise_item
from spiders.hbg import HbgSpider

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "helsingborg-event-api"
API_URL = "https://api.helsingborg.se/event/json/wp/v2/event"

# What each corpus file gives: the API records give one event per occasion; the snapshots are schema.org
# output, not API records, and give none.
EXPECTED = {
    "wp-legacy-event.json": 3,
    "wp-release-event.json": 2,
    "WPLegacyEventTransformTest__testMatchesSnapshot__1.json": 0,
    "WPReleaseEventTransformTest__testMatchesSnapshot__1.json": 0,
}


@pytest.fixture(scope="module", autouse=True)
def corpus_present():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (set HH_SHARED_DIR to its parent folder)")


def crawl_file(name: str, monkeypatch) -> tuple[list[Event], HbgSpider]:
    """Every event the spider reads from one corpus file, normalised."""
    monkeypatch.setenv("HHEVENTS_NOW", "2026-03-20T12:00:00+01:00")
    source = HbgSource(
        id="corpus",
        name="Helsingborg event API corpus",
        city="helsingborg",
        type="hbg",
        url=API_URL,
        category="culture",
        language="sv",
    )
    spider = HbgSpider.from_crawler(get_crawler(HbgSpider, {}), source)
    # The samples' occasions are in 2030 and 2040: open the window to reach them.
    spider.window_end = datetime(2045, 1, 1)
    url = f"{API_URL}?per_page=50&page=1"
    response = TextResponse(url, body=(CORPUS / name).read_bytes(), encoding="utf-8", request=Request(url))
    events = []
    for output in spider.parse(response, page=1):
        if isinstance(output, dict):
            events.append(normalise_item(output, source))
    return events, spider


def wall(value: str) -> str:
    """The wall-clock part of a transformer time: ``2030-02-11T15:15:00+00:00`` -> ``2030-02-11T15:15``."""
    return value[:16]


def snapshot(name: str) -> list[dict]:
    return json.loads((CORPUS / name).read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_is_read_without_crashing(name, monkeypatch):
    events, spider = crawl_file(name, monkeypatch)
    assert len(events) == EXPECTED[name]
    if EXPECTED[name]:
        assert spider.problem_count == 0, spider.first_problem
    else:
        # Not API records: each one is reported and skipped, nothing raised.
        assert spider.problem_count == len(snapshot(name))
        assert "neither legacy occasions nor v3 acf" in spider.first_problem


def test_every_corpus_json_file_is_covered():
    assert {p.name for p in CORPUS.glob("*.json")} == set(EXPECTED)


def test_legacy_record_matches_helsingborgs_own_transformer(monkeypatch):
    events, _ = crawl_file("wp-legacy-event.json", monkeypatch)
    derived = snapshot("WPLegacyEventTransformTest__testMatchesSnapshot__1.json")
    ours = sorted(
        (e.start.strftime("%Y-%m-%dT%H:%M"), e.end.strftime("%Y-%m-%dT%H:%M"), e.status) for e in events
    )
    theirs = sorted(
        (
            wall(d["startDate"]),
            wall(d["endDate"]),
            d["eventStatus"].rsplit("/", 1)[-1].removeprefix("Event").lower(),
        )
        for d in derived
    )
    assert ours == theirs
    # The times are local: 15:15 in Helsingborg on 11 February is 14:15 UTC, not 15:15 UTC.
    first = min(events, key=lambda e: e.start)
    assert first.start.isoformat() == "2030-02-11T15:15:00+01:00"
    assert first.start.utcoffset() == timedelta(hours=1)
    prices = [o.get("price") for o in derived[0]["offers"] if "price" in o]
    ranges = [o["priceSpecification"] for o in derived[0]["offers"] if "priceSpecification" in o]
    low = min(prices + [r["minPrice"] for r in ranges])
    high = max(prices + [r["maxPrice"] for r in ranges])
    assert (first.price.min, first.price.max, first.price.currency) == (low, high, "SEK")
    assert first.image == derived[0]["image"]["url"]
    assert first.url == derived[0]["url"]
    assert (first.venue.name, first.venue.latitude, first.venue.longitude) == (
        derived[0]["location"]["name"],
        float(derived[0]["location"]["latitude"]),
        float(derived[0]["location"]["longitude"]),
    )
    # event_categories arrive HTML-escaped ("Mat &amp; dryck"); tags hold the text.
    assert "mat & dryck" in first.tags
    # Each occasion is its own event with its own id.
    assert len({e.id for e in events}) == 3


def test_v3_record_matches_helsingborgs_own_transformer(monkeypatch):
    events, _ = crawl_file("wp-release-event.json", monkeypatch)
    derived = snapshot("WPReleaseEventTransformTest__testMatchesSnapshot__1.json")
    ours = sorted((e.start.strftime("%Y-%m-%dT%H:%M"), e.end.strftime("%Y-%m-%dT%H:%M")) for e in events)
    theirs = sorted((wall(d["startDate"]), wall(d["endDate"])) for d in derived)
    assert ours == theirs
    assert {e.status for e in events} == {"scheduled"}
    first = min(events, key=lambda e: e.start)
    assert first.start.isoformat() == "2030-06-06T12:00:00+02:00"
    assert (first.price.min, first.price.currency) == (derived[0]["offers"][0]["price"], "SEK")
    assert first.image == derived[0]["image"]["url"]
    assert first.organizer == derived[0]["organizer"]["name"]
    assert (first.venue.name, first.venue.latitude, first.venue.longitude) == (
        derived[0]["location"]["name"],
        derived[0]["location"]["latitude"],
        derived[0]["location"]["longitude"],
    )
    assert (first.venue.street_address, first.venue.postal_code, first.venue.locality) == (
        "Drottninggatan 14",
        "252 21",
        "Helsingborg",
    )
