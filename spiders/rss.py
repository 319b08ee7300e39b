"""`rss` sources: a venue's "what's on" feed (RSS 2.0, RSS 1.0/RDF or Atom), read with lxml.

RSS has no event date of its own (``pubDate`` says when the item was published), so the event's date comes
from, in this order:

1. the RSS event module (``ev:startdate``, ``ev:enddate``, ``ev:location``, ``ev:organizer``, ``ev:type``);
2. xCal elements (``xCal:dtstart``, ``xCal:dtend``, ``xCal:duration``, ``xCal:location`` ...), in the old
   ``urn:ietf:params:xml:ns:xcal`` draft, RFC 6321 or the W3C RDF calendar namespace;
3. ``pubDate`` (Atom: ``published``), only where the source's YAML says ``pubdate_is_event_date`` (The Events
   Calendar's feed, which publishes each event's start there);
4. the item's own words ("Lördag 12 december kl. 10–18"), only in a feed without ev: or xCal dates (there an
   undated item is a news post, not an event): the title, else the first line of the description that the
   date-text parser (hhevents.datetext) can read, is passed as the item's start, and the normaliser reads it.
   An item with no date anywhere gets no start and the normaliser drops it, counted under "start".

Feeds are decoded the way sloppy publishers need: strict UTF-8 first, else windows-1252, whatever the XML
declaration claims (a source's ``encoding`` key overrides this); markup that is not well-formed (a bare ``&``,
HTML entities such as ``&nbsp;``) is repaired before giving up.
"""

from __future__ import annotations

import email.utils
import html
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import lxml.html
from icalendar.prop import vDuration
from lxml import etree

from hhevents import clock
from hhevents.datetext import DateTextError, parse_datetext
from spiders.base import SourceSpider, decode_body

# -- decoding and parsing ------------------------------------------------------------------------------------


_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_BARE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


def repair_markup(text: str) -> str:
    """Hand-written feeds' usual faults made well-formed: HTML entities and bare ampersands."""

    def entity(match: re.Match[str]) -> str:
        if match[1] in _XML_ENTITIES:
            return match[0]
        chars = html.unescape(match[0])
        return match[0].replace("&", "&amp;") if chars == match[0] else "".join(f"&#{ord(c)};" for c in chars)

    return _BARE_AMPERSAND.sub("&amp;", _NAMED_ENTITY.sub(entity, text))


def parse_xml(body: bytes, encoding: str | None = None) -> etree._Element:
    """The root element of an XML body decoded by :func:`decode_body`; XMLSyntaxError if beyond repair."""
    data = decode_body(body, encoding).encode("utf-8")
    # The parser's encoding overrides the document's declaration (decode_body chose the real one). No
    # entities, DTDs or network: a feed is data, never instructions.
    options: dict[str, Any] = {"encoding": "utf-8", "resolve_entities": False, "no_network": True}
    try:
        return etree.fromstring(data, etree.XMLParser(**options))
    except etree.XMLSyntaxError as first_error:
        repaired = repair_markup(data.decode("utf-8")).encode("utf-8")
        root = etree.fromstring(repaired, etree.XMLParser(recover=True, **options))
        if root is None:
            raise first_error from None
        return root


# -- reading elements ----------------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# Plain RSS 2.0 elements have no namespace; RSS 1.0 and 0.90 put theirs in one.
CORE = ("", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")
EV = ("http://purl.org/rss/1.0/modules/event/",)
XCAL = (
    "urn:ietf:params:xml:ns:xcal",
    "urn:ietf:params:xml:ns:icalendar-2.0",
    "http://www.w3.org/2002/12/cal/ical#",
    "http://www.w3.org/2002/12/cal/icaltzd#",
)
CONTENT = ("http://purl.org/rss/1.0/modules/content/",)
MEDIA = ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")
DC = ("http://purl.org/dc/elements/1.1/",)
GEO = ("http://www.w3.org/2003/01/geo/wgs84_pos#",)
GEORSS = ("http://www.georss.org/georss",)

# A feed that uses a prefix without declaring it parses (in recovery) to an element literally named
# "ev:startdate"; these prefixes are read as their usual namespaces.
_USUAL_PREFIXES = {
    "ev": EV[0],
    "xcal": XCAL[0],
    "ical": XCAL[2],
    "content": CONTENT[0],
    "media": MEDIA[0],
    "dc": DC[0],
    "geo": GEO[0],
    "georss": GEORSS[0],
}
_PREFIX_OF = {
    ns: prefix
    for prefix, group in (
        ("ev", EV),
        ("xCal", XCAL),
        ("content", CONTENT),
        ("media", MEDIA),
        ("dc", DC),
        ("geo", GEO),
        ("georss", GEORSS),
        ("atom", (ATOM,)),
        ("rdf", (RDF,)),
    )
    for ns in group
}


def qname(el: etree._Element) -> tuple[str, str]:
    """(namespace, lowercase local name) of an element; ("", "") for comments and processing instructions."""
    if not isinstance(el.tag, str):
        return "", ""
    namespace, name = split_name(el.tag)
    if not namespace and ":" in name:
        prefix, _, name = name.partition(":")
        namespace = _USUAL_PREFIXES.get(prefix.lower(), "")
    return namespace, name.lower()


def split_name(tag: str) -> tuple[str, str]:
    """("namespace", "local") of lxml's ``{namespace}local``; a name with an undeclared prefix has none."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def local_name(el: etree._Element) -> str:
    return qname(el)[1]


def children(el: etree._Element, namespaces: tuple[str, ...], *names: str) -> list[etree._Element]:
    wanted = {name.lower() for name in names}
    return [c for c in el if (q := qname(c))[1] in wanted and q[0] in namespaces]


def element_text(el: etree._Element) -> str:
    """An element's content as text; child elements (unescaped HTML, Atom xhtml) are kept as markup."""
    if len(el) == 0:
        return el.text or ""
    inner = [html.escape(el.text or "", quote=False)]
    for child in el:
        inner.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(inner)


def first_text(el: etree._Element, namespaces: tuple[str, ...], *names: str) -> str | None:
    """The first non-blank text among the children named ``names`` (in the order of ``names``)."""
    for name in names:
        for child in children(el, namespaces, name):
            text = element_text(child).strip()
            if text:
                return text
    return None


def xcal_text(el: etree._Element, name: str) -> str | None:
    """An xCal text property: plain text in the draft, wrapped in ``<text>`` (or ``<uri>``) in RFC 6321."""
    for child in children(el, XCAL, name):
        text = "".join(child.itertext()).strip()
        if text:
            return text
    return None


def raw_fields(el: etree._Element) -> dict[str, Any]:
    """An item's children as ``{prefixed name: text}`` (a list when repeated), with attributes: provenance."""
    raw: dict[str, Any] = {}
    for child in el:
        namespace, name = qname(child)
        if not name:
            continue
        prefix = None if namespace in CORE else _PREFIX_OF.get(namespace) or child.prefix
        key = f"{prefix}:{name}" if prefix else name
        value: Any = element_text(child).strip()
        if child.attrib:
            value = {"text": value, **{split_name(k)[1]: v for k, v in child.attrib.items()}}
        if key in raw:
            raw[key] = raw[key] if isinstance(raw[key], list) else [raw[key]]
            raw[key].append(value)
        else:
            raw[key] = value
    return raw


# -- dates ---------------------------------------------------------------------------------------------------

_DATE_ONLY = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
_RFC822 = re.compile(r"^(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")


def machine_when(text: str | None) -> date | datetime | None:
    """A date (all-day) or datetime from a machine-written value: ISO 8601 (extended or basic, ``Z``, any
    number of fraction digits) or RFC 822 (``Sat, 12 Dec 2026 18:00:00 +0000``); None for anything else."""
    if not text:
        return None
    value = text.strip()
    match = _DATE_ONLY.match(value)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    if _RFC822.match(value):
        try:
            return email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return None


def next_day_if_date(value: date | datetime | None) -> date | datetime | None:
    """An inclusive last day as the model's exclusive end; datetimes are instants and stay."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value + timedelta(days=1)
    return value


def xcal_parameter(el: etree._Element, name: str) -> str | None:
    """A property parameter: an attribute in the xCal draft, ``<parameters><name><text>`` in RFC 6321."""
    for key, value in el.attrib.items():
        if split_name(key)[1].lower() == name and value.strip():
            return value.strip()
    for parameters in el:
        if local_name(parameters) == "parameters":
            for parameter in parameters:
                text = "".join(parameter.itertext()).strip()
                if local_name(parameter) == name and text:
                    return text
    return None


def xcal_when(el: etree._Element | None) -> date | datetime | str | None:
    """An xCal date property: ``<dtstart>20261212T190000</dtstart>`` (draft) or ``<dtstart><date-time>``
    (RFC 6321), with a TZID attribute or parameter naming an IANA zone when present."""
    if el is None:
        return None
    value_el = next((c for c in el if local_name(c) in ("date-time", "date")), None)
    text = (element_text(value_el) if value_el is not None else el.text or "").strip()
    if not text:
        return None
    when = machine_when(text)
    if not isinstance(when, datetime) or when.tzinfo is not None:
        return when if when is not None else text
    tzid = xcal_parameter(el, "tzid")
    if tzid:
        try:
            return when.replace(tzinfo=ZoneInfo(tzid.strip().lstrip("/")))
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a Windows or made-up zone name: the time stays local wall time in the source's zone
    return when


def xcal_duration(el: etree._Element | None) -> timedelta | None:
    if el is None:
        return None
    value_el = next((c for c in el if local_name(c) == "duration"), None)
    text = (element_text(value_el) if value_el is not None else el.text or "").strip()
    try:
        return vDuration.from_ical(text) if text else None
    except ValueError:
        return None


# -- the spider ----------------------------------------------------------------------------------------------


def feed_entries(root: etree._Element) -> Iterator[tuple[etree._Element, bool]]:
    """Every RSS item and Atom entry, with whether it is Atom."""
    for el in root.iter():
        namespace, name = qname(el)
        if name == "item" and namespace in CORE:
            yield el, False
        elif name == "entry" and namespace == ATOM:
            yield el, True


def text_lines(markup: str | None) -> list[str]:
    """The lines of a description as plain text: one per paragraph, list item or <br>."""
    if not markup or not markup.strip():
        return []
    if "<" in markup:
        try:
            root = lxml.html.fragment_fromstring(markup, create_parent="div")
        except (etree.ParserError, ValueError):
            root = None
        if root is not None:
            for el in root.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "dd", "dt"):
                el.tail = "\n" + (el.tail or "")
            markup = root.text_content()
    lines = (collapse([line]) for line in html.unescape(markup).splitlines())
    return [line for line in lines if line]


def collapse(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


def has_event_date(entry: etree._Element) -> bool:
    return bool(children(entry, EV, "startdate") or children(entry, XCAL, "dtstart"))


def first_image_in(markup: str | None, base: str) -> str | None:
    if not markup or "<img" not in markup.lower():
        return None
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    src = next((s.strip() for s in root.xpath("//img/@src") if s.strip()), None)
    return urljoin(base, src) if src else None


# How many lines of a description are tried for a date in words (see RssSpider.date_text).
MAX_DATE_LINES = 12


class RssSpider(SourceSpider):
    source_type = "rss"

    def parse(self, response):
        try:
            root = parse_xml(response.body, self.source.encoding)
        except (etree.XMLSyntaxError, LookupError) as exc:
            self.problem(f"not a readable feed: {exc}", url=response.url)
            return
        if local_name(root) not in ("rss", "rdf", "feed"):
            self.problem(f"not an RSS or Atom feed: its root is <{local_name(root)}>", url=response.url)
            return
        entries = list(feed_entries(root))
        if not entries:
            self.empty_page(response.url, "the feed holds no items")
        # In a feed that dates its events with ev: or xCal, an item without such a date is not an event (a
        # news post); reading dates out of its words would invent one.
        text_dates = not any(has_event_date(entry) for entry, _ in entries)
        found: list[tuple[dict[str, Any], str, etree._Element]] = []
        for index, (entry, atom) in enumerate(entries):
            try:
                item, key = self.item_from(entry, atom, response.url, text_dates=text_dates)
            except (TypeError, ValueError, AttributeError) as exc:
                # One odd item loses that item only.
                self.problem(f"item {index}: {type(exc).__name__}: {exc}", url=response.url)
                continue
            found.append((item, key, entry))
        keys = [key for _, key, _ in found]
        for item, key, entry in found:
            # A series listed as one item per date under one link is told apart by its start.
            if keys.count(key) > 1:
                start = item.get("start")
                key = f"{key}#{start.isoformat() if isinstance(start, date) else start}"
            item["sources"] = self.source_ref(key, response.url, raw=raw_fields(entry))
            yield item

    def item_from(
        self, entry: etree._Element, atom: bool, feed_url: str, *, text_dates: bool = True
    ) -> tuple[dict[str, Any], str]:
        core = (ATOM,) if atom else CORE
        title = first_text(entry, core, "title") or xcal_text(entry, "summary")
        if atom:
            description = first_text(entry, core, "content", "summary")
        else:
            description = first_text(entry, CONTENT, "encoded") or first_text(entry, core, "description")
        description = description or xcal_text(entry, "description")
        if description and "\\n" in description:
            # A literal "\n" between lines (SIDEARM's feeds): each line is its own paragraph.
            description = description.replace("\\r\\n", "\\n").replace("\\n", "\n\n")
        url = self.link_of(entry, atom, feed_url)
        guid = (
            first_text(entry, core, "id" if atom else "guid")
            or entry.get(f"{{{RDF}}}about")
            or xcal_text(entry, "uid")
        )
        item: dict[str, Any] = {
            "title": title,
            "description": description,
            "url": url,
            "image": self.image_of(entry, atom, feed_url) or first_image_in(description, feed_url),
            **self.when_of(entry, atom, title if text_dates else None, description if text_dates else None),
            "status": xcal_text(entry, "status"),
            "tags": self.tags_of(entry, atom),
            "venue": self.venue_of(entry),
            "organizer": self.organizer_of(entry),
        }
        key = guid or url or (f"{title}@{item.get('start')}" if title else None)
        if not key:
            raise ValueError("an item with neither guid, link nor title; skipped")
        return item, key

    # -- one small reader per part of an item ----------------------------------------------------------------

    def when_of(
        self, entry: etree._Element, atom: bool, title: str | None, description: str | None
    ) -> dict[str, Any]:
        start_text = first_text(entry, EV, "startdate")
        if start_text:
            end_text = first_text(entry, EV, "enddate")
            # ev:enddate without a time is the last day, as people write it; the model's end is exclusive.
            end = next_day_if_date(machine_when(end_text)) or end_text
            return {"start": machine_when(start_text) or start_text, "end": end}
        dtstart = next(iter(children(entry, XCAL, "dtstart")), None)
        start = xcal_when(dtstart)
        if start is not None:
            # iCalendar semantics: DTEND is already exclusive, also for dates.
            end = xcal_when(next(iter(children(entry, XCAL, "dtend")), None))
            duration = xcal_duration(next(iter(children(entry, XCAL, "duration")), None))
            if end is None and duration is not None and isinstance(start, date):
                end = start + duration
            return {"start": start, "end": end}
        if self.source.pubdate_is_event_date:
            published = machine_when(
                first_text(entry, (ATOM,) if atom else CORE, "published" if atom else "pubdate")
                or first_text(entry, DC, "date")
            )
            if isinstance(published, datetime):
                return self.event_start_from_pubdate(published)
        return {"start": self.date_text(title, description)}

    def event_start_from_pubdate(self, published: datetime) -> dict[str, Any]:
        """The Events Calendar writes an all-day event's start as its local midnight: read it as all-day."""
        local = published.astimezone(self.source.zone) if published.tzinfo else published
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            return {"start": local.date()}
        return {"start": published}

    def date_text(self, title: str | None, description: str | None) -> str | None:
        """The words that say when: the title, else the first line of the description that names one date.

        The date-text parser reads one date phrase among other words but refuses a text naming several dates
        (a description often mentions the ticket release or the next show too), so the item's text is offered
        line by line. The chosen words become the item's start, which the normaliser reads (again); None
        when no line names a date, and the normaliser drops the item as undated.
        """
        description_lines = text_lines(description)
        # A date is near the top; a long text's every line through dateparser would slow a big feed down.
        lines = [title or "", *description_lines[:MAX_DATE_LINES], collapse(description_lines)]
        now = clock.now()
        for line in lines:
            if not line.strip():
                continue
            try:
                parse_datetext(line, language=self.source.language, zone=self.source.zone, now=now)
            except DateTextError:
                continue
            return line
        return None

    def link_of(self, entry: etree._Element, atom: bool, feed_url: str) -> str | None:
        href = None
        if atom:
            for link in children(entry, (ATOM,), "link"):
                if link.get("rel", "alternate") == "alternate" and link.get("href"):
                    href = link.get("href")
                    break
        else:
            href = first_text(entry, CORE, "link")
            if not href:
                for guid in children(entry, CORE, "guid"):
                    text = (guid.text or "").strip()
                    if guid.get("isPermaLink", "true").lower() != "false" and text.startswith("http"):
                        href = text
                        break
        href = href or xcal_text(entry, "url")
        return urljoin(feed_url, href.strip()) if href else None

    def image_of(self, entry: etree._Element, atom: bool, feed_url: str) -> str | None:
        def is_image(el: etree._Element) -> bool:
            return el.get("type", "").startswith("image/") or el.get("medium") == "image"

        candidates: list[etree._Element] = []
        if atom:
            links = children(entry, (ATOM,), "link")
            candidates += [link for link in links if link.get("rel") == "enclosure" and is_image(link)]
        candidates += [e for e in children(entry, CORE, "enclosure") if is_image(e)]
        media = children(entry, MEDIA, "content", "thumbnail")
        for group in children(entry, MEDIA, "group"):
            media += children(group, MEDIA, "content", "thumbnail")
        candidates += [m for m in media if local_name(m) == "thumbnail" or is_image(m)]
        for candidate in candidates:
            src = candidate.get("url") or candidate.get("href")
            if src and src.strip():
                return urljoin(feed_url, src.strip())
        return None

    def tags_of(self, entry: etree._Element, atom: bool) -> list[str]:
        tags: list[str] = []
        for category in children(entry, (ATOM,) if atom else CORE, "category"):
            text = (category.get("label") or category.get("term")) if atom else element_text(category)
            tags.append(text or "")
        for el in children(entry, EV, "type") + children(entry, DC, "subject"):
            tags.append(element_text(el))
        for el in children(entry, XCAL, "categories"):
            # RFC 6321 wraps each category in <text>; the draft writes them comma-separated.
            texts = [t for t in el.itertext() if t.strip()]
            tags += [part for text in texts for part in text.split(",")]
        return [tag.strip() for tag in tags if tag and tag.strip()]

    def venue_of(self, entry: etree._Element) -> dict[str, Any]:
        venue: dict[str, Any] = {}
        name = first_text(entry, EV, "location") or xcal_text(entry, "location")
        if name:
            venue["name"] = name
        lat, lon = first_text(entry, GEO, "lat"), first_text(entry, GEO, "long", "lon")
        point = first_text(entry, GEORSS, "point")
        if point and not (lat and lon) and len(point.split()) == 2:
            lat, lon = point.split()
        if lat and lon:
            venue.update(latitude=lat, longitude=lon)
        return venue

    def organizer_of(self, entry: etree._Element) -> str | None:
        organizer = first_text(entry, EV, "organizer")
        if organizer:
            return organizer
        for el in children(entry, XCAL, "organizer"):
            address = re.sub(r"(?i)^mailto:", "", "".join(el.itertext()).strip())
            text = xcal_parameter(el, "cn") or address
            if text:
                return text
        return None
