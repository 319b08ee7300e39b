"""`ics` sources: an iCalendar feed (a club's fixtures, a federation's or a venue's programme) at one URL.

The calendar is read with icalendar, made standard with x-wr-timezone (floating times plus X-WR-TIMEZONE) and
expanded with recurring-ical-events within the source's window [now - past_days, now + horizon_days]. Each
series (the VEVENTs sharing a UID) is read on its own, so a broken event or rule loses that series only.

What real feeds get wrong and how it is met:

- Encodings: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (or the YAML's ``encoding``).
- Structure: a file icalendar cannot read whole (a missing END:VEVENT, a cut-off download, a bad line outside
  any event, bare VEVENTs without VCALENDAR) is read again component by component; what is lost is reported.
- Zones: Windows zone names and vendor-prefixed TZIDs are resolved by icalendar; a TZID nobody knows leaves
  the time floating, which the normaliser reads as the source's local time, as it does floating times.
- A VEVENT without UID or DTSTART, or with an unreadable time or rule property, is reported and skipped.
- CLASS:PRIVATE / CONFIDENTIAL events are not public and are skipped (counted, not reported).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.parser import Contentlines
from icalendar.prop import vBroken
from icalendar.timezone import tzp

from hhevents import clock
from hhevents.place import parse_address
from spiders.base import SourceSpider

# Properties without which an occurrence cannot be placed in time: if icalendar could not read one of them,
# the component is skipped rather than shown at a wrong time or on dates the source has excluded.
TIME_PROPERTIES = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})
NOT_PUBLIC = frozenset({"PRIVATE", "CONFIDENTIAL"})
ICAL_STATUSES = frozenset({"TENTATIVE", "CONFIRMED", "CANCELLED"})
# A rule such as FREQ=MINUTELY would give hundreds of thousands of occurrences within a year's window.
MAX_OCCURRENCES_PER_SERIES = 1000

_CALENDAR_START = re.compile(r"^BEGIN:(VCALENDAR|VEVENT)\s*$", re.IGNORECASE | re.MULTILINE)
_VEVENT_START = re.compile(r"^BEGIN:VEVENT\s*$", re.IGNORECASE | re.MULTILINE)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_FOLD = re.compile(rb"\r?\n[ \t]")
_LINK = re.compile(r"https?://[^\s<>\"']+")

# -- bytes to calendar ---------------------------------------------------------------------------------------


def declared_charset(content_type: bytes | str | None) -> str | None:
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def decode_calendar(body: bytes, declared: str | None = None, forced: str | None = None) -> str:
    """Text of an iCalendar body.

    ``forced`` (the YAML's ``encoding``) wins. Otherwise UTF-8 (with or without BOM) when the bytes are valid
    UTF-8, which is a strong sign; then the charset the server declared; then Windows-1252, which exporters
    on Windows use without saying so (it is Latin-1 with printable characters where Latin-1 has controls).
    """
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace")
    # RFC 5545 folds at 75 octets, so a fold may split a multi-byte character: unfold before decoding.
    body = _FOLD.sub(b"", body.removeprefix(codecs.BOM_UTF8))
    if forced:
        return body.decode(forced, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            if codecs.lookup(declared).name != "utf-8":
                return body.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return body.decode("cp1252", errors="replace")


def _describe(kind: str, lines: Iterable[str]) -> str:
    """How to name a component in a report: its kind, SUMMARY and UID (or TZID), as far as it has them."""
    found: dict[str, str] = {}
    for line in lines:
        name, _, value = str(line).partition(":")
        name = name.split(";", 1)[0].upper()
        if name in ("SUMMARY", "UID", "TZID") and name not in found:
            found[name] = value.strip()
    words = [kind]
    if found.get("SUMMARY"):
        words.append(repr(found["SUMMARY"]))
    for name in ("UID", "TZID"):
        if found.get(name):
            words.append(f"({name} {found[name]})")
    return " ".join(words)


def _sequence(component: icalendar.cal.Component) -> int:
    try:
        return int(str(component.get("SEQUENCE", 0)))
    except ValueError:
        return 0


def _merge(components: list[icalendar.cal.Component]) -> icalendar.Calendar:
    """One calendar from what a file holds: one VCALENDAR (the normal case), several, or bare components."""
    if len(components) == 1 and components[0].name == "VCALENDAR":
        return components[0]
    calendar = icalendar.Calendar()
    calendars = [c for c in components if c.name == "VCALENDAR"]
    if calendars:
        for name, value in calendars[0].items():
            calendar[name] = value
    for component in components:
        for sub in component.subcomponents if component.name == "VCALENDAR" else [component]:
            calendar.add_component(sub)
    return calendar


def _top_level_events(calendar: icalendar.Calendar) -> list[icalendar.cal.Component]:
    return [c for c in calendar.subcomponents if c.name == "VEVENT"]


def read_calendar(text: str) -> tuple[icalendar.Calendar, list[str], list[str]]:
    """The calendar in ``text``, what of it was lost (one message per component) and what was repaired.

    icalendar reads a VEVENT tolerantly (a bad property becomes a "broken" value), but a structural fault
    loses the whole file or silently gives fewer events. Both are detected by counting BEGIN:VEVENT lines,
    and the file is then read again one top-level component at a time.
    """
    expected = len(_VEVENT_START.findall(text))
    try:
        calendar = _merge(icalendar.Calendar.from_ical(text, multiple=True))
    except ValueError:
        pass
    else:
        if len(_top_level_events(calendar)) == expected:
            return calendar, [], []
    return read_component_by_component(text)


def read_component_by_component(text: str) -> tuple[icalendar.Calendar, list[str], list[str]]:
    calendar = icalendar.Calendar()
    lost: list[str] = []
    repaired: list[str] = []
    blocks: list[list[str]] = []
    open_names: list[str] = []  # the component being collected and the ones nested in it
    block: list[str] = []

    def close_without_end(where: str) -> None:
        # The next component begins (or the calendar ends) where this one lacks its END: its lines are all
        # there, so it is closed and kept.
        kind = open_names[0]
        repaired.append(f"{_describe(kind, block)} has no END:{kind}; closed where {where}")
        block.extend(f"END:{name}" for name in reversed(open_names))
        blocks.append(list(block))
        open_names.clear()
        block.clear()

    for line in Contentlines.from_ical(text):  # unfolds
        if not line.strip():
            continue
        key, _, value = line.partition(":")
        key, value = key.strip().upper(), value.strip().upper()
        if key in ("BEGIN", "END") and value == "VCALENDAR":
            if open_names:
                close_without_end(f"{key}:VCALENDAR follows")
            continue
        if key == "BEGIN":
            if open_names and value == open_names[0] == "VEVENT":  # VEVENTs don't nest
                close_without_end("the next VEVENT begins")
            open_names.append(value)
            block.append(line)
        elif key == "END" and open_names:
            if value not in open_names:
                continue  # a stray END: nothing to close
            while open_names[-1] != value:  # an inner component without END: close it here
                block.append(f"END:{open_names.pop()}")
            open_names.pop()
            block.append(line)
            if not open_names:
                blocks.append(list(block))
                block.clear()
        elif open_names:
            block.append(line)
        elif key != "END":
            # A calendar-level property: kept if it parses on its own (X-WR-TIMEZONE matters).
            try:
                parsed = icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{line}\r\nEND:VCALENDAR\r\n")
            except ValueError:
                continue
            for name, prop in parsed.items():
                calendar[name] = prop
    if open_names:
        # The file ends inside a component: a cut-off download, whose last lines may be incomplete.
        lost.append(f"{_describe(open_names[0], block)} is cut off where the file ends; skipped")
    # Time zones first: icalendar resolves a TZID while parsing, with the VTIMEZONEs it has seen.
    blocks.sort(key=lambda b: not b[0].upper().startswith("BEGIN:VTIMEZONE"))
    for lines in blocks:
        try:
            calendar.add_component(icalendar.Component.from_ical("\r\n".join(lines) + "\r\n"))
        except ValueError as exc:
            kind = lines[0].partition(":")[2].strip().upper()
            lost.append(f"{_describe(kind, lines)} is unreadable ({exc}); skipped")
    return calendar, lost, repaired


def x_wr_zone(calendar: icalendar.Calendar) -> tzinfo | None:
    """The zone of floating times that X-WR-TIMEZONE names (IANA or Windows name); None if none or unknown."""
    name = (_text(calendar, "X-WR-TIMEZONE") or "").strip()
    return tzp.timezone(name) if name else None


def parse_calendar(body: bytes, declared: str | None = None, forced: str | None = None) -> icalendar.Calendar:
    """The standard calendar in a feed's bytes: decoded, read as far as it can be, X-WR-TIMEZONE applied.

    A ValueError says the bytes are no iCalendar data at all. (The spider uses the steps one by one, to
    report what is lost on the way.)
    """
    text = decode_calendar(body, declared, forced)
    if not _CALENDAR_START.search(text):
        raise ValueError(f"not an iCalendar file (it begins {' '.join(text.split())[:60]!r})")
    calendar, _, _ = read_calendar(text)
    zone = x_wr_zone(calendar)
    return x_wr_timezone.to_standard(calendar, timezone=zone) if zone is not None else calendar


# -- property readers ----------------------------------------------------------------------------------------


def _prop(component: icalendar.cal.Component, name: str) -> Any:
    """The property (the first, if given twice), or None when absent or unreadable (already reported)."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return None if isinstance(value, vBroken) else value


def _text(component: icalendar.cal.Component, name: str) -> str | None:
    value = _prop(component, name)
    return str(value) if value is not None else None


def _when(prop: Any) -> date | datetime | None:
    return None if prop is None or isinstance(prop, vBroken) else prop.dt


def ical_stamp(value: date | datetime) -> str:
    """An iCalendar-style stamp of a recurrence id, the same whichever zone the source spells it in."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return value.strftime("%Y%m%dT%H%M%S")
    return value.strftime("%Y%m%d")


def raw_properties(component: icalendar.cal.Component) -> dict[str, str]:
    """The component's properties as content lines, as the source wrote them (provenance)."""
    raw: dict[str, str] = {}
    for name, value in component.property_items(recursive=False, sorted=False):
        if name in ("BEGIN", "END"):
            continue
        line = str(component.content_line(name, value, sorted=False))
        raw[name] = f"{raw[name]}\n{line}" if name in raw else line
    return raw


def venue_from_location(text: str) -> dict[str, Any]:
    """Venue fields from a LOCATION such as "Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg, Sverige".

    Split only where the parts are recognisable (hhevents.place); otherwise the whole text is the name.
    """
    address = parse_address(text)
    venue = {
        "name": address.name,
        "street_address": address.street,
        "postal_code": address.postal_code,
        "locality": address.locality,
        "country": address.country,
    }
    return {key: value for key, value in venue.items() if value}


def first_link(text: str | None) -> str | None:
    match = _LINK.search(text or "")
    return match.group(0).rstrip(".,;:!?)]") if match else None


# -- the spider ----------------------------------------------------------------------------------------------


class IcsSpider(SourceSpider):
    source_type = "ics"

    def parse(self, response):
        url = response.url
        text = decode_calendar(
            response.body, declared_charset(response.headers.get("Content-Type")), self.source.encoding
        )
        if not _CALENDAR_START.search(text):
            start = " ".join(text.split())[:60]
            self.problem(f"not an iCalendar file (it begins {start!r})" if start else "empty body", url=url)
            return
        calendar, lost, repaired = read_calendar(text)
        for message in lost:
            self.problem(message, url=url)
        for message in repaired:
            self.logger.warning("[%s] %s: %s", self.source.id, url, message)
        count = 0
        for item in self.items_in(calendar, url):
            count += 1
            yield item
        if count == 0:
            events = len(_top_level_events(calendar))
            start, end = self.window()
            self.empty_page(
                url,
                f"no public event between {start:%Y-%m-%d} and {end:%Y-%m-%d} among {events} VEVENT(s)"
                if events
                else "the calendar holds no events",
            )

    def floating_zone(self, calendar: icalendar.Calendar, url: str) -> tzinfo | None:
        zone = x_wr_zone(calendar)
        name = (_text(calendar, "X-WR-TIMEZONE") or "").strip()
        if zone is None and name:
            self.logger.warning(
                "[%s] %s: unknown X-WR-TIMEZONE %r; floating times are read in %s",
                self.source.id, url, name, self.source.zone_name,
            )
        return zone

    def items_in(self, calendar: icalendar.Calendar, feed_url: str) -> Iterator[dict[str, Any]]:
        originals = _top_level_events(calendar)
        zone = self.floating_zone(calendar, feed_url)
        standard = calendar
        if zone is not None:
            try:
                standard = x_wr_timezone.to_standard(calendar, timezone=zone)
            except (ValueError, OverflowError) as exc:  # a time that the zone cannot hold (year 1, ...)
                self.logger.warning(
                    "[%s] %s: X-WR-TIMEZONE not applied (%s); floating times are read in %s",
                    self.source.id, feed_url, exc, self.source.zone_name,
                )
        # x-wr-timezone copies only the components it changes and keeps their order.
        converted = _top_level_events(standard)
        series: dict[str, list[tuple[icalendar.cal.Component, icalendar.cal.Component]]] = {}
        for original, component in zip(originals, converted, strict=True):
            why = self.unusable(component)
            if why:
                self.problem(f"{_describe('VEVENT', original.content_lines())} {why}; skipped", url=feed_url)
                continue
            for name, message in component.errors:
                if name not in TIME_PROPERTIES:
                    self.logger.warning(
                        "[%s] %s: %s: %s ignored: %s", self.source.id, feed_url,
                        _describe("VEVENT", original.content_lines()), name or "a line", message,
                    )
            series.setdefault(str(component["UID"]), []).append((original, component))
        for uid, members in series.items():
            yield from self.series_items(uid, members, feed_url)

    @staticmethod
    def unusable(component: icalendar.cal.Component) -> str | None:
        """Why a VEVENT cannot become events, or None."""
        if not (_text(component, "UID") or "").strip():
            return "has no UID"
        for name, message in component.errors:
            if name in TIME_PROPERTIES:
                return f"has an unreadable {name} ({message})"
        if component.get("DTSTART") is None:
            return "has no DTSTART"
        return None

    def window(self) -> tuple[datetime, datetime]:
        now = clock.now()
        return now - timedelta(days=self.source.past_days), now + timedelta(days=self.source.horizon_days)

    def series_items(
        self, uid: str, members: list[tuple[icalendar.cal.Component, icalendar.cal.Component]], feed_url: str
    ) -> Iterator[dict[str, Any]]:
        masters = [m for m in members if "RECURRENCE-ID" not in m[1]]
        if len(masters) > 1:
            # The same event exported twice (an old and a new version): the highest SEQUENCE is the current,
            # and of equals the later one in the file.
            keep = max(reversed(masters), key=lambda m: _sequence(m[1]))
            members = [m for m in members if m is keep or "RECURRENCE-ID" in m[1]]
            self.logger.warning(
                "[%s] %s: UID %s appears %d times; the one with SEQUENCE %s is kept",
                self.source.id, feed_url, uid, len(masters), _sequence(keep[1]),
            )
        is_series = any(
            name in component for _, component in members for name in ("RRULE", "RDATE", "RECURRENCE-ID")
        )
        by_recurrence_id = {
            _when(component["RECURRENCE-ID"]): original
            for original, component in members
            if "RECURRENCE-ID" in component
        }
        master = next((original for original, component in members if "RECURRENCE-ID" not in component), None)
        single = icalendar.Calendar()
        for _, component in members:
            single.add_component(component)
        start, end = self.window()
        try:
            query = recurring_ical_events.of(single)
            # Without a rule the occurrences are as few as the file's components: one query finds them.
            # A rule may give very many, so its occurrences are taken one by one, in order, up to a limit.
            ruled = any("RRULE" in component for _, component in members)
            occurrences = []
            for occurrence in query.after(start) if ruled else query.between(start, end):
                if self.instant(_when(occurrence.get("DTSTART"))) >= end:
                    break
                if len(occurrences) == MAX_OCCURRENCES_PER_SERIES:
                    self.problem(
                        f"UID {uid} has more than {MAX_OCCURRENCES_PER_SERIES} occurrences in the window; "
                        "the later ones are left out",
                        url=feed_url,
                    )
                    break
                occurrences.append(occurrence)
        except Exception as exc:  # recurring-ical-events raises its own and the date libraries' errors
            self.problem(f"UID {uid}: cannot expand: {type(exc).__name__}: {exc}; skipped", url=feed_url)
            return
        raws: dict[int, dict[str, str]] = {}  # a series' master is the record of all its occurrences
        for occurrence in occurrences:
            source_event_id = uid
            original = master
            if is_series:
                recurrence_id = _when(occurrence.get("RECURRENCE-ID")) or _when(occurrence.get("DTSTART"))
                source_event_id = f"{uid}/{ical_stamp(recurrence_id)}"
                original = by_recurrence_id.get(recurrence_id, master)
            if original is None:  # only overrides, and this occurrence is none of them
                original = next(iter(by_recurrence_id.values()))
            if self.skipped(occurrence):
                continue
            if id(original) not in raws:
                raws[id(original)] = raw_properties(original)
            yield self.item_from(occurrence, original, source_event_id, feed_url, raws[id(original)])

    def instant(self, value: date | datetime) -> datetime:
        """``value`` as an aware datetime, for comparing with the window (dates and floating times local)."""
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        return value if value.tzinfo is not None else value.replace(tzinfo=self.source.zone)

    def skipped(self, occurrence: icalendar.cal.Component) -> bool:
        """Whether an occurrence is left out: not public, or excluded by the source's YAML."""
        stats = self.crawler.stats
        if (_text(occurrence, "CLASS") or "PUBLIC").strip().upper() in NOT_PUBLIC:
            stats.inc_value("hhevents/skipped/private")
            return True
        title = _text(occurrence, "SUMMARY") or ""
        if any(re.search(pattern, title, re.IGNORECASE) for pattern in self.source.exclude_titles):
            stats.inc_value("hhevents/skipped/excluded")
            return True
        excluded = {c.strip().casefold() for c in self.source.exclude_categories}
        if excluded and excluded & {tag.casefold() for tag in self.categories(occurrence)}:
            stats.inc_value("hhevents/skipped/excluded")
            return True
        return False

    @staticmethod
    def categories(component: icalendar.cal.Component) -> list[str]:
        value = component.get("CATEGORIES")
        groups = value if isinstance(value, list) else [value] if value is not None else []
        return [
            str(category).strip()
            for group in groups
            if not isinstance(group, vBroken)
            for category in group.cats
            if str(category).strip()
        ]

    def item_from(
        self,
        occurrence: icalendar.cal.Component,
        original: icalendar.cal.Component,
        source_event_id: str,
        feed_url: str,
        raw: dict[str, str],
    ) -> dict[str, Any]:
        start = _when(occurrence.get("DTSTART"))
        # recurring-ical-events gives every occurrence a DTEND; whether the source gave an end (DTEND or
        # DURATION) is read from the component the occurrence comes from.
        has_end = "DTEND" in original or "DURATION" in original
        end = _when(occurrence.get("DTEND")) if has_end else None
        description = _text(occurrence, "DESCRIPTION")
        if not (description and description.strip()):
            description = _text(occurrence, "X-ALT-DESC")  # Outlook's HTML copy; the normaliser reads HTML
        url = _text(occurrence, "URL")
        if url and url.strip():
            url = urljoin(feed_url, url.strip())  # some exporters write the event page's path only
        elif self.source.link_from_description:
            url = first_link(description)
        venue: dict[str, Any] = {}
        location = _text(occurrence, "LOCATION")
        if location and location.strip():
            venue = venue_from_location(location)
        geo = _prop(occurrence, "GEO")
        if geo is not None:
            venue["latitude"], venue["longitude"] = geo.latitude, geo.longitude
        organizer = _prop(occurrence, "ORGANIZER")
        organizer_name = None
        if organizer is not None:
            organizer_name = organizer.params.get("CN") or re.sub(r"(?i)^mailto:", "", str(organizer))
        # Only a VEVENT's own words: another (a VTODO's NEEDS-ACTION, a typo) says nothing to rely on.
        status = (_text(occurrence, "STATUS") or "").strip().upper()
        return {
            "title": _text(occurrence, "SUMMARY"),
            "description": description,
            "url": url,
            "image": self.image(occurrence),
            "start": start,
            "end": end,
            "all_day": not isinstance(start, datetime),
            "status": status if status in ICAL_STATUSES else None,
            "venue": venue,
            "tags": self.categories(occurrence),
            "organizer": organizer_name,
            "sources": self.source_ref(source_event_id, feed_url, raw=raw),
        }

    @staticmethod
    def image(component: icalendar.cal.Component) -> str | None:
        """RFC 7986's IMAGE, else an ATTACH that says it is an image; only links, not inline data."""
        for name in ("IMAGE", "ATTACH"):
            values = component.get(name)
            for value in values if isinstance(values, list) else [values] if values is not None else []:
                if isinstance(value, vBroken) or not str(value).startswith(("http://", "https://")):
                    continue
                if name == "IMAGE" or str(value.params.get("FMTTYPE", "")).lower().startswith("image/"):
                    return str(value)
        return None
