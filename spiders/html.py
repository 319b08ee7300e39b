"""`html` sources: a listing page without structured data, read with the selectors its YAML entry names.

The ``item`` selector finds each event on a listing page; inside it the ``title``, ``date``, ``time``,
``end_date``, ``venue``, ``price``, ``description``, ``link`` and ``image`` selectors find its fields. A
selector starting with ``/``, ``(`` or ``./`` is XPath, anything else CSS, with parsel's ``::text`` and
``::attr(name)``. ``next_page`` follows the listing's pagination; the ``detail_*`` selectors, when given,
are read on each event's own page (its ``link``), which wins for the description and image.

The date is text ("Lördag 14 juni", "kl. 19.00–21.00"): the spider joins date, time and last day into one
phrase ("Lördag 14 juni kl. 19.00–21.00 - 16 juni") and the normaliser reads it with hhevents.datetext, in
the source's language and zone. A ``<time datetime="...">`` element gives its machine-readable value
instead. Items keep the source's words: the price's text goes to ``price.text`` (a single amount such as
"120 kr" also fills min/max), a cancelled marker stays in the title for the cleaning stage to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from spiders.base import SourceSpider

# Elements that separate words when an element's text is read ("14 juni<br>kl. 19" is "14 juni kl. 19").
_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure"),
        *("footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p"),
        *("pre",),
        *("section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_SKIPPED_TAGS = frozenset(("script", "style", "template", "noscript"))
_IMAGE_ATTRS = ("src", "data-src", "data-lazy-src", "data-original", "srcset", "data-srcset", "content")
_BACKGROUND = re.compile(r"background(?:-image)?\s*:[^;]*url\(\s*['\"]?([^'\")]+)")
_SRCSET = re.compile(r"\s\d+(?:\.\d+)?[wx](?:,|$)")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
RAW_HTML_LIMIT = 4000  # characters of the item's markup kept as provenance


def is_xpath(selector: str) -> bool:
    return selector.startswith(("/", "(", "./"))


def select(node: Selector | TextResponse, selector: str) -> SelectorList:
    """What ``selector`` matches inside ``node``; an XPath "/..." or "//..." is made relative to it."""
    if is_xpath(selector):
        # parsel evaluates "//h3" from the document root even on an item; ".//h3" is what an operator means.
        return node.xpath(re.sub(r"^(\(*)\s*/", r"\1./", selector))
    return node.css(selector)


def _is_string(result: Selector) -> bool:
    # ::text, ::attr(x), text() and @x results are strings, not elements.
    return isinstance(result.root, str)


def element_text(element: Any) -> str:
    """The words of an lxml element: scripts skipped, block elements and <br> separate words."""
    parts: list[str] = []

    def walk(el: Any, root: bool = False) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag is not None and tag not in _SKIPPED_TAGS:
            block = tag in _BLOCK_TAGS
            parts.append(" " if block else "")
            parts.append(el.text or "")
            for child in el:
                walk(child)
            parts.append(" " if block else "")
        if not root:
            parts.append(el.tail or "")

    walk(element, root=True)
    return collapse("".join(parts))


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def text_of(results: SelectorList) -> str | None:
    """The text of every match, joined; None when nothing (or only whitespace) matched."""
    parts = [collapse(r.root) if _is_string(r) else element_text(r.root) for r in results]
    text = collapse(" ".join(p for p in parts if p))
    return text or None


def date_text_of(results: SelectorList) -> str | None:
    """Like :func:`text_of`, but a ``<time datetime="...">`` (matched, or inside a match) gives its
    machine-readable value."""
    for result in results:
        if _is_string(result):
            continue
        element = result.root
        times = [element] if element.tag == "time" else list(element.iterdescendants("time"))
        for time_element in times:
            value = (time_element.get("datetime") or "").strip()
            # Only a value with a date: datetime="19:00" (a time of day) would lose the date words.
            if _ISO_DATE.match(value):
                return value
    return text_of(results)


def html_of(results: SelectorList) -> str | None:
    """The markup of every matched element (the normaliser keeps its paragraphs), or the matched text."""
    parts = [r.root if _is_string(r) else r.get() for r in results]
    html = "\n".join(p.strip() for p in parts if p and p.strip())
    return html or None


def url_of(results: SelectorList, attrs: tuple[str, ...], inner: str) -> str | None:
    """The first URL among the matches: a string result as it is, else the element's first URL attribute,
    else that of the first ``inner`` descendant (an <a> inside a card, an <img> inside a <picture>)."""
    for result in results:
        if _is_string(result):
            value = result.root.strip()
            if _SRCSET.search(value):  # img::attr(srcset): the first candidate's URL
                value = value.split(",")[0].split()[0]
        else:
            value = _url_attr(result.root, attrs)
            if not value:
                for descendant in result.root.iterdescendants(inner):
                    value = _url_attr(descendant, attrs)
                    if value:
                        break
        if value and not value.startswith("data:"):
            return value
    return None


def _url_attr(element: Any, attrs: tuple[str, ...]) -> str | None:
    for attr in attrs:
        value = (element.get(attr) or "").strip()
        # A lazy-loading page puts a data: placeholder in src and the real image in data-src.
        if value and not value.startswith("data:"):
            # srcset: "a.jpg 480w, b.jpg 960w": the first candidate's URL.
            return value.split(",")[0].split()[0] if attr.endswith("srcset") else value
    match = _BACKGROUND.search(element.get("style") or "")
    return match.group(1).strip() if match else None


# -- prices --------------------------------------------------------------------------------------------------

_PRICE_LABEL = re.compile(
    r"^(?:pris|priser|entré|entre|entré avgift|biljett(?:er|pris)?|billet(?:ter|pris)?|price|tickets?|"
    r"admission)\s*:?\s*",
    re.IGNORECASE,
)
_AMOUNT = r"(\d{1,6}(?:[.,]\d{1,2})?)"
_CURRENCY_AFTER = r"(kr\.?|kronor|kroner|sek|dkk|eur|€|:-|,-)"
_CURRENCY_BEFORE = r"(sek|dkk|eur|€)"
_FREE = re.compile(
    r"^(?:gratis|fri entré|fri entre|fri adgang|gratis adgang|gratis entré|gratis entre|free|free entry|"
    r"free admission)[.!]?$",
    re.IGNORECASE,
)
_CURRENCIES = {"sek": "SEK", "dkk": "DKK", "eur": "EUR", "€": "EUR"}


def price_from_text(text: str | None) -> dict[str, Any]:
    """``price.text`` always; min/max (and currency) only when the text is one amount ("Entré: 150 kr"),
    ``free`` only when it says nothing but free. Anything more is the normaliser's price reading."""
    if not text:
        return {}
    price: dict[str, Any] = {"text": text}
    rest = _PRICE_LABEL.sub("", text.strip()).strip()
    if _FREE.match(rest):
        price["free"] = True
        return price
    after = re.fullmatch(rf"{_AMOUNT}\s*{_CURRENCY_AFTER}", rest, re.IGNORECASE)
    before = re.fullmatch(rf"{_CURRENCY_BEFORE}\s*{_AMOUNT}", rest, re.IGNORECASE)
    if after or before:
        amount, unit = (after.group(1), after.group(2)) if after else (before.group(2), before.group(1))
        value = float(amount.replace(",", "."))
        # "kr" and ":-" are the city's own krona/krone: the normaliser fills in SEK or DKK by city.
        price.update(min=value, max=value, currency=_CURRENCIES.get(unit.lower()))
    return price


# -- the spider ----------------------------------------------------------------------------------------------


class HtmlSpider(SourceSpider):
    source_type = "html"

    def parse(self, response, page: int = 1):
        if not isinstance(response, TextResponse):
            self.problem(
                f"not an HTML page ({response.headers.get('Content-Type', b'?').decode()})", url=response.url
            )
            return
        nodes = select(response, self.source.item)
        if not nodes:
            self.empty_page(response.url, f"no element matches the item selector {self.source.item!r}")
        items = [item for item in self.items_on(response, nodes) if item is not None]
        self.key_items(items, response.url)

        detail_selectors = (
            self.source.detail_description,
            self.source.detail_image,
            self.source.detail_venue,
            self.source.detail_price,
        )
        by_detail_url: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            link = item.pop("_link")
            if link and any(detail_selectors):
                by_detail_url.setdefault(link, []).append(item)
            else:
                yield item
        for url, waiting in by_detail_url.items():
            # One request per detail page, whichever items share it (a series' dates link to one page);
            # dont_filter: the same page listed again on a later listing page must not lose its items.
            yield scrapy.Request(
                url,
                callback=self.parse_detail,
                errback=self.detail_failed,
                cb_kwargs={"items": waiting},
                dont_filter=True,
            )

        if self.source.next_page:
            href = url_of(select(response, self.source.next_page), ("href",), "a")
            if href and page < self.source.max_pages:
                yield response.follow(
                    href, callback=self.parse, errback=self.on_request_error, cb_kwargs={"page": page + 1}
                )
            elif href:
                self.logger.warning(
                    "[%s] %s: max_pages (%d) reached; later listing pages are not read",
                    self.source.id,
                    response.url,
                    self.source.max_pages,
                )

    def items_on(self, response: TextResponse, nodes: SelectorList) -> Iterator[dict[str, Any] | None]:
        for index, node in enumerate(nodes, start=1):
            try:
                yield self.item_from(node, response, index)
            except Exception as exc:  # one odd card (a selector hitting an unexpected shape) loses that card
                self.problem(f"item {index}: {type(exc).__name__}: {exc}", url=response.url)
                yield None

    def item_from(self, node: Selector, response: TextResponse, index: int) -> dict[str, Any] | None:
        source = self.source

        def field(selector: str | None, read=text_of):
            return read(select(node, selector)) if selector else None

        title = field(source.title)
        date_text = field(source.date, date_text_of)
        record = {
            "title": title,
            "date": date_text,
            "time": field(source.time),
            "end_date": field(source.end_date, date_text_of),
            "venue": field(source.venue),
            "price": field(source.price),
            "description": field(source.description, html_of),
            "link": field(source.link, lambda r: url_of(r, ("href",), "a")),
            "image": field(source.image, lambda r: url_of(r, _IMAGE_ATTRS, "img")),
            "html": node.get()[:RAW_HTML_LIMIT],
        }
        if not title:
            self.problem(
                f"item {index} {snippet(node)}: the title selector {source.title!r} matches nothing; skipped",
                url=response.url,
            )
            return None
        if not date_text:
            self.problem(
                f"item {index} {title!r}: the date selector {source.date!r} matches nothing; skipped",
                url=response.url,
            )
            return None
        link = urldefrag(response.urljoin(record["link"])).url if record["link"] else None
        return {
            "title": title,
            "description": record["description"],
            "url": link or response.url,
            "image": response.urljoin(record["image"]) if record["image"] else None,
            "start": start_phrase(date_text, record["time"], record["end_date"]),
            "venue": self.venue_of(record["venue"]),
            "price": price_from_text(record["price"]),
            "sources": self.source_ref("", response.url, raw=record),
            "_link": link,
        }

    def key_items(self, items: list[dict[str, Any]], page_url: str) -> None:
        """Each item's source_event_id: its own page's URL; with the date too when several items share one
        (a series whose dates link to one page); the listing page, title and date when it has no link."""
        links = [item["_link"] for item in items]
        for item in items:
            ref = item["sources"][0]
            link = item["_link"]
            if link is None:
                ref["source_event_id"] = f"{page_url}#{item['title']}|{item['start']}"
            elif links.count(link) > 1:
                ref["source_event_id"] = f"{link}#{item['start']}"
            else:
                ref["source_event_id"] = link

    def venue_of(self, name: str | None) -> dict[str, Any]:
        default = dict(self.source.default_venue or {})
        if not name:
            return default
        default_name = str(default.get("name") or "")
        if default_name and default_name.casefold() in name.casefold():
            # "Dunkers kulturhus, Stora salen" is still the default venue: keep its address.
            return {**default, "name": name}
        return {"name": name}

    def parse_detail(self, response, items: list[dict[str, Any]]):
        if not isinstance(response, TextResponse):
            self.logger.warning(
                "[%s] %s: detail page is not HTML; listing data kept", self.source.id, response.url
            )
            yield from items
            return
        source = self.source
        found = {
            "description": html_of(select(response, source.detail_description))
            if source.detail_description
            else None,
            "image": url_of(select(response, source.detail_image), _IMAGE_ATTRS, "img")
            if source.detail_image
            else None,
            "venue": text_of(select(response, source.detail_venue)) if source.detail_venue else None,
            "price": text_of(select(response, source.detail_price)) if source.detail_price else None,
        }
        for item in items:
            raw = item["sources"][0]["raw"]
            # The detail page is the fuller record: its description and image win; venue and price only
            # fill what the listing left empty (a default_venue is no venue named by the listing).
            if found["description"]:
                item["description"] = found["description"]
            if found["image"]:
                item["image"] = response.urljoin(found["image"])
            if found["venue"] and not raw.get("venue"):
                item["venue"] = self.venue_of(found["venue"])
            if found["price"] and not raw.get("price"):
                item["price"] = price_from_text(found["price"])
            raw["detail"] = {key: value for key, value in found.items() if value}
            yield item

    def detail_failed(self, failure):
        """A detail page that fails loses its extra fields, not its events: the listing's items go on."""
        self.on_request_error(failure)
        yield from failure.request.cb_kwargs.get("items", [])


def start_phrase(date_text: str, time_text: str | None, end_text: str | None) -> str:
    """One phrase for hhevents.datetext: "<date> <time>", then " - <last day>" when there is one."""
    phrase = f"{date_text} {time_text}" if time_text and time_text not in date_text else date_text
    return f"{phrase} - {end_text}" if end_text else phrase


def snippet(node: Selector, limit: int = 80) -> str:
    text = collapse(element_text(node.root)) if not _is_string(node) else collapse(node.root)
    return repr(text[:limit] + ("…" if len(text) > limit else ""))
