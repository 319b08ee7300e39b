"""`json` sources: any JSON API, read through a YAML mapping from model fields to paths in each item.

The source says where the list of events is (``items``), which value of an item fills which model field
(``fields``: a path, a ``{path}`` template, a ``=constant``, or a list of these tried in order), optional
value maps (``values``), and how to page: by a link in the response (``next_page``) or by counting pages
(``page_param``, or ``{page}`` in the url) until a page holds no items. The syntax is parsed and checked in
``config.schema.JsonApiSource``; this module evaluates it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import scrapy
from w3lib.url import add_or_replace_parameter

from config.schema import JsonApiSource
from spiders.base import SourceSpider

# -- reading JSON ------------------------------------------------------------------------------------------


def read_json(body: bytes) -> tuple[Any, str]:
    """(data, junk before it): a JSON body, also when PHP notices, a BOM or a JSONP wrapper precede it.

    WordPress sites with debug output switched on print warnings (HTML) before the REST answer; a JSONP
    endpoint wraps it in ``callback(...)``. ValueError when no JSON document can be found at all.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        first_error = exc
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", text):
        try:
            data, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict | list) and data:
            return data, text[: match.start()].strip()
    raise ValueError(f"not JSON: {first_error}")


def is_empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or value == {}
        or (isinstance(value, str) and not value.strip())
    )


# -- paths -------------------------------------------------------------------------------------------------


def resolve(data: Any, parts: tuple[str, ...]) -> Any:
    """The value at a parsed path: a dict key, a list index (negative from the end), or ``*`` (every element).

    A path through ``*`` gives the list of what it reaches (empty values left out); otherwise the one value,
    or None when the path leads nowhere.
    """
    values = [data]
    fanned = False
    for part in parts:
        reached: list[Any] = []
        for value in values:
            if part == "*":
                fanned = True
                if isinstance(value, list):
                    reached.extend(value)
                elif isinstance(value, dict):
                    reached.extend(value.values())
            elif isinstance(value, dict):
                if part in value:
                    reached.append(value[part])
            elif isinstance(value, list) and re.fullmatch(r"-?\d+", part):
                index = int(part)
                if -len(value) <= index < len(value):
                    reached.append(value[index])
        values = reached
    if fanned:
        flat: list[Any] = []
        for value in values:
            flat.extend(value if isinstance(value, list) else [value])
        return [value for value in flat if not is_empty(value)]
    return values[0] if values else None


def as_text(value: Any, prefer: str = "name") -> str | None:
    """A scalar as text; an object gives its ``prefer`` key (``name``, or ``url`` for links)."""
    if isinstance(value, list):
        value = next((v for v in value if not is_empty(v)), None)
    if isinstance(value, dict):
        value = next(
            (value[key] for key in (prefer, "name", "url", "title") if not is_empty(value.get(key))), None
        )
    if is_empty(value) or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


@lru_cache(maxsize=1024)
def parsed_spec(spec: str) -> tuple[str, Any]:
    return JsonApiSource.parse_spec(spec)  # already checked when the YAML was loaded


def evaluate(spec: str | list[str], item: Any) -> Any:
    """The value a field's spec gives for one item: the first alternative that is not empty."""
    for alternative in [spec] if isinstance(spec, str) else spec:
        kind, parsed = parsed_spec(alternative)
        if kind == "literal":
            value: Any = parsed
        elif kind == "path":
            value = resolve(item, parsed)  # type: ignore[arg-type]
        else:
            texts = []
            for piece in parsed:  # type: ignore[union-attr]
                if isinstance(piece, str):
                    texts.append(piece)
                    continue
                text = as_text(resolve(item, piece))
                if text is None:  # a template with a hole is no value: the next alternative may have one
                    break
                texts.append(text)
            else:
                value = "".join(texts)
                if not is_empty(value):
                    return value
            continue
        if not is_empty(value):
            return value
    return None


# -- field conversions -------------------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "ja", "y", "on"}
_FALSE = {"false", "0", "no", "nej", "n", "off", ""}


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = as_text(value)
    if text is None:
        return None
    text = text.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not true or false")


_TIME_RANGE = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})[T ]"
    r"(?:(?P<h1>\d{1,2})-(?P<h2>\d{1,2})|(?P<t1>\d{1,2}:\d{2})\s*(?:–|\s-\s)\s*(?P<t2>\d{1,2}:\d{2}))"
)


def as_when(value: Any, *, is_end: bool = False) -> date | datetime | str | None:
    """A start or end as the normaliser takes it.

    Numbers are Unix time (seconds, or milliseconds when larger); "kl. 19.00" is 19:00; "20260327" is
    2026-03-27; a time range ("19-21", "19:00 – 21:00") gives its first time to a start and its second to an
    end; a date-only end (the last day, inclusive) becomes the next day, as the model's end is exclusive.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a date")
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError):
            raise ValueError(f"{value!r} is not a Unix time") from None
    text = as_text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d{9,}", text):
        return as_when(int(text), is_end=is_end)
    text = re.sub(r"^(\d{4})(\d{2})(\d{2})(?=$|[T ])", r"\1-\2-\3", text)
    # Swedish and Danish write "kl. 19.00": no "kl.", and ISO 8601 wants a colon between hours and minutes.
    text = re.sub(r"([T ])\s*kl\.?\s*", r"\1", text, flags=re.IGNORECASE)
    text = re.sub(
        r"([T ])(\d{1,2})[.:](\d{2})(?=$|[.:+\-Z –])", lambda m: f"{m[1]}{int(m[2]):02d}:{m[3]}", text
    )
    if match := _TIME_RANGE.fullmatch(text):
        first, second = (match["h1"], match["h2"]) if match["h1"] else (match["t1"], match["t2"])
        hour, _, minute = (second if is_end else first).partition(":")
        return f"{match['day']}T{int(hour):02d}:{minute or '00'}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        return day + timedelta(days=1) if is_end else day
    return text


def as_number(value: Any, *, pick=min, divisor: float = 1) -> float | str | None:
    """A price: lists give their lowest (or highest) number; ``divisor`` turns øre/öre/cents into units."""
    values = value if isinstance(value, list) else [value]
    numbers: list[float] = []
    for entry in values:
        text = as_text(entry, prefer="amount")
        if text is None:
            continue
        cleaned = re.sub(r"[^\d,.\-]", "", text.replace("\u2212", "-")).replace(",", ".")
        try:
            numbers.append(float(cleaned))
        except ValueError:
            continue
    if not numbers:
        return None
    return pick(numbers) / divisor


# -- the spider --------------------------------------------------------------------------------------------

_TEXT_FIELDS = ("title", "description", "timezone", "city", "category", "language", "status", "organizer")


class JsonApiSpider(SourceSpider):
    source_type = "json"
    source: JsonApiSource

    async def start(self):
        if self.source.pages_counted:
            yield self.page_request(self.source.first_page, pages=1)
        else:
            yield self.request(self.source.url, pages=1)

    def request(self, url: str, *, pages: int, number: int | None = None, previous: str = ""):
        # A page past the last may answer 404 (read as "no more pages" when counting); others are errors.
        meta = {"handle_httpstatus_list": [404]} if number is not None and pages > 1 else {}
        return scrapy.Request(
            url,
            headers=self.source.headers or None,
            callback=self.parse,
            errback=self.on_request_error,
            meta=meta,
            cb_kwargs={"pages": pages, "number": number, "previous": previous},
        )

    def page_request(self, number: int, *, pages: int, previous: str = ""):
        url = self.source.url
        if "{page}" in url:
            url = url.replace("{page}", str(number))
        else:
            url = add_or_replace_parameter(url, self.source.page_param, str(number))
        return self.request(url, pages=pages, number=number, previous=previous)

    def parse(self, response, pages: int = 1, number: int | None = None, previous: str = ""):
        if response.status == 404:
            self.logger.info(
                "[%s] %s: 404 after %d page(s), the end", self.source.id, response.url, pages - 1
            )
            return
        try:
            data, junk = read_json(response.body)
        except ValueError as exc:
            self.problem(str(exc), url=response.url)
            return
        if junk:
            self.logger.warning(
                "[%s] %s: skipped text before the JSON: %.80r", self.source.id, response.url, junk
            )
        records = self.records_in(data)
        if records is None:
            self.problem(f"items: {self.source.items!r} leads to no list of events here", url=response.url)
            return
        digest = hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()
        if number is not None and records and digest == previous:
            # The API ignores the page parameter: this page, and every later one, repeats the previous.
            self.logger.warning("[%s] %s repeats the previous page; stopped", self.source.id, response.url)
            return
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                self.problem(
                    f"item {index} is {type(record).__name__}, not an object; skipped", url=response.url
                )
                continue
            try:
                yield self.item_from(record, response.url)
            except (TypeError, ValueError) as exc:
                self.problem(f"item {index} ({record.get('id', '?')}): {exc}; skipped", url=response.url)
        if not records:
            if pages == 1:
                self.empty_page(response.url)
            return
        if number is not None:
            next_page = self.page_request(number + self.source.page_step, pages=pages + 1, previous=digest)
        elif self.source.next_page is not None:
            link = as_text(resolve(data, JsonApiSource.parse_path(self.source.next_page)), prefer="href")
            next_page = self.request(urljoin(response.url, link), pages=pages + 1) if link else None
        else:
            next_page = None
        if next_page is not None and pages >= self.source.max_pages:
            self.logger.warning("[%s] stopped after max_pages=%d", self.source.id, self.source.max_pages)
        elif next_page is not None:
            yield next_page

    def value(self, name: str, record: dict[str, Any]) -> Any:
        spec = self.source.fields.get(name)
        if spec is None:
            return None
        value = evaluate(spec, record)
        mapping = self.source.values.get(name)
        if mapping is not None and value is not None:
            value = self.mapped(value, mapping)
        return value

    @staticmethod
    def mapped(value: Any, mapping: dict[str, str]) -> Any:
        lowered = {key.strip().lower(): target for key, target in mapping.items()}
        if isinstance(value, list):
            return [lowered.get((as_text(v) or "").lower(), lowered.get("*", v)) for v in value]
        return lowered.get((as_text(value) or "").lower(), lowered.get("*", value))

    def item_from(self, record: dict[str, Any], page_url: str) -> dict[str, Any]:
        """A raw item (Event field names, source values) from one record of the API."""
        item: dict[str, Any] = {name: as_text(self.value(name, record)) for name in _TEXT_FIELDS}
        url = as_text(self.value("url", record), prefer="url")
        image = as_text(self.value("image", record), prefer="url")
        item["url"] = urljoin(page_url, url) if url else None
        item["image"] = urljoin(page_url, image) if image else None
        item["start"] = as_when(self.value("start", record))
        item["end"] = as_when(self.value("end", record), is_end=True)
        item["all_day"] = as_bool(self.value("all_day", record))
        tags = self.value("tags", record)
        item["tags"] = [
            t for t in (as_text(tag) for tag in (tags if isinstance(tags, list) else [tags])) if t
        ]
        item["venue"] = {
            key: as_text(self.value(f"venue.{key}", record))
            for key in (
                "name",
                "street_address",
                "postal_code",
                "locality",
                "country",
                "latitude",
                "longitude",
            )
        }
        divisor = self.source.price_divisor
        item["price"] = {
            "min": as_number(self.value("price.min", record), pick=min, divisor=divisor),
            "max": as_number(self.value("price.max", record), pick=max, divisor=divisor),
            "free": as_bool(self.value("price.free", record)),
            "currency": as_text(self.value("price.currency", record)),
            "text": as_text(self.value("price.text", record)),
        }
        # The source's own id; else its page; else what the event is (stable while title and start stay).
        key = as_text(self.value("source_event_id", record)) or item["url"]
        if not key:
            key = f"{item['title']}@{item['start']}"
        item["sources"] = self.source_ref(key, item["url"] or page_url, raw=record)
        return {name: value for name, value in item.items() if value is not None}

    def records_in(self, data: Any) -> list[Any] | None:
        """The records at ``items``: a list; one object is one event; null is none; None if it is no list."""
        records = resolve(data, JsonApiSource.parse_path(self.source.items))
        if records is None:
            return []
        if isinstance(records, dict):
            return [records]
        return records if isinstance(records, list) else None
