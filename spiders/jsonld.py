"""`jsonld` sources: schema.org Events embedded in web pages (JSON-LD or microdata), read with extruct.

A source names a listing page; optional CSS selectors say which links lead to event detail pages and which
link is the next listing page. Events are read from every page visited; when an event is on both the listing
and its own detail page, the detail page wins (it is the fuller record), so a crawl yields each event once.
The listing's copy is kept as a fallback for a detail page that fails or holds no event.

What real pages do, and how it is read:

- Events are found wherever they sit: top level, arrays, ``@graph``, ``ItemList``/``ListItem``,
  ``mainEntity``, a Place's ``event``; bare ``{"@id": ...}`` references are resolved within the page.
- A JSON-LD block that ``json.loads`` refuses (comments, CDATA, trailing commas or braces, control
  characters, HTML-escaped quotes) is cleaned and parsed here, block by block, so one broken block loses at
  most itself.
- ``eventSchedule`` (schema.org ``Schedule``) is expanded into occurrences within
  [now - past_days, now + horizon_days]; ``subEvent`` of an ``EventSeries`` (or any event) gives one event
  per sub-event, each inheriting what it does not say itself from its parent (also via ``superEvent``).
- ``utc_is_local`` (a key of every source, applied by the normaliser) reads ``Z``/``+00:00`` times as local
  wall time, for publishers that label local times as UTC (Helsingborg's own schema.org output does); here
  it is applied before an ``eventSchedule`` is expanded, which happens in local time.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, get_args
from urllib.parse import urldefrag, urljoin
from zoneinfo import ZoneInfo

import extruct
import scrapy
from dateutil import rrule
from dateutil.relativedelta import relativedelta

from hhevents import clock
from hhevents.model import Currency
from spiders.base import SourceSpider

SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")
KNOWN_CURRENCIES: tuple[str, ...] = get_args(Currency)
# Properties a sub-event takes from its parent when it does not give them itself.
INHERITED = (
    "name",
    "description",
    "url",
    "image",
    "location",
    "offers",
    "isAccessibleForFree",
    "organizer",
    "inLanguage",
    "keywords",
    "eventStatus",
)
# ... and what it never takes: its own children, schedule and identity.
NOT_INHERITED = ("subEvent", "subEvents", "eventSchedule", "@id")
MAX_OCCURRENCES = 1000  # per schedule: a daily schedule over the default window is 395


def schema_type_names(node: dict[str, Any]) -> list[str]:
    types = node.get("@type") or []
    if isinstance(types, str):
        types = [types]
    names = []
    for name in types:
        if not isinstance(name, str):
            continue
        for prefix in SCHEMA_PREFIXES:
            name = name.removeprefix(prefix)
        names.append(name)
    return names


def is_event(node: dict[str, Any]) -> bool:
    # Event and its subtypes (MusicEvent, SportsEvent, TheaterEvent, ExhibitionEvent, Festival, ...).
    return any(
        name == "Event" or name.endswith("Event") or name in ("Festival", "EventSeries", "Hackathon")
        for name in schema_type_names(node)
    )


def is_reference(node: dict[str, Any]) -> bool:
    """``{"@type": "Event", "@id": "..."}``: a pointer to a node described elsewhere, not a description."""
    return "@id" in node and set(node) <= {"@id", "@type", "@context"}


def find_events(data: Any) -> Iterator[dict[str, Any]]:
    """Every Event node in extruct's output, through @graph, arrays and any non-event wrapper.

    Wrappers are searched whatever they are (ItemList/ListItem, WebPage.mainEntity, Place.event, ...); an
    event's own properties are not, so a sub-event is left inside its parent.
    """
    if isinstance(data, list):
        for entry in data:
            yield from find_events(entry)
    elif isinstance(data, dict):
        if is_event(data):
            yield data
            return
        for key, value in data.items():
            if key != "@context":
                yield from find_events(value)


def index_nodes(data: Any, index: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Every described node with an ``@id``, by id (the first description wins)."""
    index = {} if index is None else index
    if isinstance(data, list):
        for entry in data:
            index_nodes(entry, index)
    elif isinstance(data, dict):
        node_id = data.get("@id")
        if isinstance(node_id, str) and not is_reference(data):
            index.setdefault(node_id, data)
        for key, value in data.items():
            if key != "@context":
                index_nodes(value, index)
    return index


def resolve_references(node: dict[str, Any], index: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``node`` with ``{"@id": ...}`` values of its properties replaced by the nodes they point to on the page
    (a @graph names its organizer or place once and points at it)."""
    resolved = {}
    for key, value in node.items():
        if isinstance(value, dict) and is_reference(value):
            value = index.get(value["@id"], value)
        elif isinstance(value, list):
            value = [index.get(v["@id"], v) if isinstance(v, dict) and is_reference(v) else v for v in value]
        resolved[key] = value
    return resolved


def first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_of(value: Any) -> str | None:
    """A property's text: the first of a list, a node's name or @value; control characters (pasted from
    word processors) become spaces."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if value is None:
        return None
    return _CONTROL.sub(" ", str(value))


# -- broken JSON-LD ------------------------------------------------------------------------------------------


def _string_end(text: str, start: int) -> int:
    """The index after the JSON string that opens at ``start`` (escapes skipped; the text's end if open)."""
    end = start + 1
    while end < len(text) and text[end] != '"':
        end += 2 if text[end] == "\\" else 1
    return min(end + 1, len(text))


def clean_json(text: str) -> str:
    """``text`` without what real pages wrap or break JSON-LD with.

    Outside strings: ``//`` and ``/* */`` comments, ``<!-- -->`` and ``<![CDATA[ ]]>`` markers, commas before
    ``}``/``]`` and repeated commas are removed. Everywhere: control characters become spaces (tab, CR and
    LF stay). Text that was HTML-escaped as a whole (``{&quot;@type&quot;: ...}``) is unescaped first.
    """
    if "&quot;" in text and text.count("&quot;") > text.count('"'):
        text = html.unescape(text)
    text = _CONTROL.sub(" ", text)
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = len(text) if close < 0 else close + 2
        else:
            marker = next((m for m in ("<![CDATA[", "]]>", "<!--", "-->") if text.startswith(m, i)), "")
            out.append("" if marker else text[i])
            i += len(marker) or 1
    # Commas in a second pass: a comment may stand between a comma and the bracket that makes it trailing.
    text, out, i = "".join(out), [], 0
    while i < len(text):
        if text[i] == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
            continue
        if not (text[i] == "," and text[i + 1 :].lstrip()[:1] in (",", "}", "]")):
            out.append(text[i])
        i += 1
    return "".join(out)


def parse_json_block(text: str) -> tuple[list[Any], bool]:
    """The JSON values in one JSON-LD script, and whether it needed repair; JSONDecodeError if unreadable.

    After cleaning, values are read one after the other, so concatenated objects and stray closing braces
    after the last value ("trailing braces") cost nothing.
    """
    try:
        return [json.loads(text, strict=False)], False
    except ValueError:
        pass
    cleaned = clean_json(text)
    decoder = json.JSONDecoder(strict=False)
    values: list[Any] = []
    position = 0
    while True:
        while position < len(cleaned) and cleaned[position] in " \t\r\n,;":
            position += 1
        if position >= len(cleaned):
            break
        try:
            value, position = decoder.raw_decode(cleaned, position)
        except json.JSONDecodeError:
            if values and not cleaned[position:].strip(" \t\r\n}];"):
                break  # stray closing brackets after the last value
            raise
        values.append(value)
    if not values:
        raise json.JSONDecodeError("no JSON value", cleaned, 0)
    return values, True


# -- one small mapper per schema.org property ---------------------------------------------------------------


def map_image(value: Any) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return str(first(value)) if value else None


def map_end(value: Any) -> Any:
    """schema.org's date-only endDate is the last day (inclusive); the model's end is exclusive."""
    value = text_of(value)
    if value and len(value) == 10:
        try:
            return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
        except ValueError:
            return value
    return value


def map_location(value: Any) -> dict[str, Any]:
    places = value if isinstance(value, list) else [value]
    place = next(
        (p for p in places if isinstance(p, dict) and "VirtualLocation" not in schema_type_names(p)), None
    )
    if place is None:
        text = next((p for p in places if isinstance(p, str)), None)
        return {"name": text} if text else {}
    venue: dict[str, Any] = {"name": text_of(place.get("name"))}
    address = first(place.get("address"))
    if isinstance(address, dict):
        country = address.get("addressCountry")
        venue.update(
            street_address=text_of(address.get("streetAddress")),
            postal_code=text_of(address.get("postalCode")),
            locality=text_of(address.get("addressLocality")),
            country=text_of(country),
        )
    elif isinstance(address, str):
        venue["street_address"] = address
    geo = first(place.get("geo"))
    if isinstance(geo, dict):
        venue.update(latitude=first(geo.get("latitude")), longitude=first(geo.get("longitude")))
    elif place.get("latitude") is not None and place.get("longitude") is not None:
        # Place.latitude/longitude directly (Helsingborg's output does this instead of geo).
        venue.update(latitude=first(place.get("latitude")), longitude=first(place.get("longitude")))
    return venue


def _amounts(raw: Any) -> list[float]:
    """The numbers in a price value: 180, "180", "149,50", "180 kr", "100–200 kr", "1 200 SEK"."""
    if raw is None or isinstance(raw, bool):
        return []
    if isinstance(raw, int | float):
        return [float(raw)]
    text = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))", "", str(raw))  # thousands separators
    return [float(number.replace(",", ".")) for number in re.findall(r"\d+(?:[.,]\d+)?", text)]


def _currency(value: Any) -> str | None:
    code = (text_of(value) or "").strip().upper().rstrip(".")
    # "kr" and ":-" say krona or krone, not which: the city decides, as for a missing currency.
    return None if code in ("", "KR", ":-") else code


def map_offers(value: Any, accessible_for_free: Any = None) -> dict[str, Any]:
    offers = [o for o in (value if isinstance(value, list) else [value]) if isinstance(o, dict)]
    prices: list[float] = []
    currency = None
    for offer in offers:
        specs = [s for s in as_list(offer.get("priceSpecification")) if isinstance(s, dict)]
        for part in (offer, *specs):
            currency = currency or _currency(part.get("priceCurrency"))
            for key in ("price", "lowPrice", "highPrice", "minPrice", "maxPrice"):
                prices.extend(_amounts(first(part.get(key))))
    price: dict[str, Any] = {"currency": currency}
    if prices and currency not in (None, *KNOWN_CURRENCIES):
        # A currency the model has no place for: keep the amounts as the source's words, not as numbers
        # that the city's currency would be assumed for.
        low, high = min(prices), max(prices)
        amount = f"{low:g}" if low == high else f"{low:g}–{high:g}"
        price = {"currency": None, "text": f"{amount} {currency}"}
    elif prices:
        price.update(min=min(prices), max=max(prices))
    if str(first(accessible_for_free)).lower() == "true":
        price["free"] = True
    return price


def map_language(value: Any) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    if not value:
        return None
    code = str(value).strip().lower()
    names = {
        "danish": "da",
        "dansk": "da",
        "swedish": "sv",
        "svenska": "sv",
        "english": "en",
        "engelsk": "en",
    }
    code = names.get(code, code.split("-")[0].split("_")[0])
    return code if code in ("sv", "da", "en") else None


def map_organizer(value: Any) -> str | None:
    """One name, or several joined (Helsingborg lists co-organisers as an array)."""
    names = [text_of(entry) for entry in as_list(value)]
    names = [name.strip() for name in names if name and name.strip()]
    return ", ".join(dict.fromkeys(names)) or None


def map_status(value: Any) -> str | None:
    """eventStatus as a URL, a bare word, or an ``{"@id": ...}`` node (expanded JSON-LD)."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("@id") or value.get("name")
    return str(value) if value else None


def map_keywords(value: Any) -> list[str]:
    """keywords as a comma-separated text, a list of texts, or DefinedTerm nodes (Helsingborg)."""
    words: list[str] = []
    for entry in as_list(value):
        if isinstance(entry, str):
            words.extend(part.strip() for part in entry.split(","))
        else:
            words.append((text_of(entry) or "").strip())
    return [word for word in words if word]


def item_from_event(node: dict[str, Any], page_url: str) -> dict[str, Any]:
    """A raw item (Event field names, source values) from one schema.org Event node."""
    url = urljoin(page_url, text_of(node.get("url")) or page_url)
    image = map_image(node.get("image"))
    item = {
        "title": text_of(node.get("name")),
        "description": text_of(node.get("description")),
        "url": url,
        "image": urljoin(page_url, image) if image else None,
        "start": text_of(node.get("startDate")),
        "end": map_end(node.get("endDate")),
        "status": map_status(node.get("eventStatus")),
        "venue": map_location(node.get("location")),
        "price": map_offers(node.get("offers"), node.get("isAccessibleForFree")),
        "organizer": map_organizer(node.get("organizer")),
        "language": map_language(node.get("inLanguage")),
    }
    tags = map_keywords(node.get("keywords"))
    if tags:
        item["tags"] = tags
    return item


# -- time ----------------------------------------------------------------------------------------------------

_UTC_SUFFIX = re.compile(r"(?:Z|[+-]00(?::?00)?)$", re.IGNORECASE)


def utc_as_local(value: Any) -> Any:
    """An ISO datetime text with its UTC designator (Z, +00:00, +0000, +00) removed: local wall time.

    Only for eventSchedule values, which are expanded here; an item's own times are corrected by the
    normaliser (pipelines.normalise.utc_as_local), for every format.
    """
    if isinstance(value, str) and ":" in value:  # a time, not a bare date
        return _UTC_SUFFIX.sub("", value.strip())
    return value


def _when(value: Any) -> date | datetime | None:
    text = text_of(value)
    if not text:
        return None
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _time_of(value: Any) -> time | None:
    """A Schedule's startTime/endTime ("19:00", "19:00:00", "T19:00:00+01:00" -> wall time 19:00)."""
    text = (text_of(value) or "").strip().removeprefix("T")
    match = re.match(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?", text)
    if not match:
        return None
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    return time(hour % 24, minute, second)


_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)


def parse_duration(value: Any) -> tuple[int, ...] | None:
    """An ISO 8601 duration as (years, months, weeks, days, hours, minutes, seconds), or None."""
    match = _DURATION.match((text_of(value) or "").strip())
    if not match or not any(match.groups()):
        return None
    return tuple(int(float(g)) if g else 0 for g in match.groups())


def _as_timedelta(parts: tuple[int, ...] | None) -> timedelta | None:
    if not parts:
        return None
    _, _, weeks, days, hours, minutes, seconds = parts
    delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    return delta or None


_FREQUENCY_WORDS = {
    "daily": rrule.DAILY,
    "weekly": rrule.WEEKLY,
    "monthly": rrule.MONTHLY,
    "yearly": rrule.YEARLY,
    "annually": rrule.YEARLY,
}
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# schema.org DayOfWeek names and iCalendar's two-letter codes (eventSchedule examples use both).
_WEEKDAYS = {
    **dict(zip(_DAY_NAMES, rrule.weekdays, strict=True)),
    **{name[:2]: day for name, day in zip(_DAY_NAMES, rrule.weekdays, strict=True)},
}


class ScheduleError(ValueError):
    """A Schedule that cannot be expanded; the message says why."""


def _frequency(value: Any) -> tuple[int, int] | None:
    text = (text_of(value) or "").strip()
    if not text:
        return None
    word = re.split(r"[/:]", text)[-1].lower()
    if word in _FREQUENCY_WORDS:
        return _FREQUENCY_WORDS[word], 1
    parts = parse_duration(text)
    if parts:
        years, months, weeks, days, hours, minutes, seconds = parts
        given = [
            (f, n)
            for f, n in (
                (rrule.YEARLY, years),
                (rrule.MONTHLY, months),
                (rrule.WEEKLY, weeks),
                (rrule.DAILY, days),
            )
            if n
        ]
        if len(given) == 1 and not (hours or minutes or seconds):
            return given[0]
    raise ScheduleError(f"repeatFrequency {text!r} is not daily, weekly, monthly or yearly (P1D, P2W, ...)")


def _weekdays(value: Any) -> list[rrule.weekday]:
    days = []
    for entry in as_list(value):
        text = str((entry.get("@id") or entry.get("name") if isinstance(entry, dict) else entry) or "")
        word = re.split(r"[/:]", text.strip())[-1]
        match = re.fullmatch(r"([+-]?\d+)?([A-Za-z]+)", word)
        if not match or match.group(2).lower() not in _WEEKDAYS:
            raise ScheduleError(f"byDay {text!r} is not a day of the week")
        day = _WEEKDAYS[match.group(2).lower()]
        days.append(day(int(match.group(1))) if match.group(1) else day)
    return days


def _integers(value: Any, name: str) -> list[int]:
    try:
        return [int(str(first(entry) if isinstance(entry, list) else entry)) for entry in as_list(value)]
    except ValueError:
        raise ScheduleError(f"{name} {value!r} is not a list of whole numbers") from None


def _check_possible(
    frequency: int, by_day: list[rrule.weekday], month_days: list[int], months: list[int]
) -> None:
    """ScheduleError for a rule that can never match: dateutil would search for it until the year 9999."""
    if any(not 1 <= month <= 12 for month in months):
        raise ScheduleError(f"byMonth {months} is not within 1-12")
    if any(not 1 <= abs(day) <= 31 for day in month_days):
        raise ScheduleError(f"byMonthDay {month_days} is not within 1-31")
    if months and month_days:
        longest = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}
        if not any(abs(day) <= longest.get(month, 31) for month in months for day in month_days):
            raise ScheduleError(f"byMonthDay {month_days} never falls in byMonth {months}")
    limit = 5 if frequency == rrule.MONTHLY else 53
    if any(day.n and not 1 <= abs(day.n) <= limit for day in by_day):
        raise ScheduleError(f"byDay {by_day} asks for a week that a month or year does not have")


def _advance(dtstart: datetime, low: datetime, frequency: tuple[int, int]) -> datetime:
    """``dtstart`` moved forward by whole intervals to shortly before ``low`` (same phase), so that dateutil
    does not walk through every period since a series' start years ago."""
    unit, interval = frequency
    if dtstart >= low:
        return dtstart
    if unit == rrule.DAILY:
        steps, delta = (low - dtstart).days // interval, relativedelta(days=interval)
    elif unit == rrule.WEEKLY:
        steps, delta = (low - dtstart).days // (7 * interval), relativedelta(weeks=interval)
    elif unit == rrule.MONTHLY:
        months = (low.year - dtstart.year) * 12 + low.month - dtstart.month
        steps, delta = months // interval, relativedelta(months=interval)
    else:
        steps, delta = (low.year - dtstart.year) // interval, relativedelta(years=interval)
    return dtstart + delta * max(steps - 1, 0)


def expand_schedule(
    schedule: dict[str, Any],
    event: dict[str, Any],
    window: tuple[datetime, datetime],
    zone: ZoneInfo,
) -> list[tuple[str, str | None]]:
    """(start, exclusive end) of each occurrence of ``schedule`` whose start is inside ``window``.

    Values are ISO texts: wall time without offset in ``zone`` (the source's), or with an offset when the
    schedule names another ``scheduleTimezone``. Without startTime occurrences are dates (all-day). Missing
    schedule values fall back to the event's: startDate's day and time, endDate's time, duration.
    """
    frequency = _frequency(schedule.get("repeatFrequency"))
    by_day = _weekdays(schedule.get("byDay"))
    month_weeks = _integers(schedule.get("byMonthWeek"), "byMonthWeek")
    if month_weeks and by_day:
        by_day = [rrule.weekday(day.weekday, week) for day in by_day for week in month_weeks]
    month_days = _integers(schedule.get("byMonthDay"), "byMonthDay")
    months = _integers(schedule.get("byMonth"), "byMonth")
    count = _integers(schedule.get("repeatCount"), "repeatCount")
    if frequency is None:
        # No frequency: the finest of the by-rules given says it; a bare date range repeats daily.
        if month_days or month_weeks:
            frequency = (rrule.MONTHLY, 1)
        elif by_day:
            frequency = (rrule.WEEKLY, 1)
        elif months:
            frequency = (rrule.YEARLY, 1)
        else:
            frequency = (rrule.DAILY, 1)

    event_start, event_end = _when(event.get("startDate")), _when(event.get("endDate"))
    start_day = _when(schedule.get("startDate")) or event_start
    end_day = _when(schedule.get("endDate"))
    if end_day is None and event_end is not None and event_start is not None:
        # The event's own endDate bounds the series only when it is a later day than its start.
        end_as_day = event_end.date() if isinstance(event_end, datetime) else event_end
        start_as_day = event_start.date() if isinstance(event_start, datetime) else event_start
        end_day = event_end if end_as_day > start_as_day else None
    start_time = _time_of(schedule.get("startTime"))
    end_time = _time_of(schedule.get("endTime"))
    if start_time is None and isinstance(start_day, datetime) and start_day is not event_start:
        start_time = start_day.time()
    if start_time is None and isinstance(event_start, datetime):
        start_time = event_start.time()
        if end_time is None and isinstance(event_end, datetime):
            end_time = event_end.time()
    duration = _as_timedelta(parse_duration(schedule.get("duration") or event.get("duration")))

    schedule_zone = zone
    zone_name = text_of(schedule.get("scheduleTimezone"))
    if zone_name:
        try:
            schedule_zone = ZoneInfo(zone_name.strip())
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise ScheduleError(f"unknown scheduleTimezone {zone_name!r}") from None
    low, high = (moment.astimezone(schedule_zone).replace(tzinfo=None) for moment in window)
    if start_day is None and frequency[0] != rrule.DAILY and not (by_day or month_days or months):
        raise ScheduleError("a weekly, monthly or yearly schedule needs a startDate or byDay/byMonthDay")
    first_day = start_day.date() if isinstance(start_day, datetime) else start_day
    dtstart = datetime.combine(first_day or low.date(), start_time or time(0))
    # What dateutil would take from dtstart is said explicitly, so that dtstart can be moved (below).
    if frequency[0] == rrule.WEEKLY and not by_day:
        by_day = [rrule.weekdays[dtstart.weekday()]]
    elif frequency[0] == rrule.MONTHLY and not (by_day or month_days):
        month_days = [dtstart.day]
    elif frequency[0] == rrule.YEARLY and not (by_day or month_days or months):
        months, month_days = [dtstart.month], [dtstart.day]
    _check_possible(frequency[0], by_day, month_days, months)
    # The rule ends at the window's end at the latest. With a count (dateutil takes count or until, not
    # both) the count bounds it, and the series must be counted from its real start.
    until = high
    if end_day is not None:
        last_day = end_day.date() if isinstance(end_day, datetime) else end_day
        until = min(until, datetime.combine(last_day, time(23, 59, 59)))
    if not count:
        dtstart = _advance(dtstart, low, frequency)
    rule = rrule.rrule(
        frequency[0],
        interval=frequency[1],
        dtstart=dtstart,
        until=None if count else until,
        count=min(count[0], MAX_OCCURRENCES * 10) if count else None,
        byweekday=by_day or None,
        bymonthday=month_days or None,
        bymonth=months or None,
    )
    except_days = {
        day.date() if isinstance(day, datetime) else day
        for day in map(_when, as_list(schedule.get("exceptDate")))
    }
    starts = itertools.islice(
        itertools.takewhile(lambda moment: moment <= high, rule.xafter(low, inc=True)), MAX_OCCURRENCES
    )

    def text(moment: date | datetime) -> str:
        if isinstance(moment, datetime) and schedule_zone.key != zone.key:
            return moment.replace(tzinfo=schedule_zone).isoformat()
        return moment.isoformat()

    occurrences: list[tuple[str, str | None]] = []
    for moment in starts:
        if moment.date() in except_days:
            continue
        if start_time is None:
            days = duration.days if duration and duration.days > 1 else 0
            end = text(moment.date() + timedelta(days=days)) if days else None
            occurrences.append((text(moment.date()), end))
            continue
        end_moment = None
        if end_time is not None:
            end_moment = datetime.combine(moment.date(), end_time)
            if end_moment <= moment:
                end_moment += timedelta(days=1)  # "20:00-01:00" ends after midnight
        elif duration is not None:
            end_moment = moment + duration
        occurrences.append((text(moment), text(end_moment) if end_moment else None))
    return occurrences


# -- the spider ----------------------------------------------------------------------------------------------


class JsonLdSpider(SourceSpider):
    source_type = "jsonld"

    def __init__(self, source, **kwargs: Any):
        super().__init__(source, **kwargs)
        self.emitted: set[str] = set()

    # -- pages --

    def parse(self, response, page: int = 1):
        detail_urls = self.links(response, self.source.detail_links)
        items = self.items_on(response)
        # Events that have their own detail page are read there; the listing's copy would be a second,
        # poorer version of the same event, kept only in case the detail page lets us down.
        fallbacks: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            url = urldefrag(item["url"]).url
            if url in detail_urls:
                fallbacks.setdefault(url, []).append(item)
            else:
                yield from self.emit(item)
        for url in detail_urls:
            yield scrapy.Request(
                url,
                callback=self.parse_detail,
                errback=self.on_detail_error,
                cb_kwargs={"fallback": fallbacks.get(url, [])},
            )
        if not items and not detail_urls and response.url not in self.problem_urls:
            self.empty_page(response.url, "listing page holds no schema.org Event and no detail link")
        if self.source.next_page and page < self.source.max_pages:
            next_href = response.css(self.source.next_page).xpath("@href").get()
            if next_href:
                yield response.follow(
                    next_href,
                    callback=self.parse,
                    errback=self.on_request_error,
                    cb_kwargs={"page": page + 1},
                )

    def parse_detail(self, response, fallback: Iterable[dict[str, Any]] = ()):
        items = self.items_on(response)
        if not items:
            items = list(fallback)
            if items:
                self.logger.warning(
                    "[%s] %s: detail page holds no schema.org Event; the listing's record is used",
                    self.source.id,
                    response.url,
                )
            elif response.url not in self.problem_urls:
                self.empty_page(response.url, "detail page holds no schema.org Event")
        for item in items:
            yield from self.emit(item)

    def on_detail_error(self, failure):
        self.on_request_error(failure)
        # The detail page is lost, not the event: the listing's copy stands in for it.
        for item in failure.request.cb_kwargs.get("fallback", ()):
            yield from self.emit(item)

    @staticmethod
    def links(response, selector: str | None) -> list[str]:
        if not selector:
            return []
        hrefs = response.css(selector).xpath("@href").getall()
        return list(dict.fromkeys(urldefrag(response.urljoin(href)).url for href in hrefs))

    def emit(self, item: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Each event once per crawl, however many pages show it (overlapping listing pages)."""
        key = item["sources"][0]["source_event_id"]
        if key not in self.emitted:
            self.emitted.add(key)
            yield item

    # -- structured data --

    def structured_data(self, response) -> list[Any]:
        """JSON-LD values, then microdata items (as JSON-LD-shaped dicts), of one page."""
        data: list[Any] = []
        if "json-ld" in self.source.syntaxes:
            data.extend(self.jsonld(response))
        if "microdata" in self.source.syntaxes:
            try:
                extracted = extruct.extract(
                    response.text, base_url=response.url, syntaxes=["microdata"], uniform=True
                )
                data.extend(extracted["microdata"])
            except Exception as exc:  # whatever its parser raises; the page's JSON-LD is still read
                self.problem(f"unreadable microdata: {type(exc).__name__}: {exc}", url=response.url)
        return data

    def jsonld(self, response) -> list[Any]:
        """The page's JSON-LD values: extruct's, or block by block when extruct fails or misses blocks."""
        scripts = self.jsonld_scripts(response)
        # extruct reads only type="application/ld+json" exactly; "application/ld+json; charset=utf-8" too is
        # read here.
        if all(script.attrib.get("type") == "application/ld+json" for script in scripts):
            try:
                return extruct.extract(response.text, base_url=response.url, syntaxes=["json-ld"])["json-ld"]
            except Exception:  # it gives up on the whole page when one block is broken
                pass
        return self.jsonld_blocks(response)

    @staticmethod
    def jsonld_scripts(response):
        return response.xpath(
            "//script[contains(translate(@type, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'),"
            " 'ld+json')]"
        )

    def jsonld_blocks(self, response) -> list[Any]:
        """Each JSON-LD block read on its own, repaired when it must be; an unreadable one is reported."""
        data: list[Any] = []
        for number, script in enumerate(self.jsonld_scripts(response), start=1):
            try:
                values, repaired = parse_json_block(script.xpath("string()").get() or "")
            except ValueError as exc:
                self.problem(
                    f"unreadable JSON-LD block {number}: {type(exc).__name__}: {exc}", url=response.url
                )
                continue
            if repaired:
                self.crawler.stats.inc_value("hhevents/jsonld_repaired")
                self.logger.info("[%s] %s: JSON-LD block %d repaired", self.source.id, response.url, number)
            data.extend(values)
        return data

    # -- events --

    def window(self) -> tuple[datetime, datetime]:
        now = clock.now()
        return now - timedelta(days=self.source.past_days), now + timedelta(days=self.source.horizon_days)

    def items_on(self, response) -> list[dict[str, Any]]:
        """The page's events as raw items, each with its source reference, duplicates removed."""
        data = self.structured_data(response)
        index = index_nodes(data)
        found: list[tuple[dict[str, Any], dict[str, Any], str, bool]] = []
        seen_nodes: set[int] = set()
        seen_events: set[tuple[str, Any]] = set()
        # References are described elsewhere on the page, and found there. Parents come before the events
        # they list as subEvent, so that a sub-event placed first in a @graph still inherits from its parent.
        nodes = [node for node in find_events(data) if not is_reference(node)]
        children = {id(sub) for node in nodes for sub in self.sub_events(node, response.url, index)}
        nodes.sort(key=lambda node: id(node) in children)
        for node in nodes:
            for item, raw, base, per_start in self.expand(node, response.url, index, seen_nodes):
                # The same event as JSON-LD and as microdata: the first (JSON-LD) wins.
                title = " ".join(html.unescape(item["title"] or "").split()).lower()
                same = (title, self.instant(item["start"]))
                if item["title"] and item["start"] and same in seen_events:
                    continue
                seen_events.add(same)
                found.append((item, raw, base, per_start))
        bases = [base for _, _, base, _ in found]
        keys: set[str] = set()
        items = []
        for item, raw, base, per_start in found:
            # One event per base (its @id or URL) is keyed by it; several sharing one (a series on one page,
            # occurrences of a schedule) also need their start, and in the worst case their title.
            key = f"{base}#{item['start']}" if per_start or bases.count(base) > 1 else base
            if key in keys:
                key = f"{key}#{item['title']}"
            if key in keys:
                continue
            keys.add(key)
            item["sources"] = self.source_ref(key, response.url, raw=raw)
            items.append(item)
        return items

    def instant(self, value: Any) -> Any:
        when = _when(value)
        if isinstance(when, datetime):
            return (when if when.tzinfo else when.replace(tzinfo=self.source.zone)).timestamp()
        return when

    def expand(
        self,
        own: dict[str, Any],
        page_url: str,
        index: dict[str, dict[str, Any]],
        seen: set[int],
        parent: dict[str, Any] | None = None,
        depth: int = 0,
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any], str, bool]]:
        """(item, raw record, key base, key needs start) for one Event node: itself, its schedule's
        occurrences, its sub-events. ``parent`` is what a sub-event inherits."""
        if id(own) in seen or depth > 3:
            return
        seen.add(id(own))
        if parent is None:
            parent = self.super_event(own, page_url, index)
        node = resolve_references(own, index)
        if parent is not None:
            node = {**{k: parent[k] for k in INHERITED if k in parent}, **node}
        # What the node's sub-events inherit, and the record kept with them (the parent, minus its children).
        inherit = {k: v for k, v in node.items() if k not in NOT_INHERITED}
        found_sub = False
        for sub in self.sub_events(node, page_url, index):
            for result in self.expand(sub, page_url, index, seen, inherit, depth + 1):
                found_sub = True
                yield result
        dated = node.get("startDate") is not None or node.get("eventSchedule") is not None
        if found_sub and ("EventSeries" in schema_type_names(node) or not dated):
            return  # a series is its sub-events; an undated parent is only their wrapper
        raw = own if parent is None else {**own, "superEvent": inherit}
        item = item_from_event(node, page_url)  # a UTC label on its times is the normaliser's (utc_is_local)
        own_id = own.get("@id")
        base = urljoin(page_url, own_id) if isinstance(own_id, str) and own_id else item["url"]
        # A sub-event without its own @id or URL shares its parent's: its start tells it apart.
        per_start = parent is not None and not own.get("@id") and not own.get("url")
        schedules = [s for s in as_list(node.get("eventSchedule")) if isinstance(s, dict)]
        if not schedules:
            yield item, raw, base, per_start
            return
        try:
            occurrences = self.occurrences(node, schedules)
        except (ValueError, OverflowError) as exc:  # ScheduleError, or a rule dateutil refuses
            self.problem(f"event {item['title']!r}: eventSchedule not expanded: {exc}", url=page_url)
            if item["start"]:
                yield item, raw, base, per_start
            return
        for start, end in occurrences:
            yield {**item, "start": start, "end": end}, raw, base, True

    @staticmethod
    def super_event(node: dict[str, Any], page_url: str, index: dict[str, dict[str, Any]]):
        """What an event that names its parent only by ``superEvent`` inherits from it, if on the page."""
        ref = first(node.get("superEvent"))
        if isinstance(ref, dict):
            ref = ref.get("@id") if is_reference(ref) else None
        parent = index.get(ref) or index.get(urljoin(page_url, ref)) if isinstance(ref, str) else None
        if not isinstance(parent, dict) or not is_event(parent):
            return None
        return {k: v for k, v in parent.items() if k not in NOT_INHERITED}

    @staticmethod
    def sub_events(node: dict[str, Any], page_url: str, index: dict[str, dict[str, Any]]):
        for entry in as_list(node.get("subEvent")) + as_list(node.get("subEvents")):
            if isinstance(entry, str) or (isinstance(entry, dict) and is_reference(entry)):
                ref = entry if isinstance(entry, str) else entry["@id"]
                entry = index.get(ref) or index.get(urljoin(page_url, ref))
            if isinstance(entry, dict) and (is_event(entry) or "@type" not in entry):
                yield entry

    def occurrences(
        self, node: dict[str, Any], schedules: list[dict[str, Any]]
    ) -> list[tuple[str, str | None]]:
        if self.source.utc_is_local:
            node = {key: utc_as_local(node.get(key)) for key in ("startDate", "endDate", "duration")}
            schedules = [{key: utc_as_local(value) for key, value in s.items()} for s in schedules]
        found: set[tuple[str, str | None]] = set()
        for schedule in schedules:
            found.update(expand_schedule(schedule, node, self.window(), self.source.zone))
        return sorted(found)
