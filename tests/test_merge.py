"""Which source's field wins when several sources list one event (store/merge.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import make_event

from hhevents.model import Price, SourceRef, Venue
from store.merge import Sighting, merge

EARLY, LATE = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)


def sighting(source: str, priority: int = 0, first_seen: datetime = EARLY, **fields) -> Sighting:
    refs = (SourceRef(source_id=source, source_event_id=f"{source}-1"),)
    return Sighting(make_event(1, id=f"{source}-x", sources=refs, **fields), priority, first_seen)


def test_higher_priority_source_wins_the_title_and_times():
    venue_site = sighting("venue", priority=10, title="Nordlys Trio – Winterreise")
    portal = sighting("portal", priority=0, title="Koncert: Nordlys Trio")
    merged = merge("group-1", [portal, venue_site])
    assert merged.id == "group-1"
    assert merged.title == "Nordlys Trio – Winterreise"
    assert [ref.source_id for ref in merged.sources] == ["venue", "portal"]


def test_equal_priority_goes_to_the_more_complete_version():
    sparse = sighting("a", image=None, description="", url=None, venue=Venue(), title="Sparse")
    full = sighting("b", title="Full")
    assert merge("g", [sparse, full]).title == "Full"


def test_equal_priority_and_completeness_goes_to_who_saw_it_first():
    assert (
        merge("g", [sighting("late", first_seen=LATE, title="L"), sighting("early", title="E")]).title == "E"
    )


def test_a_field_missing_on_the_best_source_comes_from_the_next():
    best = sighting("venue", priority=10, image=None, price=Price())
    other = sighting(
        "portal", image="https://portal.example/x.jpg", price=Price(min=150, max=150, currency="DKK")
    )
    merged = merge("g", [best, other])
    assert merged.image == "https://portal.example/x.jpg"
    assert merged.price.min == 150


def test_times_come_together_from_one_source():
    start_a = datetime(2026, 6, 5, 19, 0, tzinfo=UTC)
    best = sighting("venue", priority=10, start=start_a, end=None)
    other = sighting(
        "portal", start=datetime(2026, 6, 5, 19, 30, tzinfo=UTC), end=datetime(2026, 6, 5, 21, tzinfo=UTC)
    )
    merged = merge("g", [best, other])
    assert (merged.start, merged.end) == (start_a, None)


@pytest.mark.parametrize("severe", ["cancelled", "postponed"])
def test_a_cancellation_from_any_source_wins(severe):
    merged = merge("g", [sighting("venue", priority=10), sighting("kultunaut", status=severe)])
    assert merged.status == severe


def test_tags_are_the_union_in_rank_order():
    merged = merge(
        "g", [sighting("a", priority=1, tags=("music", "jazz")), sighting("b", tags=("jazz", "free"))]
    )
    assert merged.tags == ("music", "jazz", "free")


def test_merge_needs_a_sighting():
    with pytest.raises(ValueError):
        merge("g", [])
