"""The `jsonld` spider in real crawls (`hhevents crawl`, in a child process) over loopback snapshot sites.

One crawl of tests/fixtures/jsonld.yaml, time frozen at 2026-03-20 12:00 CET (the week before summer time);
each test below reads what it stored and checks one quirk of schema.org Event markup. The sites:

- www.dunkers.example: a listing (ItemList in WebPage.mainEntity) with detail links and paging; detail pages
  with broken JSON-LD (comments, CDATA, trailing braces, control characters), HTML and entities, microdata,
  a 404 and a page without an event.
- www.kulturvaerftet.example: one listing page with one block per event, an array block, a @graph block,
  eventSchedule and an EventSeries with sub-events; +0000 times that really are UTC.
- evenemang.helsingborg.example: Helsingborg's own schema.org output, whose +00:00/Z times are local
  (utc_is_local: true).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import FIXTURES, run_hhevents

from hhevents.model import Event
from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "jsonld.yaml"


@pytest.fixture(scope="module")
def site():
    with SnapshotServer(FIXTURES / "sites") as server:
        yield server


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def crawled(site, data_dir):
    result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


def events_of(store: EventStore, source_id: str) -> list[Event]:
    return sorted(
        (e for e in store.events() if any(ref.source_id == source_id for ref in e.sources)),
        key=lambda e: (e.start, e.title),
    )


def by_title(store: EventStore, source_id: str) -> dict[str, Event]:
    events = events_of(store, source_id)
    found = {e.title: e for e in events}
    assert len(found) == len(events), "titles of one-off events are unique in these fixtures"
    return found


def titled(store: EventStore, source_id: str, title: str) -> list[Event]:
    return [e for e in events_of(store, source_id) if e.title == title]


def requested(site: SnapshotServer, path: str) -> int:
    return sum(1 for r in site.requests if r.path == path)


# -- www.dunkers.example: listing, detail pages, paging ------------------------------------------------------


def test_dunkers_yields_every_event_once(crawled):
    _, store = crawled
    assert sorted(by_title(store, "dunkers")) == sorted(
        [
            "Utställning: Hamnen förr och nu",  # listing only (ItemList)
            "Jazzkväll med Dunkers storband",  # detail: JS comments
            "Barnteater: Pippi på De sju haven",  # detail: CDATA
            "Standup: Ränta & rövarhistorier",  # detail: trailing braces, entities
            "Vårkonsert med Helsingborgs kammarkör",  # detail: control characters
            "Vernissage: Skånskt ljus",  # detail 404: listing copy
            "Bokcirkel: Vårens romaner",  # detail without event: listing copy
            "Orgelkonsert i Mariakyrkan",  # detail: second block of two, first unreadable
            "Loppis på Dunkers",  # page 2: JSON-LD and microdata of one event
            "Helsingborgs IF – Landskrona BoIS",  # page 2: microdata on the listing
            "Guidad visning: Hamnen förr och nu",  # detail: microdata
        ]
    )


def test_itemlist_in_main_entity_on_a_listing_page(crawled):
    _, store = crawled
    exhibition = by_title(store, "dunkers")["Utställning: Hamnen förr och nu"]
    assert exhibition.url == "https://www.dunkers.example/kalender/"  # no URL of its own: the listing's
    assert exhibition.venue.name == "Dunkers kulturhus"  # "Dunkers kulturhus, plan 2": the table's name
    assert (exhibition.price.free, exhibition.price.min, exhibition.price.currency) == (True, 0.0, "SEK")


def test_detail_page_wins_over_the_listing_copy(crawled):
    _, store = crawled
    titles = set(by_title(store, "dunkers"))
    assert "Jazzkväll (kort version)" not in titles and "Barnteater (kort version)" not in titles
    jazz = by_title(store, "dunkers")["Jazzkväll med Dunkers storband"]
    assert jazz.url == "https://www.dunkers.example/evenemang/jazzkvall-js-kommentarer/"
    assert jazz.sources[0].url == jazz.url


def test_detail_links_are_followed_once_and_other_links_never(crawled, site):
    # Linked from both listing pages; one of the links with a #fragment.
    assert requested(site, "/www.dunkers.example/evenemang/jazzkvall-js-kommentarer/") == 1
    assert requested(site, "/www.dunkers.example/evenemang/barnteater-cdata/") == 1
    assert requested(site, "/www.dunkers.example/evenemang/annons/") == 0  # a.annons is not a.evenemang


def test_next_page_is_followed_up_to_max_pages(crawled, site):
    _, store = crawled
    assert requested(site, "/www.dunkers.example/kalender/sida/2/") >= 1
    assert requested(site, "/www.dunkers.example/kalender/sida/3/") == 0  # max_pages: 2
    assert not titled(store, "dunkers", "Bortom max_pages")


def test_detail_page_that_fails_keeps_the_listing_copy_and_is_reported(crawled):
    result, store = crawled
    vernissage = by_title(store, "dunkers")["Vernissage: Skånskt ljus"]
    assert vernissage.start.isoformat() == "2026-03-26T18:00:00+01:00"
    assert (vernissage.venue.street_address, vernissage.venue.postal_code) == ("Kungsgatan 11", "252 21")
    assert vernissage.price.free is True
    assert "https://www.dunkers.example/evenemang/borttagen/: HTTP 404" in result.stderr


def test_detail_page_without_an_event_keeps_the_listing_copy(crawled):
    _, store = crawled
    book_club = by_title(store, "dunkers")["Bokcirkel: Vårens romaner"]
    assert book_club.url == "https://www.dunkers.example/evenemang/sida-utan-event/"
    assert (book_club.price.min, book_club.price.currency) == (50.0, "SEK")


def test_dunkers_run_is_partial_and_counts_every_problem(crawled):
    _, store = crawled
    run = store.latest_runs()["dunkers"]
    assert run.outcome == "degraded" and run.new == 11 and run.dropped == 0
    assert run.errors == 2  # the 404 and the unreadable block
    assert run.stats["jsonld_repaired"] >= 3  # CDATA, trailing braces, control characters


# -- www.dunkers.example: broken JSON-LD ---------------------------------------------------------------------


def test_jsonld_with_js_comments_and_trailing_comma(crawled):
    _, store = crawled
    jazz = by_title(store, "dunkers")["Jazzkväll med Dunkers storband"]
    assert jazz.start.isoformat() == "2026-03-27T19:30:00+01:00"
    assert jazz.end.isoformat() == "2026-03-27T22:00:00+01:00"
    assert (jazz.price.min, jazz.price.max, jazz.price.currency) == (220.0, 220.0, "SEK")
    assert jazz.organizer == "Dunkers kulturhus"
    assert jazz.image == "https://www.dunkers.example/bilder/storband.jpg"
    assert jazz.venue.country == "SE"  # "Sverige"


def test_jsonld_wrapped_in_cdata(crawled):
    _, store = crawled
    play = by_title(store, "dunkers")["Barnteater: Pippi på De sju haven"]
    assert play.description == "Familjeföreställning för barn från 4 år. Speltid 50 minuter."
    assert play.end.isoformat() == "2026-03-28T14:50:00+01:00"


def test_jsonld_with_trailing_braces(crawled):
    _, store = crawled
    standup = by_title(store, "dunkers")["Standup: Ränta & rövarhistorier"]
    assert standup.start.isoformat() == "2026-04-03T20:00:00+02:00"
    # "Kungsgatan 11, 252 21 Helsingborg" as one string: split by the normaliser.
    assert (standup.venue.street_address, standup.venue.postal_code, standup.venue.locality) == (
        "Kungsgatan 11", "252 21", "Helsingborg"
    )


def test_jsonld_with_control_characters(crawled):
    _, store = crawled
    concert = by_title(store, "dunkers")["Vårkonsert med Helsingborgs kammarkör"]
    # A vertical tab from a word processor inside the text; a form feed and a unit separator between tokens.
    assert concert.description == "Körmusik från Skåne och Själland. Fri entré, kollekt till körens resa."


def test_unreadable_block_loses_only_itself(crawled):
    result, store = crawled
    organ = by_title(store, "dunkers")["Orgelkonsert i Mariakyrkan"]
    assert organ.start.isoformat() == "2026-04-05T16:00:00+02:00" and organ.price.free is True
    page = "https://www.dunkers.example/evenemang/tva-block-ett-trasigt/"
    assert f"{page}: unreadable JSON-LD block 1: JSONDecodeError" in result.stderr


def test_html_and_entities_in_text(crawled):
    _, store = crawled
    # The name is written "Standup: R&auml;nta &amp; r&ouml;varhistorier"; the description is HTML.
    standup = by_title(store, "dunkers")["Standup: Ränta & rövarhistorier"]
    assert standup.description == (
        "En kväll med Helsingborgs roligaste komiker.\n\nÅldersgräns 18 år.\n\nBaren öppnar 18.30."
    )


def test_offset_less_times_are_local_on_both_sides_of_dst(crawled):
    _, store = crawled
    events = by_title(store, "dunkers")
    assert events["Jazzkväll med Dunkers storband"].start.isoformat() == "2026-03-27T19:30:00+01:00"
    assert events["Vårkonsert med Helsingborgs kammarkör"].start.isoformat() == "2026-03-29T18:00:00+02:00"
    assert all(e.timezone == "Europe/Stockholm" for e in events.values())


# -- www.dunkers.example: microdata --------------------------------------------------------------------------


def test_microdata_on_a_listing_page(crawled):
    _, store = crawled
    match = by_title(store, "dunkers")["Helsingborgs IF – Landskrona BoIS"]
    assert match.start.isoformat() == "2026-04-11T15:00:00+02:00"
    assert match.status == "postponed"  # <link itemprop="eventStatus" href="http://schema.org/...">
    assert (match.price.min, match.price.max, match.price.currency) == (120.0, 340.0, "SEK")
    assert (match.venue.name, match.venue.locality) == ("Olympia", "Helsingborg")
    assert match.url == "https://www.dunkers.example/kalender/sida/2/"


def test_microdata_on_a_detail_page(crawled):
    _, store = crawled
    tour = by_title(store, "dunkers")["Guidad visning: Hamnen förr och nu"]
    assert tour.start.isoformat() == "2026-04-04T13:00:00+02:00"  # <time datetime=...>
    assert tour.end.isoformat() == "2026-04-04T14:00:00+02:00"
    assert tour.description == "Följ med curatorn genom utställningen."
    assert (tour.venue.latitude, tour.venue.longitude) == (56.0493, 12.6883)
    assert (tour.venue.street_address, tour.venue.postal_code) == ("Kungsgatan 11", "252 21")
    assert (tour.price.min, tour.price.currency) == (60.0, "SEK")  # content="60", not the text "60 kr"


def test_same_event_in_jsonld_and_microdata_is_one_event(crawled):
    _, store = crawled
    [flea_market] = titled(store, "dunkers", "Loppis på Dunkers")
    # The JSON-LD copy (the fuller one, read first) is kept.
    assert flea_market.description == "Fynda second hand i entréhallen. Swish och kontanter."
    assert flea_market.start.isoformat() == "2026-03-29T10:00:00+02:00"


def test_syntaxes_switch_reads_only_the_listed_syntax(crawled):
    _, store = crawled
    assert [e.title for e in events_of(store, "dunkers-barn")] == ["Sagostund för de minsta"]


# -- www.kulturvaerftet.example: one listing page, many shapes -----------------------------------------------


def test_kulturvaerftet_yields_every_event_and_occurrence(crawled):
    _, store = crawled
    events = events_of(store, "kulturvaerftet")
    assert len(events) == 26 and len({e.id for e in events}) == 26
    run = store.latest_runs()["kulturvaerftet"]
    assert run.outcome == "ok" and run.new == 26 and run.errors == 0
    assert all(e.timezone == "Europe/Copenhagen" and e.language == "da" for e in events)


def test_one_block_per_event(crawled):
    _, store = crawled
    assert titled(store, "kulturvaerftet", "Koncert med Øresundskvartetten")
    assert titled(store, "kulturvaerftet", "Dansekursus: Lindy hop for begyndere")


def test_array_of_events_in_one_block(crawled):
    _, store = crawled
    assert titled(store, "kulturvaerftet", "Hamlet – gæstespil")
    assert titled(store, "kulturvaerftet", "Foredrag: Værftets historie")


def test_graph_wrapper_and_a_reference_inside_it(crawled):
    _, store = crawled
    [market] = titled(store, "kulturvaerftet", "Loppemarked på Værftet")
    assert market.organizer == "Kulturværftet"  # {"@id": ".../#org"} resolved within the @graph
    assert not titled(store, "kulturvaerftet", "Kulturværftet")  # WebSite and Organization are no events


def test_plus_0000_is_utc_when_the_source_does_not_say_otherwise(crawled):
    _, store = crawled
    [hamlet] = titled(store, "kulturvaerftet", "Hamlet – gæstespil")
    assert hamlet.start.isoformat() == "2026-04-02T20:00:00+02:00"  # 18:00+0000
    assert hamlet.end.isoformat() == "2026-04-02T22:45:00+02:00"


def test_offset_less_times_are_local_copenhagen_time(crawled):
    _, store = crawled
    [concert] = titled(store, "kulturvaerftet", "Koncert med Øresundskvartetten")
    assert concert.start.isoformat() == "2026-03-26T20:00:00+01:00"
    [lindy] = titled(store, "kulturvaerftet", "Dansekursus: Lindy hop for begyndere")
    assert lindy.start.isoformat() == "2026-03-30T19:00:00+02:00"


def test_event_status_as_url_or_bare_word(crawled):
    _, store = crawled
    status = {e.title: e.status for e in events_of(store, "kulturvaerftet")}
    assert status["Koncert med Øresundskvartetten"] == "scheduled"  # https://schema.org/EventScheduled
    assert status["Hamlet – gæstespil"] == "postponed"  # EventPostponed
    assert status["Foredrag: Værftets historie"] == "cancelled"  # http://schema.org/EventCancelled
    assert status["Loppemarked på Værftet"] == "rescheduled"  # EventRescheduled


def test_offers_as_object_array_and_aggregate_offer(crawled):
    _, store = crawled

    def price(title: str):
        [event] = titled(store, "kulturvaerftet", title)
        return event.price.min, event.price.max, event.price.currency, event.price.free

    assert price("Koncert med Øresundskvartetten") == (195.0, 195.0, "DKK", False)  # Offer
    assert price("Hamlet – gæstespil") == (150.0, 325.0, "DKK", False)  # [Offer, Offer]
    assert price("Foredrag: Værftets historie") == (60.0, 90.0, "DKK", False)  # AggregateOffer


def test_address_as_postal_address_or_string(crawled):
    _, store = crawled
    [concert] = titled(store, "kulturvaerftet", "Koncert med Øresundskvartetten")
    assert concert.venue.model_dump() == {
        "name": "Kulturværftet",  # "Kulturværftet, Store Scene": the venue table's name
        "street_address": "Allégade 2",
        "postal_code": "3000",
        "locality": "Helsingør",
        "country": "DK",
        "latitude": None,
        "longitude": None,
    }
    [hamlet] = titled(store, "kulturvaerftet", "Hamlet – gæstespil")
    assert hamlet.venue.name == "Kronborg Slot"
    # The spider keeps "Kronborg 2C, 3000 Helsingør" whole; the normaliser splits an address with a postcode.
    assert (hamlet.venue.street_address, hamlet.venue.postal_code, hamlet.venue.locality) == (
        "Kronborg 2C", "3000", "Helsingør"
    )
    assert hamlet.venue.country == "DK"


def test_date_only_values_are_all_day_with_an_exclusive_end(crawled):
    _, store = crawled
    [market] = titled(store, "kulturvaerftet", "Loppemarked på Værftet")
    assert market.all_day
    # "startDate": "2026-04-04", "endDate": "2026-04-05": two whole days.
    assert market.start.isoformat() == "2026-04-04T00:00:00+02:00"
    assert market.end.isoformat() == "2026-04-06T00:00:00+02:00"
    assert market.price.free is True


def test_event_schedule_is_expanded_within_the_window(crawled):
    _, store = crawled
    cafe = titled(store, "kulturvaerftet", "Strikkecafé")
    # Tuesdays of 2026-03-01..2026-04-30, from now - 7 days on; exceptDate 2026-04-07 left out.
    assert [e.start.isoformat() for e in cafe] == [
        "2026-03-17T14:00:00+01:00",
        "2026-03-24T14:00:00+01:00",
        "2026-03-31T14:00:00+02:00",
        "2026-04-14T14:00:00+02:00",
        "2026-04-21T14:00:00+02:00",
        "2026-04-28T14:00:00+02:00",
    ]
    assert all(e.end - e.start == timedelta(hours=2) for e in cafe)
    assert all(e.description == "Tag dit strikketøj med. Kaffe og kage kan købes." for e in cafe)


def test_open_ended_event_schedule_is_bounded_by_horizon_days(crawled):
    _, store = crawled
    jazz = titled(store, "kulturvaerftet", "Søndagsjazz i Bølgen")
    # Weekly on Sundays since 2026-01-04 15:00, no end: [now - 7 days, now + 60 days] holds ten of them.
    assert len(jazz) == 10
    assert jazz[0].start.isoformat() == "2026-03-15T15:00:00+01:00"
    assert jazz[2].start.isoformat() == "2026-03-29T15:00:00+02:00"  # the day summer time begins
    assert jazz[-1].start.isoformat() == "2026-05-17T15:00:00+02:00"
    assert jazz[0].end.isoformat() == "2026-03-15T17:00:00+01:00"  # "duration": "PT2H"


def test_schedule_occurrences_have_stable_distinct_ids(crawled):
    _, store = crawled
    jazz = titled(store, "kulturvaerftet", "Søndagsjazz i Bølgen")
    assert len({e.id for e in jazz}) == len(jazz)
    assert jazz[0].sources[0].source_event_id == (
        "https://www.kulturvaerftet.example/kalender/soendagsjazz/#2026-03-15T15:00:00"
    )


def test_event_series_yields_its_sub_events_with_inherited_fields(crawled):
    _, store = crawled
    shows = [e for e in events_of(store, "kulturvaerftet") if e.title.startswith("Shakespeare")]
    # The EventSeries itself is not an event; each sub-event is, taking what it lacks from the series.
    assert [(e.title, e.start.isoformat(), e.status, e.price.min) for e in shows] == [
        ("Shakespeare på Kronborg – premiere", "2026-04-15T19:00:00+02:00", "scheduled", 450.0),
        ("Shakespeare på Kronborg", "2026-04-16T20:00:00+02:00", "scheduled", 250.0),
        ("Shakespeare på Kronborg", "2026-04-17T20:00:00+02:00", "cancelled", 250.0),
    ]
    assert {e.venue.name for e in shows} == {"Kronborg Slot"}  # "Kronborg Slot, Slotsgården": the table's
    assert shows[0].url == "https://www.kulturvaerftet.example/kalender/shakespeare-premiere/"
    assert shows[1].url == "https://www.kulturvaerftet.example/kalender/shakespeare/"
    assert shows[1].description == "Sommerens Shakespeare-forestilling i slottets gård."


def test_sub_events_listed_before_their_series_or_naming_it_as_super_event(crawled):
    _, store = crawled
    shows = titled(store, "kulturvaerftet", "Sommerteater: En skærsommernatsdrøm")
    # In one @graph: a sub-event placed before the series that lists it by @id, and one that names the
    # series only by superEvent. Both take the series' name, place and price; the series itself is none.
    assert [e.start.isoformat() for e in shows] == ["2026-05-02T19:30:00+02:00", "2026-05-03T16:00:00+02:00"]
    assert {(e.venue.name, e.price.min) for e in shows} == {("Kulturhavn Kronborg", 175.0)}
    assert [e.sources[0].source_event_id for e in shows] == [
        "https://www.kulturvaerftet.example/kalender/sommerteater/#1",
        "https://www.kulturvaerftet.example/kalender/sommerteater/#2",
    ]


# -- evenemang.helsingborg.example: Helsingborg's schema.org output (utc_is_local) ---------------------------


def test_utc_is_local_reads_plus_00_00_as_local_wall_time(crawled):
    _, store = crawled
    padel = titled(store, "helsingborg-evenemang", "Prova på-padel för unga")
    assert [(e.start.isoformat(), e.end.isoformat()) for e in padel] == [
        ("2026-03-24T15:15:00+01:00", "2026-03-24T16:30:00+01:00"),
        ("2026-04-07T15:15:00+02:00", "2026-04-07T16:30:00+02:00"),
    ]
    assert [e.status for e in padel] == ["cancelled", "scheduled"]


def test_utc_is_local_reads_z_as_local_wall_time(crawled):
    _, store = crawled
    [market] = titled(store, "helsingborg-evenemang", "Vårmarknad på Stortorget")
    assert market.start.isoformat() == "2026-04-18T10:00:00+02:00"
    assert market.price.free is True


def test_events_sharing_one_url_are_keyed_by_their_id(crawled):
    _, store = crawled
    padel = titled(store, "helsingborg-evenemang", "Prova på-padel för unga")
    assert {e.url for e in padel} == {"https://helsingborg.se/uppleva-och-gora/"}
    assert [e.sources[0].source_event_id for e in padel] == [
        "https://evenemang.helsingborg.example/evenemang/idprefix3101-1",
        "https://evenemang.helsingborg.example/evenemang/idprefix3101-0",
    ]


def test_place_coordinates_keywords_price_specification_and_organizers(crawled):
    _, store = crawled
    padel = titled(store, "helsingborg-evenemang", "Prova på-padel för unga")[-1]
    assert (padel.venue.latitude, padel.venue.longitude) == (56.0466, 12.7247)  # Place.latitude/longitude
    # DefinedTerm keywords, entity decoded (later pipelines may add tags of their own).
    assert {"idrott", "barn & unga"} <= set(padel.tags)
    assert (padel.price.min, padel.price.max, padel.price.currency) == (0.0, 40.0, "SEK")
    assert padel.organizer == "Fritid Helsingborg, Helsingborgs padelklubb"
    assert padel.description == "Vi lånar ut racketar.\n\nTid: tisdagar 15.15–16.30\n\nIngen anmälan."


def test_provenance_keeps_the_schema_org_record(crawled):
    _, store = crawled
    padel = titled(store, "helsingborg-evenemang", "Prova på-padel för unga")[-1]
    [sighting] = store.provenance(padel.id)
    assert sighting["raw"]["@type"] == "schema:Event"
    assert sighting["raw"]["startDate"] == "2026-04-07T15:15:00+00:00"  # as written, before utc_is_local


def test_recrawl_a_day_later_keeps_every_event_id(crawled, site, data_dir):
    """Occurrences, sub-events and events sharing a URL keep their ids when the window moves on.

    Last in this file: it crawls again into the store the other tests read (changing only last_seen).
    """
    _, store = crawled
    before = {e.id: e.material_hash() for e in events_of(store, "kulturvaerftet")}
    a_day_later = "2026-03-21T12:00:00+01:00"
    again = run_hhevents(
        "crawl",
        "--source",
        "kulturvaerftet",
        config=SOURCES,
        data_dir=data_dir,
        site=site.base_url,
        now=a_day_later,
    )
    assert again.returncode == 0, again.stderr
    run = store.latest_runs()["kulturvaerftet"]
    assert (run.new, run.changed, run.unchanged) == (0, 0, 26)
    assert {e.id: e.material_hash() for e in events_of(store, "kulturvaerftet")} == before
