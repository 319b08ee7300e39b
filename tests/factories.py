"""Event factory for the feed tests: a valid Event with overridable fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hhevents.model import Event, SourceRef, Venue

STOCKHOLM = ZoneInfo("Europe/Stockholm")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def make_event(n: int = 1, **overrides: Any) -> Event:
    """Event number ``n`` (ids and times differ per ``n``), Helsingborg culture by default."""
    city = overrides.get("city", "helsingborg")
    zone_name = overrides.get(
        "timezone", "Europe/Stockholm" if city == "helsingborg" else "Europe/Copenhagen"
    )
    zone = ZoneInfo(zone_name)
    start = overrides.pop("start", datetime(2026, 6, 1 + n % 28, 18, 0, tzinfo=zone))
    fields: dict[str, Any] = {
        "id": f"test-{n:04d}",
        "title": f"Event {n}",
        "description": f"Description of event {n}.",
        "url": f"https://example.org/events/{n}",
        "start": start,
        "end": overrides.pop("end", start.replace(hour=20)),
        "timezone": zone_name,
        "city": city,
        "category": "culture",
        "language": "sv" if city == "helsingborg" else "da",
        "venue": Venue(
            name="Dunkers kulturhus",
            street_address="Kungsgatan 11",
            postal_code="252 21",
            locality="Helsingborg",
            country="SE",
            latitude=56.0465,
            longitude=12.6945,
        ),
        "sources": (
            SourceRef(source_id="test", url=f"https://source.example/e/{n}", source_event_id=str(n)),
        ),
        "first_seen": datetime(2026, 1, 10, 9, 0, tzinfo=ZoneInfo("UTC")),
        "last_modified": datetime(2026, 2, 1, 12, 30, n % 60, tzinfo=ZoneInfo("UTC")),
        "sequence": 1,
    }
    fields.update(overrides)
    return Event(**fields)
