"""Turn a cleaned raw item into an Event: times, place, price, language and status, typed and checked.

The second stage, after pipelines/clean.py (which owns all text: HTML, entities, whitespace, the title's
cancellation marker). Here every value gets its type and is checked; an item that cannot be an Event is
rejected with a :class:`NormaliseError` naming the field. One small mapper per field, each a plain function
with its own tests (tests/test_normalise.py); the rules they apply live in their own modules:

- time: :func:`map_times` (offset-less = local wall time; ``utc_is_local``; past-midnight ends);
- place: :func:`map_place` with hhevents/place.py (addresses, city, coordinates) and config/venues.py
  (the venue alias table);
- price: :func:`map_price` with pipelines/price.py (structured offers and price texts);
- language: :func:`map_language` with pipelines/language.py.

``normalise_cleaned`` is the stage's function; ``normalise_item`` runs clean and normalise together (a raw
item as a spider yields it -> Event), for callers outside a crawl. docs/normalisation.md has the rules.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from config.schema import SourceBase, check_timezone
from config.venues import DEFAULT_VENUES_PATH, VenueTable, load_venues
from hhevents import clock
from hhevents.cities import CITY_COUNTRIES, CITY_CURRENCIES, CITY_TIMEZONES
from hhevents.datetext import DateTextError, parse_datetext
from hhevents.model import CATEGORIES, CITIES, LANGUAGES, Event, Language, Status, ensure_aware
from hhevents.place import (
    check_coordinates,
    country_code,
    decide_city,
    normalise_postal_code,
    parse_address,
    parse_coordinate,
)
from pipelines.clean import Note, clean_item, collapse_whitespace, record_notes
from pipelines.language import check_language
from pipelines.price import merge_price, parse_price_text

logger = logging.getLogger(__name__)

VENUES_SETTING = "HHEVENTS_VENUES"
# An end earlier than the start on the same day is read as "after midnight" only when the event then lasts
# at most this long: "22:00-02:00" is a night out, "16:30-15:00" (22½ hours) is a mistake.
PAST_MIDNIGHT_MAX: Final = timedelta(hours=12)


class NormaliseError(ValueError):
    """An item that cannot become an Event; the message says which field and why."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self._field = field

    @property
    def field(self) -> str:
        """The top-level field at fault ("venue" for "venue.latitude: ..."), for the drop statistics."""
        return self._field or str(self).split(":", 1)[0].split(".", 1)[0].strip() or "item"


# -- text fields: already clean (pipelines/clean.py), only checked here --------------------------------------


def map_title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise NormaliseError("title: missing or empty")
    return value.strip()


def map_description(value: Any) -> str:
    return value if isinstance(value, str) else ""


def map_organizer(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def map_tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    return tuple(str(tag) for tag in value or () if tag)


def map_url(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return value if re.match(r"^https?://", value) else None


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


# "…T15:15:00Z", "…+00:00", "…+0000", "…+00" after a time of day.
_UTC_LABEL = re.compile(r"(?<=\d)(?:Z|[+-]00(?::?00)?)$", re.IGNORECASE)


def utc_as_local(value: Any) -> Any:
    """A time labelled UTC as the local wall time it really is (a source's ``utc_is_local``).

    "2026-04-07T15:15:00+00:00" and "…Z" lose the label; an aware datetime at offset 0 (an iCalendar
    "…Z" time, an API's UTC instant) loses its zone. Dates, other offsets and offset-less values are
    returned unchanged.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() == timedelta(0):
            return value.replace(tzinfo=None)
        return value
    if isinstance(value, str) and ":" in value:  # a time of day, not a bare date
        return _UTC_LABEL.sub("", value.strip())
    return value


def map_times(
    start: Any,
    end: Any,
    zone: ZoneInfo,
    all_day_hint: bool | None = None,
    *,
    language: str | None = None,
    now: datetime | None = None,
    utc_is_local: bool = False,
    notes: list[Note] | None = None,
) -> tuple[datetime, datetime | None, bool]:
    """(start, exclusive end, all_day), aware and in ``zone``.

    Offset-less values are local wall time in the source's zone; values with an offset are the instant they
    say, shown in the zone (with ``utc_is_local``, a UTC label is read as local wall time instead). An
    all-day event gets local midnights, with a one-day end when none is given. With a ``language``, non-ISO
    text ("lördag 14 juni kl. 19-21") is read too: a start text naming a range fills the end when none is
    given; an end text names the last day (or the end time).

    An end before the start is repaired when it is clearly after midnight (same day, earlier clock time,
    and the event then lasts at most :data:`PAST_MIDNIGHT_MAX`): it moves to the next day, and a note says
    so. Any other end before the start is a NormaliseError.
    """
    if utc_is_local:
        start, end = utc_as_local(start), utc_as_local(end)
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
        repaired = past_midnight_end(start_dt, end_dt)
        if repaired is None:
            raise NormaliseError(f"end {end_dt.isoformat()} is before start {start_dt.isoformat()}",
                                 field="end")
        if notes is not None:
            notes.append(Note("end_after_midnight", f"end {end_dt.isoformat()} is before start "
                              f"{start_dt.isoformat()}: read as {repaired.isoformat()}"))
        end_dt = repaired
    return start_dt, end_dt, False


def past_midnight_end(start: datetime, end: datetime) -> datetime | None:
    """``end`` on the next day when it clearly means after midnight ("22:00-02:00"), else None.

    Both are aware and in the event's zone. The end's wall time moves one day on (so a DST change that night
    counts: 22:00-03:00 on the last Saturday of March lasts four hours) and must then lie after the start by
    at most :data:`PAST_MIDNIGHT_MAX`.
    """
    zone = start.tzinfo
    if end.date() != start.date() or end.time() >= start.time():
        return None
    wall = datetime.combine(end.date() + timedelta(days=1), end.time())
    repaired = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    span = repaired.timestamp() - start.timestamp()
    return repaired if 0 < span <= PAST_MIDNIGHT_MAX.total_seconds() else None


def _is_iso_date(text: str) -> bool:
    return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()) is not None


# -- place ---------------------------------------------------------------------------------------------------


def _number(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        raise NormaliseError(f"{field}: {value!r} is not a number") from None


def _coordinate(value: Any, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = parse_coordinate(value)  # "56,0375", "56.0375° N", "12,6 Ö"
    if number is None:
        raise NormaliseError(f"{field}: {value!r} is not a number")
    return number


def _venue_fields(value: Any) -> dict[str, Any]:
    """The venue's fields typed: text stripped (blank = None), coordinates as numbers, country SE/DK/None."""
    if isinstance(value, str):
        value = {"name": value}  # a venue given only by its name
    venue = dict(value) if isinstance(value, Mapping) else {}
    out: dict[str, Any] = {}
    for key in ("name", "street_address", "postal_code", "locality"):
        given = venue.get(key)
        out[key] = collapse_whitespace(str(given)) or None if given not in (None, "") else None
    out["country"] = country_code(str(venue.get("country") or ""))  # "Sverige", "denmark", "DK" ...
    out["latitude"] = _coordinate(venue.get("latitude"), "venue.latitude")
    out["longitude"] = _coordinate(venue.get("longitude"), "venue.longitude")
    if (out["latitude"] is None) != (out["longitude"] is None):
        out["latitude"] = out["longitude"] = None  # half a coordinate places nothing
    return out


def map_venue(value: Any, city: str) -> dict[str, Any]:
    """The model's Venue keys: text stripped, coordinates as numbers, the country as SE/DK (else the city's).

    Only typing: which city, which canonical venue and whether the coordinates are plausible is
    :func:`map_place`'s business.
    """
    out = _venue_fields(value)
    out["country"] = out["country"] or CITY_COUNTRIES[city]
    return out


_HOUSE_NUMBER = re.compile(r"\d")


def _split_address(venue: dict[str, Any]) -> None:
    """Postcode and town out of a one-line address in the street (or the name), when no field holds them.

    Only an address with a postcode is split ("Allégade 2, 3000 Helsingør"): without one, "Sal 2" or
    "Bredgade 5, 1. sal" cannot be told from a street and a town.
    """
    if venue["postal_code"] or venue["locality"]:
        return
    for key in ("street_address", "name"):
        if not venue[key]:
            continue
        address = parse_address(venue[key])
        if address.postal_code is None:
            continue
        if key == "street_address":
            venue["street_address"] = address.street
            venue["name"] = venue["name"] or address.name
        else:
            name, street = address.name, address.street
            if name is None and street and not _HOUSE_NUMBER.search(street):
                # "Kulturhuset Bølgen, 3140 Ålsgårde": parse_address reads the part before the postcode as a
                # street ("Stortorget, 252 23 ..."); without a house number, in a name, it is the name.
                name, street = street, None
            venue["name"] = name  # None when the name was nothing but an address ("Allégade 2, 3000 ...")
            venue["street_address"] = venue["street_address"] or street
        venue["postal_code"], venue["locality"] = address.postal_code, address.locality
        venue["country"] = venue["country"] or address.country
        return


def _coordinate_problem(reason: str) -> str:
    """A short statistics key for check_coordinates' reason."""
    for word, key in (("swapped", "swapped"), ("placeholder", "placeholder"), ("sign", "wrong_sign")):
        if word in reason:
            return key
    return "outside_region"


def map_place(
    value: Any, city: str, *, venues: VenueTable | None = None, notes: list[Note] | None = None
) -> tuple[dict[str, Any], str]:
    """(the model's Venue keys, the event's city) from the item's venue and the source's (or item's) city.

    In order: fields typed (:func:`map_venue`'s rules); a one-line address with a postcode split; implausible
    coordinates dropped (a note says why); the venue looked up in the alias table, which gives the canonical
    name and fills what the source left empty; the city decided by the address (hhevents.place.decide_city:
    the source's city unless the address clearly says otherwise; an address in neither city keeps the
    source's city, with a note); the country from the source, else the postcode, else the city; the postcode
    spelled the one way ("252 21", "3000").
    """
    note = notes.append if notes is not None else (lambda _: None)
    venue = _venue_fields(value)
    _split_address(venue)

    latitude, longitude = venue["latitude"], venue["longitude"]
    if latitude is not None and longitude is not None:
        ok, reason = check_coordinates(latitude, longitude)
        if not ok:
            venue["latitude"] = venue["longitude"] = None
            note(Note(f"coordinates_dropped/{_coordinate_problem(reason)}",
                      f"coordinates ({latitude}, {longitude}) dropped: {reason}"))

    if venues is not None and (venue["name"] or venue["street_address"]):
        match = venues.resolve(
            venue["name"], venue["street_address"], venue["postal_code"], venue["locality"], venue["country"]
        )
        if match is not None:
            given = venue["name"]
            # A street match finds the building, not the name: a source's own name for it is kept.
            if match.by != "street" or not given:
                venue["name"] = match.venue.name
            filled = [key for key, known in match.venue.as_venue().items()
                      if key != "name" and known is not None and venue[key] is None]
            for key in filled:
                venue[key] = getattr(match.venue, key)
            hall = f", hall {match.hall}" if match.hall else ""
            note(Note(f"venue/by_{match.by}", f"venue {given!r} is {match.venue.name!r} ({match.by} "
                      f"{match.matched!r}{hall}); filled: {', '.join(filled) or '-'}"))

    decision = decide_city(venue["postal_code"], venue["locality"], venue["country"], city)
    if decision.city is None:
        note(Note("city/outside_both", f"kept {city}: {decision.reason}"))
    elif decision.city != city:
        note(Note("city/from_address", f"{city} -> {decision.city}: {decision.reason}"))
        city = decision.city

    code, code_country = normalise_postal_code(venue["postal_code"], venue["country"])
    if code is not None:
        venue["postal_code"] = code
    venue["country"] = venue["country"] or code_country or CITY_COUNTRIES[city]
    return venue, city


# -- price ---------------------------------------------------------------------------------------------------

_CURRENCY_OF: Final = {"SE": "SEK", "DK": "DKK"}


def map_price(value: Any, city: str, *, country: str | None = None) -> dict[str, Any]:
    """The model's Price keys from a structured price (numbers may be strings) and its ``text``.

    pipelines/price.py's rules: the text is read (``parse_price_text``) and fills what the structured values
    leave empty (``merge_price``); the text is kept. "kr", ":-" and ",-" and a price without a currency are
    in ``country``'s currency (default: the city's): SEK in Sweden, DKK in Denmark.
    """
    price = dict(value) if isinstance(value, Mapping) else {}
    country = country or CITY_COUNTRIES[city]
    text = collapse_whitespace(str(price["text"])) or None if price.get("text") else None
    info = parse_price_text(text, country=country) if text else None
    merged = merge_price({**price, "text": text}, info)
    low = _number(merged["min"], "price.min")
    high = _number(merged["max"], "price.max")
    if low is not None and high is not None and high < low:
        low, high = high, low
    free = merged["free"]
    if free is None and high is not None:
        free = high == 0
    currency = str(merged["currency"] or "").upper() or None
    if currency is None and (low is not None or high is not None):
        currency = _CURRENCY_OF.get(country, CITY_CURRENCIES[city])
    if currency not in (None, "SEK", "DKK", "EUR"):
        raise NormaliseError(f"price.currency: {currency!r} is not SEK, DKK or EUR")
    return {"free": free, "min": low, "max": high, "currency": currency, "text": merged["text"]}


# -- status and language -------------------------------------------------------------------------------------

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


def map_language(
    claimed: Language, title: str, description: str, notes: list[Note] | None = None
) -> Language:
    """The item's (or source's) language, unless the title and description clearly say another one."""
    language, reason = check_language(claimed, title, description)
    if language != claimed and notes is not None:
        notes.append(Note(f"language/{claimed}_to_{language}", reason))
    return language


# -- the whole item ------------------------------------------------------------------------------------------


def _choice(value: Any, allowed: tuple[str, ...], default: str, field: str) -> str:
    if value in (None, ""):
        return default
    if value not in allowed:
        raise NormaliseError(f"{field}: {value!r} is not one of {', '.join(allowed)}")
    return value


def normalise_cleaned(
    item: Mapping[str, Any],
    source: SourceBase,
    *,
    venues: VenueTable | None = None,
    notes: list[Note] | None = None,
) -> Event:
    """The Event that a cleaned item from ``source`` describes; NormaliseError says why when it cannot be one.

    ``venues`` is the alias table (None: no look-up); ``notes`` collects what was decided on the way.
    """
    unknown = set(item) - set(Event.model_fields)
    if unknown:
        # A spider bug, not bad data: say so loudly rather than silently dropping a field.
        raise NormaliseError(f"unknown field(s) {sorted(unknown)}; raw items use Event field names",
                             field="item")
    refs = list(item.get("sources") or ())
    if not refs or not refs[0].get("source_event_id"):
        raise NormaliseError("sources: the item carries no source_event_id")
    refs = [{**ref, "source_id": source.id} for ref in refs]

    claimed_city = _choice(item.get("city"), CITIES, source.city, "city")
    claimed_language: Language = _choice(item.get("language"), LANGUAGES, source.language, "language")
    venue, city = map_place(item.get("venue"), claimed_city, venues=venues, notes=notes)
    # The zone follows the event's city unless the item or the source names one (both cities' zones have
    # the same rules, so only the name shown in feeds changes).
    zone_name = item.get("timezone") or source.timezone or CITY_TIMEZONES[city]
    try:
        zone = ZoneInfo(check_timezone(zone_name))
    except ValueError as exc:
        raise NormaliseError(f"timezone: {exc}") from None
    # Date text ("lördag 14 juni kl. 19") is read in the item's language, relative to now (year-less dates).
    start, end, all_day = map_times(
        item.get("start"), item.get("end"), zone, item.get("all_day"), language=claimed_language,
        now=clock.now(), utc_is_local=source.utc_is_local, notes=notes,
    )
    title = map_title(item.get("title"))
    description = map_description(item.get("description"))
    try:
        return Event(
            id=Event.make_id(source.id, str(refs[0]["source_event_id"])),
            title=title,
            description=description,
            url=map_url(item.get("url")),
            image=map_url(item.get("image")),
            start=start,
            end=end,
            all_day=all_day,
            timezone=zone_name,
            city=city,
            category=_choice(item.get("category"), CATEGORIES, source.category, "category"),
            tags=map_tags(item.get("tags")),
            venue=venue,
            price=map_price(item.get("price"), city, country=venue["country"]),
            language=map_language(claimed_language, title, description, notes),
            status=map_status(item.get("status")),
            organizer=map_organizer(item.get("organizer")),
            sources=refs,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise NormaliseError(problems) from None


def normalise_item(
    item: Mapping[str, Any],
    source: SourceBase,
    *,
    venues: VenueTable | None = None,
    notes: list[Note] | None = None,
) -> Event:
    """The Event a raw item (as a spider yields it) describes: clean_item, then :func:`normalise_cleaned`.

    What the clean and normalise stages of a crawl make of an item (categories and default ends come later).
    """
    return normalise_cleaned(clean_item(item, notes), source, venues=venues, notes=notes)


# -- the venue table, once per crawl -------------------------------------------------------------------------

# Every source has its own crawler (and pipeline) in one crawl process: the file is read, and its problems
# logged, once per process while the file is unchanged.
_tables: dict[tuple[str, int, int], tuple[VenueTable | None, int]] = {}


def venues_for_crawl(path: str | Path | None) -> tuple[VenueTable | None, int]:
    """(the alias table at ``path`` or None, its number of problems); problems logged the first time.

    ``path`` None means the project's config/venues.yaml. A broken file never stops a crawl: broken venues
    are left out (config/venues.py), and a file that gives no venue at all (unreadable, a YAML error) means
    no look-ups: events keep the venue names their sources write.
    """
    resolved = Path(path or DEFAULT_VENUES_PATH).resolve()
    try:
        stat = resolved.stat()
        key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (str(resolved), -1, -1)
    if key not in _tables:
        loaded = load_venues(resolved)
        for problem in loaded.problems:
            logger.error("venue table: %s", problem)
        table = VenueTable(loaded.venues) if loaded.venues else None
        if table is None:
            logger.error("no venue could be read from %s: venue names stay as the sources write them until "
                         "the file is fixed", resolved)
        elif loaded.problems:
            logger.error("%d problem(s) in %s: the venues named above are left out, the others apply",
                         len(loaded.problems), resolved)
        _tables[key] = (table, len(loaded.problems))
    return _tables[key]


def forget_loaded_venues() -> None:
    """Read (and report) the venue table afresh on the next crawl in this process (for tests)."""
    _tables.clear()


class NormalisePipeline:
    """Scrapy pipeline: cleaned item -> Event, or DropItem naming the source, the page and the reason."""

    def __init__(self, crawler, venues: VenueTable | None = None):
        self.crawler = crawler
        self.venues = venues

    @classmethod
    def from_crawler(cls, crawler):
        venues, problems = venues_for_crawl(crawler.settings.get(VENUES_SETTING))
        if problems:
            crawler.stats.set_value("hhevents/venues/problems", problems)
        return cls(crawler, venues)

    def process_item(self, item):
        from scrapy.exceptions import DropItem

        spider = self.crawler.spider
        refs = item.get("sources") or [{}]
        where = refs[0].get("url") or spider.source.url
        notes: list[Note] = []
        try:
            event = normalise_cleaned(item, spider.source, venues=self.venues, notes=notes)
        except NormaliseError as exc:
            # Counted per field, so the run's statistics say why items were lost, not only how many.
            self.crawler.stats.inc_value(f"hhevents/dropped/{exc.field}")
            raise DropItem(f"[{spider.source.id}] {where}: {exc}") from None
        # What was decided on the way, for the events that were kept.
        record_notes(self.crawler, "normalise", notes, spider.source.id, where)
        return event
