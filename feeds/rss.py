"""RSS 2.0 and Atom feed writers (feedgen), with the RSS event module and Media RSS.

feedgen builds the channel and each entry. An event's entry is serialised once per language and format in
a publish (:class:`feeds.RenderCache`), already indented for its place, and spliced as text into every feed
that holds it: a feed costs one string join, not a tree of all its entries. The ev: and media: namespaces are
declared once, on the root.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from config.categories import CategoryRules
from feeds import RenderCache, image_link, modified_at, ordered
from feeds.text import SITE_NAME, EventText, all_day_span, cached_text
from hhevents.model import Event, Language

EV_NS = "http://purl.org/rss/1.0/modules/event/"  # the RSS 1.0 event module, read by feed-to-calendar tools
MEDIA_NS = "http://search.yahoo.com/mrss/"
NAMESPACES = {"ev": EV_NS, "media": MEDIA_NS}
ATOM_ID_PREFIX = "urn:hhevents:"
# An empty feed has no event to date it by; Atom requires <updated>, and "now" would change the bytes.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


class _Namespaces(BaseExtension):
    """Declares ev: and media: on the root, so that entries do not each declare them."""

    def extend_ns(self) -> dict[str, str]:
        return dict(NAMESPACES)


def _image_type(url: str) -> str:
    guessed, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return guessed if guessed and guessed.startswith("image/") else "image/jpeg"


def _w3cdtf(event: Event, value: datetime) -> str:
    return value.astimezone(event.zone).isoformat(timespec="seconds")


def _event_module(event: Event, text: EventText, indent: str) -> str:
    """ev:startdate / ev:enddate / ev:location / ev:organizer / ev:type, and media:content for the image, as
    XML lines (simple text elements, written directly: cheaper than building them as a tree).

    All-day events give dates only, the end date being the last day (inclusive), as people read a date range.
    """
    values: list[tuple[str, str]] = []
    if event.all_day:
        first, last = all_day_span(event)
        values += [("startdate", first.isoformat()), ("enddate", last.isoformat())]
    else:
        values.append(("startdate", _w3cdtf(event, event.start)))
        if event.end is not None:
            values.append(("enddate", _w3cdtf(event, event.end)))
    if text.location:
        values.append(("location", text.location))
    if text.organizer:
        values.append(("organizer", text.organizer))
    values.append(("type", text.event_type))
    lines = [f"{indent}<ev:{name}>{escape(value)}</ev:{name}>\n" for name, value in values]
    image = image_link(event)
    if image:
        lines.append(f'{indent}<media:content url={quoteattr(image)} medium="image" '
                     f"type={quoteattr(_image_type(image))}/>\n")
    return "".join(lines)


def _serialise(built: etree._Element, event: Event, text: EventText, level: int) -> str:
    """feedgen's entry plus the event module, as XML text indented for its ``level`` in the feed."""
    etree.indent(built, space="  ", level=level)
    xml = etree.tostring(built, encoding="unicode")
    closing = xml.rindex("\n") + 1  # the line of the closing tag
    module = _event_module(event, text, "  " * (level + 1))
    return "  " * level + xml[:closing] + module + xml[closing:] + "\n"


def _entry_link(event: Event, text: EventText, link: str) -> str:
    # Readers want a link on every item; an event no source links to points at the site instead.
    return text.link or f"{link}#{event.id}"


def rss_item(event: Event, text: EventText, *, link: str) -> str:
    """The event's RSS <item> as XML text."""
    image = image_link(event)
    fe = FeedEntry()
    fe.guid(event.id, permalink=False)
    fe.title(text.item_title)
    fe.link(href=_entry_link(event, text, link))
    fe.description(text.html)
    fe.pubDate(modified_at(event))
    for _, name in text.categories:
        fe.category(term=name)
    if image:
        fe.enclosure(image, "0", _image_type(image))  # RSS wants a length; 0 = unknown
    return _serialise(fe.rss_entry(), event, text, level=2)


def atom_entry(event: Event, text: EventText, *, link: str) -> str:
    """The event's Atom <entry> as XML text (in no namespace: it takes the feed's default one)."""
    image = image_link(event)
    fe = FeedEntry()
    fe.id(f"{ATOM_ID_PREFIX}event:{event.id}")
    fe.title(text.item_title)
    fe.updated(modified_at(event))
    if event.first_seen is not None:
        fe.published(event.first_seen.astimezone(UTC).replace(microsecond=0))
    links = [{"href": _entry_link(event, text, link), "rel": "alternate", "type": "text/html"}]
    if image:
        links.append({"href": image, "rel": "enclosure", "type": _image_type(image)})
    for attributes in links:
        fe.link(**attributes)
    fe.summary(text.html, type="html")
    for term, name in text.categories:
        fe.category(term=term, label=name)
    built = fe.atom_entry()
    # feedgen 1.0.0 writes entry links without rel and type (it reads them back from the element it just
    # made); without rel the image would be a second "alternate" page. Put them back, in the same order.
    for element, attributes in zip(built.findall("link"), links, strict=True):
        element.attrib.update(attributes)
    return _serialise(built, event, text, level=1)


def _generator(title: str, description: str, language: Language) -> FeedGenerator:
    fg = FeedGenerator()
    fg.register_extension("hhevents", _Namespaces, None)
    fg.title(title)
    fg.description(description)
    fg.language(language)
    return fg


def _splice(head: bytes, closing: bytes, entries: list[str]) -> bytes:
    """feedgen's pretty-printed document with the entries inserted before its ``closing`` line."""
    cut = head.rindex(closing)
    return head[:cut] + "".join(entries).encode("utf-8") + head[cut:]


def build_rss(
    events: Iterable[Event],
    *,
    title: str,
    description: str,
    link: str,
    self_url: str | None = None,
    language: Language = "en",
    rules: CategoryRules | None = None,
    ttl_minutes: int | None = None,
    cache: RenderCache | None = None,
) -> bytes:
    """An RSS 2.0 document of ``events`` (soonest start first); the same events give the same bytes."""
    cache = cache if cache is not None else RenderCache()
    items = ordered(events)
    fg = _generator(title, description, language)
    # feedgen makes the *last* link the channel <link>, so rel=self goes first.
    if self_url:
        fg.link(href=self_url, rel="self", type="application/rss+xml")
    fg.link(href=link, rel="alternate")
    if ttl_minutes:
        fg.ttl(ttl_minutes)
    if items:
        fg.lastBuildDate(max(modified_at(e) for e in items))
    else:
        # feedgen stamps "now" by default; an empty feed has no honest build date, so leave it out.
        fg._FeedGenerator__rss_lastBuildDate = None  # type: ignore[attr-defined]
    entries = [
        cache.get(
            "rss",
            (event.id, language, link),
            lambda event=event: rss_item(
                event, cached_text(cache, event, language, rules), link=link
            ),
        )
        for event in items
    ]
    return _splice(fg.rss_str(pretty=True), b"  </channel>", entries)


def build_atom(
    events: Iterable[Event],
    *,
    title: str,
    description: str,
    link: str,
    self_url: str | None = None,
    feed_id: str,
    language: Language = "en",
    rules: CategoryRules | None = None,
    cache: RenderCache | None = None,
) -> bytes:
    """An Atom document of ``events`` (soonest start first); the same events give the same bytes.

    ``feed_id`` is the feed's permanent id (a URN, so that moving the site does not change it).
    """
    cache = cache if cache is not None else RenderCache()
    items = ordered(events)
    fg = _generator(title, description, language)
    fg.id(feed_id)
    fg.subtitle(description)
    fg.author(name=SITE_NAME)  # Atom wants an author for the feed when entries have none
    fg.link(href=link, rel="alternate", type="text/html")
    if self_url:
        fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.updated(max((modified_at(e) for e in items), default=EMPTY_FEED_UPDATED))
    entries = [
        cache.get(
            "atom",
            (event.id, language, link),
            lambda event=event: atom_entry(
                event, cached_text(cache, event, language, rules), link=link
            ),
        )
        for event in items
    ]
    return _splice(fg.atom_str(pretty=True), b"</feed>", entries)
