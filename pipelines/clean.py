"""Clean a raw item's text: the first pipeline stage, before the normaliser.

A raw item (a dict keyed by Event field names, values as the source wrote them) goes in; the same kind of
dict comes out, with every text plain and the title's cancellation marker turned into a status:

- ``title``: one line of plain text (HTML, entities and whitespace cleaned); a marker such as "INSTÄLLT:",
  "[Aflyst]" or "– Postponed" is removed and becomes ``status`` (pipelines/cancellation.py's rules);
- ``description``: plain text, paragraphs separated by a blank line, scripts and styles dropped;
- ``organizer``, the venue's ``name``, ``street_address``, ``postal_code`` and ``locality``, and the price's
  ``text``: one line of plain text each;
- ``tags``: plain, lower case, each once, in the source's order.

Clean owns *text*; everything typed (times, numbers, place, currency, language, the status vocabulary) is
the normaliser's (pipelines/normalise.py). Clean never rejects an item: a value it cannot clean (a title
that is not text) is left as it is, for the normaliser to report. The division is in docs/normalisation.md.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import lxml.html

from pipelines.cancellation import extract_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Note:
    """A decision a stage took about one item that a reader of the run may want to know.

    The pipeline counts it as the Scrapy stat ``hhevents/<stage>/<key>`` (kept in the source's run record)
    and logs the message at INFO, naming the source and the item's page.
    """

    key: str  # e.g. "status_from_title/cancelled", "city/from_address"
    message: str


# -- text ----------------------------------------------------------------------------------------------------

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "header",
    "footer",
    "dd",
    "dt",
    "figure",
    "figcaption",
    "hr",
    "pre",
}
_PARAGRAPH_BREAK = "\ue000"  # a private-use character: survives whitespace collapsing, never in real text


def collapse_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_to_text(value: str | None) -> str:
    """Plain text from HTML or text: entities decoded, scripts and styles dropped, paragraphs kept."""
    if not value:
        return ""
    if not _TAG.search(value):
        paragraphs = re.split(r"\n\s*\n", html.unescape(value))
        return "\n\n".join(p for p in (collapse_whitespace(p) for p in paragraphs) if p)
    root = lxml.html.fragment_fromstring(value, create_parent="div")
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = _PARAGRAPH_BREAK + (element.tail or "")
            element.text = (_PARAGRAPH_BREAK if element.tag.lower() != "br" else "") + (element.text or "")
    text = root.text_content()
    paragraphs = (collapse_whitespace(part) for part in text.split(_PARAGRAPH_BREAK))
    return "\n\n".join(p for p in paragraphs if p)


def clean_line(value: Any) -> Any:
    """One line of plain text from a text value; None for a blank one; anything else unchanged."""
    if not isinstance(value, str):
        return value
    return collapse_whitespace(html_to_text(value)) or None


def clean_description(value: Any) -> Any:
    """Plain text with paragraphs (separated by a blank line) from a text value; anything else unchanged."""
    return html_to_text(value) if isinstance(value, str) else value


def clean_tags(value: Any) -> tuple[str, ...]:
    """The source's categories as tags: plain text, lower case, each once, in the source's order."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    tags: list[str] = []
    for tag in value:
        if tag is None:
            continue
        text = collapse_whitespace(html_to_text(str(tag))).lower()
        if text and text not in tags:
            tags.append(text)
    return tuple(tags)


def clean_title(value: Any) -> tuple[Any, str | None]:
    """(one plain line without a cancellation marker, the status the marker announced or None).

    A title that is not text is returned unchanged (the normaliser reports it); "" when nothing is left.
    """
    if not isinstance(value, str):
        return value, None
    line = collapse_whitespace(html_to_text(value))
    if not line:
        return "", None
    return extract_status(line)


_VENUE_TEXT = ("name", "street_address", "postal_code", "locality")


def clean_venue(value: Any) -> Any:
    """The venue's text fields as single plain lines (blank ones None); numbers and other keys untouched.

    A venue given as a bare text is its name.
    """
    if isinstance(value, str):
        return {"name": clean_line(value)}
    if not isinstance(value, Mapping):
        return value
    venue = dict(value)
    for key in _VENUE_TEXT:
        if key in venue:
            venue[key] = clean_line(venue[key])
    return venue


def clean_price(value: Any) -> Any:
    """The price's ``text`` as one plain line (a blank one None); the structured values untouched."""
    if not isinstance(value, Mapping):
        return value
    price = dict(value)
    if "text" in price:
        price["text"] = clean_line(price["text"])
    return price


# -- the whole item ------------------------------------------------------------------------------------------


def clean_item(item: Mapping[str, Any], notes: list[Note] | None = None) -> dict[str, Any]:
    """``item`` with its text cleaned (see the module's docs); a new dict, ``item`` is not changed.

    A status marker in the title wins over the item's ``status``: publishers edit the title when plans
    change and seldom the status field ("INSTÄLLT: ..." with STATUS:CONFIRMED is common).
    """
    cleaned = dict(item)
    if "title" in cleaned:
        title, status = clean_title(cleaned["title"])
        cleaned["title"] = title
        if status is not None:
            cleaned["status"] = status
            if notes is not None:
                notes.append(Note(f"status_from_title/{status}", f"title {item['title']!r} says {status}"))
    if "description" in cleaned:
        cleaned["description"] = clean_description(cleaned["description"])
    if "organizer" in cleaned:
        cleaned["organizer"] = clean_line(cleaned["organizer"])
    if "tags" in cleaned:
        cleaned["tags"] = clean_tags(cleaned["tags"])
    if "venue" in cleaned:
        cleaned["venue"] = clean_venue(cleaned["venue"])
    if "price" in cleaned:
        cleaned["price"] = clean_price(cleaned["price"])
    return cleaned


def record_notes(crawler, stage: str, notes: list[Note], source_id: str, where: str | None) -> None:
    """Count each note as ``hhevents/<stage>/<key>`` and log it at INFO (shown with ``crawl -v``)."""
    for note in notes:
        crawler.stats.inc_value(f"hhevents/{stage}/{note.key}")
        logger.info("[%s] %s: %s", source_id, where or "-", note.message)


def _where(item: Mapping[str, Any]) -> str | None:
    refs = item.get("sources") or [{}]
    first = refs[0] if isinstance(refs, list | tuple) and refs and isinstance(refs[0], Mapping) else {}
    return first.get("url")


class CleanPipeline:
    """Scrapy pipeline: clean each raw item's text (see :func:`clean_item`); never drops an item."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if not isinstance(item, Mapping):
            return item  # already an Event (a stage before us built it): nothing of ours to do
        notes: list[Note] = []
        cleaned = clean_item(item, notes)
        spider = self.crawler.spider
        record_notes(self.crawler, "clean", notes, spider.source.id, _where(item))
        return cleaned
