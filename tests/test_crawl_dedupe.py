"""De-duplication in a real crawl: the venue's site and a city portal list the same concert."""

from __future__ import annotations

import pytest
from helpers import FIXTURES, run_hhevents

from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "dedupe-sources.yaml"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    with SnapshotServer(FIXTURES / "sites") as site:
        first = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
        store = EventStore(data_dir / DB_FILENAME)
        before = {e.id: e for e in store.events()}
        second = run_hhevents(
            "crawl", config=SOURCES, data_dir=data_dir, site=site.base_url, now="2026-03-20T18:00:00+01:00"
        )
        yield first, second, before, store
        store.close()


def test_the_same_concert_from_two_sources_is_one_event_with_both_links(crawled):
    _, _, _, store = crawled
    jazz = [e for e in store.events() if "Jazzaften" in e.title]
    assert len(jazz) == 1
    [event] = jazz
    assert [ref.source_id for ref in event.sources] == ["vaerftet", "portal"]
    assert {ref.url for ref in event.sources} == {
        "https://vaerftet.example/program/jazz-aften/",
        "https://portal.example/kalender/",
    }
    # The venue's site has the higher priority: its title and description win.
    assert event.title == "Jazzaften i Værftshallen"
    assert event.description.startswith("Svingende jazz")
    # Its id is that of the first source to publish it, whichever that was: it never changes afterwards.
    assert event.id.split("-")[0] in ("vaerftet", "portal")


def test_a_different_event_of_the_portal_stays_apart(crawled):
    _, _, _, store = crawled
    assert any(e.title == "Byvandring i Helsingør" and len(e.sources) == 1 for e in store.events())
    assert store.count() == 6  # vaerftet's 5 + the portal's walk; the portal's concert merged


def test_recrawl_keeps_ids_and_changes_nothing(crawled):
    _, second, before, store = crawled
    after = {e.id: e for e in store.events()}
    assert set(after) == set(before)
    assert all(after[i].sequence == before[i].sequence for i in after)
    assert store.latest_runs()["portal"].unchanged == 2
