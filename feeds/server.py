"""The feed server: the published output folder over HTTP, with the content types calendar apps expect.

A small Starlette app, so that later work (custom feeds, subscribe page, widget, status page) adds
routes to it.
Conditional requests (ETag / Last-Modified -> 304) come from Starlette's StaticFiles.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

CONTENT_TYPES = {
    ".ics": "text/calendar; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


class FeedFiles(StaticFiles):
    """StaticFiles with our content types (mimetypes knows neither .rss nor .atom, nor the charset)."""

    def file_response(
        self, full_path: os.PathLike | str, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        media_type = CONTENT_TYPES.get(Path(full_path).suffix.lower())
        response = FileResponse(
            full_path, status_code=status_code, stat_result=stat_result, media_type=media_type
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def create_app(out_dir: Path) -> Starlette:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return Starlette(routes=[Mount("/", app=FeedFiles(directory=out_dir, html=True), name="feeds")])
