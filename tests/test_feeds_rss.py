"""RSS 2.0 and Atom, read back by feedparser (what rss2email, Planet and most Python readers use) and by a
strict XML parser."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import pytest
from factories import COPENHAGEN, STOCKHOLM, make_event

from feeds import RenderCache
from feeds.rss import EMPTY_FEED_UPDATED, EV_NS, MEDIA_NS, build_atom, build_rss
from hhevents.model import Price, SourceRef

ATOM = "{http://www.w3.org/2005/Atom}"


def build(events, **kwargs) -> bytes:
    kwargs.setdefault("title", "HH Cityclub — all events")
    kwargs.setdefault("description", "Everything in Helsingborg and Helsingør")
    kwargs.setdefault("link", "https://hh.example/")
    kwargs.setdefault("self_url", "https://hh.example/all.rss")
    return build_rss(events, **kwargs)


def build_a(events, **kwargs) -> bytes:
    kwargs.setdefault("title", "HH Cityclub — all events")
    kwargs.setdefault("description", "Everything in Helsingborg and Helsingør")
    kwargs.setdefault("link", "https://hh.example/")
    kwargs.setdefault("self_url", "https://hh.example/all.atom")
    kwargs.setdefault("feed_id", "urn:hhevents:feed:all")
    return build_atom(events, **kwargs)


def parse(data: bytes, version: str = "rss20"):
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == version
    ET.fromstring(data)  # strict XML too
    return feed


# --- RSS ----------------------------------------------------------------------------------------------------


def test_channel():
    feed = parse(build([make_event(1)], language="sv", ttl_minutes=360))
    assert feed.feed.title == "HH Cityclub — all events"
    assert feed.feed.link == "https://hh.example/"
    assert feed.feed.language == "sv"
    assert feed.feed.ttl == "360"
    assert {"rel": "self", "href": "https://hh.example/all.rss", "type": "application/rss+xml"} in [
        dict(link) for link in feed.feed.links
    ]


def test_items_carry_date_place_and_localised_labels():
    event = make_event(
        3,
        title="Jazz på Dunkers",
        tags=("jazz", "music"),
        start=datetime(2026, 6, 13, 19, 30, tzinfo=STOCKHOLM),
        end=datetime(2026, 6, 13, 22, 0, tzinfo=STOCKHOLM),
        organizer="Dunkers kulturhus",
        image="https://example.org/img/3.png",
    )
    by_language = {lang: parse(build([event], language=lang)).entries[0] for lang in ("sv", "da", "en")}
    assert by_language["sv"].title == "lör 13 juni 19:30 · Dunkers kulturhus — Jazz på Dunkers"
    assert by_language["da"].title == "lør. 13. jun. 19.30 · Dunkers kulturhus — Jazz på Dunkers"
    assert by_language["en"].title == "Sat 13 Jun 19:30 · Dunkers kulturhus — Jazz på Dunkers"
    entry = by_language["sv"]
    assert entry.id == "test-0003" and entry.guidislink is False
    assert entry.link == "https://example.org/events/3"
    assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == event.last_modified
    assert [t.term for t in entry.tags] == ["Kultur", "jazz", "Musik"]
    assert [t.term for t in by_language["en"].tags] == ["Culture", "jazz", "Music"]
    assert "<strong>När:</strong> lördag 13 juni 2026 19:30–22:00" in entry.summary
    link = '<a href="https://source.example/e/3" rel="noopener noreferrer">source.example</a>'
    assert link in entry.summary
    # the image, as an enclosure and as Media RSS
    image = "https://example.org/img/3.png"
    assert entry.enclosures == [{"href": image, "length": "0", "type": "image/png"}]
    assert entry.media_content == [{"url": image, "medium": "image", "type": "image/png"}]


def test_event_module_gives_the_events_own_dates():
    timed = make_event(1, start=datetime(2026, 6, 13, 19, 30, tzinfo=STOCKHOLM),
                       end=datetime(2026, 6, 13, 22, 0, tzinfo=STOCKHOLM), organizer="Dunkers")
    festival = make_event(2, all_day=True, start=datetime(2026, 7, 3, tzinfo=COPENHAGEN),
                          end=datetime(2026, 7, 6, tzinfo=COPENHAGEN), city="helsingor", category="sport")
    winter = make_event(3, start=datetime(2026, 12, 1, 10, 0, tzinfo=STOCKHOLM), end=None)
    data = build([timed, festival, winter], language="da")
    items = {i.findtext("guid"): i for i in ET.fromstring(data).iter("item")}

    def ev(guid, name):
        return items[guid].findtext(f"{{{EV_NS}}}{name}")

    assert ev("test-0001", "startdate") == "2026-06-13T19:30:00+02:00"
    assert ev("test-0001", "enddate") == "2026-06-13T22:00:00+02:00"
    assert ev("test-0001", "location") == "Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg"
    assert ev("test-0001", "organizer") == "Dunkers"
    assert ev("test-0001", "type") == "Kultur"
    # all-day: dates, the last day inclusive
    assert (ev("test-0002", "startdate"), ev("test-0002", "enddate")) == ("2026-07-03", "2026-07-05")
    assert ev("test-0002", "type") == "Sport"
    assert ev("test-0003", "startdate") == "2026-12-01T10:00:00+01:00"
    assert items["test-0003"].find(f"{{{EV_NS}}}enddate") is None
    # feedparser sees the module too
    entry = parse(data).entries[0]
    assert entry.ev_startdate == "2026-06-13T19:30:00+02:00" and entry.ev_type == "Kultur"
    # the namespaces are declared once, on the root
    assert data.count(f'xmlns:ev="{EV_NS}"'.encode()) == 1
    assert data.count(f'xmlns:media="{MEDIA_NS}"'.encode()) == 1


def test_cancelled_item_is_marked():
    entry = parse(build([make_event(1, title="Hamlet", status="cancelled")], language="da")).entries[0]
    assert entry.title.endswith(" — Aflyst: Hamlet")
    assert "<strong>Status:</strong> Aflyst" in entry.summary


def test_link_falls_back_to_first_source_then_the_site():
    event = make_event(
        4, url=None, sources=(SourceRef(source_id="s", url="https://s.example/4", source_event_id="4"),)
    )
    unlinked = make_event(5, url=None, sources=(SourceRef(source_id="s", source_event_id="5"),))
    entries = parse(build([event, unlinked])).entries
    assert [e.link for e in entries] == ["https://s.example/4", "https://hh.example/#test-0005"]


def test_summary_is_sanitised_html_and_source_markup_stays_text():
    event = make_event(5, description='Fri entré <b>för alla</b> & välkomna.\n<script>alert("x")</script>',
                       price=Price(free=True))
    (entry,) = parse(build([event], language="sv")).entries
    assert "<b>" not in entry.summary and "<script>" not in entry.summary
    assert "Fri entré &lt;b&gt;för alla&lt;/b&gt; &amp; välkomna.<br />&lt;script&gt;" in entry.summary
    assert "<strong>Pris:</strong> Fri entré" in entry.summary


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
    assert entries[1].title == "Wed 1 Jul · Dunkers kulturhus — Event 3"


def test_empty_feed_has_no_clock_dependent_date():
    data = build([])
    assert b"lastBuildDate" not in data
    assert build([]) == data
    assert parse(data).entries == []


def test_cached_items_give_the_same_bytes_and_are_made_once():
    cache = RenderCache()
    events = [make_event(n) for n in range(1, 8)]
    whole = build(events, cache=cache)
    part = build(events[2:5], cache=cache)
    assert cache.made["rss"] == 7
    assert whole == build(events) and part == build(events[2:5])


# --- Atom ---------------------------------------------------------------------------------------------------


def test_atom_feed_and_entries():
    event = make_event(
        3, title="Jazz på Dunkers", tags=("music",), image="https://example.org/img/3.jpg",
        start=datetime(2026, 6, 1, 19, 30, tzinfo=STOCKHOLM),
        end=datetime(2026, 6, 1, 20, 0, tzinfo=STOCKHOLM),
    )
    feed = parse(build_a([event, make_event(4)], language="sv"), "atom10")
    assert feed.feed.id == "urn:hhevents:feed:all"
    assert feed.feed.title == "HH Cityclub — all events"
    assert feed.feed.language == "sv"
    assert feed.feed.author == "HH Cityclub"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {"alternate": "https://hh.example/", "self": "https://hh.example/all.atom"}
    assert datetime(*feed.feed.updated_parsed[:6], tzinfo=UTC) == max(event.last_modified,
                                                                      make_event(4).last_modified)
    entry = feed.entries[0]
    assert entry.id == "urn:hhevents:event:test-0003"
    assert entry.title == "mån 1 juni 19:30 · Dunkers kulturhus — Jazz på Dunkers"
    assert entry.link == "https://example.org/events/3"
    # rel and type on every link (feedgen 1.0.0 drops them; the writer puts them back)
    assert [(link.rel, link.type) for link in entry.links] == [("alternate", "text/html"),
                                                               ("enclosure", "image/jpeg")]
    assert [(t.term, t.label) for t in entry.tags] == [("culture", "Kultur"), ("music", "Musik")]
    assert datetime(*entry.updated_parsed[:6], tzinfo=UTC) == event.last_modified
    assert datetime(*entry.published_parsed[:6], tzinfo=UTC) == event.first_seen
    assert entry.summary_detail.type == "text/html"
    assert "<strong>När:</strong> måndag 1 juni 2026 19:30–20:00" in entry.summary
    assert entry.ev_startdate == "2026-06-01T19:30:00+02:00"
    assert entry.media_content[0]["url"] == "https://example.org/img/3.jpg"


def test_atom_entries_are_in_the_atom_namespace():
    root = ET.fromstring(build_a([make_event(1), make_event(2)]))
    assert root.tag == f"{ATOM}feed"
    assert [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")] == [
        "urn:hhevents:event:test-0001", "urn:hhevents:event:test-0002",
    ]
    assert not list(root.iter("entry"))  # none in no namespace


@pytest.mark.parametrize("builder", [build, build_a])
def test_every_language_parses_with_non_ascii_intact(builder):
    event = make_event(
        1, title="Hamlet på Kronborg — ærlig talt, øl & ål 🎭", city="helsingor", status="cancelled",
        description="Forestillingen spilles på engelsk; børn gratis.",
    )
    for language in ("sv", "da", "en"):
        data = builder([event], language=language)
        version = "rss20" if builder is build else "atom10"
        entry = parse(data, version).entries[0]
        assert entry.title.endswith("Hamlet på Kronborg — ærlig talt, øl & ål 🎭")
        assert "Forestillingen spilles på engelsk; børn gratis." in entry.summary


def test_atom_is_deterministic_and_an_empty_feed_has_a_fixed_date():
    events = [make_event(n) for n in range(1, 12)]
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    assert build_a(events) == build_a(shuffled)
    empty = parse(build_a([]), "atom10")
    assert empty.entries == []
    assert datetime(*empty.feed.updated_parsed[:6], tzinfo=UTC) == EMPTY_FEED_UPDATED
    assert build_a([]) == build_a([])
