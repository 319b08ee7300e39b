"""What a source entry in ``config/sources.yaml`` may say: one pydantic model per source type.

Adding a source type is one subclass of :class:`SourceBase` with ``type: Literal["<name>"]`` plus one member
in the :data:`SourceConfig` union; :data:`SOURCE_TYPES`, :data:`SOURCE_CLASSES` and the loader follow from it.
Validator messages are written for operators (the loader prefixes them with the file position and key).
"""

from __future__ import annotations

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
    schedule: str = Field(default=DEFAULT_SCHEDULE, description="cron expression or 'every <N>m|h|d'")
    enabled: bool = True
    download_delay: float | None = Field(default=None, ge=0, description="seconds between two requests")
    concurrency: int | None = Field(default=None, ge=1, le=16, description="parallel requests to the site")

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
    """An iCalendar (.ics) feed; recurrences are expanded within [now - past_days, now + horizon_days]."""

    type: Literal["ics"]
    past_days: int = Field(default=30, ge=0)
    horizon_days: int = Field(default=365, ge=1)


class JsonLdSource(SourceBase):
    """Pages with schema.org Event JSON-LD: a listing page, optionally with detail pages and paging."""

    type: Literal["jsonld"]
    detail_links: str | None = Field(default=None, description="CSS selector of links to event detail pages")
    next_page: str | None = Field(default=None, description="CSS selector of the next listing page's link")
    max_pages: int = Field(default=20, ge=1)

    @field_validator("detail_links", "next_page")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return None if value is None else check_selector(value)


class TribeSource(SourceBase):
    """WordPress "The Events Calendar" REST API; ``url`` is its ``/wp-json/tribe/events/v1/events``."""

    type: Literal["tribe"]
    per_page: int = Field(default=50, ge=1, le=100)
    past_days: int = Field(default=0, ge=0, description="also fetch events that started this many days ago")
    max_pages: int = Field(default=20, ge=1)


class HbgSource(SourceBase):
    """Helsingborg's event API (helsingborg-stad api-event-manager): legacy ``/wp/v2/event`` or v3 ``acf``."""

    type: Literal["hbg"]
    per_page: int = Field(default=50, ge=1, le=100)
    max_pages: int = Field(default=20, ge=1)


class KultunautSource(SourceBase):
    """Kultunaut's partner export (JSON array, or its XML variant); often windows-1252 without saying so."""

    type: Literal["kultunaut"]
    format: Literal["json", "xml"] | None = Field(default=None, description="default: detected from the body")
    encoding: str | None = Field(default=None, description="force a text encoding (default: detected)")


class RssSource(SourceBase):
    """An RSS 2.0 / Atom "what's on" feed; event dates from ev:, xCal, or the item's text."""

    type: Literal["rss"]
    pubdate_is_event_date: bool = Field(
        default=False, description="true only where pubDate is the event's start (The Events Calendar)"
    )


class HtmlSource(SourceBase):
    """A listing page without structured data, read with selectors (CSS; XPath when starting with / or ()."""

    type: Literal["html"]
    item: str = Field(description="selector of one event on the listing page")
    title: str
    date: str = Field(description="selector of the date text (Swedish, Danish or English)")
    time: str | None = None
    end_date: str | None = None
    venue: str | None = None
    price: str | None = None
    description: str | None = None
    link: str | None = None
    image: str | None = None
    next_page: str | None = None
    max_pages: int = Field(default=20, ge=1)


class JsonApiSource(SourceBase):
    """Any other JSON API: where the items are, a path per model field, and how to page."""

    type: Literal["json"]
    items: str = Field(description="path to the list of events, e.g. 'data.events' ('' = the root)")
    fields: dict[str, str] = Field(description="model field -> path in one item, e.g. {title: name}")
    next_page: str | None = Field(default=None, description="path to the next page's URL in a response")
    page_param: str | None = Field(default=None, description="query parameter that counts pages (1, 2, ...)")
    max_pages: int = Field(default=20, ge=1)


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
