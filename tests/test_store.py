"""EventStore on a real SQLite file: change tracking, sightings, ordering, crawl runs, persistence.

Every write gets its time from ``now=``. The wall clock is frozen years away from those times, so a store that
read the clock instead of ``now`` would show up as a wrong first_seen / last_modified / last_seen.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from factories import STOCKHOLM, make_event
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from hhevents.model import SourceRef
from store.db import DB_FILENAME, CrawlRun, EventStore, UpsertOutcome

# A crawl on 20 March 2026 at 12:00 CET, another one an hour later, a third the next day.
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=STOCKHOLM)
LATER = NOW + timedelta(hours=1)
NEXT_DAY = NOW + timedelta(days=1)


@pytest.fixture(autouse=True)
def wall_clock_elsewhere():
    with time_machine.travel(datetime(2031, 1, 1, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def store(tmp_path):
    store = EventStore(tmp_path / DB_FILENAME)
    yield store
    store.close()


def test_sqlite_file_is_in_wal_mode(store, tmp_path):
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert (tmp_path / DB_FILENAME).is_file()


def test_store_creates_missing_parent_directories(tmp_path):
    store = EventStore(tmp_path / "var" / "data" / DB_FILENAME)
    assert store.count() == 0
    store.close()


def test_new_event_is_stored_with_now_as_first_seen_and_last_modified_and_sequence_0(store):
    # The factory's own bookkeeping (sequence 1, first_seen in January) is the caller's, not the store's.
    assert store.upsert(make_event(1), now=NOW) is UpsertOutcome.NEW
    stored = store.get("test-0001")
    assert (stored.first_seen, stored.last_seen, stored.last_modified, stored.sequence) == (NOW, NOW, NOW, 0)
    assert stored.material_hash() == make_event(1).material_hash()
    assert store.count() == 1


def test_same_event_seen_again_is_unchanged_and_only_last_seen_moves_on(store):
    store.upsert(make_event(1), now=NOW)
    assert store.upsert(make_event(1), now=LATER) is UpsertOutcome.UNCHANGED
    stored = store.get("test-0001")
    assert (stored.first_seen, stored.last_modified, stored.sequence) == (NOW, NOW, 0)
    assert stored.last_seen == LATER


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Event 1 – extra föreställning"},
        {
            "start": datetime(2026, 6, 2, 19, 0, tzinfo=STOCKHOLM),
            "end": datetime(2026, 6, 2, 21, 0, tzinfo=STOCKHOLM),
        },
        {"status": "cancelled"},
        {"tags": ("jazz",)},
    ],
    ids=["title", "start-moved", "cancelled", "tags"],
)
def test_material_change_is_changed_with_sequence_bumped_and_last_modified_now(store, change):
    store.upsert(make_event(1), now=NOW)
    assert store.upsert(make_event(1, **change), now=NEXT_DAY) is UpsertOutcome.CHANGED
    stored = store.get("test-0001")
    assert (stored.first_seen, stored.last_modified, stored.last_seen, stored.sequence) == (
        NOW,
        NEXT_DAY,
        NEXT_DAY,
        1,
    )
    for key, value in change.items():
        assert getattr(stored, key) == value


def test_each_material_change_bumps_the_sequence_again(store):
    store.upsert(make_event(1), now=NOW)
    store.upsert(make_event(1, title="Andra titeln"), now=LATER)
    store.upsert(make_event(1, title="Tredje titeln"), now=NEXT_DAY)
    store.upsert(make_event(1, title="Tredje titeln"), now=NEXT_DAY + timedelta(hours=1))
    stored = store.get("test-0001")
    assert (stored.title, stored.sequence, stored.last_modified) == ("Tredje titeln", 2, NEXT_DAY)


def test_same_instant_written_with_another_offset_is_not_a_change(store):
    event = make_event(1)
    store.upsert(event, now=NOW)
    in_utc = make_event(1, start=event.start.astimezone(UTC), end=event.end.astimezone(UTC))
    assert in_utc.start.isoformat() != event.start.isoformat()
    assert store.upsert(in_utc, now=LATER) is UpsertOutcome.UNCHANGED
    assert store.get("test-0001").sequence == 0


def test_bookkeeping_fields_and_source_url_are_not_material(store):
    store.upsert(make_event(1), now=NOW)
    moved_page = SourceRef(source_id="test", url="https://source.example/new/1", source_event_id="1")
    again = make_event(1, sequence=7, first_seen=NEXT_DAY, last_modified=NEXT_DAY, sources=(moved_page,))
    assert store.upsert(again, now=LATER) is UpsertOutcome.UNCHANGED
    stored = store.get("test-0001")
    assert (stored.sequence, stored.first_seen, stored.last_modified) == (0, NOW, NOW)
    # The sighting still follows the source to its new page.
    assert stored.sources == (moved_page,)


def test_second_source_listing_the_same_event_adds_a_source_ref(store):
    store.upsert(make_event(1), now=NOW)
    other = SourceRef(source_id="hbg-kultur", url="https://kultur.example/e/42", source_event_id="42")
    assert store.upsert(make_event(1, sources=(other,)), now=LATER) is UpsertOutcome.UNCHANGED
    stored = store.get("test-0001")
    # In order of first sighting: the source that found it first stays first.
    assert [(ref.source_id, ref.source_event_id) for ref in stored.sources] == [
        ("test", "1"),
        ("hbg-kultur", "42"),
    ]
    assert stored.last_seen == LATER and stored.sequence == 0
    assert store.count() == 1


def test_events_are_ordered_by_start_instant_then_id(store):
    copenhagen = ZoneInfo("Europe/Copenhagen")
    # Written out of order, with wall times whose text order differs from their instant order.
    at_18_cest = datetime(2026, 6, 5, 18, 0, tzinfo=copenhagen)  # 16:00 UTC
    at_17_utc = datetime(2026, 6, 5, 17, 0, tzinfo=UTC)  # later, though "17" < "18"
    store.upsert(make_event(3, start=at_17_utc, end=None), now=NOW)
    store.upsert(make_event(2, start=at_18_cest, end=None), now=NOW)
    store.upsert(make_event(1, start=at_18_cest, end=None), now=NOW)
    store.upsert(make_event(4, start=datetime(2026, 5, 1, 9, 0, tzinfo=STOCKHOLM), end=None), now=NOW)
    assert [e.id for e in store.events()] == ["test-0004", "test-0001", "test-0002", "test-0003"]
    assert [e.id for e in store.iter_events()] == [e.id for e in store.events()]


def test_get_of_an_unknown_id_is_none(store):
    assert store.get("nope") is None


def run(source_id: str, minutes: int, outcome: str = "ok", **counts) -> CrawlRun:
    started = NOW + timedelta(minutes=minutes)
    return CrawlRun(source_id, started, started + timedelta(seconds=30), outcome, **counts)


def test_runs_are_listed_newest_first_and_latest_runs_keeps_the_newest_per_source(store):
    store.record_run(run("ohk", 0, new=7, items=7))
    down = "https://down.example/calendar.ics: HTTP 500"
    store.record_run(run("down", 1, "failed", errors=1, message=down))
    store.record_run(run("ohk", 60, unchanged=7, items=7))
    store.record_run(run("vaerftet", 61, "degraded", new=5, errors=1))
    newest_first = [("vaerftet", 4), ("ohk", 3), ("down", 2), ("ohk", 1)]
    assert [(r.source_id, r.id) for r in store.runs()] == newest_first
    assert [r.id for r in store.runs("ohk")] == [3, 1]
    assert store.last_run_id() == 4
    latest = store.latest_runs()
    assert {source: r.id for source, r in latest.items()} == {"vaerftet": 4, "ohk": 3, "down": 2}
    # What comes back is what went in: same instants (now in UTC), same counts and message.
    assert latest["ohk"] == replace(run("ohk", 60, unchanged=7, items=7), id=3)
    assert latest["ohk"].started.tzinfo == UTC
    assert latest["down"].message == down


def test_no_runs_yet(store):
    assert (store.runs(), store.latest_runs(), store.last_run_id()) == ([], {}, 0)


def test_naive_now_is_refused_and_nothing_is_written(store):
    with pytest.raises(StatementError, match="naive datetime") as caught:
        store.upsert(make_event(1), now=datetime(2026, 3, 20, 12, 0))
    assert isinstance(caught.value.orig, ValueError)
    assert store.count() == 0


def test_naive_run_time_is_refused_and_nothing_is_written(store):
    with pytest.raises(StatementError, match="naive datetime"):
        store.record_run(replace(run("ohk", 0), started=datetime(2026, 3, 20, 12, 0)))
    assert store.runs() == []


def test_data_survives_closing_and_reopening_the_file(tmp_path):
    path = tmp_path / DB_FILENAME
    first = EventStore(path)
    first.upsert(make_event(1), now=NOW)
    first.upsert(make_event(2), now=NOW)
    first.upsert(make_event(2, title="Ändrad"), now=LATER)
    first.record_run(run("test", 0, new=2, items=2))
    before = first.events()
    first.close()

    reopened = EventStore(str(path))  # a plain path string works as well as a Path
    assert reopened.events() == before
    assert [(e.id, e.sequence) for e in reopened.events()] == [("test-0001", 0), ("test-0002", 1)]
    assert reopened.runs()[0].source_id == "test"
    # And it keeps tracking changes against what was stored before.
    assert reopened.upsert(make_event(1), now=NEXT_DAY) is UpsertOutcome.UNCHANGED
    reopened.close()
