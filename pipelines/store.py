"""Scrapy pipeline: store each event, counting new, changed and unchanged ones and the fields they carry."""

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
        # The source event ids this run stored: the health extension retires the ones it no longer lists.
        self.crawler.spider.seen_ids = set()
        # A dry run (crawl --dry-run) shows what a source yields and stores nothing.
        if not self.crawler.settings.getbool("HHEVENTS_DRY_RUN"):
            self.store = EventStore(self.crawler.settings["HHEVENTS_DATABASE"])

    def close_spider(self):
        if self.store is not None:
            self.store.close()

    def process_item(self, item: Event) -> Event:
        if self.store is None:
            return item
        spider = self.crawler.spider
        outcome = self.store.upsert(item, now=clock.now(), priority=spider.source.priority)
        spider.seen_ids.add(item.sources[0].source_event_id)
        stats = self.crawler.stats
        stats.inc_value(f"hhevents/{outcome.value}")
        # Field coverage: a sharp fall against the source's history means its page changed under us.
        present = {
            "end": item.end is not None,
            "venue": bool(item.venue.name or item.venue.street_address),
            "price": item.price.free is not None or item.price.min is not None,
            "image": bool(item.image),
        }
        for name, has in present.items():
            if has:
                stats.inc_value(f"hhevents/coverage/{name}")
        return item
