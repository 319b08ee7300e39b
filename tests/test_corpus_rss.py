"""The `rss` spider over the real-world sample in the shared corpus (rss/), in process.

``sidearm-sports-olemiss-calendar.rss`` is a real SIDEARM Sports calendar feed using the ev: event module:
one game, ``ev:startdate`` in UTC with seven fraction digits, literal "\\n" sequences in its description and a
double-escaped ``&amp;amp;``. Every other feed put into that folder later is read too: it must not crash the
spider, and whatever it yields must normalise.

Skipped when the corpus is absent (``HH_SHARED_DIR``, default: the repository's parent + ``/shared``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import REPO
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from config.schema import RssSource
from hhevents.model import Event
from pipelines.normalise import NormaliseError, normalise_item
from spiders.rss import RssSpider

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "rss"
SIDEARM = "sidearm-sports-olemiss-calendar.rss"
FEED_URL = "https://olemisssports.com/calendar.ashx/calendar.rss"

# Events each known corpus file gives.
EXPECTED = {SIDEARM: 1}


@pytest.fixture(scope="module", autouse=True)
def corpus_present():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (set HH_SHARED_DIR to its parent folder)")


def crawl_file(path: Path, monkeypatch) -> tuple[list[Event], list[str], RssSpider]:
    """(events, why items were dropped, spider) for one corpus feed."""
    monkeypatch.setenv("HHEVENTS_NOW", "2026-03-20T12:00:00+01:00")
    source = RssSource(
        id="corpus",
        name="RSS corpus",
        city="helsingborg",
        type="rss",
        url=FEED_URL,
        category="sport",
        language="en",
    )
    spider = RssSpider.from_crawler(get_crawler(RssSpider, {}), source)
    response = TextResponse(FEED_URL, body=path.read_bytes(), request=Request(FEED_URL))
    events, dropped = [], []
    for item in spider.parse(response):
        try:
            events.append(normalise_item(item, source))
        except NormaliseError as exc:  # an undated item is dropped in a crawl too; only a crash fails here
            dropped.append(str(exc))
    return events, dropped, spider


def feed_files() -> list[str]:
    if not CORPUS.is_dir():
        return [SIDEARM]
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix.lower() in (".rss", ".xml", ".atom", ".rdf"))


@pytest.mark.parametrize("name", feed_files())
def test_every_feed_file_is_read_without_crashing(name, monkeypatch):
    events, dropped, spider = crawl_file(CORPUS / name, monkeypatch)
    if name in EXPECTED:
        assert len(events) == EXPECTED[name] and not dropped and spider.problem_count == 0, dropped


def test_sidearm_feed_ev_dates_location_and_vendor_quirks(monkeypatch):
    [game], _, _ = crawl_file(CORPUS / SIDEARM, monkeypatch)
    assert game.title == "5/18 6:30 PM [L] Ole Miss Softball vs Arizona"
    # ev:startdate 2025-05-18T23:30:00.0000000Z: the instant (18:30 in Arizona), shown in the source's zone.
    assert game.start.isoformat() == "2025-05-19T01:30:00+02:00"
    assert game.end.isoformat() == "2025-05-19T03:30:00+02:00"
    assert game.venue.name == "Tucson, Ariz."
    assert game.url == "https://olemisssports.com/calendar.aspx?game_id=14445&sport_id=8"
    # The literal "\n" separated lines; the double-escaped "&amp;amp;" is a plain "&" once read.
    assert game.description.split("\n\n")[:3] == [
        "[L] Ole Miss Softball vs Arizona",
        "L 1-10 (F/5)",
        "TV: ESPN+",
    ]
    assert game.description.endswith("https://olemisssports.com/calendar.aspx?game_id=14445&sport_id=8")
    # Vendor elements are kept as provenance under the feed's own prefix.
    assert game.sources[0].raw["s:opponent"] == "Arizona" and game.sources[0].raw["s:gameid"] == "14445"
