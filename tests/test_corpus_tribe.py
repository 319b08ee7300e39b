"""The `tribe` spider over the plugin's own REST snapshots in the corpus (tribe-events-rest/), in process.

``tec-upstream-archive-snapshot.json`` (3 events) and ``...-password.json`` (5 events, some password-protected
with ``all_day``/``show_map`` null) are archive answers recorded by The Events Calendar's test suite: ids are
the placeholder ``{EVENT_ID}``, ``venue``/``organizer`` are ``[]``, ``image`` is ``false``, ``timezone`` is
``UTC`` and ``status`` is the post's ("publish"). Every event must normalise; any other file put into that
folder later is read too and must not crash the spider.

Skipped when the corpus is absent (``HH_SHARED_DIR``, default: the repository's parent + ``/shared``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import REPO
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from config.schema import TribeSource
from hhevents.model import Event
from pipelines.normalise import normalise_item
from spiders.tribe import TribeSpider

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "tribe-events-rest"
API_URL = "http://wordpress.test/wp-json/tribe/events/v1/events"

EXPECTED = {"tec-upstream-archive-snapshot.json": 3, "tec-upstream-archive-snapshot-password.json": 5}


@pytest.fixture(scope="module", autouse=True)
def corpus_present():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (set HH_SHARED_DIR to its parent folder)")


def read_file(path: Path, monkeypatch) -> tuple[list[Event], TribeSpider]:
    """Every event the spider reads from one corpus file, normalised (a NormaliseError fails the test)."""
    monkeypatch.setenv("HHEVENTS_NOW", "2026-03-20T12:00:00+01:00")
    source = TribeSource(
        id="corpus",
        name="TEC corpus",
        city="helsingborg",
        type="tribe",
        url=API_URL,
        category="culture",
        language="sv",
    )
    spider = TribeSpider.from_crawler(get_crawler(TribeSpider, {}), source)
    response = TextResponse(API_URL, body=path.read_bytes(), request=Request(API_URL))
    items = [item for item in spider.parse(response) if isinstance(item, dict)]
    return [normalise_item(item, source) for item in items], spider


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return sorted(EXPECTED)
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix.lower() == ".json")


@pytest.mark.parametrize("name", corpus_files())
def test_every_snapshot_is_read_without_crashing(name, monkeypatch):
    events, spider = read_file(CORPUS / name, monkeypatch)
    if name in EXPECTED:
        assert len(events) == EXPECTED[name] and spider.problem_count == 0, spider.first_problem


def test_upstream_snapshot_fields(monkeypatch):
    events, _ = read_file(CORPUS / "tec-upstream-archive-snapshot.json", monkeypatch)
    assert [e.title for e in events] == ["Test Event 1", "Test Event 2", "Test Event 3"]
    for event in events:
        # utc_start_date 12:00 UTC; "UTC" is WordPress's default zone, so the source's zone shows it.
        assert (event.start.isoformat(), event.end.isoformat()) == (
            "2084-07-14T14:00:00+02:00",
            "2084-07-14T16:00:00+02:00",
        )
        assert (event.timezone, event.status, event.image, event.organizer) == (
            "Europe/Stockholm",
            "scheduled",  # "status": "publish" is the post's, not the event's
            None,
            None,
        )
        assert event.venue.name is None and event.price.min is None and not event.all_day
        assert event.sources[0].source_event_id == "{EVENT_ID}"
    assert events[0].url == "http://wordpress.test/?tribe_events=test-event-1"


def test_password_snapshot_with_null_all_day(monkeypatch):
    events, _ = read_file(CORPUS / "tec-upstream-archive-snapshot-password.json", monkeypatch)
    assert [e.title for e in events] == [f"Test Event {n}" for n in range(1, 6)]
    assert not any(e.all_day for e in events)  # "all_day": null
    assert {e.start.isoformat() for e in events} == {"2024-07-14T14:00:00+02:00"}
