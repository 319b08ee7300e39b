"""Scrapy spiders, one per source *format*; which source they crawl comes from config/sources.yaml."""

from __future__ import annotations

from spiders.base import SourceSpider
from spiders.ics import IcsSpider
from spiders.jsonld import JsonLdSpider

SPIDERS: dict[str, type[SourceSpider]] = {spider.source_type: spider for spider in (IcsSpider, JsonLdSpider)}


def spider_for(source_type: str) -> type[SourceSpider]:
    return SPIDERS[source_type]
