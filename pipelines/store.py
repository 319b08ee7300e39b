"""Scrapy pipeline: store each normalised Event, counting new, changed and unchanged ones."""

from __future__ import annotations

from hhevents import clock
from hhevents.model import Event
from store import EventStore


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store: EventStore | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        # A dry run (crawl --dry-run) shows what a source yields and stores nothing.
        if not self.crawler.settings.getbool("HHEVENTS_DRY_RUN"):
            self.store = EventStore(self.crawler.settings["HHEVENTS_DATABASE"])

    def close_spider(self):
        if self.store is not None:
            self.store.close()

    def process_item(self, item: Event) -> Event:
        if self.store is None:
            return item
        outcome = self.store.upsert(item, now=clock.now(), priority=self.crawler.spider.source.priority)
        self.crawler.stats.inc_value(f"hhevents/{outcome.value}")
        return item
