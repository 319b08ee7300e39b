"""Give a timed event without an end the default duration of its kind: a stage right after categorise.

The default depends on the event's final category (and sub-tag), so it is applied after categorise and
before de-duplication. The table below is the whole rule; docs/normalisation.md ("missing end") lists it for
operators. An all-day event always has its end already (the normaliser gives it the next midnight).

The duration is added to the start *instant*: an event starting at 01:30 on the night clocks go forward
ends at 04:30 summer time with a two-hour default, two hours later, not at 03:30.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Final

from hhevents.model import Event

# The default per category ...
CATEGORY_DURATIONS: Final[dict[str, timedelta]] = {
    "culture": timedelta(hours=2),
    "sport": timedelta(hours=2),
    "shopping": timedelta(hours=4),
}
# ... unless one of the event's sub-tags (config/categories.yaml's ids) says otherwise; the first of the
# event's tags found here wins. Secondary sub-tags (family, festival) say nothing about a duration.
SUB_TAG_DURATIONS: Final[dict[str, timedelta]] = {
    "art-and-exhibitions": timedelta(hours=3),  # a vernissage, an exhibition day with a start time
    "talks": timedelta(hours=1, minutes=30),
    "guided-tour": timedelta(hours=1, minutes=30),
    "ice-hockey": timedelta(hours=2, minutes=30),
    "running": timedelta(hours=3),
    "market": timedelta(hours=5),
    "fair": timedelta(hours=6),
    "sale": timedelta(hours=8),  # a shop's sale day
}


def default_duration(event: Event) -> tuple[timedelta, str]:
    """(the duration an event of this kind gets, what chose it: "sub-tag market" or "category culture")."""
    for tag in event.tags:
        if tag in SUB_TAG_DURATIONS:
            return SUB_TAG_DURATIONS[tag], f"sub-tag {tag}"
    return CATEGORY_DURATIONS[event.category], f"category {event.category}"


def with_default_end(event: Event) -> tuple[Event, str | None]:
    """(``event`` with an end, why it got that end) for a timed event without one; else (event, None)."""
    if event.end is not None or event.all_day:
        return event, None
    duration, chosen_by = default_duration(event)
    end = (event.start.astimezone(UTC) + duration).astimezone(event.zone)
    hours = duration.total_seconds() / 3600
    return event.model_copy(update={"end": end}), f"no end: {hours:g} h by {chosen_by}"


class DefaultEndPipeline:
    """Scrapy pipeline: the default end of :func:`with_default_end`, counted per what chose it."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, Event):
            return item
        event, why = with_default_end(item)
        if why is not None:
            self.crawler.stats.inc_value(f"hhevents/default_end/{event.category}")
        return event
