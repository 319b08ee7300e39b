"""JSON Feed 1.1 writer (https://www.jsonfeed.org/version/1.1/), with the event's own data in ``_hhevents``.

Each item is rendered to JSON text once per language in a publish and spliced into every feed that holds it.
The feed's own keys are indented; each item is one compact line (json's C encoder: indenting is pure Python
and would be most of a publish's time).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from config.categories import CategoryRules
from feeds import RenderCache, image_link, modified_at, ordered
from feeds.text import SITE_NAME, EventText, cached_text
from hhevents.model import Event, Language

VERSION = "https://jsonfeed.org/version/1.1"
EXTENSION = "_hhevents"  # JSON Feed extensions start with "_"; this one documents itself in docs/feeds.md


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event_data(event: Event) -> dict[str, Any]:
    """The machine-readable event: instants with their offsets; all-day events as dates, end exclusive."""
    if event.all_day:
        zone = event.zone
        start: str = event.start.astimezone(zone).date().isoformat()
        end = event.end.astimezone(zone).date().isoformat() if event.end is not None else None
    else:
        start = event.start.astimezone(event.zone).isoformat(timespec="seconds")
        end = event.end.astimezone(event.zone).isoformat(timespec="seconds") if event.end else None
    return {
        "start": start,
        "end": end,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "status": event.status,
        "city": event.city,
        "category": event.category,
        "tags": list(event.tags),
        "venue": event.venue.model_dump(mode="json"),
        "price": event.price.model_dump(mode="json"),
        "organizer": event.organizer,
        "language": event.language,
        "title": event.title,
        "sources": [source.url for source in event.sources if source.url],
    }


def json_item(event: Event, text: EventText, *, link: str, extension: bool = True) -> dict[str, Any]:
    """The feed item; ``extension=False`` leaves out the (language-neutral) ``_hhevents`` object."""
    item: dict[str, Any] = {
        "id": event.id,
        "url": text.link or f"{link}#{event.id}",
        "title": text.item_title,
        "content_html": text.html,
        "content_text": text.plain,
        "summary": f"{text.when} · {text.location}" if text.location else text.when,
    }
    image = image_link(event)
    if image:
        item["image"] = image
    item["date_published"] = _rfc3339(event.first_seen or modified_at(event))
    item["date_modified"] = _rfc3339(modified_at(event))
    item["tags"] = [name for _, name in text.categories]
    item["language"] = event.language
    if extension:
        item[EXTENSION] = _event_data(event)
    return item


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _item_text(event: Event, text: EventText, link: str, cache: RenderCache) -> str:
    # The extension object is the same in every language: encoded once per event, spliced in as the last key
    # (json.dumps keeps insertion order, so this is what dumping the whole item would give).
    extension = cache.get("json-extension", (event.id,), lambda: _compact(_event_data(event)))
    head = _compact(json_item(event, text, link=link, extension=False))[:-1]
    return f'    {head},"{EXTENSION}":{extension}}}'


def build_json_feed(
    events: Iterable[Event],
    *,
    title: str,
    description: str,
    link: str,
    self_url: str | None = None,
    language: Language = "en",
    rules: CategoryRules | None = None,
    cache: RenderCache | None = None,
) -> bytes:
    """A JSON Feed 1.1 document of ``events`` (soonest start first); the same events give the same bytes."""
    cache = cache if cache is not None else RenderCache()
    feed: dict[str, Any] = {"version": VERSION, "title": title, "home_page_url": link}
    if self_url:
        feed["feed_url"] = self_url
    feed["description"] = description
    feed["language"] = language
    feed["authors"] = [{"name": SITE_NAME, "url": link}]
    feed["items"] = []
    head = json.dumps(feed, ensure_ascii=False, indent=2)
    assert head.endswith('"items": []\n}')
    items = [
        cache.get(
            "json",
            (event.id, language, link),
            lambda event=event: _item_text(event, cached_text(cache, event, language, rules), link, cache),
        )
        for event in ordered(events)
    ]
    if not items:
        return (head + "\n").encode("utf-8")
    body = head[: -len("]\n}")] + "\n" + ",\n".join(items) + "\n  ]\n}\n"
    return body.encode("utf-8")
