"""Offline crawls: fetch every URL from a snapshot site instead of the real web.

With the setting ``HHEVENTS_SNAPSHOT_SITE = "http://127.0.0.1:PORT"``, a request for
``https://kulturvaerftet.dk/arrangementer/?p=2`` is fetched from ``http://127.0.0.1:PORT/kulturvaerftet.dk/
arrangementer/?p=2`` and its response is handed back under the real URL. The switch sits at the bottom of
the download stack, so everything above it (links, robots.txt, the HTTP cache, stored event URLs) sees the
real site: the demo and the tests crawl exactly as production does.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Request, Response

from hhevents.snapshots import snapshot_location


class SnapshotDownloadHandler(HTTP11DownloadHandler):
    """The http and https download handler when ``HHEVENTS_SNAPSHOT_SITE`` is set."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.snapshot_site: str = crawler.settings["HHEVENTS_SNAPSHOT_SITE"]

    async def download_request(self, request: Request) -> Response:
        local = request.replace(url=snapshot_location(request.url, self.snapshot_site))
        response = await super().download_request(local)
        return response.replace(url=request.url, request=request)
