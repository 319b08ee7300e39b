"""`jsonld` sources: schema.org Events embedded in web pages (JSON-LD or microdata), read with extruct.

A source names a listing page; optional CSS selectors say which links lead to event detail pages and which
link is the next listing page. Events are read from every page visited; when an event is on both the listing
and its own detail page, the detail page wins (it is the fuller record), so a crawl yields each event once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import urldefrag, urljoin

import extruct
import scrapy

from spiders.base import SourceSpider

SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "schema:")


def schema_type_names(node: dict[str, Any]) -> list[str]:
    types = node.get("@type") or []
    if isinstance(types, str):
        types = [types]
    names = []
    for name in types:
        for prefix in SCHEMA_PREFIXES:
            name = name.removeprefix(prefix)
        names.append(name)
    return names


def is_event(node: dict[str, Any]) -> bool:
    # Event and its subtypes (MusicEvent, SportsEvent, TheaterEvent, ExhibitionEvent, Festival, ...).
    return any(
        name == "Event" or name.endswith("Event") or name == "Festival" for name in schema_type_names(node)
    )


def find_events(data: Any) -> Iterator[dict[str, Any]]:
    """Every Event node in extruct's output, through @graph wrappers and arrays."""
    if isinstance(data, list):
        for entry in data:
            yield from find_events(entry)
    elif isinstance(data, dict):
        if is_event(data):
            yield data
        elif "@graph" in data:
            yield from find_events(data["@graph"])


def first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def text_of(value: Any) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if value is None:
        return None
    return str(value)


# -- one small mapper per schema.org property ---------------------------------------------------------------


def map_image(value: Any) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return str(value) if value else None


def map_end(value: Any) -> Any:
    """schema.org's date-only endDate is the last day (inclusive); the model's end is exclusive."""
    value = text_of(value)
    if value and len(value) == 10:
        try:
            return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
        except ValueError:
            return value
    return value


def map_location(value: Any) -> dict[str, Any]:
    places = value if isinstance(value, list) else [value]
    place = next(
        (p for p in places if isinstance(p, dict) and "VirtualLocation" not in schema_type_names(p)), None
    )
    if place is None:
        text = next((p for p in places if isinstance(p, str)), None)
        return {"name": text} if text else {}
    venue: dict[str, Any] = {"name": text_of(place.get("name"))}
    address = first(place.get("address"))
    if isinstance(address, dict):
        country = address.get("addressCountry")
        venue.update(
            street_address=text_of(address.get("streetAddress")),
            postal_code=text_of(address.get("postalCode")),
            locality=text_of(address.get("addressLocality")),
            country=text_of(country),
        )
    elif isinstance(address, str):
        venue["street_address"] = address
    geo = first(place.get("geo"))
    if isinstance(geo, dict):
        venue.update(latitude=first(geo.get("latitude")), longitude=first(geo.get("longitude")))
    return venue


def map_offers(value: Any, accessible_for_free: Any = None) -> dict[str, Any]:
    offers = [o for o in (value if isinstance(value, list) else [value]) if isinstance(o, dict)]
    prices: list[float] = []
    currency = None
    for offer in offers:
        currency = currency or text_of(offer.get("priceCurrency"))
        for key in ("price", "lowPrice", "highPrice"):
            raw = first(offer.get(key))
            if raw in (None, ""):
                continue
            try:
                prices.append(float(str(raw).replace(",", ".")))
            except ValueError:
                continue
    price: dict[str, Any] = {"currency": currency}
    if prices:
        price.update(min=min(prices), max=max(prices))
    if str(first(accessible_for_free)).lower() == "true":
        price["free"] = True
    return price


def map_language(value: Any) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    if not value:
        return None
    code = str(value).strip().lower()
    names = {
        "danish": "da",
        "dansk": "da",
        "swedish": "sv",
        "svenska": "sv",
        "english": "en",
        "engelsk": "en",
    }
    code = names.get(code, code.split("-")[0].split("_")[0])
    return code if code in ("sv", "da", "en") else None


def item_from_event(node: dict[str, Any], page_url: str) -> dict[str, Any]:
    """A raw item (Event field names, source values) from one schema.org Event node."""
    url = urljoin(page_url, text_of(node.get("url")) or page_url)
    image = map_image(node.get("image"))
    return {
        "title": text_of(node.get("name")),
        "description": text_of(node.get("description")),
        "url": url,
        "image": urljoin(page_url, image) if image else None,
        "start": text_of(node.get("startDate")),
        "end": map_end(node.get("endDate")),
        "status": text_of(node.get("eventStatus")),
        "venue": map_location(node.get("location")),
        "price": map_offers(node.get("offers"), node.get("isAccessibleForFree")),
        "organizer": text_of(node.get("organizer")),
        "language": map_language(node.get("inLanguage")),
    }


class JsonLdSpider(SourceSpider):
    source_type = "jsonld"

    def parse(self, response, page: int = 1):
        detail_urls: set[str] = set()
        if self.source.detail_links:
            for href in response.css(self.source.detail_links).xpath("@href").getall():
                detail_urls.add(urldefrag(response.urljoin(href)).url)
        # Events that have their own detail page are read there; the listing's copy would be a second,
        # poorer version of the same event.
        for item in self.items_on(response):
            if urldefrag(item["url"]).url not in detail_urls:
                yield item
        for url in sorted(detail_urls):
            yield scrapy.Request(url, callback=self.parse_detail, errback=self.on_request_error)
        if self.source.next_page and page < self.source.max_pages:
            next_href = response.css(self.source.next_page).xpath("@href").get()
            if next_href:
                yield response.follow(
                    next_href,
                    callback=self.parse,
                    errback=self.on_request_error,
                    cb_kwargs={"page": page + 1},
                )

    def parse_detail(self, response):
        found = False
        for item in self.items_on(response):
            found = True
            yield item
        if not found and response.url not in self.problem_urls:
            self.logger.warning(
                "[%s] %s: detail page holds no schema.org Event", self.source.id, response.url
            )

    def items_on(self, response) -> Iterator[dict[str, Any]]:
        nodes = []
        for syntax in ("json-ld", "microdata"):
            try:
                data = extruct.extract(response.text, base_url=response.url, syntaxes=[syntax], uniform=True)
            except (
                Exception
            ) as exc:  # extruct raises whatever its parsers raise; one bad block loses one page
                self.problem(f"unreadable {syntax}: {type(exc).__name__}: {exc}", url=response.url)
                continue
            nodes.extend(find_events(data.get(syntax, [])))
        items = [item_from_event(node, response.url) for node in nodes]
        urls = [item["url"] for item in items]
        for item, node in zip(items, nodes, strict=True):
            # A page with one event per URL is keyed by URL; several events sharing a URL (a series on
            # one page) also need their start to be told apart.
            key = item["url"] if urls.count(item["url"]) == 1 else f"{item['url']}#{item['start']}"
            item["sources"] = self.source_ref(key, response.url, raw=node)
            yield item
