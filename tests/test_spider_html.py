"""The `html` spider (listing pages read with YAML selectors), crawled for real over loopback.

One `hhevents crawl` of tests/fixtures/html.yaml with time frozen at 2026-03-20 12:00 CET (the week before
summer time): a Swedish programme (program.dunkers.example, CSS selectors, detail pages) and a Danish one
(helsingorteater.example, XPath mixed with parsel's ::text/::attr). Each test reads one quirk's outcome from
the store. The helpers at the end run in-process on the same fixture files.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import FIXTURES, run_hhevents
from pydantic import ValidationError
from scrapy.http import HtmlResponse

from config.loader import load_sources
from config.schema import HtmlSource
from hhevents.snapshots import SnapshotServer
from spiders.html import HtmlSpider, price_from_text, select, start_phrase, url_of
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "html.yaml"
DUNKERS = "https://program.dunkers.example/evenemang/"
PAGE_1 = DUNKERS + "sida-1-date-and-time-apart-time-element-cancelled-title-promo-tile.html"
TEATER = "https://helsingorteater.example/forestillinger/"


@pytest.fixture(scope="module")
def site():
    with SnapshotServer(FIXTURES / "sites") as server:
        yield server


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


def events_of(store: EventStore, source_id: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for event in sorted(store.events(), key=lambda e: e.start):
        if event.sources[0].source_id == source_id:
            found.setdefault(event.title, []).append(event)
    return found


def one(store: EventStore, source_id: str, title: str):
    [event] = events_of(store, source_id)[title]
    return event


def times(event) -> tuple[str, str | None]:
    return event.start.isoformat(), event.end.isoformat() if event.end else None


# -- the Swedish programme: CSS selectors, detail pages ------------------------------------------------------


def test_both_listing_pages_are_read_and_every_dated_card_is_an_event(crawled):
    _, store = crawled
    assert {title: len(events) for title, events in events_of(store, "dunkers-html").items()} == {
        "Jazzkväll med Helsingborgs Jazztrio": 1,
        "Konstsamtal: Ljus och rum": 1,
        "Rock & pop-quiz": 1,
        "Barnteater – Pettson och Findus": 1,  # "INSTÄLLT: ..." in the page: the clean stage's status
        "Påsklov på Dunkers": 1,
        "Guidad visning: Ljus och rum": 2,  # page 2
        "Nyårskonsert 2027": 1,
        "Vårmarknad i trädgården": 1,
        "Sportlovsverkstad": 1,
    }


def test_date_and_time_in_separate_elements_give_start_and_end(crawled):
    _, store = crawled
    jazz = one(store, "dunkers-html", "Jazzkväll med Helsingborgs Jazztrio")
    assert times(jazz) == ("2026-03-28T19:00:00+01:00", "2026-03-28T21:00:00+01:00")
    assert jazz.all_day is False and jazz.timezone == "Europe/Stockholm"


def test_yearless_date_after_the_change_to_summer_time_has_the_summer_offset(crawled):
    _, store = crawled
    talk = one(store, "dunkers-html", "Konstsamtal: Ljus och rum")
    # No end in the page: the default of a talk (pipelines/default_end.py), 1½ hours.
    assert times(talk) == ("2026-04-05T14:00:00+02:00", "2026-04-05T15:30:00+02:00")


def test_time_element_datetime_wins_over_the_date_words_and_entities_are_decoded(crawled):
    _, store = crawled
    quiz = one(store, "dunkers-html", "Rock & pop-quiz")  # "Rock &amp; pop-quiz" in the page
    assert times(quiz) == ("2026-04-10T19:00:00+02:00", "2026-04-10T22:00:00+02:00")


def test_card_without_a_date_is_reported_and_skipped(crawled):
    _, store = crawled
    run = store.latest_runs()["dunkers-html"]
    assert "Köp presentkort till Dunkers" not in events_of(store, "dunkers-html")
    assert run.message == (
        f"{PAGE_1}: item 4 'Köp presentkort till Dunkers': the date selector '.event-card__date' matches "
        "nothing; skipped"
    )


def test_cancelled_marker_left_in_the_title_becomes_the_status_in_the_cleaning_stage(crawled):
    _, store = crawled
    play = one(store, "dunkers-html", "Barnteater – Pettson och Findus")  # "INSTÄLLT: ..." in the page
    assert play.status == "cancelled"
    # "11:00" without "kl."; no end in the page: the default of culture, 2 hours.
    assert times(play) == ("2026-04-04T11:00:00+02:00", "2026-04-04T13:00:00+02:00")
    assert play.description == "Föreställningen är inställd på grund av sjukdom. Köpta biljetter återbetalas."


def test_fr_o_m_and_t_o_m_in_two_elements_give_an_all_day_range_and_missing_fields_stay_empty(crawled):
    _, store = crawled
    holiday = one(store, "dunkers-html", "Påsklov på Dunkers")
    assert holiday.all_day is True
    assert times(holiday) == ("2026-04-04T00:00:00+02:00", "2026-04-13T00:00:00+02:00")  # 12 April inclusive
    assert holiday.url == PAGE_1  # no link of its own: the listing page
    assert holiday.image is None and holiday.price.text is None and holiday.price.min is None
    assert holiday.venue.name == "Dunkers kulturhus"  # default_venue


def test_detail_page_gives_the_description_and_image(crawled):
    _, store = crawled
    jazz = one(store, "dunkers-html", "Jazzkväll med Helsingborgs Jazztrio")
    assert jazz.description == (
        "Helsingborgs Jazztrio spelar swing och standards i Stora salen.\n\n"
        "Baren öppnar kl. 18.00. Fri placering."
    )
    assert jazz.image == "https://program.dunkers.example/media/jazz-stor.jpg"  # og:image, not the thumbnail
    assert jazz.url == "https://program.dunkers.example/evenemang/jazzkvall-helsingborgs-jazztrio/"


def test_detail_page_without_the_selected_parts_keeps_the_listing_fields(crawled):
    _, store = crawled
    quiz = one(store, "dunkers-html", "Rock & pop-quiz")
    assert quiz.description == "Lag om högst fyra personer."
    assert quiz.image is None


def test_detail_page_that_fails_keeps_the_event_with_listing_data_and_is_reported(crawled, site):
    _, store = crawled
    talk = one(store, "dunkers-html", "Konstsamtal: Ljus och rum")
    assert talk.description == "Samtal med konstnären om ljuset i utställningen."
    assert talk.image == "https://program.dunkers.example/media/konstsamtal-480.jpg"  # srcset's first
    path = "/program.dunkers.example/evenemang/konstsamtal-ljus-och-rum/"
    assert [r.status for r in site.requests if r.path == path] == [404]
    run = store.latest_runs()["dunkers-html"]
    assert run.errors == 2 and run.outcome == "degraded"  # the promo tile and this 404


def test_series_sharing_one_link_gives_one_event_per_date_and_one_detail_request(crawled, site):
    _, store = crawled
    tours = events_of(store, "dunkers-html")["Guidad visning: Ljus och rum"]
    assert [times(t)[0] for t in tours] == ["2026-03-24T12:15:00+01:00", "2026-03-31T12:15:00+02:00"]
    assert len({t.id for t in tours}) == 2
    assert {t.description for t in tours} == {
        "En halvtimmes visning av utställningen med en av våra konstpedagoger."
    }
    assert {t.image for t in tours} == {"https://program.dunkers.example/media/guidning.jpg"}  # relative og
    path = "/program.dunkers.example/evenemang/guidad-visning/"
    assert len([r for r in site.requests if r.path == path]) == 1


def test_year_in_the_date_lazy_image_absolute_link_and_currency_before_amount(crawled):
    _, store = crawled
    concert = one(store, "dunkers-html", "Nyårskonsert 2027")
    assert times(concert) == ("2027-01-01T16:00:00+01:00", "2027-01-01T18:00:00+01:00")  # default end
    assert concert.image == "https://program.dunkers.example/media/nyar.jpg"  # data-src, not the data: GIF
    assert (concert.price.min, concert.price.max, concert.price.currency) == (250.0, 250.0, "SEK")


def test_bare_time_range_br_in_the_date_and_link_fragment(crawled):
    _, store = crawled
    market = one(store, "dunkers-html", "Vårmarknad i trädgården")
    assert times(market) == ("2026-04-18T10:00:00+02:00", "2026-04-18T16:00:00+02:00")  # "Lördag<br>18 april"
    assert market.url == "https://program.dunkers.example/evenemang/varmarknad/"  # "#anmalan" dropped


def test_yearless_date_still_listed_after_it_happened_stays_in_its_year(crawled):
    _, store = crawled
    workshop = one(store, "dunkers-html", "Sportlovsverkstad")
    # 14 February 2026 is a Saturday ("Lördag"), five weeks before now: not moved to 2027.
    assert times(workshop) == ("2026-02-14T10:00:00+01:00", "2026-02-14T15:00:00+01:00")


def test_default_venue_gives_its_address_to_the_house_own_rooms_only(crawled):
    _, store = crawled
    jazz = one(store, "dunkers-html", "Jazzkväll med Helsingborgs Jazztrio").venue
    # "Dunkers kulturhus, Stora salen" in the page: the venue table's canonical name.
    assert (jazz.name, jazz.street_address, jazz.postal_code, jazz.locality, jazz.country) == (
        "Dunkers kulturhus",
        "Kungsgatan 11",
        "252 21",
        "Helsingborg",
        "SE",
    )
    garden = one(store, "dunkers-html", "Vårmarknad i trädgården").venue
    assert (garden.name, garden.street_address) == ("Dunkers trädgård", None)
    quiz = one(store, "dunkers-html", "Rock & pop-quiz").venue
    assert (quiz.name, quiz.street_address) == ("Café Dunkers", None)


def test_price_text_is_kept_and_read_by_the_normaliser(crawled):
    _, store = crawled
    price = {title: events[0].price for title, events in events_of(store, "dunkers-html").items()}
    jazz = price["Jazzkväll med Helsingborgs Jazztrio"]
    assert (jazz.text, jazz.min, jazz.max, jazz.currency, jazz.free) == (
        "Entré: 150 kr",
        150.0,
        150.0,
        "SEK",
        False,
    )
    assert (price["Konstsamtal: Ljus och rum"].text, price["Konstsamtal: Ljus och rum"].free) == (
        "Fri entré",
        True,
    )
    assert price["Vårmarknad i trädgården"].free is True
    # The spider reads a single amount only; the normaliser reads the rest (pipelines/price.py).
    for title, text, low, high, free in [
        ("Rock & pop-quiz", "Från 80 kr", 80.0, None, False),
        ("Barnteater – Pettson och Findus", "Barn 60 kr, vuxna 100 kr", 60.0, 100.0, False),
        ("Guidad visning: Ljus och rum", "Ingår i entrén", None, None, None),
    ]:
        assert (price[title].text, price[title].min, price[title].max, price[title].free) == (
            text, low, high, free
        )


def test_provenance_keeps_the_card_texts_its_markup_and_what_the_detail_page_added(crawled):
    _, store = crawled
    jazz = one(store, "dunkers-html", "Jazzkväll med Helsingborgs Jazztrio")
    [sighting] = store.provenance(jazz.id)
    raw = sighting["raw"]
    assert (raw["date"], raw["time"], raw["price"]) == ("Lördag 28 mars", "kl. 19.00–21.00", "Entré: 150 kr")
    assert raw["html"].startswith('<article class="event-card">')
    assert raw["detail"]["image"] == "https://program.dunkers.example/media/jazz-stor.jpg"
    assert sighting["url"] == PAGE_1


# -- the Danish programme: XPath and parsel pseudo-elements --------------------------------------------------


def test_xpath_field_selectors_are_relative_to_each_item(crawled):
    _, store = crawled
    # Were "//h2" read from the document root, every item would carry the first card's title.
    assert sorted(events_of(store, "helsingor-teater")) == sorted(
        [
            "Den lille havfrue",
            "Teaterworkshop for børn",
            "Natteforestilling: Spøgelser på værftet",
            "Hamlet på Kronborg",  # "AFLYST – ..." in the page: the clean stage's status
            "Julemarked i foyeren",  # page 2
        ]
    )


def test_date_and_time_in_one_element_relative_link_and_lazy_image(crawled):
    _, store = crawled
    mermaid = one(store, "helsingor-teater", "Den lille havfrue")
    # "Tirsdag d. 14. april kl. 19.30"; the default end of culture, 2 hours.
    assert times(mermaid) == ("2026-04-14T19:30:00+02:00", "2026-04-14T21:30:00+02:00")
    assert mermaid.timezone == "Europe/Copenhagen"
    assert mermaid.url == TEATER + "den-lille-havfrue/"
    assert mermaid.image == "https://helsingorteater.example/billeder/havfrue.jpg"
    assert (mermaid.price.text, mermaid.price.min, mermaid.price.currency) == (
        "Billetpris: 195 kr.",
        195.0,
        "DKK",
    )
    assert mermaid.description == "H.C. Andersens eventyr for hele familien."


def test_day_range_with_daily_hours_runs_from_first_start_to_last_end(crawled):
    _, store = crawled
    workshop = one(store, "helsingor-teater", "Teaterworkshop for børn")
    assert times(workshop) == ("2026-04-25T10:00:00+02:00", "2026-04-26T15:00:00+02:00")  # "25.–26. april"
    assert workshop.price.free is True and workshop.image is None and workshop.description == ""


def test_time_range_past_midnight_on_the_spring_forward_night(crawled):
    _, store = crawled
    night = one(store, "helsingor-teater", "Natteforestilling: Spøgelser på værftet")
    # "kl. 22-02": 02:00 on 29 March does not exist in Copenhagen; the clocks show 03:00. Four real hours.
    assert times(night) == ("2026-03-28T22:00:00+01:00", "2026-03-29T03:00:00+02:00")
    assert night.end.timestamp() - night.start.timestamp() == timedelta(hours=4).total_seconds()
    assert night.description == "Uhyggelige historier fra Værftets fortid."
    assert (night.price.text, night.price.min, night.price.max) == ("Pris: 150 kr. (børn gratis)", 0.0, 150.0)


def test_numeric_date_with_weekday_in_brackets_cancelled_title_and_another_venue(crawled):
    _, store = crawled
    hamlet = one(store, "helsingor-teater", "Hamlet på Kronborg")  # "AFLYST – ..." in the page
    assert hamlet.status == "cancelled"
    # "15/5 (fre)" + "kl. 20"; the default end of culture.
    assert times(hamlet) == ("2026-05-15T20:00:00+02:00", "2026-05-15T22:00:00+02:00")
    venue = hamlet.venue
    # "Kronborg Slot, Riddersalen": the venue table's Kronborg Slot, its street filled from the table.
    assert (venue.name, venue.street_address, venue.country) == ("Kronborg Slot", "Kronborg 2C", "DK")
    assert (hamlet.price.min, hamlet.price.currency) == (350.0, "DKK")
    mermaid = one(store, "helsingor-teater", "Den lille havfrue").venue
    assert (mermaid.name, mermaid.street_address, mermaid.postal_code) == (
        "Kulturværftet",  # "Kulturværftet, Store Scene" in the page
        "Allégade 2",
        "3000",
    )


def test_page_two_with_a_month_header_and_an_en_dash_hour_range(crawled):
    _, store = crawled
    market = one(store, "helsingor-teater", "Julemarked i foyeren")
    assert times(market) == ("2026-12-12T10:00:00+01:00", "2026-12-12T16:00:00+01:00")


def test_unreadable_date_text_is_dropped_by_the_normaliser_and_counted(crawled):
    result, store = crawled
    run = store.latest_runs()["helsingor-teater"]
    assert (run.outcome, run.new, run.dropped, run.errors) == ("ok", 5, 1, 0)
    assert run.message == "1 item(s) dropped: 1 for start"
    assert "cannot read a date in 'Dato følger'" in result.stderr


def test_no_detail_page_is_fetched_without_detail_selectors(crawled, site):
    paths = {r.path for r in site.requests if r.path.startswith("/helsingorteater.example/forestillinger/")}
    assert paths == {
        "/helsingorteater.example/forestillinger/side-1-xpath-date-and-time-in-one-element-day-range-dst-night.html",
        "/helsingorteater.example/forestillinger/side-2-date-to-follow-month-header.html",
    }


def test_crawl_exit_status_says_a_source_had_problems(crawled):
    result, store = crawled
    assert result.returncode == 1, result.stderr
    assert store.latest_runs()["dunkers-html"].new == 10


# -- in-process: helpers and options -------------------------------------------------------------------------


def listing_response() -> HtmlResponse:
    body = (
        FIXTURES / "sites" / "program.dunkers.example" / "evenemang" / PAGE_1.rsplit("/", 1)[1]
    ).read_bytes()
    return HtmlResponse(url=PAGE_1, body=body, encoding="utf-8")


def dunkers_source(**overrides) -> HtmlSource:
    [source] = [s for s in load_sources(SOURCES).sources if s.id == "dunkers-html"]
    return source.model_copy(update=overrides)


def test_max_pages_stops_following_the_next_link():
    spider = HtmlSpider(dunkers_source(max_pages=1, detail_description=None, detail_image=None))
    output = list(spider.parse(listing_response()))
    assert [o for o in output if not isinstance(o, dict)] == []  # no next page, no detail page
    assert len([o for o in output if isinstance(o, dict)]) == 5


def test_next_page_is_followed_below_max_pages():
    spider = HtmlSpider(dunkers_source(max_pages=2, detail_description=None, detail_image=None))
    requests = [o for o in spider.parse(listing_response()) if not isinstance(o, dict)]
    assert [r.url for r in requests] == [
        DUNKERS + "sida-2-series-sharing-a-link-lazy-image-yearless-past-date.html"
    ]


def test_xpath_from_the_root_is_made_relative_to_the_item():
    response = listing_response()
    card = select(response, "article.event-card")[1]
    assert select(card, "//h3").xpath("string()").get() == "Konstsamtal: Ljus och rum"
    assert select(card, "(//p)[1]").xpath("string()").get() == "Söndag 5 april"
    assert url_of(select(card, "img::attr(srcset)"), (), "img") == "/media/konstsamtal-480.jpg"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120 kr", {"min": 120.0, "max": 120.0, "currency": None}),  # the city's krona/krone
        ("Entré: 100:-", {"min": 100.0, "max": 100.0, "currency": None}),
        ("Pris: 50 kr.", {"min": 50.0, "max": 50.0, "currency": None}),
        ("Billet: 75,-", {"min": 75.0, "max": 75.0, "currency": None}),
        ("DKK 95,50", {"min": 95.5, "max": 95.5, "currency": "DKK"}),
        ("Fri entré", {"free": True}),
        ("Gratis adgang", {"free": True}),
        ("Spisebillet: 175 kr. (ekskl. gebyr)", {}),
        ("100–200 kr", {}),
    ],
)
def test_price_from_text_reads_only_what_is_trivially_clear(text, expected):
    assert price_from_text(text) == {"text": text, **expected}


def test_start_phrase_joins_date_time_and_last_day():
    assert start_phrase("Lördag 28 mars", "kl. 19", None) == "Lördag 28 mars kl. 19"
    assert start_phrase("fr.o.m. 4 april", None, "t.o.m. 12 april") == "fr.o.m. 4 april - t.o.m. 12 april"
    assert start_phrase("Lördag 28 mars kl. 19", "kl. 19", None) == "Lördag 28 mars kl. 19"  # not twice


@pytest.mark.parametrize("selector", ["h3::text", "a::attr(href)", "//h3", "(//a)[1]", "./p", "p ::text"])
def test_selectors_accept_parsel_pseudo_elements_and_xpath(selector):
    assert (
        dunkers_source().model_validate({**dunkers_source().model_dump(), "title": selector}).title
        == selector
    )


@pytest.mark.parametrize(
    ("selector", "message"),
    [("h3::txt", "not a valid CSS selector"), ("//h3[", "not a valid XPath"), ("", "must not be empty")],
)
def test_bad_selectors_are_refused_with_a_reason(selector, message):
    with pytest.raises(ValidationError, match=message):
        HtmlSource.model_validate({**dunkers_source().model_dump(), "title": selector})


def test_detail_venue_and_price_fill_only_what_the_listing_left_empty():
    listing = b"""<html><body>
      <div class="card"><h3><a href="/a/">A</a></h3><p class="d">14 juni</p>
        <p class="v">Stadsteatern</p><p class="p">200 kr</p></div>
      <div class="card"><h3><a href="/b/">B</a></h3><p class="d">15 juni</p></div>
    </body></html>"""
    detail = (
        b"""<html><body><p class="venue">Konserthuset</p><p class="price">Pris: 150 kr</p></body></html>"""
    )
    source = dunkers_source(
        item=".card",
        title="h3",
        date=".d",
        venue=".v",
        price=".p",
        link="h3 a",
        time=None,
        end_date=None,
        description=None,
        image=None,
        next_page=None,
        detail_description=None,
        detail_image=None,
        detail_venue=".venue",
        detail_price=".price",
    )
    spider = HtmlSpider(source)
    requests = list(spider.parse(HtmlResponse(url=DUNKERS, body=listing, encoding="utf-8")))
    items = {}
    for request in requests:
        response = HtmlResponse(url=request.url, body=detail, encoding="utf-8", request=request)
        for item in spider.parse_detail(response, **request.cb_kwargs):
            items[item["title"]] = item
    assert items["A"]["venue"]["name"] == "Stadsteatern" and items["A"]["price"]["min"] == 200.0
    assert items["B"]["venue"] == {"name": "Konserthuset"} and items["B"]["price"]["text"] == "Pris: 150 kr"
    assert items["B"]["sources"][0]["raw"]["detail"] == {"venue": "Konserthuset", "price": "Pris: 150 kr"}
