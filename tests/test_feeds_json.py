"""JSON Feed 1.1, checked against a schema of the spec (tests/fixtures/jsonfeed-1.1.schema.json) and read
back key by key."""

from __future__ import annotations

import json
import random
from datetime import datetime

import jsonschema
import pytest
from factories import COPENHAGEN, STOCKHOLM, make_event
from helpers import FIXTURES

from feeds import RenderCache
from feeds.jsonfeed import EXTENSION, VERSION, build_json_feed
from hhevents.model import Price, Venue

SCHEMA = json.loads((FIXTURES / "jsonfeed-1.1.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def build(events, **kwargs) -> bytes:
    kwargs.setdefault("title", "HH Cityclub — all events")
    kwargs.setdefault("description", "Everything in Helsingborg and Helsingør")
    kwargs.setdefault("link", "https://hh.example/")
    kwargs.setdefault("self_url", "https://hh.example/all.json")
    return build_json_feed(events, **kwargs)


def parse(data: bytes) -> dict:
    feed = json.loads(data.decode("utf-8"))
    errors = sorted(VALIDATOR.iter_errors(feed), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return feed


def test_the_schema_catches_what_it_should():
    good = {"version": VERSION, "title": "t", "items": [{"id": "1", "content_text": "x"}]}
    assert VALIDATOR.is_valid(good)
    for bad in (
        {**good, "version": "https://jsonfeed.org/version/1"},
        {**good, "items": [{"id": "1"}]},  # no content
        {**good, "items": [{"id": "1", "content_text": "x", "date_published": "2026-06-01 18:00"}]},
        # a key the spec does not define, and not an extension
        {**good, "items": [{"id": "1", "content_text": "x", "start": "2026"}]},
        {**good, "homepage": "https://x"},
    ):
        assert not VALIDATOR.is_valid(bad), bad


def test_feed_keys():
    feed = parse(build([make_event(1)], language="da"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "HH Cityclub — all events"
    assert feed["home_page_url"] == "https://hh.example/"
    assert feed["feed_url"] == "https://hh.example/all.json"
    assert feed["language"] == "da"
    assert feed["authors"] == [{"name": "HH Cityclub", "url": "https://hh.example/"}]


def test_item_with_extension():
    event = make_event(
        3,
        title="Jazz på Dunkers",
        tags=("music", "jazz"),
        start=datetime(2026, 6, 13, 19, 30, tzinfo=STOCKHOLM),
        end=datetime(2026, 6, 13, 22, 0, tzinfo=STOCKHOLM),
        image="https://example.org/img/3.jpg",
        organizer="Dunkers kulturhus",
        price=Price(min=150, max=250, currency="SEK"),
        status="cancelled",
    )
    (item,) = parse(build([event], language="sv"))["items"]
    assert item["id"] == "test-0003"
    assert item["url"] == "https://example.org/events/3"
    assert item["title"] == "lör 13 juni 19:30 · Dunkers kulturhus — Inställt: Jazz på Dunkers"
    assert item["image"] == "https://example.org/img/3.jpg"
    assert item["date_published"] == "2026-01-10T09:00:00Z"
    assert item["date_modified"] == "2026-02-01T12:30:03Z"
    assert item["tags"] == ["Kultur", "Musik", "jazz"]
    assert item["language"] == "sv"
    assert item["summary"] == (
        "lördag 13 juni 2026 19:30–22:00 · Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg"
    )
    assert item["content_text"].startswith("Status: Inställt\nNär: lördag 13 juni 2026 19:30–22:00\n")
    assert item["content_html"].startswith("<p><strong>Status:</strong> Inställt<br>")
    assert item[EXTENSION] == {
        "start": "2026-06-13T19:30:00+02:00",
        "end": "2026-06-13T22:00:00+02:00",
        "all_day": False,
        "timezone": "Europe/Stockholm",
        "status": "cancelled",
        "city": "helsingborg",
        "category": "culture",
        "tags": ["music", "jazz"],
        "venue": {
            "name": "Dunkers kulturhus",
            "street_address": "Kungsgatan 11",
            "postal_code": "252 21",
            "locality": "Helsingborg",
            "country": "SE",
            "latitude": 56.0465,
            "longitude": 12.6945,
        },
        "price": {"free": None, "min": 150.0, "max": 250.0, "currency": "SEK", "text": None},
        "organizer": "Dunkers kulturhus",
        "language": "sv",
        "title": "Jazz på Dunkers",
        "sources": ["https://source.example/e/3"],
    }


def test_all_day_extension_gives_dates_with_an_exclusive_end():
    festival = make_event(1, all_day=True, start=datetime(2026, 7, 3, tzinfo=COPENHAGEN),
                          end=datetime(2026, 7, 6, tzinfo=COPENHAGEN), city="helsingor", venue=Venue())
    (item,) = parse(build([festival], language="en"))["items"]
    assert (item[EXTENSION]["start"], item[EXTENSION]["end"], item[EXTENSION]["all_day"]) == (
        "2026-07-03", "2026-07-06", True,
    )
    assert item["title"] == "Fri 3 Jul – Sun 5 Jul · Helsingør — Event 1"
    assert "image" not in item


def test_spliced_document_equals_one_dumped_whole():
    # the writer joins cached item texts; the result must be the JSON a plain dump of the document gives
    events = [make_event(n, city="helsingor" if n % 2 else "helsingborg") for n in range(1, 9)]
    data = build(events, language="en")
    feed = parse(data)
    items = feed.pop("items")
    head = json.dumps({**feed, "items": []}, ensure_ascii=False, indent=2)
    lines = ["    " + json.dumps(i, ensure_ascii=False, separators=(",", ":")) for i in items]
    assert data.decode() == head[: -len("]\n}")] + "\n" + ",\n".join(lines) + "\n  ]\n}\n"
    assert build([], language="en").decode() == head + "\n"
    assert parse(build([]))["items"] == []


def test_sorted_unique_deterministic_and_cached_once():
    events = [make_event(n) for n in range(1, 15)] + [make_event(4, title="Newer", sequence=5)]
    shuffled = events[:]
    random.Random(5).shuffle(shuffled)
    cache = RenderCache()
    data = build(events, cache=cache)
    assert build(shuffled) == data
    ids = [item["id"] for item in parse(data)["items"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 14
    build(events[:3], cache=cache)
    assert cache.made["json"] == 14 and cache.made["json-extension"] == 14


@pytest.mark.parametrize("language", ["sv", "da", "en"])
def test_non_ascii_stays_unescaped_and_intact(language):
    event = make_event(1, title="Hamlet på Kronborg — øl & ål 🎭", city="helsingor")
    data = build([event], language=language)
    assert "Hamlet på Kronborg — øl & ål 🎭".encode() in data
    assert parse(data)["items"][0]["title"].endswith("— Hamlet på Kronborg — øl & ål 🎭")
