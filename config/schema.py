"""What a source entry in ``config/sources.yaml`` may say: one pydantic model per source type.

Adding a source type is one subclass of :class:`SourceBase` with ``type: Literal["<name>"]`` plus one member
in the :data:`SourceConfig` union; :data:`SOURCE_TYPES`, :data:`SOURCE_CLASSES` and the loader follow from it.
Validator messages are written for operators (the loader prefixes them with the file position and key).
"""

from __future__ import annotations

import codecs
import difflib
import re
from functools import lru_cache
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cssselect import GenericTranslator, SelectorError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hhevents.cities import CITY_TIMEZONES
from hhevents.model import Category, City, Language

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DEFAULT_SCHEDULE = "0 */6 * * *"

# (name, lowest, highest) of the five cron fields; day of week 7 is Sunday again, as in Vixie cron.
_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
                ("day of week", 0, 7))
_CRON_PART = re.compile(r"^(?:\*|(\d+)(?:-(\d+))?)(?:/(\d+))?$")
_EVERY = re.compile(r"^every\s+([1-9][0-9]*)\s*([mhd])$")


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def check_timezone(value: str) -> str:
    """``value`` if it names an IANA zone, else a ValueError with a did-you-mean."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "Europe" is a directory of tzdata
        close = difflib.get_close_matches(value, _zone_names(), n=1)
        hint = f" — did you mean {close[0]!r}?" if close else " (e.g. 'Europe/Stockholm')"
        raise ValueError(f"unknown IANA timezone {value!r}{hint}") from exc
    return value


def _check_cron(value: str) -> str | None:
    """None if ``value`` is a 5-field cron expression, else why not."""
    fields = value.split()
    if len(fields) != 5:
        return f"a cron expression has 5 fields (minute hour day month weekday), this one has {len(fields)}"
    for text, (name, low, high) in zip(fields, _CRON_FIELDS, strict=True):
        if not re.fullmatch(r"[0-9*/,-]+", text):
            return f"{name} field {text!r} may only contain digits and * / , -"
        for part in text.split(","):
            match = _CRON_PART.match(part)
            if not match:
                return f"{name} field {text!r}: {part!r} is not N, N-M, *, or one of them followed by /STEP"
            first, last, step = (int(g) if g is not None else None for g in match.groups())
            for number in (first, last):
                if number is not None and not low <= number <= high:
                    return f"{name} field {text!r}: {number} is outside {low}-{high}"
            if first is not None and last is not None and last < first:
                return f"{name} field {text!r}: range {first}-{last} runs backwards"
            if step == 0:
                return f"{name} field {text!r}: a step of 0 never advances"
    return None


def check_schedule(value: str) -> str:
    """``value`` stripped if it is a cron expression or ``every <N>m|h|d``, else a ValueError saying why."""
    value = value.strip()
    if _EVERY.match(value):
        return value
    if value.startswith("every"):
        raise ValueError(f"{value!r} is not 'every <N>m', 'every <N>h' or 'every <N>d' (e.g. 'every 30m')")
    reason = _check_cron(value)
    if reason:
        raise ValueError(
            f"{value!r} is neither a cron expression (e.g. {DEFAULT_SCHEDULE!r}) nor 'every <N>m|h|d' "
            f"(e.g. 'every 30m'): {reason}"
        )
    return value


def check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname and not re.search(r"\s", value):
        return value
    hint = " (add 'https://' in front)" if not parts.scheme and "." in value.split("/")[0] else ""
    raise ValueError(f"must be an absolute http(s) URL, got {value!r}{hint}")


def check_selector(value: str) -> str:
    try:
        GenericTranslator().css_to_xpath(value)
    except SelectorError as exc:  # covers both syntax errors and unsupported pseudo-classes/elements
        raise ValueError(f"not a valid CSS selector {value!r}: {exc}") from exc
    return value


class SourceBase(BaseModel):
    """The keys every source type has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="stable slug naming the source; part of every event id, so never rename it")
    name: str = Field(description="human-readable name of the publisher")
    city: City
    type: str  # narrowed to a Literal by each source type; the union discriminates on it
    url: str = Field(description="where to fetch: the feed, the listing page or the API endpoint")
    category: Category = Field(description="category of the source's events unless an event says otherwise")
    language: Language
    timezone: str | None = Field(default=None, description="IANA zone of offset-less times (default: city's)")
    utc_is_local: bool = Field(
        default=False,
        description="times labelled UTC (Z, +00:00) are really local wall time in the source's zone; the "
        "normaliser reads them so, for every format",
    )
    schedule: str = Field(default=DEFAULT_SCHEDULE, description="cron expression or 'every <N>m|h|d'")
    enabled: bool = True
    download_delay: float | None = Field(default=None, ge=0, description="seconds between two requests")
    concurrency: int | None = Field(default=None, ge=1, le=16, description="parallel requests to the site")
    time_limit: int | None = Field(
        default=None, ge=1, description="seconds a scheduled crawl may run before it is killed (scheduler.py)"
    )
    priority: int = Field(
        default=0, description="when sources list the same event, the higher priority's fields win"
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                f"must be a slug of lowercase a-z, digits and '-', not starting with '-', got {value!r}"
            )
        return value

    @field_validator("name")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        return check_schedule(value)

    @property
    def zone_name(self) -> str:
        """The IANA zone for the source's offset-less times: its own ``timezone`` or its city's."""
        return self.timezone or CITY_TIMEZONES[self.city]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)


class IcsSource(SourceBase):
    """An iCalendar (.ics) feed; events (and occurrences of recurring ones) within [now - past_days,
    now + horizon_days] are read, private ones and those the exclude_* keys name are left out."""

    type: Literal["ics"]
    past_days: int = Field(default=30, ge=0, description="read events that ended up to N days ago")
    horizon_days: int = Field(default=365, ge=1, description="read events starting up to N days ahead")
    encoding: str | None = Field(
        default=None, description="force a text encoding (default: UTF-8 if the bytes are, else Windows-1252)"
    )
    exclude_titles: tuple[str, ...] = Field(
        default=(), description="regular expressions; an event whose SUMMARY matches one is skipped"
    )
    exclude_categories: tuple[str, ...] = Field(
        default=(), description="an event with one of these CATEGORIES (any case) is skipped"
    )
    link_from_description: bool = Field(
        default=True, description="without a URL property, use the first http(s) link of the DESCRIPTION"
    )

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            codec = codecs.lookup(value)
        except LookupError:
            codec = None
        if codec is None or not codec._is_text_encoding:  # base64, rot13, ... are codecs but not encodings
            raise ValueError(f"unknown text encoding {value!r} (e.g. 'utf-8', 'windows-1252')")
        return codec.name

    @field_validator("exclude_titles")
    @classmethod
    def _patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression {pattern!r}: {exc}") from None
        return value


class JsonLdSource(SourceBase):
    """Pages with schema.org Events (JSON-LD or microdata): a listing page, maybe detail pages and paging."""

    type: Literal["jsonld"]
    detail_links: str | None = Field(default=None, description="CSS selector of links to event detail pages")
    next_page: str | None = Field(default=None, description="CSS selector of the next listing page's link")
    max_pages: int = Field(default=20, ge=1)
    syntaxes: tuple[Literal["json-ld", "microdata"], ...] = Field(
        default=("json-ld", "microdata"), min_length=1, description="which embedded syntaxes to read"
    )
    past_days: int = Field(default=30, ge=0, description="eventSchedule occurrences kept this far back")
    horizon_days: int = Field(default=365, ge=1, description="eventSchedule occurrences kept this far ahead")

    @field_validator("detail_links", "next_page")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return None if value is None else check_selector(value)

    @field_validator("syntaxes")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))


class TribeSource(SourceBase):
    """WordPress "The Events Calendar" REST API; ``url`` is its ``/wp-json/tribe/events/v1/events``."""

    type: Literal["tribe"]
    per_page: int = Field(default=50, ge=1, le=100, description="events per page (the plugin caps it at 50)")
    past_days: int = Field(default=0, ge=0, description="also fetch events that started this many days ago")
    max_pages: int = Field(default=20, ge=1)
    use_local_times: bool = Field(
        default=False,
        description="read the wall times as typed (start_date/end_date) in the source's zone, for a site "
        "whose WordPress time zone is set wrong",
    )


class HbgSource(SourceBase):
    """Helsingborg's event API (helsingborg-stad api-event-manager): legacy ``/wp/v2/event`` or v3 ``acf``.

    Occasions are kept within [now - past_days, now + horizon_days]; weekly rules are expanded only there.
    """

    type: Literal["hbg"]
    per_page: int = Field(default=50, ge=1, le=100, description="events per API page (WordPress per_page)")
    max_pages: int = Field(default=20, ge=1, description="stop paging after this many pages")
    past_days: int = Field(default=0, ge=0, description="also keep occasions that ended this many days ago")
    horizon_days: int = Field(default=365, ge=1, le=3650, description="keep occasions up to this far ahead")
    embed: bool = Field(default=True, description="ask for _embed (images and terms of the v3 API)")
    event_url: str | None = Field(
        default=None,
        description="public page of an event without event_link, e.g. 'https://example.se/evenemang/{slug}/'",
    )

    @field_validator("event_url")
    @classmethod
    def _event_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        unknown = sorted(set(re.findall(r"\{([^{}]*)\}", value)) - {"id", "slug"})
        if unknown:
            names = ", ".join("{" + name + "}" for name in unknown)
            raise ValueError(f"unknown placeholder(s) {names} in {value!r}; only {{id}} and {{slug}} exist")
        check_url(value)
        return value


def check_encoding(value: str) -> str:
    """``value`` if Python knows the text encoding (``cp1252``, ``iso-8859-1``, ``utf-8`` ...)."""
    try:
        known = codecs.lookup(value)._is_text_encoding  # False for codecs such as base64 or rot13
    except LookupError:
        known = False
    if not known:
        raise ValueError(f"unknown text encoding {value!r} (e.g. 'utf-8', 'cp1252', 'iso-8859-1')")
    return value


KULTUNAUT_EVENT_URL = "https://www.kultunaut.dk/perl/arrmore/type-nynaut?ArrNr={id}"


class KultunautSource(SourceBase):
    """Kultunaut's partner export (JSON array, or its XML variant); often windows-1252 without saying so."""

    type: Literal["kultunaut"]
    format: Literal["json", "xml"] | None = Field(default=None, description="default: detected from the body")
    encoding: str | None = Field(default=None, description="force a text encoding (default: detected)")
    event_url: str | None = Field(
        default=KULTUNAUT_EVENT_URL,
        description="the event page of a record without its own URL; {id} is the record's ArrNr",
    )

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        return None if value is None else check_encoding(value)

    @field_validator("event_url")
    @classmethod
    def _event_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if "{id}" not in value:
            raise ValueError(f"must contain {{id}} (where the record's ArrNr goes), got {value!r}")
        check_url(value.replace("{id}", "1"))
        return value


class RssSource(SourceBase):
    """An RSS 2.0 / RSS 1.0 / Atom "what's on" feed; event dates from ev:, xCal, or the item's text."""

    type: Literal["rss"]
    pubdate_is_event_date: bool = Field(
        default=False, description="true only where pubDate is the event's start (The Events Calendar)"
    )
    encoding: str | None = Field(default=None, description="force a text encoding (default: detected)")

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str | None) -> str | None:
        return None if value is None else check_encoding(value)


class HtmlSource(SourceBase):
    """A listing page without structured data, read with selectors (docs: docs/_parts/html.md).

    A selector starting with ``/``, ``(`` or ``./`` is XPath, anything else CSS (parsel's ``::text`` and
    ``::attr(name)`` included). Field selectors are evaluated inside one ``item``; an XPath starting with
    ``/`` or ``//`` there is taken relative to it.
    """

    type: Literal["html"]
    item: str = Field(description="selector of one event on the listing page")
    title: str = Field(description="selector of the title, inside the item")
    date: str = Field(description="selector of the date text (Swedish, Danish or English), inside the item")
    time: str | None = Field(default=None, description="selector of the time text, read after the date")
    end_date: str | None = Field(default=None, description="selector of the last day's text (inclusive)")
    venue: str | None = Field(default=None, description="selector of the venue's name")
    default_venue: dict[str, str | float] | None = Field(
        default=None, description="the venue when the item names none (a venue's own programme)"
    )
    price: str | None = Field(default=None, description="selector of the price text")
    description: str | None = Field(default=None, description="selector of the description (HTML kept)")
    link: str | None = Field(default=None, description="selector of the event's own page (href by default)")
    image: str | None = Field(default=None, description="selector of the image (src, data-src, srcset, ...)")
    next_page: str | None = Field(default=None, description="selector of the next listing page's link")
    max_pages: int = Field(default=20, ge=1, description="listing pages read at most")
    detail_description: str | None = Field(default=None, description="on the linked page: the description")
    detail_image: str | None = Field(default=None, description="on the linked page: the image")
    detail_venue: str | None = Field(default=None, description="on the linked page: the venue's name")
    detail_price: str | None = Field(default=None, description="on the linked page: the price text")

    @field_validator(
        "item", "title", "date", "time", "end_date", "venue", "price", "description", "link", "image",
        "next_page", "detail_description", "detail_image", "detail_venue", "detail_price",
    )
    @classmethod
    def _html_selector(cls, value: str | None) -> str | None:
        # parsel's translator, not cssselect's: it knows the ::text and ::attr(name) pseudo-elements.
        from lxml import etree
        from parsel.csstranslator import HTMLTranslator

        if value is None:
            return None
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if value.startswith(("/", "(", "./")):
            try:
                etree.XPath(value)
            except etree.XPathSyntaxError as exc:
                raise ValueError(f"not a valid XPath expression {value!r}: {exc}") from exc
            return value
        try:
            HTMLTranslator().css_to_xpath(value)
        except SelectorError as exc:  # also covers cssselect's ExpressionError (unknown pseudo-elements)
            raise ValueError(f"not a valid CSS selector {value!r}: {exc}") from exc
        return value

    @field_validator("default_venue")
    @classmethod
    def _venue(cls, value: dict[str, str | float] | None) -> dict[str, str | float] | None:
        from pydantic import ValidationError

        from hhevents.model import Venue

        if value is None:
            return None
        try:
            venue = Venue.model_validate(value)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ValueError(f"{problems} (a venue has {', '.join(Venue.model_fields)})") from None
        return venue.model_dump(exclude_none=True)


class JsonApiSource(SourceBase):
    """Any other JSON API: where the items are, a path per model field, and how to page.

    A *path* is dotted keys and list indexes (``dates.0.start``); ``*`` takes every element of a list
    (``categories.*.name``); ``''`` is the whole value. Where a field takes a *spec*, it is a path, a template
    with paths in braces (``"{date}T{time}"``), a constant after ``=`` (``"=SEK"``), or a list of these
    tried in order until one gives a value. The spider (spiders/jsonapi.py) evaluates what is parsed here.
    """

    type: Literal["json"]
    items: str = Field(default="", description="path to the list of events, e.g. 'data.events' ('' = root)")
    # Keys are the model's field names (nested ones dotted) plus the source's own event id; a Literal, so
    # the loader reports an unknown name at its key, with a did-you-mean. tests/test_spider_json.py checks
    # that this list matches hhevents.model.
    fields: dict[
        Literal[
            "title", "description", "url", "image", "start", "end", "all_day", "timezone", "city",
            "category", "tags", "language", "status", "organizer",
            "venue.name", "venue.street_address", "venue.postal_code", "venue.locality", "venue.country",
            "venue.latitude", "venue.longitude",
            "price.free", "price.min", "price.max", "price.currency", "price.text",
            "source_event_id",
        ],
        str | list[str],
    ] = Field(description="model field -> spec in one item, e.g. {title: name, start: dates.0.start}")
    values: dict[
        Literal[
            "title", "description", "url", "image", "start", "end", "all_day", "timezone", "city",
            "category", "tags", "language", "status", "organizer",
            "venue.name", "venue.street_address", "venue.postal_code", "venue.locality", "venue.country",
            "venue.latitude", "venue.longitude",
            "price.free", "price.min", "price.max", "price.currency", "price.text",
            "source_event_id",
        ],
        dict[str, str],
    ] = Field(default_factory=dict, description="model field -> {source value: model value}; '*' = any other")
    next_page: str | None = Field(default=None, description="path to the next page's URL in a response")
    page_param: str | None = Field(default=None, description="query parameter that counts pages (1, 2, ...)")
    first_page: int = Field(default=1, ge=0, description="number of the first page (0 for offset paging)")
    page_step: int = Field(default=1, ge=1, description="added per page (the page size for offset paging)")
    max_pages: int = Field(default=20, ge=1)
    price_divisor: float = Field(default=1, gt=0, description="100 when prices are in øre/öre/cents")
    headers: dict[str, str] = Field(default_factory=dict, description="extra HTTP request headers")

    @staticmethod
    def parse_path(text: str) -> tuple[str, ...]:
        """The parts of a dotted path (``''`` is the whole value), or a ValueError saying what is wrong."""
        text = text.strip()
        if not text:
            return ()
        parts = tuple(part.strip() for part in text.split("."))
        if any(not part for part in parts):
            raise ValueError(f"path {text!r} has an empty part (two dots in a row, or a dot at an end)")
        return parts

    @classmethod
    def parse_spec(cls, spec: str) -> tuple[str, object]:
        """("literal", text), ("template", [text or path parts, ...]) or ("path", parts) for one spec."""
        if spec.startswith("="):
            return "literal", spec[1:]
        if "{" not in spec and "}" not in spec:
            return "path", cls.parse_path(spec)
        pieces: list[str | tuple[str, ...]] = []
        for index, chunk in enumerate(re.split(r"\{([^{}]*)\}", spec)):
            if index % 2:
                if not chunk.strip():
                    raise ValueError(f"template {spec!r} has an empty '{{}}'")
                pieces.append(cls.parse_path(chunk))
            elif "{" in chunk or "}" in chunk:
                raise ValueError(f"template {spec!r} has an unpaired '{{' or '}}'")
            elif chunk:
                pieces.append(chunk)
        return "template", pieces

    @field_validator("items")
    @classmethod
    def _items(cls, value: str) -> str:
        cls.parse_path(value)
        return value

    @field_validator("fields")
    @classmethod
    def _specs(cls, value: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for name, specs in value.items():
            alternatives = [specs] if isinstance(specs, str) else specs
            if not alternatives:
                raise ValueError(f"{name}: an empty list gives no value; write a path")
            for spec in alternatives:
                try:
                    cls.parse_spec(spec)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
        missing = [name for name in ("title", "start") if name not in value]
        if missing:
            raise ValueError(f"every event needs {' and '.join(missing)}: add "
                             + ", ".join(f"'{name}: <path>'" for name in missing))
        return value

    @field_validator("values")
    @classmethod
    def _value_maps(cls, value: dict[str, dict[str, str]], info) -> dict[str, dict[str, str]]:
        from hhevents.model import CATEGORIES, CITIES, LANGUAGES, STATUSES

        mapped = info.data.get("fields")
        unmapped = sorted(set(value) - set(mapped)) if mapped is not None else []
        if unmapped:
            raise ValueError(f"{', '.join(unmapped)}: not in 'fields'; map the field there first")

        allowed = {"status": STATUSES, "category": CATEGORIES, "city": CITIES, "language": LANGUAGES}
        for name, mapping in value.items():
            for source_value, model_value in mapping.items():
                choices = allowed.get(name)
                if choices is not None and model_value not in choices:
                    close = difflib.get_close_matches(model_value, choices, n=1)
                    hint = f" — did you mean {close[0]!r}?" if close else ""
                    raise ValueError(f"{name}: {source_value!r} maps to {model_value!r}, which is not one of "
                                     f"{', '.join(map(repr, choices))}{hint}")
        return value

    @field_validator("next_page")
    @classmethod
    def _next_page(cls, value: str | None, info) -> str | None:
        if value is not None:
            cls.parse_path(value)
            if "{page}" in info.data.get("url", ""):
                raise ValueError("the url counts pages with '{page}'; page either by counting or by "
                                 "'next_page' (a link in the response), not both")
        return value

    @field_validator("page_param")
    @classmethod
    def _page_param(cls, value: str | None, info) -> str | None:
        if value is None:
            return value
        if not re.fullmatch(r"[A-Za-z0-9_.\[\]-]+", value):
            raise ValueError(f"{value!r} is not a query parameter name")
        if info.data.get("next_page") is not None:
            raise ValueError("page either by counting ('page_param') or by 'next_page' (a link in the "
                             "response), not both")
        if "{page}" in info.data.get("url", ""):
            raise ValueError("the url already counts pages with '{page}'; drop 'page_param' or the '{page}'")
        return value

    @property
    def pages_counted(self) -> bool:
        return self.page_param is not None or "{page}" in self.url


SourceConfig = Annotated[
    IcsSource | JsonLdSource | TribeSource | HbgSource | KultunautSource | RssSource | HtmlSource
    | JsonApiSource,
    Field(discriminator="type"),
]

# Derived from the union so that a new type needs no edit here.
SOURCE_CLASSES: dict[str, type[SourceBase]] = {
    get_args(cls.model_fields["type"].annotation)[0]: cls for cls in get_args(get_args(SourceConfig)[0])
}
SOURCE_TYPES: tuple[str, ...] = tuple(SOURCE_CLASSES)


class SourcesFile(BaseModel):
    """The whole file: ``sources:`` and a list of entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[SourceConfig]
