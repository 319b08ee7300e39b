"""Published events merged from several sources' sightings, under an id that never changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factories import make_event

from hhevents.model import SourceRef
from store import EventStore, UpsertOutcome

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=6)


def version(source: str, group_id: str, **fields):
    """``source``'s version of event 1, pointed at ``group_id`` (as the de-duplicate stage does)."""
    ref = SourceRef(source_id=source, source_event_id=f"{source}-1", url=f"https://{source}.example/1")
    return make_event(1, id=group_id, sources=(ref,), **fields)


def test_a_second_source_joins_the_group_and_the_event_keeps_its_id(tmp_path):
    store = EventStore(tmp_path / "db.sqlite")
    assert store.upsert(version("venue", "venue-abc", title="Nordlys Trio"), now=NOW) is UpsertOutcome.NEW
    outcome = store.upsert(version("kultunaut", "venue-abc", title="Koncert: Nordlys Trio"), now=LATER)
    [event] = store.events()
    assert event.id == "venue-abc"
    assert [ref.source_id for ref in event.sources] == ["venue", "kultunaut"]
    # Equal priority and completeness: the first seen wins, so the published title stays and nothing changed.
    assert event.title == "Nordlys Trio" and outcome is UpsertOutcome.UNCHANGED
    assert store.group_of("kultunaut", "kultunaut-1") == "venue-abc"


def test_a_higher_priority_source_joining_changes_the_event_once(tmp_path):
    store = EventStore(tmp_path / "db.sqlite")
    store.upsert(version("portal", "portal-1", title="Koncert: Nordlys Trio"), now=NOW)
    outcome = store.upsert(
        version("venue", "portal-1", title="Nordlys Trio – Winterreise"), now=LATER, priority=10
    )
    [event] = store.events()
    assert outcome is UpsertOutcome.CHANGED
    assert (event.id, event.title, event.sequence, event.last_modified) == (
        "portal-1",
        "Nordlys Trio – Winterreise",
        1,
        LATER,
    )
    # Re-crawling both, unchanged, changes nothing.
    assert store.upsert(version("portal", "whatever", title="Koncert: Nordlys Trio"), now=LATER) is (
        UpsertOutcome.UNCHANGED
    )
    assert store.upsert(
        version("venue", "x", title="Nordlys Trio – Winterreise"), now=LATER, priority=10
    ) is (UpsertOutcome.UNCHANGED)
    assert store.get("portal-1").sequence == 1 and store.count() == 1


def test_a_known_sighting_stays_in_its_group_whatever_id_it_arrives_with(tmp_path):
    store = EventStore(tmp_path / "db.sqlite")
    store.upsert(version("venue", "group-1"), now=NOW)
    store.upsert(version("venue", "another-id"), now=LATER)
    assert [e.id for e in store.events()] == ["group-1"]


def test_a_cancellation_from_a_lower_priority_source_reaches_the_event(tmp_path):
    store = EventStore(tmp_path / "db.sqlite")
    store.upsert(version("venue", "g"), now=NOW, priority=10)
    assert store.upsert(version("kultunaut", "g", status="cancelled"), now=LATER) is UpsertOutcome.CHANGED
    assert store.get("g").status == "cancelled"


def test_candidates_are_blocked_by_time_and_city_and_skip_the_same_source(tmp_path):
    store = EventStore(tmp_path / "db.sqlite")
    base = datetime(2026, 6, 5, 19, 0, tzinfo=UTC)
    store.upsert(version("a", "near", start=base + timedelta(minutes=20), end=None), now=NOW)
    store.upsert(make_event(2, id="far", start=base + timedelta(hours=3), end=None), now=NOW)
    store.upsert(make_event(3, id="other-city", city="helsingor", start=base, end=None), now=NOW)
    probe = version("b", "probe", start=base, end=None)
    assert [e.id for e in store.candidates(probe, within=timedelta(minutes=30))] == ["near"]
    assert store.candidates(probe, within=timedelta(minutes=30), exclude_source="a") == []
