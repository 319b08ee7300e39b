"""`tribe` sources: the REST API of WordPress's "The Events Calendar" (``/wp-json/tribe/events/v1/events``).

The spider asks for ``per_page`` events starting from today (minus ``past_days``) and follows
``next_rest_url`` for at most ``max_pages`` pages. The plugin answers a page past the last one, and in older
versions also an empty first page, with HTTP 404 and the code ``event-archive-page-not-found``: that is the
end of the list (or an empty calendar), not an error.

Times come from ``utc_start_date``/``utc_end_date`` (UTC wall time), shown in the event's own ``timezone``;
all-day events are read from the local ``start_date``/``end_date``, whose end is the last day at 23:59:59.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import scrapy
from w3lib.url import add_or_replace_parameters

from config.schema import TribeSource
from hhevents import clock
from hhevents.cities import CITY_CURRENCIES
from spiders.base import SourceSpider
from spiders.jsonapi import read_json

END_OF_PAGES = "event-archive-page-not-found"

# Post statuses of WordPress ("publish", "draft", ...) share the key "status" with the event statuses some
# sites add; only the latter say anything about the event.
EVENT_STATUS_WORDS = {
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "postponed": "postponed",
    "rescheduled": "rescheduled",
    "scheduled": "scheduled",
}

CURRENCY_SYMBOLS = {"€": "EUR", "eur": "EUR", "sek": "SEK", "dkk": "DKK"}
FREE_WORDS = re.compile(r"\b(gratis|free|fri entré|fri entre|fritt inträde|fri adgang)\b", re.IGNORECASE)


def parse_wall_time(record: dict[str, Any], key: str) -> datetime | None:
    """The plugin's "YYYY-MM-DD HH:MM:SS" at ``key`` as a naive datetime; None when empty."""
    value = record.get(key)
    if value in (None, "", False):
        return None
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{key} {value!r} is not a date and time") from None


def event_zone(value: Any) -> str | None:
    """The event's own IANA zone, or None for what the plugin also allows: "UTC", "UTC+1", empty."""
    name = str(value or "").strip()
    if not name or name.upper().startswith(("UTC", "GMT", "ETC/")):
        # "UTC" is WordPress's default, not a place; manual offsets name no zone at all.
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def map_venue(value: Any) -> dict[str, Any]:
    """The plugin's venue (``[]`` when none; a list of venues in some versions) in the model's keys."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    if not isinstance(value, dict):
        return {}
    return {
        "name": value.get("venue"),
        "street_address": value.get("address"),
        "postal_code": value.get("zip"),
        "locality": value.get("city"),
        "country": value.get("country"),
        "latitude": value.get("geo_lat"),
        "longitude": value.get("geo_lng"),
    }


def map_organizer(value: Any) -> str | None:
    organizers = value if isinstance(value, list) else [value]
    names = [str(o["organizer"]) for o in organizers if isinstance(o, dict) and o.get("organizer")]
    return ", ".join(names) or None


def term_names(*groups: Any) -> list[str]:
    names: list[str] = []
    for group in groups:
        for term in group if isinstance(group, list) else []:
            name = term.get("name") if isinstance(term, dict) else term
            if name and str(name) not in names:
                names.append(str(name))
    return names


def map_image(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("url")
    return value if isinstance(value, str) and value else None


def map_cost(cost: Any, details: Any, city: str) -> dict[str, Any]:
    """``cost`` is the site's own words ("100 kr – 250 kr", "Gratis"); ``cost_details.values`` the numbers."""
    details = details if isinstance(details, dict) else {}
    text = html.unescape(str(cost)).strip() if cost not in (None, False) else ""
    numbers: list[float] = []
    for value in details.get("values") or []:
        try:
            numbers.append(float(str(value).replace(",", ".")))
        except ValueError:
            continue  # the plugin keeps words it cannot read as a number ("Free") among the values
    price: dict[str, Any] = {"text": text or None}
    if numbers:
        price.update(min=min(numbers), max=max(numbers))
    code = str(details.get("currency_code") or "").strip().upper()
    symbol = html.unescape(str(details.get("currency_symbol") or "")).strip().lower()
    currency = code if code in ("SEK", "DKK", "EUR") else CURRENCY_SYMBOLS.get(symbol)
    if currency is None and symbol.rstrip(".") in ("kr", ":-"):
        currency = CITY_CURRENCIES[city]
    # Anything else ("$" and "USD" are the plugin's defaults, left alone by many sites) says nothing: the
    # normaliser then uses the city's currency.
    price["currency"] = currency
    if FREE_WORDS.search(text) and not any(numbers):
        price["free"] = True
    return price


def map_status(record: dict[str, Any]) -> str | None:
    for key in ("event_status", "tribe_events_status", "status"):
        word = str(record.get(key) or "").strip().lower()
        if word in EVENT_STATUS_WORDS:
            return EVENT_STATUS_WORDS[word]
    return None


def exclusive_end_day(end: datetime | None, start_day: date) -> date:
    """The day after an all-day event: the plugin ends it at 23:59:59 of its last day (or at midnight)."""
    if end is None:
        return start_day + timedelta(days=1)
    last = end.date() if end.time() != time(0) else end.date() - timedelta(days=1)
    return max(last, start_day) + timedelta(days=1)


class TribeSpider(SourceSpider):
    source_type = "tribe"
    source: TribeSource

    async def start(self):
        yield self.page_request(self.first_page_url(), page=1)

    def first_page_url(self) -> str:
        since = clock.now().astimezone(self.source.zone).date() - timedelta(days=self.source.past_days)
        return add_or_replace_parameters(
            self.source.url, {"per_page": str(self.source.per_page), "start_date": since.isoformat()}
        )

    def page_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_request_error,
            meta={"handle_httpstatus_list": [404]},  # read here: it may be the plugin's "no more pages"
            cb_kwargs={"page": page},
        )

    def parse(self, response, page: int = 1):
        try:
            data, junk = read_json(response.body)
        except ValueError as exc:
            data, junk = None, ""
            if response.status != 404:
                self.problem(f"not the events API: {exc}", url=response.url)
                return
        if response.status == 404:
            if isinstance(data, dict) and data.get("code") == END_OF_PAGES:
                if page == 1:
                    self.empty_page(response.url, "no upcoming events (404 event-archive-page-not-found)")
                return
            self.problem("HTTP 404", url=response.url)
            return
        if junk:
            self.logger.warning(
                "[%s] %s: skipped text before the JSON: %.80r", self.source.id, response.url, junk
            )
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list):
            self.problem("no 'events' list in the answer", url=response.url)
            return
        if not events and page == 1:
            self.empty_page(response.url)
        for index, record in enumerate(events):
            if not isinstance(record, dict):
                self.problem(
                    f"event {index} is {type(record).__name__}, not an object; skipped", url=response.url
                )
                continue
            try:
                yield self.item_from(record, response.url)
            except (TypeError, ValueError, AttributeError) as exc:
                self.problem(f"event {record.get('id', index)}: {exc}; skipped", url=response.url)
        next_url = data.get("next_rest_url")
        if events and isinstance(next_url, str) and next_url:
            if page < self.source.max_pages:
                yield self.page_request(response.urljoin(next_url), page=page + 1)
            else:
                self.logger.warning("[%s] stopped after max_pages=%d", self.source.id, self.source.max_pages)

    @staticmethod
    def times(record: dict[str, Any], all_day: bool, *, use_local: bool) -> tuple[Any, Any]:
        """(start, end) as the normaliser takes them: aware UTC, naive local wall time, or dates."""
        if all_day:
            local_start = parse_wall_time(record, "start_date")
            if local_start is None:
                raise ValueError("all-day event without start_date")
            start_day = local_start.date()
            return start_day, exclusive_end_day(parse_wall_time(record, "end_date"), start_day)
        if not use_local:
            utc_start = parse_wall_time(record, "utc_start_date")
            if utc_start is not None:
                utc_end = parse_wall_time(record, "utc_end_date")
                return utc_start.replace(tzinfo=UTC), utc_end.replace(tzinfo=UTC) if utc_end else None
        # Without the UTC copies the wall times are read in the event's zone (or the source's).
        return parse_wall_time(record, "start_date"), parse_wall_time(record, "end_date")

    def item_from(self, record: dict[str, Any], page_url: str) -> dict[str, Any]:
        """A raw item (Event field names, source values) from one event of the API."""
        zone_name = event_zone(record.get("timezone"))
        all_day = bool(record.get("all_day"))
        start, end = self.times(record, all_day, use_local=self.source.use_local_times)
        if self.source.use_local_times:
            zone_name = None  # the site's zone is wrong; the wall times as typed are in the source's zone
        url = record.get("url") or None
        key = str(record.get("id") or "") or url
        if not key:
            raise ValueError("neither an id nor a url")
        return {
            "title": record.get("title"),
            "description": record.get("description") or record.get("excerpt"),
            "url": url,
            "image": map_image(record.get("image")),
            "start": start,
            "end": end,
            "all_day": all_day,
            "timezone": zone_name,
            "venue": map_venue(record.get("venue")),
            "price": map_cost(record.get("cost"), record.get("cost_details"), self.source.city),
            "organizer": map_organizer(record.get("organizer")),
            "tags": term_names(record.get("categories"), record.get("tags")),
            "status": map_status(record),
            "sources": self.source_ref(key, url or page_url, raw=record),
        }
