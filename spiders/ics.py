"""`ics` sources: an iCalendar feed (a club's fixtures, a venue's programme) at one URL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone

from hhevents import clock
from spiders.base import SourceSpider


def decode_calendar(body: bytes) -> str:
    """Text of an iCalendar body: UTF-8 (with or without BOM), else Windows-1252, which some exporters use."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def parse_calendar(body: bytes) -> icalendar.Calendar:
    """A standard calendar: X-WR-TIMEZONE with floating times is turned into real zoned times."""
    calendar = icalendar.Calendar.from_ical(decode_calendar(body))
    return x_wr_timezone.to_standard(calendar)


def _text(component: icalendar.cal.Component, name: str) -> str | None:
    value = component.get(name)
    return str(value) if value is not None else None


def _when(prop: Any) -> date | datetime | None:
    return None if prop is None else prop.dt


def raw_properties(vevent: icalendar.cal.Component) -> dict[str, str]:
    """The occurrence's properties as iCalendar text (provenance)."""
    raw: dict[str, str] = {}
    for name, value in vevent.property_items(recursive=False):
        if name in ("BEGIN", "END"):
            continue
        text = value.to_ical().decode("utf-8", errors="replace") if hasattr(value, "to_ical") else str(value)
        raw[name] = f"{raw[name]}\n{text}" if name in raw else text
    return raw


class IcsSpider(SourceSpider):
    source_type = "ics"

    def parse(self, response):
        try:
            calendar = parse_calendar(response.body)
        except (ValueError, ZoneInfoNotFoundError) as exc:  # an unknown X-WR-TIMEZONE raises the latter
            self.problem(f"not a readable iCalendar file: {exc}", url=response.url)
            return
        yield from self.items_in(calendar, response.url)

    def items_in(self, calendar: icalendar.Calendar, feed_url: str) -> Iterator[dict[str, Any]]:
        now = clock.now()
        window_start = now - timedelta(days=self.source.past_days)
        window_end = now + timedelta(days=self.source.horizon_days)
        originals = calendar.walk("VEVENT")
        # recurring-ical-events gives every occurrence a DTEND and a RECURRENCE-ID, so what the source
        # itself said (an end or not, a series or not) is read from the original components.
        recurring_uids = {
            str(c.get("UID")) for c in originals if "RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c
        }
        uids_with_end = {str(c.get("UID")) for c in originals if "DTEND" in c or "DURATION" in c}
        occurrences = recurring_ical_events.of(calendar).between(window_start, window_end)
        for occurrence in occurrences:
            uid = _text(occurrence, "UID")
            if not uid:
                self.problem(f"VEVENT {_text(occurrence, 'SUMMARY')!r} has no UID; skipped", url=feed_url)
                continue
            source_event_id = uid
            if uid in recurring_uids:
                recurrence_id = _when(occurrence.get("RECURRENCE-ID")) or _when(occurrence.get("DTSTART"))
                source_event_id = f"{uid}/{recurrence_id.isoformat()}"
            yield self.item_from(occurrence, source_event_id, feed_url, has_end=uid in uids_with_end)

    def item_from(
        self, vevent: icalendar.Event, source_event_id: str, feed_url: str, *, has_end: bool
    ) -> dict[str, Any]:
        start = _when(vevent.get("DTSTART"))
        end = _when(vevent.get("DTEND")) if has_end else None
        venue: dict[str, Any] = {}
        location = _text(vevent, "LOCATION")
        if location:
            venue["name"] = location
        geo = vevent.get("GEO")
        if geo is not None:
            venue["latitude"], venue["longitude"] = geo.latitude, geo.longitude
        categories = vevent.get("CATEGORIES")
        groups = (
            categories if isinstance(categories, list) else [categories] if categories is not None else []
        )
        tags = [str(category) for group in groups for category in group.cats]
        organizer = vevent.get("ORGANIZER")
        organizer_name = None
        if organizer is not None:
            organizer_name = organizer.params.get("CN") or str(organizer).removeprefix("mailto:")
        return {
            "title": _text(vevent, "SUMMARY"),
            "description": _text(vevent, "DESCRIPTION"),
            "url": _text(vevent, "URL"),
            "start": start,
            "end": end,
            "all_day": not isinstance(start, datetime),
            "status": _text(vevent, "STATUS"),
            "venue": venue,
            "tags": tags,
            "organizer": organizer_name,
            "sources": self.source_ref(source_event_id, feed_url, raw=raw_properties(vevent)),
        }
