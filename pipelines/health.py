"""Scrapy extension: at the end of each source's crawl, record how it went (the operators' health log).

It runs on ``spider_closed``, after every item has passed the pipelines, so it sees the final counts.
"""

from __future__ import annotations

from datetime import datetime

from scrapy import signals

from hhevents import clock
from store import CrawlRun, EventStore
from store.db import RunOutcome


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
        stored = sum(counts.values())
        errors = self.errors + getattr(spider, "problem_count", 0)
        message = getattr(spider, "first_problem", "") or self.first_error
        if reason != "finished":
            errors += 1
            message = message or f"crawl ended early: {reason}"
        if errors:
            outcome = RunOutcome.PARTIAL if stored else RunOutcome.FAILED
        else:
            outcome = RunOutcome.OK if stored else RunOutcome.EMPTY
        own_stats = {
            key.removeprefix("hhevents/"): value
            for key, value in stats.get_stats().items()
            if key.startswith("hhevents/") and key.removeprefix("hhevents/") not in counts
        }
        dropped = stats.get_value("item_dropped_count", 0)
        if dropped and not message:
            reasons = sorted(
                (k.removeprefix("dropped/"), v) for k, v in own_stats.items() if k.startswith("dropped/")
            )
            message = f"{dropped} item(s) dropped: " + ", ".join(f"{n} for {field}" for field, n in reasons)
        store = EventStore(self.crawler.settings["HHEVENTS_DATABASE"])
        try:
            store.record_run(
                CrawlRun(
                    source_id=spider.source.id,
                    started=self.started or clock.now(),
                    finished=clock.now(),
                    outcome=outcome.value,
                    items=stats.get_value("item_scraped_count", 0),
                    dropped=dropped,
                    errors=errors,
                    message=message,
                    stats=own_stats,
                    **counts,
                )
            )
        finally:
            store.close()
