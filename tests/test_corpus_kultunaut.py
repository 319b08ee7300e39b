"""The `kultunaut` spider over the real-world sample in the shared corpus (kultunaut/), in process.

``kultunaut-export-cassiopeia-svaneke-bio_sb.json`` is a real partner export (Svaneke Bio): 21 showings,
films at "kl. 19:45" / "kl. 16:00" and talks at "kl. 19-21". Every record must become an event with the
right local time (the range fills the end), its ArrNr as id, genres as tags. Every other export file put
into that folder later is read too: it must not crash the spider, and whatever it yields must normalise.

Skipped when the corpus is absent (``HH_SHARED_DIR``, default: the repository's parent + ``/shared``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import REPO
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from config.schema import KultunautSource
from hhevents.model import Event
from pipelines.normalise import normalise_item
from spiders.kultunaut import KultunautSpider

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "kultunaut"
EXPORT = "kultunaut-export-cassiopeia-svaneke-bio_sb.json"
EXPORT_URL = "https://www.kultunaut.dk/perl/export/cassiopeia.json"

# Events each known corpus file gives (one per record; none is dropped).
EXPECTED = {EXPORT: 21}


@pytest.fixture(scope="module", autouse=True)
def corpus_present():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (set HH_SHARED_DIR to its parent folder)")


def crawl_file(path: Path, monkeypatch) -> tuple[list[Event], KultunautSpider]:
    """Every event the spider reads from one corpus file, normalised (a NormaliseError fails the test)."""
    monkeypatch.setenv("HHEVENTS_NOW", "2026-03-20T12:00:00+01:00")
    source = KultunautSource(
        id="corpus",
        name="Kultunaut corpus",
        city="helsingor",
        type="kultunaut",
        url=EXPORT_URL,
        category="culture",
        language="da",
    )
    spider = KultunautSpider.from_crawler(get_crawler(KultunautSpider, {}), source)
    response = TextResponse(EXPORT_URL, body=path.read_bytes(), request=Request(EXPORT_URL))
    events = [normalise_item(item, source) for item in spider.parse(response)]
    return events, spider


def export_files() -> list[str]:
    if not CORPUS.is_dir():
        return [EXPORT]
    return sorted(p.name for p in CORPUS.iterdir() if p.suffix.lower() in (".json", ".xml"))


@pytest.mark.parametrize("name", export_files())
def test_every_export_file_is_read_without_crashing(name, monkeypatch):
    events, spider = crawl_file(CORPUS / name, monkeypatch)
    if name in EXPECTED:
        assert len(events) == EXPECTED[name] and spider.problem_count == 0, spider.first_problem


def test_real_export_gives_one_event_per_showing_with_local_times(monkeypatch):
    events, _ = crawl_file(CORPUS / EXPORT, monkeypatch)
    records = json.loads((CORPUS / EXPORT).read_text(encoding="utf-8"))
    assert [e.sources[0].source_event_id for e in events] == [str(r["ArrNr"]) for r in records]
    assert len({e.id for e in events}) == 21
    for event, record in zip(events, records, strict=True):
        assert event.title == record["ArrKunstner"]
        assert event.start.date().isoformat() == record["Startdato"]
        assert event.venue.name == "Svaneke Bio" and event.timezone == "Europe/Copenhagen"
        clock = record["ArrTidspunkt"].removeprefix("kl. ")
        if clock == "19-21":
            assert (event.start.hour, event.end.hour) == (19, 21) and event.end.date() == event.start.date()
        else:
            assert event.start.strftime("%H:%M") == clock and event.end is None
    first = events[0]
    assert first.start.isoformat() == "2026-08-25T19:45:00+02:00"
    assert first.tags == ("film", "komedie", "romantik", "frarådes børn under 7 år")
    assert first.url == "https://www.kultunaut.dk/perl/arrmore/type-nynaut?ArrNr=20227107"
    talk = next(e for e in events if e.sources[0].source_event_id == "19702107")  # after the October change
    assert (talk.start.isoformat(), talk.end.isoformat()) == (
        "2026-11-03T19:00:00+01:00",
        "2026-11-03T21:00:00+01:00",
    )
    # ArrLangBeskriv's HTML (<br />, <a>, <i>) as plain paragraphs.
    assert talk.description.startswith("Kaffeplanten er en flerårig afgrøde")
    assert "<" not in talk.description and "\n\n" in talk.description
