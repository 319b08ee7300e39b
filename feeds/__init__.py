"""Feed writers (iCalendar, RSS) and the publisher that writes them to disk.

Helpers shared by the writers live here; the writers themselves are in :mod:`feeds.ical`, :mod:`feeds.rss` and
:mod:`feeds.publish` (not imported here, so importing one writer does not pull in the others' libraries).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from hhevents.cities import CITY_NAMES
from hhevents.model import Event

log = logging.getLogger(__name__)


def modified_at(event: Event) -> datetime:
    """Last change, in UTC: a stable stamp (never "now"), so unchanged feeds keep their bytes."""
    stamp = event.last_modified or event.first_seen or event.start
    return stamp.astimezone(UTC).replace(microsecond=0)


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


def price_text(event: Event) -> str | None:
    price = event.price
    if price.text:
        return f"Price: {price.text}"
    if price.free:
        return "Free admission"
    currency = f" {price.currency}" if price.currency else ""
    if price.min is not None and price.max is not None and price.max != price.min:
        return f"Price: {price.min:g}–{price.max:g}{currency}"
    if price.min is not None or price.max is not None:
        amount = price.min if price.min is not None else price.max
        return f"Price: {amount:g}{currency}"
    return None


def source_links(event: Event) -> list[str]:
    links: list[str] = []
    for source in event.sources:
        if source.url and source.url not in links:
            links.append(source.url)
    return links


def plain_description(event: Event) -> str:
    """The event's text, then its price and every source link, as plain-text paragraphs."""
    parts = [event.description.strip()] if event.description.strip() else []
    price = price_text(event)
    if price:
        parts.append(price)
    links = source_links(event)
    if links:
        parts.append("\n".join(f"Source: {link}" for link in links))
    return "\n\n".join(parts)


def location_text(event: Event) -> str | None:
    """'Venue, Street 1, 252 21 Helsingborg'; the city's name stands in for a missing locality."""
    venue = event.venue
    place = " ".join(p for p in (venue.postal_code, venue.locality or CITY_NAMES[event.city]) if p)
    parts = [p.strip() for p in (venue.name, venue.street_address) if p and p.strip()]
    if not parts and not venue.postal_code and not venue.locality:
        return None  # nothing known about the venue: a bare city name would only pretend to be a location
    parts.append(place)
    return ", ".join(parts)


def event_link(event: Event) -> str | None:
    links = source_links(event)
    return event.url or (links[0] if links else None)
