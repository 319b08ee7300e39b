"""`hbg` sources: Helsingborg's event API (helsingborg-stad api-event-manager), in both of its shapes.

- **legacy** (``…/event/json/wp/v2/event`` and its ``/event/time`` variant): one record per event (per
  occasion on ``/time``, each copy listing every occasion) with ``occasions`` that carry their own status,
  weekly ``rcr_rules`` with exceptions, a ``location`` with coordinates as strings, HTML-escaped
  ``event_categories`` and prices per audience (adult, student, children, senior) in SEK.
- **v3** (a WordPress ``event`` post type with its fields under ``acf``): ``acf.occasions`` (single dates
  or weekly repeats), ``pricing``/``pricesList``, an OpenStreetMap ``location``, terms and image in
  ``_embedded``.

The shape is detected per record, so one ``type: hbg`` reads either API. Each occasion becomes one event
whose source id is the record id plus its local start, so occasions are told apart and stay stable.

Times are local wall time (Europe/Stockholm) whatever they say: Helsingborg's own schema.org transformer
labels them UTC (``+00:00``) although they are local, so a UTC label is ignored (the shared corpus's
helsingborg-event-api/third-party-consumer-notes.txt lists this and other pitfalls).

Paging is WordPress's: ``per_page``/``page``; when the ``X-WP-TotalPages`` header is there every page is
requested at once, otherwise pages are read one after another while they come back full. Past the end,
WordPress answers 400 ``rest_post_invalid_page_number`` and the ``/time`` endpoint 404 ``empty_result``;
both mean "no more events", as does a 404 ``empty_result`` for the first page (an empty group).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import scrapy
from w3lib.url import add_or_replace_parameters

from hhevents import clock
from spiders.base import SourceSpider

# 404 codes that mean "nothing matched" rather than "no such endpoint": the legacy API's empty group and
# its /time endpoint's answer past the last page ("No event found at this criteria").
EMPTY_CODES = frozenset({"empty_result", "error_message"})
PAST_LAST_PAGE = "rest_post_invalid_page_number"

# The legacy API's audiences, in the order Helsingborg shows them, with the age field that qualifies each.
LEGACY_PRICES = (
    ("price_adult", "Vuxen", None, None),
    ("price_student", "Student", None, None),
    ("price_children", "Barn", "children_age", "till {} år"),
    ("price_senior", "Pensionär", "senior_age", "från {} år"),
)
LEGACY_PRICE_RANGES = (("seated", "Sittplats"), ("standing", "Ståplats"))
# What Helsingborg's own transformer shows for the legacy API's English accessibility words.
ACCESSIBILITY_SV = {"Accessible toilet": "Handikapptoalett", "Elevator/ramp": "Hiss/ramp"}

_WEEKDAYS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon", "måndag", "mån"),
            ("tuesday", "tue", "tues", "tisdag", "tis"),
            ("wednesday", "wed", "onsdag", "ons"),
            ("thursday", "thu", "thur", "thurs", "torsdag", "tor", "tors"),
            ("friday", "fri", "fredag", "fre"),
            ("saturday", "sat", "lördag", "lör"),
            ("sunday", "sun", "söndag", "sön"),
        )
    )
    for name in names
}

_STATUSES: dict[str, str | None] = {
    "scheduled": "scheduled",
    "confirmed": "scheduled",
    "movedonline": "scheduled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "rescheduled": "rescheduled",
    "postponed": "postponed",
    "default": None,
}

_WHEN = re.compile(
    r"^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{1,2})[:.](\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_POSTAL = re.compile(r"^(\d{3}\s?\d{2})\s+(.+)$")


# -- values -------------------------------------------------------------------------------------------------


def text_of(value: Any) -> str | None:
    """A WordPress text field: a string, or ``{"rendered": ..., "plain_text": ...}``; None when empty."""
    if isinstance(value, dict):
        value = value.get("rendered") or value.get("plain_text")
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def plain_title(value: Any) -> str | None:
    """A title: the plain text when the API gives one (no markup to strip), else the rendered HTML."""
    if isinstance(value, dict) and value.get("plain_text"):
        return str(value["plain_text"]).strip() or None
    return text_of(value)


def local_when(value: Any, zone: ZoneInfo) -> datetime | date | None:
    """A date (all day) or a naive local datetime: ``2026-03-24 18:30``, ``2026-03-24T18:30``, ``20260324``.

    The API's times are local wall time; a UTC label (``Z``, ``+00:00``) is the known mislabel and ignored,
    any other offset is honoured. None when the value is missing or unreadable.
    """
    if not isinstance(value, str):
        return None
    match = _WHEN.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        if hour is None:
            return date(int(year), int(month), int(day))
        when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    if offset and offset not in ("Z", "+00:00", "+0000", "-00:00"):
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        instant = (when - sign * delta).replace(tzinfo=UTC)
        when = instant.astimezone(zone).replace(tzinfo=None)
    return when


def local_date(value: Any) -> date | None:
    """A date from ``2026-03-24``, ``20260324`` or the date part of a datetime."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    match = _WHEN.match(str(value).strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def local_time(value: Any) -> time | None:
    """A time of day from ``18:30``, ``18:30:00`` or ``18.30``."""
    if not isinstance(value, str):
        return None
    match = _TIME.match(value.strip())
    if not match:
        return None
    try:
        return time(int(match[1]), int(match[2]), int(match[3] or 0))
    except ValueError:
        return None


def weekday_number(value: Any) -> int | None:
    """Monday = 0 from an English or Swedish day name, a schema.org day URL, or 1-7 / 0 (Sunday) as PHP."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip().rstrip("/").rsplit("/", 1)[-1].lower()
    if text.isdigit():
        number = int(text)
        return 6 if number in (0, 7) else number - 1 if 1 <= number <= 6 else None
    return _WEEKDAYS.get(text)


def coordinate(value: Any) -> float | None:
    """A latitude or longitude given as a number or a string; 0 and junk are no position."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number or None


def price_number(value: Any) -> float | None:
    """A price from ``250``, ``"250"``, ``"250 kr"``, ``"99,50"`` or ``"100:-"``; None when none is given."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).replace("\u00a0", " ")
    if re.search(r"gratis|kostnadsfri|fritt|fri entré", text, re.IGNORECASE):
        return 0.0
    match = _NUMBER.search(text.replace(" ", ""))  # "1 000 kr"
    return float(match[0].replace(",", ".")) if match else None


def sek(amount: float) -> str:
    return "gratis" if amount == 0 else f"{amount:g} kr".replace(".", ",")


def price_range(low: float, high: float) -> str:
    return sek(low) if low == high else f"{low:g}–{high:g} kr".replace(".", ",")


def status_word(value: Any) -> tuple[str | None, bool]:
    """(model status or None, whether the value was understood) from an occasion or schema.org status."""
    if not value:
        return None, True
    word = re.split(r"[/:]", str(value).strip())[-1].lower()
    word = word.removeprefix("event") if word != "event" else word
    if word in _STATUSES:
        return _STATUSES[word], True
    return None, False


def as_html(text: str | None) -> str:
    """HTML for a text that may be HTML or plain (paragraphs split by blank lines); entities are kept."""
    if not text:
        return ""
    if _TAG.search(text):
        return text
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)


def compose_description(main: str | None, before: Iterable[str | None], after: Iterable[str | None]) -> str:
    """The event's description with occasion notes in front and practical facts after it, as HTML.

    A fact ("Ålder: 10–12 år") whose label the description already has, or a link it already holds, is left
    out: organisers often write age and booking into the text themselves.
    """
    plain = html.unescape(_TAG.sub(" ", main or "")).casefold()
    facts = []
    for fact in after:
        if not fact:
            continue
        label, _, value = fact.partition(": ")
        if f"{label.casefold()}:" in plain or (value.startswith("http") and value.casefold() in plain):
            continue
        facts.append(fact)
    return "".join(as_html(text) for text in (*before, main, *facts) if text)


def parse_address(address: str) -> dict[str, Any]:
    """Street, postal code, locality and country from ``Drottninggatan 14, 252 21 Helsingborg, Sverige``."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    venue: dict[str, Any] = {"street_address": parts[0] if parts else None}
    for part in parts[1:]:
        match = _POSTAL.match(part)
        if match:
            venue["postal_code"], venue["locality"] = match[1], match[2]
        elif part.lower() in ("sverige", "sweden", "danmark", "denmark"):
            venue["country"] = part
        elif "locality" not in venue and not part.isdigit():
            venue["locality"] = part
    return venue


def embedded(record: dict[str, Any], key: str) -> list[Any]:
    value = (record.get("_embedded") or {}).get(key) if isinstance(record.get("_embedded"), dict) else None
    return value if isinstance(value, list) else []


def featured_image(record: dict[str, Any]) -> str | None:
    """The featured image: the legacy API's ``featured_media`` object, else ``_embedded`` (``?_embed``)."""
    media = record.get("featured_media")
    if isinstance(media, dict) and media.get("source_url"):
        return str(media["source_url"])
    for item in embedded(record, "wp:featuredmedia"):
        if isinstance(item, dict) and item.get("source_url"):
            return str(item["source_url"])
    return None


def record_shape(record: Any) -> str | None:
    """The record's shape: v3 (fields under ``acf``), legacy (``occasions``/``rcr_rules``) or None."""
    if not isinstance(record, dict):
        return None
    acf = record.get("acf")
    if isinstance(acf, dict) and ("occasions" in acf or "date" in acf):
        return "v3"
    if "occasions" in record or "rcr_rules" in record:
        return "legacy"
    return None


@dataclass
class Occasion:
    start: datetime | date
    end: datetime | date | None = None
    status: Any = None  # as the source wrote it
    note: str | None = None  # the occasion's own words (why it was cancelled, where it moved)
    door: datetime | None = None
    content: str | None = None  # replaces the event's description for this occasion
    location: dict[str, Any] | None = None
    booking_url: str | None = None

    @property
    def key(self) -> str:
        if isinstance(self.start, datetime):
            return self.start.strftime("%Y-%m-%dT%H:%M")
        return self.start.isoformat()


def weekly_days(first: date, last: date, weekdays: Iterable[int], interval: int) -> Iterator[date]:
    """Days on ``weekdays`` in every ``interval``-th week from ``first``'s week, within [first, last].

    Weeks start on Monday and count from the one holding ``first``, as an RRULE with WKST=MO would.
    """
    monday = first - timedelta(days=first.weekday())
    offsets = sorted(set(weekdays))
    week = 0
    while monday + timedelta(weeks=week) <= last:
        for offset in offsets:
            day = monday + timedelta(weeks=week, days=offset)
            if first <= day <= last:
                yield day
        week += max(interval, 1)


def at(day: date, start: time, end: time | None) -> tuple[datetime, datetime | None]:
    """Start and end on ``day``; an end at or before the start is on the next day (an evening into night)."""
    begin = datetime.combine(day, start)
    if end is None:
        return begin, None
    finish = datetime.combine(day, end)
    if finish <= begin:
        finish += timedelta(days=1)
    return begin, finish


# -- the spider ---------------------------------------------------------------------------------------------


class HbgSpider(SourceSpider):
    source_type = "hbg"

    def __init__(self, source, **kwargs: Any):
        super().__init__(source, **kwargs)
        now = clock.now().astimezone(source.zone).replace(tzinfo=None)
        self.window_start = now - timedelta(days=source.past_days)
        self.window_end = now + timedelta(days=source.horizon_days)
        self.seen: set[str] = set()  # the /time endpoint lists an event once per occasion
        self.repeats = 0
        self.reported: set[str] = set()

    # -- requests ---------------------------------------------------------------------------------------

    async def start(self):
        yield self.page_request(1)

    def page_url(self, page: int) -> str:
        url = self.source.url
        given = parse_qs(urlsplit(url).query)
        params = {"per_page": str(self.source.per_page), "page": str(page)}
        if self.source.embed and "_embed" not in given:
            params["_embed"] = "1"
        # /event/time lists only today's events unless asked for a range (its start and end default to
        # today's midnight); the URL's own start/end win.
        if urlsplit(url).path.rstrip("/").endswith("/time"):
            if "start" not in given:
                params["start"] = self.window_start.date().isoformat()
            if "end" not in given:
                params["end"] = self.window_end.date().isoformat()
        return add_or_replace_parameters(url, params)

    def page_request(self, page: int) -> scrapy.Request:
        return scrapy.Request(
            self.page_url(page),
            callback=self.parse,
            errback=self.on_request_error,
            cb_kwargs={"page": page},
            # WordPress's "no such page" and the API's "no events" arrive as 400/404 with a JSON body.
            meta={"handle_httpstatus_list": [400, 404]},
        )

    # -- pages ------------------------------------------------------------------------------------------

    def decode(self, response) -> tuple[Any, str | None]:
        """The JSON of a response, or (None, why not). Tolerates PHP notices printed before the JSON."""
        text = response.body.decode("utf-8-sig", errors="replace")
        try:
            return json.loads(text), None
        except json.JSONDecodeError as exc:
            starts = [i for i in (text.find("["), text.find("{")) if i >= 0]
            if starts:
                try:
                    data, _ = json.JSONDecoder().raw_decode(text, min(starts))
                except json.JSONDecodeError:
                    pass
                else:
                    self.logger.warning("[%s] %s: junk before the JSON ignored", self.source.id, response.url)
                    return data, None
            return None, f"not JSON: {exc}"

    def parse(self, response, page: int = 1):
        data, error = self.decode(response) if response.body.strip() else ([], None)
        code = data.get("code") if isinstance(data, dict) else None
        if response.status == 404:
            if code in EMPTY_CODES:
                if page == 1:
                    self.empty_page(response.url, f"no events (HTTP 404 {code})")
                return
            self.problem(f"HTTP 404 ({code or 'no API answer'})", url=response.url)
            return
        if response.status == 400:
            if code == PAST_LAST_PAGE and page > 1:
                self.logger.debug("[%s] %s: past the last page", self.source.id, response.url)
                return
            message = f": {data.get('message')}" if code else ""
            self.problem(f"HTTP 400 ({code or 'no API answer'}){message}", url=response.url)
            return
        if error:
            self.problem(error, url=response.url)
            return
        if isinstance(data, dict) and record_shape(data):
            data = [data]  # a single event's endpoint (/wp/v2/event/<id>)
        if not isinstance(data, list):
            what = f"error {code}: {data.get('message')}" if code else f"a JSON {type(data).__name__}"
            self.problem(f"expected a JSON array of events, got {what}", url=response.url)
            return
        found, repeats = 0, self.repeats
        for index, record in enumerate(data):
            label = record.get("id") if isinstance(record, dict) else None
            try:
                for item in self.items_from(record, response.url, index):
                    found += 1
                    yield item
            except Exception as exc:  # one bad record must never cost the rest of the page
                self.problem(f"record {label or f'#{index}'}: {type(exc).__name__}: {exc}", url=response.url)
        if not found and self.repeats == repeats:  # a page of occasions already read is not empty
            self.empty_page(response.url, "no events in the window" if data else "no events")
        yield from self.next_pages(response, page, len(data))

    def next_pages(self, response, page: int, count: int) -> Iterator[scrapy.Request]:
        header = response.headers.get("X-WP-TotalPages")
        try:
            total = int(header) if header is not None else None
        except ValueError:
            total = None
        if total is not None:
            if page == 1:
                if total > self.source.max_pages:
                    self.logger.warning(
                        "[%s] %d pages, reading max_pages=%d", self.source.id, total, self.source.max_pages
                    )
                for number in range(2, min(total, self.source.max_pages) + 1):
                    yield self.page_request(number)
            return
        # No header (the /time endpoint, or a proxy that drops it): a full page may have a next one.
        if count >= self.source.per_page:
            if page < self.source.max_pages:
                yield self.page_request(page + 1)
            else:
                self.logger.warning("[%s] stopped at max_pages=%d", self.source.id, self.source.max_pages)

    # -- records ----------------------------------------------------------------------------------------

    def items_from(self, record: Any, page_url: str, index: int) -> Iterator[dict[str, Any]]:
        shape = record_shape(record)
        if shape is None:
            what = "not an object" if not isinstance(record, dict) else "neither legacy occasions nor v3 acf"
            self.problem(f"record #{index}: {what}; skipped", url=page_url)
            return
        record_id = record.get("id")
        if record_id in (None, ""):
            self.problem(f"record #{index}: no id; skipped", url=page_url)
            return
        if shape == "v3":
            event, occasions = self.read_v3(record, page_url)
        else:
            event, occasions = self.read_legacy(record, page_url)
        for occasion in occasions:
            if not self.in_window(occasion):
                continue
            source_event_id = f"{record_id}/{occasion.key}"
            if source_event_id in self.seen:
                self.repeats += 1
                continue
            self.seen.add(source_event_id)
            yield self.item(event, occasion, source_event_id, page_url, record)

    def record_problem(self, message: str, url: str) -> None:
        """A problem in one record, reported once even when the record comes again (/time repeats it)."""
        if message not in self.reported:
            self.reported.add(message)
            self.problem(message, url=url)

    def in_window(self, occasion: Occasion) -> bool:
        def moment(value: datetime | date) -> datetime:
            return value if isinstance(value, datetime) else datetime.combine(value, time())

        start = moment(occasion.start)
        if occasion.end is not None:
            last = moment(occasion.end)
            if not isinstance(occasion.end, datetime):
                last += timedelta(days=1)  # a date-only end is the last day
        else:
            last = start + timedelta(days=1) if not isinstance(occasion.start, datetime) else start
        return start <= self.window_end and last >= self.window_start

    def item(
        self, event: dict[str, Any], occasion: Occasion, source_event_id: str, page_url: str, record: dict
    ) -> dict[str, Any]:
        end = occasion.end
        if end is not None and not isinstance(end, datetime):
            end = end + timedelta(days=1)  # the model's end is exclusive
        if isinstance(occasion.start, datetime) and isinstance(end, datetime) and end < occasion.start:
            self.logger.warning(
                "[%s] %s: end %s before start %s; end dropped",
                self.source.id,
                source_event_id,
                end,
                occasion.start,
            )
            end = None
        status, understood = status_word(occasion.status)
        if not understood:
            self.logger.warning(
                "[%s] %s: unknown status %r", self.source.id, source_event_id, occasion.status
            )
        if status in (None, "scheduled"):
            status = event["status"] or status
        before = [occasion.note]
        after = [f"Insläpp {occasion.door:%H:%M}" if occasion.door else None]
        if occasion.booking_url:
            after.append(f"Biljetter: {occasion.booking_url}")
        after += event["facts"]
        venue = event["venue"]
        if occasion.location:
            venue = self.legacy_venue(occasion.location) or venue
        return {
            "title": event["title"],
            "description": compose_description(occasion.content or event["description"], before, after),
            "url": event["url"],
            "image": event["image"],
            "start": occasion.start,
            "end": end,
            "status": status,
            # Copies: the occasions of one record must not share mutable values.
            "venue": dict(venue),
            "price": dict(event["price"]),
            "tags": list(event["tags"]),
            "organizer": event["organizer"],
            "sources": self.source_ref(source_event_id, page_url, raw=record),
        }

    def public_url(self, record: dict[str, Any], *preferred: Any) -> str | None:
        """The event's page: the source's own link, else the YAML's ``event_url``, else the permalink."""
        for value in preferred:
            if isinstance(value, str) and value.strip().startswith(("http://", "https://")):
                return value.strip()
        template = self.source.event_url
        if template:
            slug = str(record.get("slug") or "")
            if slug or "{slug}" not in template:
                return template.replace("{id}", str(record.get("id"))).replace("{slug}", slug)
        link = record.get("link")
        return link if isinstance(link, str) and link.startswith(("http://", "https://")) else None

    # -- the legacy shape -------------------------------------------------------------------------------

    def read_legacy(self, record: dict[str, Any], page_url: str) -> tuple[dict[str, Any], list[Occasion]]:
        venue = self.legacy_venue(record.get("location"))
        if not venue:
            for place in embedded(record, "location"):
                venue = self.legacy_venue(place)
                if venue:
                    break
        event = {
            "title": plain_title(record.get("title")),
            "description": text_of(record.get("content")),
            "url": self.public_url(record, record.get("event_link")),
            "image": featured_image(record),
            "status": None,
            "venue": venue,
            "price": self.legacy_price(record),
            "tags": [
                str(term.get("name") if isinstance(term, dict) else term)
                for key in ("event_categories", "event_tags")
                for term in (record.get(key) or [])
                if term
            ],
            "organizer": self.legacy_organizer(record),
            "facts": self.legacy_facts(record),
        }
        occasions: dict[str, Occasion] = {}
        for raw in record.get("occasions") or []:
            occasion = self.legacy_occasion(raw, record, page_url)
            if occasion is not None:
                occasions.setdefault(occasion.key, occasion)
        # The API's own list already holds the rules' upcoming dates (with their statuses) in newer versions;
        # a rule's date is added only where the list has none, so nothing is doubled.
        for rule in record.get("rcr_rules") or []:
            for occasion in self.rule_occasions(rule, record, page_url):
                occasions.setdefault(occasion.key, occasion)
        if not occasions and not record.get("occasions") and not record.get("rcr_rules"):
            self.logger.warning("[%s] event %s has no occasions", self.source.id, record.get("id"))
        return event, sorted(occasions.values(), key=lambda o: o.key)

    def legacy_occasion(self, raw: Any, record: dict[str, Any], page_url: str) -> Occasion | None:
        zone = self.source.zone
        start = local_when(raw.get("start_date"), zone) if isinstance(raw, dict) else None
        if start is None:
            what = raw.get("start_date") if isinstance(raw, dict) else raw
            self.record_problem(
                f"event {record.get('id')}: occasion with unreadable start {what!r}", page_url
            )
            return None
        custom = raw.get("content_mode") == "custom"
        location = raw.get("location") if raw.get("location_mode") == "custom" else None
        door = local_when(raw.get("door_time"), zone)
        return Occasion(
            start=start,
            end=local_when(raw.get("end_date"), zone),
            status=raw.get("status"),
            note=text_of(raw.get("occ_exeption_information")),
            door=door if isinstance(door, datetime) else None,
            content=text_of(raw.get("content")) if custom else None,
            location=location if isinstance(location, dict) else None,
        )

    def rule_occasions(self, rule: Any, record: dict[str, Any], page_url: str) -> Iterator[Occasion]:
        """The occasions of one weekly ``rcr_rules`` entry, within the window only."""
        if not isinstance(rule, dict):
            return
        weekday = weekday_number(rule.get("rcr_week_day"))
        first, last = local_date(rule.get("rcr_start_date")), local_date(rule.get("rcr_end_date"))
        start_time, end_time = local_time(rule.get("rcr_start_time")), local_time(rule.get("rcr_end_time"))
        if weekday is None or first is None or last is None or start_time is None:
            self.record_problem(
                f"event {record.get('id')}: unreadable recurrence rule "
                f"({rule.get('rcr_week_day')!r} {rule.get('rcr_start_date')!r}–{rule.get('rcr_end_date')!r} "
                f"{rule.get('rcr_start_time')!r})",
                page_url,
            )
            return
        try:
            interval = max(int(rule.get("rcr_weekly_interval") or 1), 1)
        except (TypeError, ValueError):
            interval = 1
        door_time = local_time(rule.get("rcr_door_time"))
        # Exceptions: "default" removes a date; any other status (cancelled, rescheduled) keeps the date
        # with that status and the exception's words, as the API's own occasion list does.
        exceptions: dict[date, dict[str, Any]] = {}
        for exception in rule.get("rcr_exceptions") or []:
            day = local_date(exception.get("rcr_exc_date")) if isinstance(exception, dict) else None
            if day is not None:
                exceptions[day] = exception
        # Bounded: never past the window, however far the rule runs.
        last = min(last, self.window_end.date())
        # As the API expands it (PHP strtotime): the first such weekday on or after the start date, then
        # every interval-th week from there.
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        days = set()
        while day <= last:
            days.add(day)
            day += timedelta(weeks=interval)
        days |= {
            day
            for day, e in exceptions.items()
            if first <= day <= last and e.get("status_rcr_exc") != "default"
        }
        for day in sorted(days):
            exception = exceptions.get(day)
            status = exception.get("status_rcr_exc") if exception else None
            if exception is not None and status in (None, "", "default"):
                continue
            start, end = at(day, start_time, end_time)
            yield Occasion(
                start=start,
                end=end,
                status=status,
                note=text_of(exception.get("rcr_exception_info")) if exception else None,
                door=datetime.combine(day, door_time) if door_time else None,
            )

    def legacy_venue(self, place: Any) -> dict[str, Any]:
        if not isinstance(place, dict):
            return {}
        name = plain_title(place.get("title"))
        parent = place.get("parent")
        if name and isinstance(parent, dict) and plain_title(parent.get("title")):
            name = f"{name}, {plain_title(parent.get('title'))}"  # a hall within its building
        street = text_of(place.get("street_address"))
        venue: dict[str, Any] = {}
        formatted = text_of(place.get("formatted_address"))
        if not street and formatted:
            venue = parse_address(formatted)
        venue.update(
            {
                key: value
                for key, value in {
                    "name": name,
                    "street_address": street,
                    "postal_code": text_of(place.get("postal_code")),
                    "locality": text_of(place.get("city")),
                    "country": text_of(place.get("country")),
                }.items()
                if value
            }
        )
        latitude, longitude = coordinate(place.get("latitude")), coordinate(place.get("longitude"))
        if latitude is not None and longitude is not None:
            venue.update(latitude=latitude, longitude=longitude)
        return venue if any(venue.values()) else {}

    @staticmethod
    def legacy_price(record: dict[str, Any]) -> dict[str, Any]:
        """Prices per audience (and seated/standing ranges) as min/max in SEK, with the source's words."""
        amounts: list[float] = []
        words: list[str] = []
        for key, label, age_key, age_words in LEGACY_PRICES:
            amount = price_number(record.get(key))
            if amount is None:
                continue
            age = text_of(record.get(age_key)) if age_key else None
            amounts.append(amount)
            who = f"{label} ({age_words.format(age)})" if age else label
            words.append(f"{who} {sek(amount)}")
        ranges = record.get("price_range") if isinstance(record.get("price_range"), dict) else {}
        for prefix, label in LEGACY_PRICE_RANGES:
            low = price_number(ranges.get(f"{prefix}_minimum_price"))
            high = price_number(ranges.get(f"{prefix}_maximum_price"))
            found = [a for a in (low, high) if a is not None]
            if found:
                amounts += found
                words.append(f"{label} {price_range(min(found), max(found))}")
        for ticket in record.get("additional_ticket_types") or []:
            if not isinstance(ticket, dict):
                continue
            found = [a for k, v in ticket.items() if "price" in k and (a := price_number(v)) is not None]
            if found:
                amounts += found
                label = text_of(ticket.get("ticket_name") or ticket.get("name")) or "Övrig biljett"
                words.append(f"{label} {price_range(min(found), max(found))}")
        information = text_of(record.get("price_information"))
        text = ", ".join(words)
        if information:
            text = f"{text}. {information}" if text else information
        price: dict[str, Any] = {"text": text or None}
        if amounts:
            price.update(min=min(amounts), max=max(amounts), currency="SEK")
        return price

    @staticmethod
    def legacy_organizer(record: dict[str, Any]) -> str | None:
        organizers = [o for o in record.get("organizers") or [] if isinstance(o, dict)]
        organizers.sort(key=lambda o: not o.get("main_organizer"))  # the main organizer first
        for organizer in organizers:
            name = plain_title(organizer.get("organizer"))
            if name:
                return name
        for organizer in embedded(record, "organizers"):
            name = plain_title(organizer.get("title")) if isinstance(organizer, dict) else None
            if name:
                return name
        return None

    @staticmethod
    def legacy_facts(record: dict[str, Any]) -> list[str]:
        """Age, accessibility and booking, in Swedish, for the end of the description."""
        facts: list[str] = []
        low, high = text_of(record.get("age_group_from")), text_of(record.get("age_group_to"))
        if low and high:
            facts.append(f"Ålder: {low}–{high} år")
        elif low:
            facts.append(f"Ålder: från {low} år")
        elif high:
            facts.append(f"Ålder: upp till {high} år")
        restriction = text_of(record.get("age_restriction"))
        if restriction:
            facts.append(f"Åldersgräns: {restriction}" + (" år" if restriction.isdigit() else ""))
        accessibility = [ACCESSIBILITY_SV.get(str(a), str(a)) for a in record.get("accessibility") or [] if a]
        if accessibility:
            facts.append("Tillgänglighet: " + ", ".join(accessibility))
        booking = text_of(record.get("booking_link"))
        if booking:
            facts.append(f"Biljetter: {booking}")
        phone = text_of(record.get("booking_phone"))
        if phone:
            facts.append(f"Biljettbokning: {phone}")
        return facts

    # -- the v3 shape ---------------------------------------------------------------------------------

    def read_v3(self, record: dict[str, Any], page_url: str) -> tuple[dict[str, Any], list[Occasion]]:
        acf = record["acf"]
        terms = [
            term
            for group in embedded(record, "wp:term")
            if isinstance(group, list)
            for term in group
            if isinstance(term, dict) and term.get("name")
        ]
        organizer = next((t["name"] for t in terms if t.get("taxonomy") == "organization"), None)
        accessibility = [t["name"] for t in terms if "accessibility" in str(t.get("taxonomy"))]
        tags = [
            t["name"] for t in terms if t.get("taxonomy") != "organization" and t["name"] not in accessibility
        ]
        facts: list[str] = []
        if acf.get("age_restriction") and text_of(acf.get("age_restriction_info")):
            info = text_of(acf.get("age_restriction_info"))
            facts.append(f"Åldersgräns: {info}" + (" år" if info.isdigit() else ""))
        if accessibility:
            facts.append("Tillgänglighet: " + ", ".join(accessibility))
        if acf.get("physical_virtual") in ("virtual", "both") and text_of(acf.get("meeting_link")):
            facts.append(f"Digitalt: {text_of(acf.get('meeting_link'))}")
        status, understood = status_word(acf.get("eventStatus"))
        if not understood:
            self.logger.warning(
                "[%s] event %s: unknown eventStatus %r",
                self.source.id,
                record.get("id"),
                acf.get("eventStatus"),
            )
        event = {
            "title": plain_title(record.get("title")),
            "description": text_of(acf.get("description")) or text_of(record.get("content")),
            "url": self.public_url(record),
            "image": featured_image(record),
            "status": status,
            "venue": self.v3_venue(acf),
            "price": self.v3_price(acf),
            "tags": tags,
            "organizer": organizer,
            "facts": facts,
        }
        rows = acf.get("occasions") or []
        if not rows and acf.get("date"):  # early v3: one date with timeFrom/timeEnd, no occasions list
            rows = [{"date": acf["date"], "startTime": acf.get("timeFrom"), "endTime": acf.get("timeEnd")}]
        occasions: dict[str, Occasion] = {}
        for row in rows:
            for occasion in self.v3_occasions(row, record, page_url):
                occasions.setdefault(occasion.key, occasion)
        return event, sorted(occasions.values(), key=lambda o: o.key)

    def v3_occasions(self, row: Any, record: dict[str, Any], page_url: str) -> Iterator[Occasion]:
        day = local_date(row.get("date")) if isinstance(row, dict) else None
        if day is None:
            what = row.get("date") if isinstance(row, dict) else row
            self.record_problem(f"event {record.get('id')}: occasion with unreadable date {what!r}", page_url)
            return
        start_time, end_time = local_time(row.get("startTime")), local_time(row.get("endTime"))
        if row.get("repeat") == "byWeek":
            weekdays = [w for w in (weekday_number(d) for d in row.get("weekDays") or []) if w is not None]
            until = local_date(row.get("untilDate"))
            if not weekdays or until is None:
                self.record_problem(
                    f"event {record.get('id')}: weekly occasion without days or until date "
                    f"({row.get('weekDays')!r}, {row.get('untilDate')!r})",
                    page_url,
                )
                return
            try:
                interval = int(row.get("weeksInterval") or 1)
            except (TypeError, ValueError):
                interval = 1
            days: Iterable[date] = weekly_days(day, min(until, self.window_end.date()), weekdays, interval)
            status = None  # a repeat has no status of its own in the v3 API
        else:
            days, status = [day], row.get("status")
        for occurrence in days:
            if start_time is None:
                start, end = occurrence, None  # no time: all day
            else:
                start, end = at(occurrence, start_time, end_time)
            yield Occasion(
                start=start,
                end=end,
                status=status,
                note=text_of(row.get("description")),
                booking_url=text_of(row.get("url")),
            )

    @staticmethod
    def v3_venue(acf: dict[str, Any]) -> dict[str, Any]:
        venue: dict[str, Any] = {"name": text_of(acf.get("location_name"))}
        place = acf.get("location")
        if not isinstance(place, dict):
            return venue if venue["name"] else {}
        latitude, longitude = coordinate(place.get("lat")), coordinate(place.get("lng"))
        if latitude is not None and longitude is not None:
            venue.update(latitude=latitude, longitude=longitude)
        address: dict[str, Any] = {}
        for marker in place.get("markers") or []:
            for geocode in (marker.get("geocode") or []) if isinstance(marker, dict) else []:
                props = geocode.get("properties") if isinstance(geocode, dict) else None
                if isinstance(props, dict) and isinstance(props.get("address"), dict):
                    address = props["address"]
                    break
            if address:
                break
        if address.get("road"):  # OpenStreetMap (Nominatim) address parts
            venue.update(
                street_address=" ".join(filter(None, (address.get("road"), address.get("house_number")))),
                postal_code=address.get("postcode"),
                locality=address.get("city") or address.get("town") or address.get("village"),
                country=(address.get("country_code") or "").upper() or None,
            )
        elif place.get("street_name"):  # ACF's Google map field
            venue.update(
                street_address=" ".join(filter(None, (place.get("street_name"), place.get("street_number")))),
                postal_code=place.get("post_code"),
                locality=place.get("city"),
                country=place.get("country_short"),
            )
        elif text_of(place.get("address")):
            venue.update(parse_address(text_of(place.get("address"))))
        if not venue.get("name") and text_of(place.get("name")):
            venue["name"] = text_of(place.get("name"))
        return {key: value for key, value in venue.items() if value not in (None, "")}

    @staticmethod
    def v3_price(acf: dict[str, Any]) -> dict[str, Any]:
        pricing = acf.get("pricing")
        rows = [row for row in acf.get("pricesList") or [] if isinstance(row, dict)]
        if pricing == "free" or (pricing == "expense" and not rows):
            # The form says: an entrance fee without any ticket is shown as free.
            return {"free": True}
        if pricing != "expense":
            return {}
        amounts: list[float] = []
        words: list[str] = []
        for row in rows:
            amount = price_number(row.get("price"))
            if amount is None:
                continue
            amounts.append(amount)
            label = text_of(row.get("priceLabel"))
            words.append(f"{label} {sek(amount)}" if label else sek(amount))
        if not amounts:
            return {}
        return {"min": min(amounts), "max": max(amounts), "currency": "SEK", "text": ", ".join(words)}
