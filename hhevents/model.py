"""The normalised event: the one definition that spiders, pipelines, the store and the feeds share.

Spiders yield plain dicts whose keys are field names of :class:`Event` (values as the source wrote
them); the normalise pipeline turns such a dict into an ``Event``; the store keeps ``Event`` objects; feed
writers read them. ``export --format json`` prints ``Event.model_dump(mode="json")``: these field names are
a public interface.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

City = Literal["helsingborg", "helsingor"]
Category = Literal["culture", "sport", "shopping"]
Country = Literal["SE", "DK"]
Currency = Literal["SEK", "DKK", "EUR"]
Language = Literal["sv", "da", "en"]
Status = Literal["scheduled", "cancelled", "postponed", "rescheduled"]

CITIES: tuple[City, ...] = ("helsingborg", "helsingor")
CATEGORIES: tuple[Category, ...] = ("culture", "sport", "shopping")
LANGUAGES: tuple[Language, ...] = ("sv", "da", "en")
STATUSES: tuple[Status, ...] = ("scheduled", "cancelled", "postponed", "rescheduled")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Venue(_Strict):
    name: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    country: Country | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Price(_Strict):
    free: bool | None = None
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)
    currency: Currency | None = None
    text: str | None = None  # the source's own words, e.g. "Entré: 100:-"


class SourceRef(_Strict):
    """One source that lists the event."""

    source_id: str
    url: str | None = None  # the page (or feed) where the source shows it
    source_event_id: str  # the source's own id (an iCalendar UID, a page URL, a record number)
    # The source's own fields for this event, as read (provenance: a wrong value can be traced back to them).
    # Kept by the store beside the sighting; left out of dumps, so exports and hashes stay lean.
    raw: dict[str, Any] | None = Field(default=None, exclude=True, repr=False)


# Bookkeeping: kept by the store in their own columns and tables, not in the event's data.
BOOKKEEPING_FIELDS: tuple[str, ...] = ("sources", "first_seen", "last_seen", "last_modified", "sequence")

# Fields that describe the event itself; a change in any of them is a "material change" that bumps
# last_modified and sequence. Bookkeeping fields (id, sources, first/last seen, ...) are not among them.
MATERIAL_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "url",
    "image",
    "start",
    "end",
    "all_day",
    "timezone",
    "city",
    "category",
    "tags",
    "venue",
    "price",
    "language",
    "status",
    "organizer",
)


class Event(_Strict):
    id: str = Field(description="stable id, derived from the first source's id and its own event id")
    title: str = Field(min_length=1)
    description: str = ""  # plain text; paragraphs separated by a blank line
    url: str | None = None
    image: str | None = None
    start: AwareDatetime
    end: AwareDatetime | None = None  # exclusive; for all-day events the local midnight after the last day
    all_day: bool = False
    timezone: str  # IANA name; start and end are expressed in it
    city: City
    category: Category
    category_reason: str | None = None  # why it got its category, e.g. "rule music: 'konsert' in title"
    tags: tuple[str, ...] = ()
    venue: Venue = Venue()
    price: Price = Price()
    language: Language
    status: Status = "scheduled"
    organizer: str | None = None
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    first_seen: AwareDatetime | None = None
    last_seen: AwareDatetime | None = None
    last_modified: AwareDatetime | None = None
    sequence: int = Field(default=0, ge=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> Event:
        # Instants, not wall times: within one zone Python compares wall clocks (wrong in October).
        if self.end is not None and self.end.timestamp() < self.start.timestamp():
            raise ValueError(f"end {self.end.isoformat()} is before start {self.start.isoformat()}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def material_hash(self) -> str:
        """A digest of the material fields: equal digests mean nothing a visitor sees has changed."""
        material = self.model_dump(mode="json", include=set(MATERIAL_FIELDS))
        # Compare instants, not spellings: the same moment written with another offset is no change.
        for key in ("start", "end"):
            value = getattr(self, key)
            material[key] = value.timestamp() if value is not None else None
        blob = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    @staticmethod
    def make_id(source_id: str, source_event_id: str) -> str:
        """A stable, URL- and UID-safe id for an event first seen in ``source_id``."""
        digest = hashlib.sha256(f"{source_id}\x1f{source_event_id}".encode()).hexdigest()
        return f"{source_id}-{digest[:16]}"


def ensure_aware(value: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a naive datetime (local wall time); convert an aware one into ``zone``."""
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)
