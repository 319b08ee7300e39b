"""Downloader middlewares shared by every source spider."""

from __future__ import annotations

import asyncio
import random

from scrapy import Request


class RetryBackoff:
    """Wait before each retry: base * 2^(n-1) seconds (capped, with jitter), so a struggling site gets room.

    Scrapy's RetryMiddleware re-schedules a failed request at once, marking it with ``retry_times``; this
    middleware, further from the downloader, delays such requests before they go out again.
    """

    def __init__(self, base: float, cap: float):
        self.base, self.cap = base, cap

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(settings.getfloat("RETRY_BACKOFF_BASE", 1.0), settings.getfloat("RETRY_BACKOFF_MAX", 60.0))

    async def process_request(self, request: Request):
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.base > 0:
            delay = min(self.cap, self.base * 2 ** (attempt - 1))
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
        return None
