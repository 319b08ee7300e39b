"""Per-source health: healthy runs, outcomes, broken sources, and retiring events a source stopped listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import make_event

from hhevents.model import SourceRef
from pipelines.health import assess, broken_reason, coverage_drops, is_healthy
from store import CrawlRun, EventStore
from store.db import RunOutcome

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def run(items: int, outcome: str = "ok", n: int = 0, **fields) -> CrawlRun:
    return CrawlRun(source_id="s", started=NOW, finished=NOW, outcome=outcome, items=items, id=n, **fields)


HISTORY = [run(40, n=5), run(42, n=4), run(38, n=3), run(41, n=2), run(40, n=1)]


def test_a_run_without_history_is_healthy_when_it_finished_without_errors():
    assert is_healthy(finished=True, errors=0, items=3, history=[]) == (True, "")


def test_a_run_with_errors_is_not_healthy():
    assert is_healthy(finished=True, errors=2, items=40, history=HISTORY) == (False, "2 error(s)")


def test_a_run_under_70_percent_of_the_median_is_not_healthy():
    healthy, why = is_healthy(finished=True, errors=0, items=27, history=HISTORY)
    assert not healthy and why == "27 event(s), under 70% of the usual 40"
    assert is_healthy(finished=True, errors=0, items=28, history=HISTORY)[0]  # 28 = 70% of 40


def test_outcome_failed_when_nothing_came_through_with_errors():
    verdict = assess(finished=True, errors=1, items=0, first_problem="https://x: HTTP 500", history=HISTORY)
    assert (verdict.outcome, verdict.healthy, verdict.message) == (
        RunOutcome.FAILED,
        False,
        "https://x: HTTP 500",
    )


def test_outcome_failed_when_the_crawl_did_not_finish():
    assert (
        assess(finished=False, errors=0, items=10, first_problem="", history=[]).outcome is RunOutcome.FAILED
    )


def test_outcome_degraded_when_some_pages_failed():
    verdict = assess(
        finished=True, errors=1, items=39, first_problem="https://x/2: HTTP 404", history=HISTORY
    )
    assert (verdict.outcome, verdict.healthy) == (RunOutcome.DEGRADED, False)


def test_outcome_degraded_with_the_reason_when_far_fewer_than_usual():
    verdict = assess(finished=True, errors=0, items=5, first_problem="", history=HISTORY)
    assert (verdict.outcome, verdict.message) == (
        RunOutcome.DEGRADED,
        "5 event(s), under 70% of the usual 40",
    )


def test_outcome_degraded_when_a_source_has_no_events_at_all():
    verdict = assess(finished=True, errors=0, items=0, first_problem="", history=[])
    assert (verdict.outcome, verdict.healthy, verdict.message) == (RunOutcome.DEGRADED, True, "no events")


def test_outcome_ok():
    assert (
        assess(finished=True, errors=0, items=40, first_problem="", history=HISTORY).outcome is RunOutcome.OK
    )


def test_broken_when_the_last_run_failed():
    assert broken_reason(run(0, "failed", n=9, message="HTTP 500"), HISTORY) == "HTTP 500"


def test_broken_when_the_count_fell_sharply():
    assert broken_reason(run(10, "degraded", n=9), HISTORY) == "10 event(s), usually 40"


def test_broken_when_a_fields_coverage_fell_sharply():
    history = [run(40, n=i, coverage={"venue": 0.95, "price": 0.6}) for i in range(1, 6)]
    latest = run(40, n=9, coverage={"venue": 0.1, "price": 0.55})
    assert coverage_drops(latest.coverage, history) == ["venue 10% (usually 95%)"]
    assert broken_reason(latest, history) == "coverage fell: venue 10% (usually 95%)"


def test_not_broken_on_a_normal_run_and_the_latest_is_not_its_own_history():
    latest = run(41, n=5)
    assert broken_reason(latest, HISTORY) == ""
    assert broken_reason(None, HISTORY) == ""


# -- retiring events the source no longer lists (store.reconcile) ----------------------------------------


def listing(
    store: EventStore, n: int, *, now: datetime, source: str = "venue", start: datetime | None = None
):
    ref = SourceRef(source_id=source, source_event_id=f"{source}-{n}")
    start = start or NOW + timedelta(days=n)
    store.upsert(make_event(n, id=f"{source}-e{n}", sources=(ref,), start=start, end=None), now=now)


@pytest.fixture
def store(tmp_path):
    store = EventStore(tmp_path / "db.sqlite")
    for n in range(1, 11):
        listing(store, n, now=NOW)
    yield store
    store.close()


def seen(*numbers: int, source: str = "venue") -> set[str]:
    return {f"{source}-{n}" for n in numbers}


def test_an_event_missed_by_one_healthy_run_stays(store):
    result = store.reconcile("venue", seen(*range(1, 10)), now=NOW)
    assert (result.missed, result.removed, result.blocked) == (1, 0, False)
    assert store.get("venue-e10") is not None


def test_an_event_missed_by_two_healthy_runs_in_a_row_is_removed(store):
    store.reconcile("venue", seen(*range(1, 10)), now=NOW)
    result = store.reconcile("venue", seen(*range(1, 10)), now=NOW)
    assert (result.removed, result.blocked) == (1, False)
    assert store.get("venue-e10") is None and store.count() == 9


def test_an_event_listed_again_between_misses_starts_counting_afresh(store):
    store.reconcile("venue", seen(*range(1, 10)), now=NOW)
    listing(store, 10, now=NOW + timedelta(hours=1))  # back on the page
    store.reconcile("venue", seen(*range(1, 11)), now=NOW)
    result = store.reconcile("venue", seen(*range(1, 10)), now=NOW)
    assert result.removed == 0 and store.get("venue-e10") is not None


def test_removing_more_than_20_percent_at_once_removes_nothing_and_says_so(store):
    store.reconcile("venue", seen(1, 2, 3, 4, 5, 6, 7), now=NOW)
    result = store.reconcile("venue", seen(1, 2, 3, 4, 5, 6, 7), now=NOW)
    assert result.blocked and result.removed == 0
    assert result.message == "would remove 3 of 10 upcoming events (more than 20%): nothing removed"
    assert store.count() == 10


def test_past_events_are_not_removed_for_missing(store):
    listing(store, 99, now=NOW, start=NOW - timedelta(days=3))
    store.reconcile("venue", seen(*range(1, 11)), now=NOW)
    store.reconcile("venue", seen(*range(1, 11)), now=NOW)
    assert store.get("venue-e99") is not None  # pruning deals with the past


def test_an_event_another_source_still_lists_loses_only_that_sighting(store):
    ref = SourceRef(source_id="portal", source_event_id="portal-10")
    store.upsert(
        make_event(10, id="venue-e10", sources=(ref,), start=NOW + timedelta(days=10), end=None), now=NOW
    )
    store.reconcile("venue", seen(*range(1, 10)), now=NOW)
    store.reconcile("venue", seen(*range(1, 10)), now=NOW)
    event = store.get("venue-e10")
    assert event is not None and [ref.source_id for ref in event.sources] == ["portal"]


def test_prune_deletes_events_that_ended_before_the_window(store):
    listing(store, 50, now=NOW, start=NOW - timedelta(days=90))
    listing(store, 51, now=NOW, start=NOW - timedelta(days=10))
    assert store.prune(NOW - timedelta(days=60)) == 1
    assert store.get("venue-e50") is None and store.get("venue-e51") is not None
