"""Scrapy spiders, one per source *format*; which source they crawl comes from config/sources.yaml.

The registry names classes by import path, so a format's module (and its libraries) is imported only when a
source of that format is crawled.
"""

from __future__ import annotations

from importlib import import_module

from spiders.base import SourceSpider

SPIDERS: dict[str, str] = {
    "ics": "spiders.ics.IcsSpider",
    "jsonld": "spiders.jsonld.JsonLdSpider",
    "tribe": "spiders.tribe.TribeSpider",
    "hbg": "spiders.hbg.HbgSpider",
    "kultunaut": "spiders.kultunaut.KultunautSpider",
    "rss": "spiders.rss.RssSpider",
    "html": "spiders.html.HtmlSpider",
    "json": "spiders.jsonapi.JsonApiSpider",
}


def spider_for(source_type: str) -> type[SourceSpider]:
    module_name, _, class_name = SPIDERS[source_type].rpartition(".")
    return getattr(import_module(module_name), class_name)
