"""The `rss` spider (venue "what's on" feeds), crawled for real over loopback.

One `hhevents crawl` of tests/fixtures/rss.yaml, time frozen at 2026-03-20 12:00 CET (the week before
summer time); each test below reads one quirk's outcome from the store. The feeds: a Helsingborg venue's RSS
with the ev: event module (dunkers; dunkers-barn uses ev: without declaring it; stadsbiblioteket is RSS 1.0),
a Danish RSS with xCal dates (bolgen), an Atom feed whose dates are only in its words (sofiero), The Events
Calendar's RSS where pubDate is the event's start (konserthuset, read with and without the YAML switch), and
an HTML page where a feed used to be (dunkers-moved).
"""

from __future__ import annotations

import pytest
from helpers import FIXTURES, run_hhevents, source_tags
from pydantic import ValidationError

from config.schema import RssSource
from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "rss.yaml"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("var")
    with SnapshotServer(FIXTURES / "sites") as site:
        result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=site.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


def events_of(store: EventStore, source_id: str) -> list:
    return [e for e in store.events() if e.sources[0].source_id == source_id]


def by_title(store: EventStore, source_id: str) -> dict:
    return {e.title: e for e in events_of(store, source_id)}


def span(event) -> tuple[str, str | None]:
    return event.start.isoformat(), event.end.isoformat() if event.end else None


# -- ev: (dunkers) -------------------------------------------------------------------------------------------


def test_ev_module_feed_yields_its_events_not_its_news(crawled):
    _, store = crawled
    assert sorted(e.title for e in events_of(store, "dunkers")) == sorted(
        [
            "Jazz i Dunkers: Trio Öresund",
            "Familjelördag: Bygg en drake",
            "Vernissage: Ljus över Sundet",
            "Ljus över Sundet – utställning",
            *["Sagostund för de minsta"] * 2,
        ]
    )


def test_ev_startdate_with_offset_and_enddate(crawled):
    _, store = crawled
    jazz = by_title(store, "dunkers")["Jazz i Dunkers: Trio Öresund"]
    assert span(jazz) == ("2026-03-27T19:00:00+01:00", "2026-03-27T21:00:00+01:00")
    assert jazz.timezone == "Europe/Stockholm" and not jazz.all_day


def test_ev_startdate_utc_with_seven_fraction_digits(crawled):
    _, store = crawled
    kites = by_title(store, "dunkers")["Familjelördag: Bygg en drake"]
    # "2026-04-04T09:00:00.0000000Z", as SIDEARM writes it: the instant, shown in Helsingborg's summer time.
    assert span(kites) == ("2026-04-04T11:00:00+02:00", "2026-04-04T14:00:00+02:00")


def test_ev_startdate_without_offset_is_local_time_on_the_dst_day(crawled):
    _, store = crawled
    vernissage = by_title(store, "dunkers")["Vernissage: Ljus över Sundet"]
    # No ev:enddate: the default end of art and exhibitions, 3 hours.
    assert span(vernissage) == ("2026-03-29T14:00:00+02:00", "2026-03-29T17:00:00+02:00")


def test_ev_enddate_without_time_is_the_inclusive_last_day(crawled):
    _, store = crawled
    exhibition = by_title(store, "dunkers")["Ljus över Sundet – utställning"]
    assert exhibition.all_day
    assert span(exhibition) == ("2026-03-29T00:00:00+01:00", "2026-06-01T00:00:00+02:00")


def test_ev_location_organizer_type_and_categories(crawled):
    _, store = crawled
    jazz = by_title(store, "dunkers")["Jazz i Dunkers: Trio Öresund"]
    # "Dunkers kulturhus, Kungsgatan 11, Helsingborg": the venue table's name.
    assert jazz.venue.name == "Dunkers kulturhus" and jazz.venue.country == "SE"
    assert jazz.organizer == "Dunkers kulturhus"
    assert source_tags(jazz) == ("musik", "konsert")  # <category>, then ev:type
    assert jazz.url == "https://dunkers.example/kalender/jazz-trio-oresund/"
    assert jazz.sources[0].source_event_id == "dunkers-4711"  # the guid, not the link


def test_pubdate_is_not_the_event_date_and_an_item_without_ev_date_is_dropped(crawled):
    _, store = crawled
    # The news item has a pubDate and even a date in its title, but no ev:startdate in a feed that uses
    # ev: for its events: not an event.
    assert "Vårens program är här – lördag 18 april öppnar biljettsläppet" not in by_title(store, "dunkers")
    run = store.latest_runs()["dunkers"]
    assert run.outcome == "ok" and run.new == 6
    assert run.dropped == 1 and run.stats["dropped/start"] == 1


def test_bare_ampersand_and_html_entities_are_repaired(crawled):
    _, store = crawled
    events = by_title(store, "dunkers")
    assert (
        events["Ljus över Sundet – utställning"].description
        == "Utställningen visas i stora hallen. Fri entré."
    )
    assert source_tags(events["Familjelördag: Bygg en drake"]) == ("barn & familj",)


def test_literal_backslash_n_and_double_escaped_ampersand(crawled):
    _, store = crawled
    kites = by_title(store, "dunkers")["Familjelördag: Bygg en drake"]
    assert kites.description == (
        "Familjelördag i verkstaden\n\n"
        "För barn 6–12 år & deras vuxna\n\n"
        "Anmälan: https://dunkers.example/anmalan?id=88&typ=familj"
    )
    assert kites.sources[0].source_event_id == "https://dunkers.example/kalender/bygg-en-drake/"


def test_one_link_listed_for_two_dates_gives_two_events(crawled):
    _, store = crawled
    stories = sorted(
        (e for e in events_of(store, "dunkers") if e.title == "Sagostund för de minsta"),
        key=lambda e: e.start,
    )
    assert [e.start.isoformat() for e in stories] == [
        "2026-03-25T10:00:00+01:00",
        "2026-04-01T10:00:00+02:00",
    ]
    assert [e.sources[0].source_event_id for e in stories] == [
        "https://dunkers.example/kalender/sagostund/#2026-03-25T10:00:00+01:00",
        "https://dunkers.example/kalender/sagostund/#2026-04-01T10:00:00+02:00",
    ]
    assert len({e.id for e in stories}) == 2


def test_images_from_enclosure_and_from_content(crawled):
    _, store = crawled
    events = by_title(store, "dunkers")
    assert events["Jazz i Dunkers: Trio Öresund"].image == "https://dunkers.example/bilder/trio-oresund.jpg"
    # content:encoded's <img src="/bilder/..."> resolved against the feed's real URL.
    assert (
        events["Vernissage: Ljus över Sundet"].image == "https://dunkers.example/bilder/ljus-over-sundet.jpg"
    )
    assert events["Vernissage: Ljus över Sundet"].description == (
        "Måleri och fotografi om ljuset över Öresund.\n\nKonstnärerna är på plats."
    )


def test_undeclared_ev_prefix_is_still_the_event_module(crawled):
    _, store = crawled
    [play] = events_of(store, "dunkers-barn")
    assert play.title == "Dockteater: Pelle Svanslös"
    assert span(play) == ("2026-04-11T11:00:00+02:00", "2026-04-11T11:40:00+02:00")
    # "Dunkers kulturhus, lilla scenen": the venue table's name.
    assert play.venue.name == "Dunkers kulturhus" and source_tags(play) == ("teater",)
    assert store.latest_runs()["dunkers-barn"].outcome == "ok"


def test_rss_1_0_rdf_feed_with_ev_module(crawled):
    _, store = crawled
    [talk] = events_of(store, "stadsbiblioteket")
    assert talk.title == "Författarsamtal: Öresund i litteraturen"
    assert span(talk) == ("2026-04-15T18:00:00+02:00", "2026-04-15T19:30:00+02:00")  # not dc:date
    assert talk.sources[0].source_event_id == "https://stadsbiblioteket.example/evenemang/forfattarsamtal-42"
    assert talk.url == "https://stadsbiblioteket.example/evenemang/forfattarsamtal-42"
    assert (talk.venue.name, talk.organizer) == ("Stadsbiblioteket, hörsalen", "Helsingborgs stadsbibliotek")
    assert source_tags(talk) == ("litteratur",)  # dc:subject


# -- xCal (bolgen) -------------------------------------------------------------------------------------------


def test_utf8_feed_declared_iso_8859_1_keeps_danish_letters(crawled):
    _, store = crawled
    assert sorted(e.title for e in events_of(store, "bolgen")) == sorted(
        [
            "Koncert: Kronborg Rockers",
            "Visesang i Salen",
            "Havnefestival i Helsingør",
            "Standup i Bølgen",  # "AFLYST: ..." in the feed: the clean stage's status
        ]
    )
    assert by_title(store, "bolgen")["Visesang i Salen"].description == "Fællessang med Helsingør Viseklub."


def test_xcal_draft_basic_format_local_times(crawled):
    _, store = crawled
    concert = by_title(store, "bolgen")["Koncert: Kronborg Rockers"]
    assert span(concert) == ("2026-03-26T20:00:00+01:00", "2026-03-26T22:30:00+01:00")
    assert concert.timezone == "Europe/Copenhagen"


def test_xcal_rfc6321_tzid_parameter_and_duration(crawled):
    _, store = crawled
    songs = by_title(store, "bolgen")["Visesang i Salen"]
    assert span(songs) == ("2026-04-09T19:30:00+02:00", "2026-04-09T21:30:00+02:00")  # PT2H
    assert source_tags(songs) == ("musik", "fællessang") and songs.venue.name == "Kulturhuset Bølgen, Salen"


def test_xcal_date_only_dtend_is_already_exclusive(crawled):
    _, store = crawled
    festival = by_title(store, "bolgen")["Havnefestival i Helsingør"]
    assert festival.all_day
    assert span(festival) == ("2026-04-11T00:00:00+02:00", "2026-04-13T00:00:00+02:00")  # 11 and 12 April


def test_xcal_status_cancelled_and_utc_time(crawled):
    _, store = crawled
    standup = by_title(store, "bolgen")["Standup i Bølgen"]  # "AFLYST: ..." in the feed
    assert standup.status == "cancelled"
    # 20260402T180000Z; no end: the default of culture, 2 hours.
    assert span(standup) == ("2026-04-02T20:00:00+02:00", "2026-04-02T22:00:00+02:00")


def test_xcal_location_categories_organizer_and_geo(crawled):
    _, store = crawled
    concert = by_title(store, "bolgen")["Koncert: Kronborg Rockers"]
    # "Kulturhuset Bølgen, 3140 Ålsgårde": the normaliser splits the postcode and the town out of the name.
    venue = concert.venue
    assert (venue.name, venue.postal_code, venue.locality, venue.country) == (
        "Kulturhuset Bølgen", "3140", "Ålsgårde", "DK"
    )
    assert (concert.venue.latitude, concert.venue.longitude) == (56.0746, 12.5441)
    assert source_tags(concert) == ("koncert", "rock")  # comma-separated in the draft's xCal:categories
    assert concert.organizer == "Kulturhuset Bølgen"  # the CN, not the mailto: address
    assert concert.status == "scheduled"


# -- dates in the text (sofiero) -----------------------------------------------------------------------------


def test_atom_feed_in_cp1252_declared_utf8_dates_read_from_the_text(crawled):
    _, store = crawled
    events = by_title(store, "sofiero")
    assert sorted(events) == [
        "Guidad visning: Drottning Victorias rum",
        "Julmarknad på Sofiero",
        "Trädgårdsmässa på Sofiero 16–17 maj",
    ]
    # "Lördag 12 december kl. 10–18" (an en dash, 0x96 in windows-1252), no year: the next 12 December.
    assert span(events["Julmarknad på Sofiero"]) == ("2026-12-12T10:00:00+01:00", "2026-12-12T18:00:00+01:00")


def test_text_date_on_its_own_line_of_the_description(crawled):
    _, store = crawled
    tour = by_title(store, "sofiero")["Guidad visning: Drottning Victorias rum"]
    # The line "Söndag 26 april kl. 14.00–15.00", not "barn under 12 år" two lines below.
    assert span(tour) == ("2026-04-26T14:00:00+02:00", "2026-04-26T15:00:00+02:00")
    assert tour.url == "https://sofiero.example/evenemang/guidad-visning"  # Atom link without rel, relative
    assert tour.description == (
        "Välkommen på en guidad tur genom slottets kungliga rum.\n\n"
        "Söndag 26 april kl. 14.00–15.00\n\n"
        "Pris: 120 kr, barn under 12 år gratis."
    )


def test_text_date_range_in_the_title_is_all_day(crawled):
    _, store = crawled
    fair = by_title(store, "sofiero")["Trädgårdsmässa på Sofiero 16–17 maj"]
    assert fair.all_day
    assert span(fair) == ("2026-05-16T00:00:00+02:00", "2026-05-18T00:00:00+02:00")
    # Atom xhtml content: its markup read as HTML, its <img> the image.
    assert fair.description == "Plantor, trädgårdsdesign och föredrag i slottsparken.\n\nFri entré för barn."
    assert fair.image == "https://sofiero.example/bilder/tradgardsmassa.jpg"


def test_atom_entry_fields(crawled):
    _, store = crawled
    market = by_title(store, "sofiero")["Julmarknad på Sofiero"]
    assert market.url == "https://sofiero.example/evenemang/julmarknad"
    assert market.image == "https://sofiero.example/bilder/julmarknad.jpg"  # link rel="enclosure"
    assert source_tags(market) == ("marknad",)  # category label
    assert market.sources[0].source_event_id == "tag:sofiero.example,2026:event-101"


def test_entry_without_any_date_in_its_text_is_dropped_and_counted(crawled):
    _, store = crawled
    assert "Sofiero söker sommarvärdar" not in by_title(store, "sofiero")
    run = store.latest_runs()["sofiero"]
    assert run.outcome == "ok" and run.new == 3
    assert run.dropped == 1 and run.stats["dropped/start"] == 1


# -- The Events Calendar (konserthuset) ----------------------------------------------------------------------


def test_pubdate_is_event_date_switch_reads_the_start_from_pubdate(crawled):
    _, store = crawled
    events = by_title(store, "konserthuset")
    # No end in the feed: the default end of culture, 2 hours.
    assert span(events["Helsingborgs Symfoniorkester: Beethovens nia"]) == (
        "2026-03-26T19:00:00+01:00", "2026-03-26T21:00:00+01:00"
    )
    assert span(events["Lunchkonsert: Stråkkvartett"]) == (
        "2026-04-09T12:15:00+02:00", "2026-04-09T14:15:00+02:00"
    )
    assert source_tags(events["Lunchkonsert: Stråkkvartett"]) == ("kammarmusik", "lunchkonsert")
    nine = events["Helsingborgs Symfoniorkester: Beethovens nia"]
    assert nine.image == "https://konserthuset.example/wp-content/uploads/2026/01/beethoven-1024x683.jpg"
    assert nine.sources[0].source_event_id == "https://konserthuset.example/?post_type=tribe_events&p=5123"


def test_pubdate_at_local_midnight_is_an_all_day_event(crawled):
    _, store = crawled
    # "Fri, 24 Apr 2026 22:00:00 +0000" is midnight in Helsingborg: The Events Calendar's all-day start.
    open_house = by_title(store, "konserthuset")["Öppet hus i Konserthuset"]
    assert open_house.all_day
    assert span(open_house) == ("2026-04-25T00:00:00+02:00", "2026-04-26T00:00:00+02:00")


def test_same_feed_without_the_switch_has_no_dates(crawled):
    _, store = crawled
    assert events_of(store, "konserthuset-pubdate-ignored") == []
    run = store.latest_runs()["konserthuset-pubdate-ignored"]
    assert run.outcome == "degraded" and run.errors == 0
    assert run.dropped == 3 and run.message == "3 item(s) dropped: 3 for start"


# -- failures and provenance ---------------------------------------------------------------------------------


def test_html_page_instead_of_the_feed_fails_the_source(crawled):
    result, store = crawled
    run = store.latest_runs()["dunkers-moved"]
    assert run.outcome == "failed"
    assert run.message == (
        "https://dunkers.example/kalender/moved-html-instead-of-feed.rss: "
        "not an RSS or Atom feed: its root is <html>"
    )
    assert result.returncode == 1


def test_provenance_keeps_the_items_elements(crawled):
    _, store = crawled
    jazz = by_title(store, "dunkers")["Jazz i Dunkers: Trio Öresund"]
    [sighting] = store.provenance(jazz.id)
    raw = sighting["raw"]
    assert sighting["url"] == "https://dunkers.example/kalender/ev-module-bare-ampersand.rss"
    assert raw["ev:startdate"] == "2026-03-27T19:00:00+01:00" and raw["ev:type"] == "Konsert"
    assert raw["pubdate"] == "Mon, 02 Feb 2026 09:00:00 +0100"
    assert raw["enclosure"]["url"] == "https://dunkers.example/bilder/trio-oresund.jpg"
    concert = by_title(store, "bolgen")["Koncert: Kronborg Rockers"]
    [sighting] = store.provenance(concert.id)
    assert sighting["raw"]["xCal:dtstart"] == "20260326T200000"


@pytest.mark.parametrize(
    ("key", "value"),
    [("encoding", "utf-9"), ("pubdate_is_event_date", "sometimes")],
)
def test_config_keys_are_checked(key, value):
    entry = {
        "id": "r",
        "name": "Feed",
        "city": "helsingborg",
        "type": "rss",
        "url": "https://dunkers.example/kalender.rss",
        "category": "culture",
        "language": "sv",
    }
    with pytest.raises(ValidationError, match=key):
        RssSource(**{**entry, key: value})
    source = RssSource(**{**entry, "encoding": "cp1252"})
    assert (source.encoding, source.pubdate_is_event_date) == ("cp1252", False)
