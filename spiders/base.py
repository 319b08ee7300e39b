"""What every source spider shares: the source it crawls, how it reports failures, how it names its items."""

from __future__ import annotations

import codecs
import json
from typing import Any, ClassVar

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from config.schema import SourceBase


def decode_body(body: bytes, encoding: str | None = None) -> str:
    """Text of a response body: ``encoding`` if given, else by BOM, else strict UTF-8, else windows-1252.

    Declared charsets (HTTP header, XML declaration) are ignored on purpose: the exports this is for say
    UTF-8 or nothing while sending windows-1252, or say ISO-8859-1 while sending UTF-8. Valid UTF-8 with
    non-ASCII bytes is practically never anything else, so trying it strictly first is the safer guess.
    (iCalendar has its own, spiders.ics.decode_calendar: it must unfold lines before decoding.)
    """
    if encoding:
        return body.decode(encoding, errors="replace").lstrip("\ufeff")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:
        # Five bytes are unassigned in windows-1252; ISO-8859-1 maps every byte.
        return body.decode("latin-1")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dicts, lists, strings, numbers), for storing a source's raw record."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


class SourceSpider(scrapy.Spider):
    """A generic spider for one source *format*; the source itself (URL, options) comes from YAML."""

    source_type: ClassVar[str]

    def __init__(self, source: SourceBase, **kwargs: Any):
        # The spider's name is the source id, so every log line says which source it is about.
        super().__init__(name=source.id, **kwargs)
        self.source = source
        self.first_problem = ""
        self.problem_urls: set[str] = set()
        self.problem_count = 0

    async def start(self):
        yield scrapy.Request(self.source.url, callback=self.parse, errback=self.on_request_error)

    def problem(self, message: str, *, url: str | None = None) -> None:
        """Report something that lost data: logged as an error and kept for the source's health record."""
        self.problem_count += 1
        self.problem_urls.add(url or self.source.url)
        text = f"{url or self.source.url}: {message}"
        self.first_problem = self.first_problem or text
        self.logger.error("[%s] %s", self.source.id, text)

    def empty_page(self, url: str, what: str = "no events") -> None:
        """A page that yielded nothing: counted in the run's statistics and logged, not an error."""
        self.crawler.stats.inc_value("hhevents/empty_pages")
        self.logger.warning("[%s] %s: %s", self.source.id, url, what)

    def on_request_error(self, failure) -> None:
        request = failure.request
        if failure.check(HttpError):
            response = failure.value.response
            message = f"HTTP {response.status}"
        elif failure.check(DNSLookupError):
            message = "DNS lookup failed"
        elif failure.check(TimeoutError, TCPTimedOutError):
            message = "timed out"
        elif failure.check(ConnectionRefusedError):
            message = "connection refused"
        else:
            message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.problem(message, url=request.url)

    def source_ref(self, source_event_id: str, url: str | None, raw: Any = None) -> list[dict[str, Any]]:
        """The ``sources`` value of a raw item; ``raw`` is the source's own record of it (provenance)."""
        return [
            {
                "source_id": self.source.id,
                "url": url,
                "source_event_id": source_event_id,
                "raw": jsonable(raw),
            }
        ]
