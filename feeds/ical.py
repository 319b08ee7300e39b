"""iCalendar (RFC 5545 / RFC 7986) feed writer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from feeds import event_link, location_text, modified_at, ordered, plain_description
from feeds.vtimezone import vtimezone
from hhevents.model import Event

PRODID = "-//HH Cityclub//hhevents//EN"

_STATUS = {
    "scheduled": "CONFIRMED",
    "rescheduled": "CONFIRMED",
    "cancelled": "CANCELLED",
    "postponed": "TENTATIVE",
}


def _timed(value: datetime, zone: ZoneInfo) -> datetime:
    """``value`` as local time in ``zone`` (written with TZID), or in UTC when the local time is ambiguous.

    Going through UTC normalises a non-existent wall time (02:30 on the spring-forward night) to the instant
    it stands for, so we never write a time clients resolve differently. A wall time that occurs twice
    (02:00-02:59 on the autumn night) is written in UTC: RFC 5545 says it means the first one, but ical.js
    and node-ical take the second.
    """
    instant = value.astimezone(UTC).replace(microsecond=0)
    local = instant.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        return instant
    return local


def _all_day_dates(event: Event) -> tuple[date, date | None]:
    zone = event.zone
    first = event.start.astimezone(zone).date()
    if event.end is None:
        return first, None
    end_local = event.end.astimezone(zone)
    # DTEND is exclusive: a midnight end is the day after the last day; a later time still covers its own day.
    last = end_local.date() + (timedelta(days=1) if end_local.time() != time(0) else timedelta(0))
    return first, max(last, first + timedelta(days=1))


def _vevent(event: Event, uid_domain: str) -> tuple[icalendar.Event, set[str]]:
    """The VEVENT and the TZIDs it refers to."""
    ve = icalendar.Event()
    tzids: set[str] = set()
    ve.add("uid", f"{event.id}@{uid_domain}")
    ve.add("dtstamp", modified_at(event))
    if event.last_modified is not None:
        ve.add("last-modified", event.last_modified.astimezone(UTC).replace(microsecond=0))
    if event.first_seen is not None:
        ve.add("created", event.first_seen.astimezone(UTC).replace(microsecond=0))
    ve.add("sequence", event.sequence)
    ve.add("summary", event.title)

    if event.all_day:
        first, end = _all_day_dates(event)
        ve.add("dtstart", first)
        if end is not None:
            ve.add("dtend", end)
    else:
        for name, value in (("dtstart", event.start), ("dtend", event.end)):
            if value is None:
                continue
            written = _timed(value, event.zone)
            ve.add(name, written)
            if written.tzinfo is not UTC:
                tzids.add(event.timezone)

    description = plain_description(event)
    if description:
        ve.add("description", description)
    location = location_text(event)
    if location:
        ve.add("location", location)
    if event.venue.latitude is not None and event.venue.longitude is not None:
        ve.add("geo", (event.venue.latitude, event.venue.longitude))
    link = event_link(event)
    if link:
        ve.add("url", link)
    categories = list(dict.fromkeys(t for t in (event.category, *event.tags) if t))
    ve.add("categories", categories)
    ve.add("status", _STATUS[event.status])
    return ve, tzids


def build_calendar(
    events: Iterable[Event],
    *,
    name: str,
    description: str,
    url: str | None = None,
    uid_domain: str = "hhevents",
    refresh_hours: int = 6,
) -> bytes:
    """A VCALENDAR of ``events`` as bytes; the same events in any order give the same bytes."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # RFC 7986 names first, then the X-WR-/X-PUBLISHED- spellings that Apple, Google and Outlook still read.
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("description", description)
    cal.add("x-wr-caldesc", description)
    if url:
        cal.add("url", url)
    refresh = timedelta(hours=refresh_hours)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.prop.vDuration(refresh))

    vevents = []
    used: set[str] = set()
    for event in ordered(events):
        ve, tzids = _vevent(event, uid_domain)
        vevents.append(ve)
        used |= tzids
    # Each zone once, before the events that refer to it (some parsers resolve TZIDs while reading).
    for tzid in sorted(used):
        cal.add_component(vtimezone(tzid))
    for ve in vevents:
        cal.add_component(ve)
    return cal.to_ical()
