"""The event store: normalised events and crawl runs, in SQLite through SQLAlchemy."""

from store.db import CrawlRun, EventStore, UpsertOutcome

__all__ = ["CrawlRun", "EventStore", "UpsertOutcome"]
