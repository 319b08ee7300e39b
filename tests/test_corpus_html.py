"""The `html` spider over real saved pages from the shared corpus (skipped when the corpus is absent).

The corpus has no Scandinavian listing pages, but it has real event listings in HTML: a saved Songkick tour
page (13 concerts, upcoming and past, one <li> each) and schema.org's microdata example pages (event
cards). Each is read here in-process with the selectors an operator would write for it, and every item goes
through the normaliser.
Time is frozen (HHEVENTS_NOW) because year-less dates ("Sat Sep 14") are resolved against it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from config.schema import HtmlSource
from pipelines.normalise import normalise_item
from spiders.html import HtmlSpider

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
SAMPLES = SHARED / "corpus" / "schemaorg-jsonld-microdata" / "extruct-samples"
SONGKICK = "Years_Years_Tickets_Tour_Dates_2015_Concerts.html"

BASE = dict(
    name="corpus page",
    city="helsingborg",
    type="html",
    url="https://www.songkick.com/artists/3976856-years-and-years",
    category="culture",
    language="en",
)
# Songkick: the date as the <li>'s title attribute ("Monday 26 October 2015"), or its <time datetime>.
SONGKICK_WORDS = dict(
    id="songkick-words",
    item="ul.event-listings > li[title]",
    title="p.artists strong",
    date="./@title",
    venue=".venue-name",
    link="p.artists a",
)
SONGKICK_TIME = {**SONGKICK_WORDS, "id": "songkick-time", "date": "time"}
# schema.org's examples: microdata cards, read as plain HTML.
MICRODATA = dict(
    id="microdata-cards",
    item='[itemscope][itemtype$="schema.org/Event"]',
    title='[itemprop="name"]',
    date='(//*[@itemprop="startDate"]/@content)[1]',
    venue='[itemprop="location"] [itemprop="name"]',
    price='[itemprop="price"]',
)
CARD_WORDS = dict(
    id="card-words", item=".event-wrapper", title=".event-title", date=".event-date", time=".event-time"
)

# file -> (selectors, events it must give)
CASES = {
    # 26 <li title> on the page; 13 are concerts in the two event lists, the rest similar artists' cards.
    SONGKICK: [(SONGKICK_WORDS, 13), (SONGKICK_TIME, 13)],
    "Event.001.html": [(MICRODATA, 1)],
    "Event.002.html": [(MICRODATA, 2)],
    "Event.003.html": [(MICRODATA, 1), (CARD_WORDS, 1)],
    "Event.004.html": [(MICRODATA, 1), (CARD_WORDS, 1)],
    # A Songkick event page: not a listing, so the listing selectors find nothing (and nothing breaks).
    "Elysian_Fields_Brooklyn_Tickets_The_Owl_Music_Parlor_31_Oct_2015.html": [(SONGKICK_WORDS, 0)],
}


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", "2026-03-20T12:00:00+01:00")


def read(file: str, selectors: dict) -> list:
    path = SAMPLES / file
    if not path.exists():
        pytest.skip(f"shared corpus not found at {SAMPLES} (set HH_SHARED_DIR to the shared folder)")
    source = HtmlSource(**BASE, **selectors)
    spider = HtmlSpider(source)
    spider.empty_page = lambda url, what="": None  # needs a crawler's stats; an empty page is asserted below
    response = HtmlResponse(url=source.url, body=path.read_bytes(), encoding="utf-8")
    items = [o for o in spider.parse(response) if isinstance(o, dict)]
    assert spider.problem_count == 0, spider.first_problem
    return [normalise_item(item, source) for item in items]


@pytest.mark.parametrize(
    ("file", "selectors", "count"),
    [(file, selectors, count) for file, cases in CASES.items() for selectors, count in cases],
    ids=[f"{file}-{selectors['id']}" for file, cases in CASES.items() for selectors, _ in cases],
)
def test_corpus_page_gives_its_events_and_every_one_normalises(file, selectors, count):
    events = read(file, selectors)
    assert len(events) == count
    assert all(e.title and e.start.tzinfo is not None for e in events)


def test_songkick_date_words_and_time_elements_agree_on_every_day():
    by_words = read(SONGKICK, SONGKICK_WORDS)
    by_time = read(SONGKICK, SONGKICK_TIME)
    assert [e.start.date() for e in by_words] == [e.start.date() for e in by_time]
    assert all(e.all_day for e in by_words)
    # One <time datetime> is date-only (a festival day, "2015-10-31"): all-day; the others carry a time.
    assert [e.start.date().isoformat() for e in by_time if e.all_day] == ["2015-10-31"]
    first = by_time[0]
    assert first.start.isoformat() == "2015-10-26T20:00:00+01:00"  # 19:00+0000 shown in Stockholm time
    assert (first.title, first.venue.name) == ("Years & Years", "Cliffs Pavillion")
    assert first.url == "https://www.songkick.com/concerts/23948294-years-and-years-at-cliffs-pavillion"
    # Concerts share the artist's name: the concert's own page keeps them apart.
    assert len({e.id for e in by_time}) == 13


def test_card_date_words_with_a_12_hour_time():
    [event] = read("Event.004.html", CARD_WORDS)
    # "CANCELLED - Typhoon with Radiation City": the marker is the cleaning stage's status.
    assert (event.title, event.status) == ("Typhoon with Radiation City", "cancelled")
    # "Sat Sep 14" names no year: the next 14 September after now (no year has it on a Saturday nearby).
    assert event.start.isoformat() == "2026-09-14T21:30:00+02:00"


def test_microdata_card_price_text_is_kept():
    [event] = read("Event.003.html", MICRODATA)
    assert event.start.isoformat() == "2013-09-14T21:30:00+02:00"
    assert (event.price.text, event.price.min) == ("$13.00", None)
    assert event.venue.name == "The Hi-Dive"
