"""Feed writers (iCalendar, RSS, Atom, JSON Feed) and the publisher that writes them to disk.

Helpers shared by the writers live here; localised texts are in :mod:`feeds.text`; the writers are
:mod:`feeds.ical`, :mod:`feeds.rss` (RSS and Atom) and :mod:`feeds.jsonfeed`; :mod:`feeds.publish` writes the
matrix (not imported here, so importing one writer does not pull in the others' libraries).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hhevents.cities import CITY_NAMES
from hhevents.model import Event

log = logging.getLogger(__name__)
T = TypeVar("T")


# Characters neither XML 1.0 nor iCalendar may carry (controls but tab and newline; lone surrogates;
# non-characters). lxml refuses them outright, so one stray byte from a source would stop a whole publish.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with line breaks as ``\\n`` and without the characters no feed format can carry."""
    return _UNWRITABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def modified_at(event: Event) -> datetime:
    """Last change, in UTC: a stable stamp (never "now"), so unchanged feeds keep their bytes."""
    stamp = event.last_modified or event.first_seen or event.start
    return stamp.astimezone(UTC).replace(microsecond=0)


def effective_end(event: Event) -> datetime:
    """When the event is over: its end; an all-day event without one lasts its day, a timed one a moment."""
    if event.end is not None:
        return event.end
    return event.start + timedelta(days=1) if event.all_day else event.start


def ordered(events: Iterable[Event]) -> list[Event]:
    """Events sorted by start instant, then id, with one event per id (input order does not matter)."""
    by_id: dict[str, Event] = {}
    for event in events:
        other = by_id.get(event.id)
        if other is None:
            by_id[event.id] = event
            continue
        # Not expected from a store keyed by id; if it happens, keep the newest version whatever the order.
        log.warning("event id %s given twice; keeping the newest version", event.id)
        by_id[event.id] = max(other, event, key=lambda e: (e.sequence, modified_at(e), e.material_hash()))
    return sorted(by_id.values(), key=lambda e: (e.start.timestamp(), e.id))


def _web(url: str | None) -> str | None:
    """``url`` if it is a web address (feeds link nowhere else: no javascript:, data: or file: links)."""
    url = clean(url).strip() if url else None
    return url if url and url.lower().startswith(("http://", "https://")) else None


def source_links(event: Event) -> list[str]:
    links: list[str] = []
    for source in event.sources:
        url = _web(source.url)
        if url and url not in links:
            links.append(url)
    return links


def location_text(event: Event) -> str | None:
    """'Venue, Street 1, 252 21 Helsingborg'; the city's name stands in for a missing locality."""
    venue = event.venue
    place = " ".join(p for p in (venue.postal_code, venue.locality or CITY_NAMES[event.city]) if p)
    parts = [p.strip() for p in (venue.name, venue.street_address) if p and p.strip()]
    if not parts and not venue.postal_code and not venue.locality:
        return None  # nothing known about the venue: a bare city name would only pretend to be a location
    parts.append(place)
    return clean(", ".join(parts))


def image_link(event: Event) -> str | None:
    return _web(event.image)


def event_link(event: Event) -> str | None:
    links = source_links(event)
    return _web(event.url) or (links[0] if links else None)


class RenderCache:
    """Per-publish memo of per-event work: each event is rendered once per kind and key, however many feeds
    hold it.

    Keys carry the event id and whatever else shapes the output (language, link base, ...). A cache lives for
    one publish (one set of events, one set of category names); a new publish starts a new one.
    """

    def __init__(self) -> None:
        self._store: dict[tuple, Any] = {}
        self.made: Counter[str] = Counter()  # renders per kind: what the "once per event" tests count

    def get(self, kind: str, key: tuple, make: Callable[[], T]) -> T:
        full = (kind, *key)
        try:
            return self._store[full]
        except KeyError:
            value = self._store[full] = make()
            self.made[kind] += 1
            return value
