"""Turn a raw item (a dict keyed by Event field names, values as the source wrote them) into an Event.

One small mapper per field, each a plain function with its own tests (tests/test_normalise.py), in the
manner of Helsingborg's schema.org transformer. ``normalise_item`` composes them; the pipeline only calls it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
from pydantic import ValidationError

from config.schema import SourceBase, check_timezone
from hhevents import clock
from hhevents.cities import CITY_COUNTRIES, CITY_CURRENCIES
from hhevents.datetext import DateTextError, parse_datetext
from hhevents.model import CATEGORIES, CITIES, LANGUAGES, Event, Status, ensure_aware


class NormaliseError(ValueError):
    """An item that cannot become an Event; the message says which field and why."""


# -- text ----------------------------------------------------------------------------------------------------

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "header",
    "footer",
    "dd",
    "dt",
    "figure",
    "figcaption",
    "hr",
    "pre",
}
_PARAGRAPH_BREAK = "\ue000"  # a private-use character: survives whitespace collapsing, never in real text


def collapse_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_to_text(value: str | None) -> str:
    """Plain text from HTML or text: entities decoded, scripts and styles dropped, paragraphs kept."""
    if not value:
        return ""
    if not _TAG.search(value):
        paragraphs = re.split(r"\n\s*\n", html.unescape(value))
        return "\n\n".join(p for p in (collapse_whitespace(p) for p in paragraphs) if p)
    root = lxml.html.fragment_fromstring(value, create_parent="div")
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = _PARAGRAPH_BREAK + (element.tail or "")
            element.text = (_PARAGRAPH_BREAK if element.tag.lower() != "br" else "") + (element.text or "")
    text = root.text_content()
    paragraphs = (collapse_whitespace(part) for part in text.split(_PARAGRAPH_BREAK))
    return "\n\n".join(p for p in paragraphs if p)


def map_title(value: Any) -> str:
    title = collapse_whitespace(html_to_text(value if isinstance(value, str) else ""))
    if not title:
        raise NormaliseError("title: missing or empty")
    return title


def map_description(value: Any) -> str:
    return html_to_text(value) if isinstance(value, str) else ""


def map_url(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return value if re.match(r"^https?://", value) else None


def map_organizer(value: Any) -> str | None:
    text = collapse_whitespace(html_to_text(value)) if isinstance(value, str) else ""
    return text or None


def map_tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    tags: list[str] = []
    for tag in value or ():
        text = collapse_whitespace(html_to_text(str(tag))).lower()
        if text and text not in tags:
            tags.append(text)
    return tuple(tags)


# -- time ----------------------------------------------------------------------------------------------------


def parse_when(value: Any, field: str) -> date | datetime:
    """A date (all-day) or a datetime (naive = local wall time) from what a source gives."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise NormaliseError(f"{field}: missing")
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise NormaliseError(f"{field}: {text!r} is not an ISO 8601 date or datetime") from None


def parse_when_text(
    value: Any, field: str, zone: ZoneInfo, language: str | None, now: datetime | None = None
) -> tuple[date | datetime, date | datetime | None]:
    """(value, exclusive end or None): ISO as :func:`parse_when`; other text read by hhevents.datetext.

    Without a ``language`` only ISO is accepted. A text that names a range ("kl. 19-21", "25.–26. februar")
    also gives its end; a year-less date is resolved relative to ``now`` (default: hhevents.clock.now()).
    """
    try:
        return parse_when(value, field), None
    except NormaliseError:
        if language is None or not isinstance(value, str) or not value.strip():
            raise
    try:
        when = parse_datetext(value, language=language, zone=zone, now=now or clock.now())
    except DateTextError as exc:
        raise NormaliseError(f"{field}: {exc}") from None
    return when.start, when.end


def map_times(
    start: Any,
    end: Any,
    zone: ZoneInfo,
    all_day_hint: bool | None = None,
    *,
    language: str | None = None,
    now: datetime | None = None,
) -> tuple[datetime, datetime | None, bool]:
    """(start, exclusive end, all_day), aware and in ``zone``.

    Offset-less values are local wall time in the source's zone; values with an offset are the instant they
    say, shown in the zone. An all-day event gets local midnights, with a one-day end when none is given.
    With a ``language``, non-ISO text ("lördag 14 juni kl. 19-21") is read too: a start text naming a range
    fills the end when none is given; an end text names the last day (or the end time).
    """
    start_value, text_end = parse_when_text(start, "start", zone, language, now)
    if end in (None, ""):
        end_value = text_end
    else:
        end_value, end_range_end = parse_when_text(end, "end", zone, language, now)
        if end_range_end is not None:
            end_value = end_range_end
        elif isinstance(end, str) and type(end_value) is date and not _is_iso_date(end):
            end_value += timedelta(days=1)  # "30 augusti" is the last day; the model's end is exclusive
    all_day = not isinstance(start_value, datetime) if all_day_hint is None else all_day_hint

    def at_midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone)

    def as_aware(value: date | datetime) -> datetime:
        if isinstance(value, datetime):
            # Round trip through UTC: a wall time that the zone skips (02:30 on the spring-forward night)
            # becomes the time its clocks show at that instant (03:30, +02:00), as RFC 5545 reads it.
            return ensure_aware(value, zone).astimezone(UTC).astimezone(zone)
        return at_midnight(value)

    if all_day:
        start_day = start_value.date() if isinstance(start_value, datetime) else start_value
        start_dt = at_midnight(start_day)
        if end_value is None:
            end_dt = at_midnight(start_day + timedelta(days=1))
        else:
            end_day = end_value.date() if isinstance(end_value, datetime) else end_value
            end_dt = at_midnight(max(end_day, start_day + timedelta(days=1)))
        return start_dt, end_dt, True

    start_dt = as_aware(start_value)
    end_dt = as_aware(end_value) if end_value is not None else None
    # Compare instants: two times in one zone compare by wall clock, wrong across the October change.
    if end_dt is not None and end_dt.timestamp() < start_dt.timestamp():
        raise NormaliseError(f"end {end_dt.isoformat()} is before start {start_dt.isoformat()}")
    return start_dt, end_dt, False


def _is_iso_date(text: str) -> bool:
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()) is not None


# -- place and price -----------------------------------------------------------------------------------------


def _number(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        raise NormaliseError(f"{field}: {value!r} is not a number") from None


def map_venue(value: Any, city: str) -> dict[str, Any]:
    venue = dict(value or {})
    out: dict[str, Any] = {}
    for key in ("name", "street_address", "postal_code", "locality"):
        text = collapse_whitespace(html_to_text(str(venue[key]))) if venue.get(key) else ""
        out[key] = text or None
    country = str(venue.get("country") or "").strip().upper()
    aliases = {"SWEDEN": "SE", "SVERIGE": "SE", "DENMARK": "DK", "DANMARK": "DK"}
    country = aliases.get(country, country)
    out["country"] = country if country in ("SE", "DK") else CITY_COUNTRIES[city]
    out["latitude"] = _number(venue.get("latitude"), "venue.latitude")
    out["longitude"] = _number(venue.get("longitude"), "venue.longitude")
    if (out["latitude"] is None) != (out["longitude"] is None):
        out["latitude"] = out["longitude"] = None  # half a coordinate places nothing
    return out


def map_price(value: Any, city: str) -> dict[str, Any]:
    price = dict(value or {})
    low = _number(price.get("min"), "price.min")
    high = _number(price.get("max"), "price.max")
    if low is not None and high is not None and high < low:
        low, high = high, low
    free = price.get("free")
    if free is None and high is not None:
        free = high == 0
    currency = str(price.get("currency") or "").upper() or None
    if currency is None and (low is not None or high is not None):
        currency = CITY_CURRENCIES[city]
    if currency not in (None, "SEK", "DKK", "EUR"):
        raise NormaliseError(f"price.currency: {currency!r} is not SEK, DKK or EUR")
    text = collapse_whitespace(str(price["text"])) if price.get("text") else None
    return {"free": free, "min": low, "max": high, "currency": currency, "text": text}


# -- status --------------------------------------------------------------------------------------------------

_STATUS_WORDS: dict[str, Status] = {
    "scheduled": "scheduled",
    "eventscheduled": "scheduled",
    "confirmed": "scheduled",
    "tentative": "scheduled",
    "eventmovedonline": "scheduled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "eventcancelled": "cancelled",
    "postponed": "postponed",
    "eventpostponed": "postponed",
    "rescheduled": "rescheduled",
    "eventrescheduled": "rescheduled",
}


def map_status(value: Any) -> Status:
    """iCalendar STATUS words and schema.org eventStatus (URL or bare word) into the model's status."""
    if not value:
        return "scheduled"
    word = re.split(r"[/:]", str(value).strip())[-1].lower()  # "https://schema.org/X", "schema:X", "X"
    try:
        return _STATUS_WORDS[word]
    except KeyError:
        raise NormaliseError(f"status: unknown status {value!r}") from None


# -- the whole item ------------------------------------------------------------------------------------------


def _choice(value: Any, allowed: tuple[str, ...], default: str, field: str) -> str:
    if value in (None, ""):
        return default
    if value not in allowed:
        raise NormaliseError(f"{field}: {value!r} is not one of {', '.join(allowed)}")
    return value


def normalise_item(item: Mapping[str, Any], source: SourceBase) -> Event:
    """The Event that a raw item from ``source`` describes; NormaliseError says why when it cannot be one."""
    unknown = set(item) - set(Event.model_fields)
    if unknown:
        # A spider bug, not bad data: say so loudly rather than silently dropping a field.
        raise NormaliseError(f"unknown field(s) {sorted(unknown)}; raw items use Event field names")
    refs = list(item.get("sources") or ())
    if not refs or not refs[0].get("source_event_id"):
        raise NormaliseError("sources: the item carries no source_event_id")
    refs = [{**ref, "source_id": source.id} for ref in refs]

    city = _choice(item.get("city"), CITIES, source.city, "city")
    zone_name = item.get("timezone") or source.zone_name
    try:
        zone = ZoneInfo(check_timezone(zone_name))
    except ValueError as exc:
        raise NormaliseError(f"timezone: {exc}") from None
    # Date text ("lördag 14 juni kl. 19") is read in the item's language, relative to now (year-less dates).
    language = item.get("language") if item.get("language") in LANGUAGES else source.language
    start, end, all_day = map_times(
        item.get("start"), item.get("end"), zone, item.get("all_day"), language=language, now=clock.now()
    )
    try:
        return Event(
            id=Event.make_id(source.id, str(refs[0]["source_event_id"])),
            title=map_title(item.get("title")),
            description=map_description(item.get("description")),
            url=map_url(item.get("url")),
            image=map_url(item.get("image")),
            start=start,
            end=end,
            all_day=all_day,
            timezone=zone_name,
            city=city,
            category=_choice(item.get("category"), CATEGORIES, source.category, "category"),
            tags=map_tags(item.get("tags")),
            venue=map_venue(item.get("venue"), city),
            price=map_price(item.get("price"), city),
            language=_choice(item.get("language"), LANGUAGES, source.language, "language"),
            status=map_status(item.get("status")),
            organizer=map_organizer(item.get("organizer")),
            sources=refs,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise NormaliseError(problems) from None


class NormalisePipeline:
    """Scrapy pipeline: raw item -> Event, or DropItem naming the source, the page and the reason."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        from scrapy.exceptions import DropItem

        spider = self.crawler.spider
        try:
            return normalise_item(item, spider.source)
        except NormaliseError as exc:
            # Counted per field, so the run's statistics say why items were lost, not only how many.
            field_name = str(exc).split(":", 1)[0].split(".", 1)[0].strip() or "item"
            self.crawler.stats.inc_value(f"hhevents/dropped/{field_name}")
            refs = item.get("sources") or [{}]
            where = refs[0].get("url") or spider.source.url
            raise DropItem(f"[{spider.source.id}] {where}: {exc}") from None
