"""One event from several sources' versions of it: which source's field wins.

Every source that lists an event keeps its own normalised version (a *sighting*). The published event is
merged from them, field by field:

- sightings are ranked by the source's ``priority`` (YAML, higher wins), then by completeness (how many of
  end, venue, address, price, image, description, url it has), then by who saw it first;
- each field comes from the best-ranked sighting that has a value for it (an empty description or a missing
  image on the best source does not hide another source's);
- times (start, end, all-day, zone) come together from one sighting, so a start is never paired with
  another source's end;
- tags are the union; the status is the best-ranked one, except that a cancellation or postponement that
  any source announces wins: a visitor should rather hear of it twice than miss it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hhevents.model import Event

SEVERE_STATUSES = ("cancelled", "postponed")


@dataclass(frozen=True)
class Sighting:
    """One source's version of an event, as the store keeps it."""

    event: Event  # that source's own normalised event (its sources hold just that source)
    priority: int
    first_seen: datetime


def completeness(event: Event) -> int:
    present = (
        event.end,
        event.venue.name,
        event.venue.street_address,
        event.price.free is not None or event.price.min is not None,
        event.image,
        event.description,
        event.url,
    )
    return sum(1 for value in present if value)


def ranked(sightings: Sequence[Sighting]) -> list[Sighting]:
    return sorted(sightings, key=lambda s: (-s.priority, -completeness(s.event), s.first_seen, s.event.id))


def merge(group_id: str, sightings: Sequence[Sighting]) -> Event:
    """The published event of a group of sightings (at least one), under the group's stable id."""
    if not sightings:
        raise ValueError("merge() needs at least one sighting")
    order = [s.event for s in ranked(sightings)]
    best = order[0]

    def first(field: str, has_value=bool):
        """The field of the best-ranked sighting that has a value for it (else the best one's)."""
        return next((getattr(e, field) for e in order if has_value(getattr(e, field))), getattr(best, field))

    statuses = [e.status for e in order]
    status = next((s for s in statuses if s in SEVERE_STATUSES), best.status)
    tags: list[str] = []
    for event in order:
        tags.extend(tag for tag in event.tags if tag not in tags)
    return best.model_copy(
        update={
            "id": group_id,
            "description": first("description"),
            "url": first("url"),
            "image": first("image"),
            "venue": first("venue", lambda v: bool(v.name or v.street_address)),
            "price": first("price", lambda p: p.free is not None or p.min is not None),
            "organizer": first("organizer"),
            "tags": tuple(tags),
            "status": status,
            "sources": tuple(ref for event in order for ref in event.sources),
        }
    )
