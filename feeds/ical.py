"""iCalendar (RFC 5545 / RFC 7986) feed writer."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from config.categories import CategoryRules
from feeds import RenderCache, event_link, image_link, location_text, modified_at, ordered
from feeds.text import EventText, cached_text
from feeds.vtimezone import vtimezone
from hhevents.model import Event, Language

PRODID = "-//HH Cityclub//hhevents//EN"

# The CSS3 colour names the feeds use (RFC 7986 COLOR takes a name), with the hex Apple's own property wants.
CSS_COLORS = {"teal": "#008080", "purple": "#800080", "seagreen": "#2E8B57", "darkorange": "#FF8C00"}

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


def fold(line: bytes) -> bytes:
    """One content line, folded at 75 octets (RFC 5545 3.1) without splitting a UTF-8 sequence, with CRLF.

    icalendar folds character by character, which was most of a publish's time for long descriptions; this
    cuts the encoded bytes directly.
    """
    if len(line) <= 75:
        return line + b"\r\n"
    pieces = []
    start, limit = 0, 75
    while len(line) - start > limit:
        cut = start + limit
        while line[cut] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its sequence instead
            cut -= 1
        pieces.append(line[start:cut])
        start, limit = cut, 74  # a continuation line starts with a space
    pieces.append(line[start:])
    return b"\r\n ".join(pieces) + b"\r\n"


def _property(name: str, value: bytes | str, params: str = "") -> bytes:
    """``NAME;PARAMS:value``, folded; ``value`` already encoded by one of icalendar's value types."""
    encoded = value.encode("utf-8") if isinstance(value, str) else value
    return fold(f"{name}{params}:".encode() + encoded)


def _utc(value: datetime) -> bytes:
    return icalendar.vDatetime(value.astimezone(UTC).replace(microsecond=0)).to_ical()


def _when(name: str, event: Event, value: datetime | date) -> tuple[bytes, str | None]:
    """DTSTART/DTEND: a DATE, a local time with TZID, or UTC (see :func:`_timed`); and the TZID used."""
    if not isinstance(value, datetime):
        return _property(name, icalendar.vDate(value).to_ical(), ";VALUE=DATE"), None
    written = _timed(value, event.zone)
    if written.tzinfo is UTC:
        return _property(name, icalendar.vDatetime(written).to_ical()), None
    local = icalendar.vDatetime(written.replace(tzinfo=None)).to_ical()
    return _property(name, local, f";TZID={event.timezone}"), event.timezone


def _neutral(event: Event, uid_domain: str) -> tuple[bytes, frozenset[str]]:
    """The VEVENT properties that read the same in every language, and the TZIDs they use.

    Written line by line with icalendar's value encoders (escaping, date formats): building an
    icalendar.Event costs several times more, and this half is the same for every language.
    """
    lines = [
        _property("UID", icalendar.vText(f"{event.id}@{uid_domain}").to_ical()),
        _property("DTSTAMP", _utc(modified_at(event))),
    ]
    if event.last_modified is not None:
        lines.append(_property("LAST-MODIFIED", _utc(event.last_modified)))
    if event.first_seen is not None:
        lines.append(_property("CREATED", _utc(event.first_seen)))
    lines.append(_property("SEQUENCE", str(event.sequence)))
    tzids: set[str] = set()
    if event.all_day:
        first, end = _all_day_dates(event)
        times: list[tuple[str, datetime | date]] = [("DTSTART", first)] + ([("DTEND", end)] if end else [])
    else:
        times = [("DTSTART", event.start)] + ([("DTEND", event.end)] if event.end is not None else [])
    for name, value in times:
        line, tzid = _when(name, event, value)
        lines.append(line)
        if tzid:
            tzids.add(tzid)
    location = location_text(event)
    if location:
        lines.append(_property("LOCATION", icalendar.vText(location).to_ical()))
    if event.venue.latitude is not None and event.venue.longitude is not None:
        geo = icalendar.prop.vGeo((event.venue.latitude, event.venue.longitude))
        lines.append(_property("GEO", geo.to_ical()))
    link = event_link(event)
    if link:
        lines.append(_property("URL", icalendar.vUri(link).to_ical()))
    image = image_link(event)
    if image:
        lines.append(_property("IMAGE", icalendar.vUri(image).to_ical(), ";DISPLAY=BADGE;VALUE=URI"))
    lines.append(_property("STATUS", _STATUS[event.status]))
    # A listing of public events: subscribing must not mark the subscriber busy for every one of them.
    lines.append(_property("TRANSP", "TRANSPARENT"))
    return b"".join(lines), frozenset(tzids)


def _localised(text: EventText) -> bytes:
    lines = [_property("SUMMARY", icalendar.vText(text.title).to_ical())]
    if text.plain:
        lines.append(_property("DESCRIPTION", icalendar.vText(text.plain).to_ical()))
    names = icalendar.prop.vCategory([name for _, name in text.categories])
    lines.append(_property("CATEGORIES", names.to_ical()))
    return b"".join(lines)


def vevent_bytes(
    event: Event, text: EventText, *, uid_domain: str = "hhevents", cache: RenderCache | None = None
) -> tuple[bytes, frozenset[str]]:
    """The event's VEVENT as folded iCalendar lines, and the TZIDs it refers to.

    The language-neutral half is rendered once per event in a publish (``cache``), the localised half once
    per language.
    """
    cache = cache if cache is not None else RenderCache()
    neutral, tzids = cache.get("ics-neutral", (event.id, uid_domain), lambda: _neutral(event, uid_domain))
    return b"BEGIN:VEVENT\r\n" + neutral + _localised(text) + b"END:VEVENT\r\n", tzids


def _vtimezone_bytes(tzid: str) -> bytes:
    return vtimezone(tzid).to_ical()


_END = b"END:VCALENDAR\r\n"


def build_calendar(
    events: Iterable[Event],
    *,
    name: str,
    description: str,
    url: str | None = None,
    source: str | None = None,
    color: str | None = None,
    language: Language = "en",
    rules: CategoryRules | None = None,
    uid_domain: str = "hhevents",
    refresh_hours: int = 6,
    cache: RenderCache | None = None,
) -> bytes:
    """A VCALENDAR of ``events`` as bytes; the same events in any order give the same bytes.

    ``url`` is the calendar's web address (RFC 7986 URL), ``source`` the address it is refreshed from
    (SOURCE), ``color`` a CSS3 colour name (COLOR). Each event's VEVENT is taken from ``cache`` when a feed
    built before in the same publish already rendered it.
    """
    cache = cache if cache is not None else RenderCache()
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
    if source:
        cal.add("source", source, parameters={"VALUE": "URI"})
    if color:
        cal.add("color", color)
        if color in CSS_COLORS:
            cal.add("x-apple-calendar-color", CSS_COLORS[color])
    refresh = timedelta(hours=refresh_hours)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.prop.vDuration(refresh))
    head = cal.to_ical()
    assert head.endswith(_END)

    bodies = []
    used: set[str] = set()
    for event in ordered(events):
        body, tzids = cache.get(
            "ics",
            (event.id, language, uid_domain),
            lambda event=event: vevent_bytes(
                event, cached_text(cache, event, language, rules), uid_domain=uid_domain, cache=cache
            ),
        )
        bodies.append(body)
        used |= tzids
    # Each zone once, before the events that refer to it (some parsers resolve TZIDs while reading). The
    # pieces are joined as icalendar would join the components: each one's lines end in CRLF.
    zones = [cache.get("vtimezone", (tzid,), lambda tzid=tzid: _vtimezone_bytes(tzid))
             for tzid in sorted(used)]
    return b"".join([head[: -len(_END)], *zones, *bodies, _END])
