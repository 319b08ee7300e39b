from __future__ import annotations

import html
import random
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
from factories import COPENHAGEN, STOCKHOLM, make_event

from feeds.rss import build_rss
from hhevents.model import SourceRef


def build(events, **kwargs) -> bytes:
    kwargs.setdefault("title", "HH Cityclub — all events")
    kwargs.setdefault("description", "Everything in Helsingborg and Helsingør")
    kwargs.setdefault("link", "https://hh.example/")
    kwargs.setdefault("self_url", "https://hh.example/all.rss")
    return build_rss(events, **kwargs)


def parse(data: bytes):
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    return feed


def test_channel():
    feed = parse(build([make_event(1)], language="sv"))
    assert feed.feed.title == "HH Cityclub — all events"
    assert feed.feed.link == "https://hh.example/"
    assert feed.feed.language == "sv"
    assert {"rel": "self", "href": "https://hh.example/all.rss", "type": "application/rss+xml"} in [
        dict(link) for link in feed.feed.links
    ]


def test_items():
    event = make_event(
        3, title="Jazz på Dunkers", tags=("jazz",), start=datetime(2026, 6, 12, 19, 30, tzinfo=STOCKHOLM)
    )
    (entry,) = parse(build([event])).entries
    assert entry.id == "test-0003"
    assert entry.guidislink is False
    assert entry.title == "Jazz på Dunkers — 2026-06-12 19:30, Dunkers kulturhus"
    assert entry.link == "https://example.org/events/3"
    assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == event.last_modified
    assert [t.term for t in entry.tags] == ["culture", "jazz"]
    assert "Source: https://source.example/e/3" in entry.summary


def test_link_falls_back_to_first_source_then_the_site():
    event = make_event(
        4, url=None, sources=(SourceRef(source_id="s", url="https://s.example/4", source_event_id="4"),)
    )
    unlinked = make_event(5, url=None, sources=(SourceRef(source_id="s", source_event_id="5"),))
    entries = parse(build([event, unlinked])).entries
    assert [e.link for e in entries] == ["https://s.example/4", "https://hh.example/#test-0005"]


def test_description_is_escaped_plain_text():
    event = make_event(5, description="Fri entré <b>för alla</b> & välkomna.\nNy rad.")
    (entry,) = parse(build([event])).entries
    # the markup stays visible text; nothing from the source becomes HTML
    assert "<b>" not in entry.summary
    assert html.escape("Fri entré <b>för alla</b> & välkomna.") in entry.summary
    assert "Ny rad." in entry.summary


def test_guids_unique_and_stable():
    events = [make_event(n) for n in range(1, 30)]
    events.append(make_event(5, title="Duplicate of 5", sequence=7))
    first = parse(build(events))
    ids = [e.id for e in first.entries]
    assert len(ids) == len(set(ids)) == 29
    assert ids == [e.id for e in parse(build(list(reversed(events)))).entries]
    assert "test-0005" in ids


def test_deterministic_bytes_and_last_build_date():
    events = [make_event(n, city="helsingor" if n % 2 else "helsingborg") for n in range(1, 20)]
    data = build(events)
    shuffled = events[:]
    random.Random(2).shuffle(shuffled)
    assert build(shuffled) == data
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    expected = max(e.last_modified for e in events)
    assert channel.findtext("lastBuildDate") == expected.strftime("%a, %d %b %Y %H:%M:%S +0000")


def test_sorted_by_start_soonest_first():
    late = make_event(1, start=datetime(2026, 9, 1, 18, tzinfo=STOCKHOLM), end=None)
    early = make_event(2, start=datetime(2026, 5, 1, 18, tzinfo=COPENHAGEN), end=None, city="helsingor")
    middle = make_event(3, start=datetime(2026, 7, 1, tzinfo=STOCKHOLM), end=None, all_day=True)
    entries = parse(build([late, early, middle])).entries
    assert [e.id for e in entries] == ["test-0002", "test-0003", "test-0001"]
    assert entries[1].title == "Event 3 — 2026-07-01, Dunkers kulturhus"


def test_empty_feed_has_no_clock_dependent_date():
    data = build([])
    assert b"lastBuildDate" not in data
    assert build([]) == data
    assert parse(data).entries == []
