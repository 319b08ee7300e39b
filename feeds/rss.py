"""RSS 2.0 feed writer (feedgen)."""

from __future__ import annotations

import html
from collections.abc import Iterable

from feedgen.feed import FeedGenerator

from feeds import event_link, modified_at, ordered, plain_description
from hhevents.model import Event


def _item_title(event: Event) -> str:
    local = event.start.astimezone(event.zone)
    when = f"{local:%Y-%m-%d}" if event.all_day else f"{local:%Y-%m-%d %H:%M}"
    place = f", {event.venue.name}" if event.venue.name else ""
    return f"{event.title} — {when}{place}"


def _item_description(event: Event) -> str:
    # Readers render <description> as HTML: escape the plain text so markup in a source's text stays text,
    # and keep its line breaks visible.
    return html.escape(plain_description(event)).replace("\n", "<br />\n")


def build_rss(
    events: Iterable[Event],
    *,
    title: str,
    description: str,
    link: str,
    self_url: str | None = None,
    language: str = "en",
) -> bytes:
    """An RSS 2.0 document of ``events`` (soonest start first); the same events give the same bytes."""
    items = ordered(events)
    fg = FeedGenerator()
    fg.title(title)
    fg.description(description)
    # feedgen makes the *last* link the channel <link>, so rel=self goes first.
    if self_url:
        fg.link(href=self_url, rel="self", type="application/rss+xml")
    fg.link(href=link, rel="alternate")
    fg.language(language)
    if items:
        fg.lastBuildDate(max(modified_at(e) for e in items))
    else:
        # feedgen stamps "now" by default; an empty feed has no honest build date, so leave it out.
        fg._FeedGenerator__rss_lastBuildDate = None  # type: ignore[attr-defined]

    for event in items:
        entry = fg.add_entry(order="append")
        entry.guid(event.id, permalink=False)
        entry.title(_item_title(event))
        # Readers want a link on every item; an event no source links to points at the site instead.
        entry.link(href=event_link(event) or f"{link}#{event.id}")
        entry.description(_item_description(event))
        entry.pubDate(modified_at(event))
        for term in dict.fromkeys(t for t in (event.category, *event.tags) if t):
            entry.category(term=term)
    return fg.rss_str(pretty=True)
