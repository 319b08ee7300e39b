"""Per-source health: how each crawl went, judged against the source's own history.

``SourceHealth`` is a Scrapy extension: on ``spider_closed`` (after every item has passed the pipelines) it
gathers the run's counts, decides whether the run was *healthy*, lets a healthy run retire the events the
source stopped listing (store.reconcile), and records the run. The rules are plain functions below, each
with its own tests (tests/test_health.py):

- a run is **failed** when it did not finish or nothing valid came through and it had errors;
- it is **healthy** when it finished without errors and yielded at least ``HEALTHY_SHARE`` (70%) of the
  median of the source's last five healthy runs (any count while there is no history);
- it is **degraded** when it ran but is not healthy, found no events, or its removal of missing events was
  blocked; ``ok`` otherwise;
- a source is **broken** (the status table's badge) when its last run failed, or its count or its field
  coverage fell sharply against its history.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from scrapy import signals

from hhevents import clock
from store import CrawlRun, EventStore
from store.db import RunOutcome

HEALTHY_SHARE = 0.7  # of the median of the last healthy runs
HISTORY = 5  # healthy runs that make the history
COVERAGE_DROP = 0.3  # a field's share falling by this much (absolute) against its median is sharp
COVERAGE_FIELDS = ("end", "venue", "price", "image")


def median_items(history: Sequence[CrawlRun]) -> float | None:
    return statistics.median(run.items for run in history) if history else None


def is_healthy(*, finished: bool, errors: int, items: int, history: Sequence[CrawlRun]) -> tuple[bool, str]:
    """Whether a run counts as healthy, and why not."""
    if not finished:
        return False, "the crawl did not finish"
    if errors:
        return False, f"{errors} error(s)"
    typical = median_items(history)
    if typical is not None and items < HEALTHY_SHARE * typical:
        return False, f"{items} event(s), under {HEALTHY_SHARE:.0%} of the usual {typical:g}"
    return True, ""


def coverage_drops(coverage: dict[str, float], history: Sequence[CrawlRun]) -> list[str]:
    """Fields whose share of items fell sharply against the source's healthy history."""
    drops = []
    for name in COVERAGE_FIELDS:
        past = [run.coverage[name] for run in history if name in run.coverage]
        if not past or name not in coverage:
            continue
        typical = statistics.median(past)
        if typical - coverage[name] >= COVERAGE_DROP:
            drops.append(f"{name} {coverage[name]:.0%} (usually {typical:.0%})")
    return drops


def broken_reason(latest: CrawlRun | None, history: Sequence[CrawlRun]) -> str:
    """Why a source is broken, judged on its latest run against the healthy runs before it; '' if it isn't."""
    if latest is None:
        return ""
    if latest.outcome == RunOutcome.FAILED:
        return latest.message or "the last run failed"
    earlier = [run for run in history if run.id != latest.id]
    typical = median_items(earlier)
    if typical and latest.items < HEALTHY_SHARE * typical:
        return f"{latest.items} event(s), usually {typical:g}"
    drops = coverage_drops(latest.coverage, earlier)
    return "coverage fell: " + ", ".join(drops) if drops else ""


@dataclass(frozen=True)
class Assessment:
    outcome: RunOutcome
    healthy: bool
    message: str


def assess(
    *, finished: bool, errors: int, items: int, first_problem: str, history: Sequence[CrawlRun]
) -> Assessment:
    """The run's outcome, whether it is healthy, and the reason shown to operators."""
    healthy, why_not = is_healthy(finished=finished, errors=errors, items=items, history=history)
    if not finished or (errors and not items):
        return Assessment(RunOutcome.FAILED, False, first_problem or why_not)
    if not healthy:
        return Assessment(RunOutcome.DEGRADED, False, first_problem or why_not)
    if not items:
        return Assessment(RunOutcome.DEGRADED, True, first_problem or "no events")
    return Assessment(RunOutcome.OK, True, "")


class SourceHealth:
    def __init__(self, crawler):
        self.crawler = crawler
        self.started: datetime | None = None
        self.first_error: str = ""
        self.errors = 0

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        self.started = clock.now()

    # Errors are counted here rather than read from Scrapy's log_count/ERROR, which counts every error
    # logged in the process, whichever source's crawler logged it.
    def spider_error(self, failure, response, spider):
        self.errors += 1
        self.first_error = self.first_error or f"{response.url}: error parsing: {failure.getErrorMessage()}"

    def item_error(self, item, response, spider, failure):
        self.errors += 1
        self.first_error = (
            self.first_error or f"{response.url}: error storing an item: {failure.getErrorMessage()}"
        )

    def spider_closed(self, spider, reason):
        if self.crawler.settings.getbool("HHEVENTS_DRY_RUN"):
            return
        stats = self.crawler.stats
        counts = {key: stats.get_value(f"hhevents/{key}", 0) for key in ("new", "changed", "unchanged")}
        items = sum(counts.values())
        errors = self.errors + getattr(spider, "problem_count", 0)
        message = getattr(spider, "first_problem", "") or self.first_error
        finished = reason == "finished"
        if not finished:
            message = message or f"crawl ended early: {reason}"
        own_stats = {
            key.removeprefix("hhevents/"): value
            for key, value in stats.get_stats().items()
            if key.startswith("hhevents/")
            and key.removeprefix("hhevents/").split("/")[0]
            not in (
                *counts,
                "coverage",
            )
        }
        dropped = stats.get_value("item_dropped_count", 0)
        if dropped and not message:
            reasons = sorted(
                (k.removeprefix("dropped/"), v) for k, v in own_stats.items() if k.startswith("dropped/")
            )
            message = f"{dropped} item(s) dropped: " + ", ".join(f"{n} for {field}" for field, n in reasons)
        coverage = {
            name: round(stats.get_value(f"hhevents/coverage/{name}", 0) / items, 3)
            for name in COVERAGE_FIELDS
            if items
        }
        status_counts = stats.get_stats()
        http_errors = sum(
            value
            for key, value in status_counts.items()
            if key.startswith("downloader/response_status_count/") and key.rsplit("/", 1)[1][:1] in "45"
        )
        store = EventStore(self.crawler.settings["HHEVENTS_DATABASE"])
        try:
            history = store.healthy_runs(spider.source.id, limit=HISTORY)
            verdict = assess(
                finished=finished, errors=errors, items=items, first_problem=message, history=history
            )
            outcome, reason_text, removed = verdict.outcome, verdict.message, 0
            if verdict.healthy:
                now = clock.now()
                result = store.reconcile(spider.source.id, getattr(spider, "seen_ids", set()), now=now)
                removed = result.removed
                if result.blocked:
                    outcome, reason_text = RunOutcome.DEGRADED, result.message
                    spider.logger.error("[%s] %s", spider.source.id, result.message)
            if outcome == RunOutcome.OK and message:
                reason_text = message  # e.g. dropped items: worth saying even on a good run
            store.record_run(
                CrawlRun(
                    source_id=spider.source.id,
                    started=self.started or clock.now(),
                    finished=clock.now(),
                    outcome=outcome.value,
                    items=items,
                    dropped=dropped,
                    errors=errors,
                    message=reason_text,
                    stats=own_stats,
                    pages=stats.get_value("response_received_count", 0),
                    http_errors=http_errors,
                    scraped=items + dropped,
                    removed=removed,
                    healthy=verdict.healthy,
                    coverage=coverage,
                    **counts,
                )
            )
        finally:
            store.close()
