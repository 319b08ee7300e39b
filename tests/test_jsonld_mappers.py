"""The pure functions of the spiders: schema.org JSON-LD mappers, JSON-LD repair and eventSchedule expansion
(spiders/jsonld.py) and iCalendar decoding (spiders/ics.py). The crawl-level behaviour over whole pages and
feeds is in test_crawl.py and test_spider_jsonld.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from spiders.ics import decode_calendar, parse_calendar
from spiders.jsonld import (
    ScheduleError,
    expand_schedule,
    find_events,
    index_nodes,
    is_reference,
    item_from_event,
    map_end,
    map_keywords,
    map_language,
    map_location,
    map_offers,
    map_organizer,
    map_status,
    parse_json_block,
    resolve_references,
    utc_as_local,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PAGE = "https://vaerftet.example/program/side/2/"


def names(data) -> list[str]:
    return [node["name"] for node in find_events(data)]


# -- find_events ---------------------------------------------------------------------------------------------


def test_events_inside_a_graph_wrapper_are_found_and_other_nodes_ignored():
    data = [
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "name": "Program"},
                {"@type": "Event", "name": "Foredrag"},
                {"@type": "Organization", "name": "Kulturværftet"},
            ],
        }
    ]
    assert names(data) == ["Foredrag"]


def test_events_in_arrays_and_nested_lists_are_found_in_order():
    a, b, c = ({"@type": "Event", "name": name} for name in "abc")
    data = [[a, [b]], c]
    assert names(data) == ["a", "b", "c"]


@pytest.mark.parametrize("kind", ["MusicEvent", "SportsEvent", "TheaterEvent", "ExhibitionEvent", "Festival"])
def test_event_subtypes_are_events(kind):
    assert names([{"@type": kind, "name": kind}]) == [kind]


@pytest.mark.parametrize(
    "kind",
    ["schema:Event", "http://schema.org/MusicEvent", "https://schema.org/Festival", ["Thing", "Event"]],
)
def test_schema_prefixes_and_type_lists_are_understood(kind):
    assert names([{"@type": kind, "name": "x"}]) == ["x"]


@pytest.mark.parametrize(
    "data",
    [
        [{"@type": "Place", "name": "Værftet"}],
        [{"@type": "https://schema.org/Organization", "name": "x"}],
        [{"name": "no type at all"}],
        ["a string", None, 3],
        {},
    ],
)
def test_non_events_are_ignored(data):
    assert names(data) == []


def test_an_event_is_yielded_once_with_its_sub_events_left_inside_it():
    event = {"@type": "Festival", "name": "Kulturnatten", "subEvent": [{"@type": "Event", "name": "Konsert"}]}
    assert list(find_events([event])) == [event]


# -- map_end -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "exclusive"),
    [("2026-04-30", "2026-05-01"), ("2026-12-31", "2027-01-01"), ("2028-02-28", "2028-02-29")],
)
def test_date_only_end_is_the_inclusive_last_day_and_becomes_the_next_day(end, exclusive):
    assert map_end(end) == exclusive


@pytest.mark.parametrize("end", ["2026-04-30T22:00:00+02:00", "2026-04-30T22:00", "2026-04-30T20:00:00Z"])
def test_end_with_a_time_is_left_untouched(end):
    assert map_end(end) == end


def test_end_missing_is_none_and_a_list_uses_its_first_value():
    assert map_end(None) is None
    assert map_end(["2026-04-30", "2026-05-30"]) == "2026-05-01"


# -- map_location --------------------------------------------------------------------------------------------


def test_place_with_postal_address_and_geo():
    place = {
        "@type": "Place",
        "name": "Værftshallen",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "Allégade 2",
            "postalCode": "3000",
            "addressLocality": "Helsingør",
            "addressCountry": {"@type": "Country", "name": "DK"},
        },
        "geo": {"@type": "GeoCoordinates", "latitude": "56,0375", "longitude": 12.6186},
    }
    assert map_location(place) == {
        "name": "Værftshallen",
        "street_address": "Allégade 2",
        "postal_code": "3000",
        "locality": "Helsingør",
        "country": "DK",
        # Left as the source wrote them; map_venue reads comma decimals.
        "latitude": "56,0375",
        "longitude": 12.6186,
    }


def test_place_with_address_as_a_string_keeps_it_as_street_address():
    place = {"@type": "Place", "name": "Havnen", "address": "Havnegade 1, 3000 Helsingør"}
    assert map_location(place) == {"name": "Havnen", "street_address": "Havnegade 1, 3000 Helsingør"}


def test_virtual_location_listed_first_is_skipped_for_the_physical_place():
    places = [
        {"@type": "VirtualLocation", "url": "https://stream.example/jazz"},
        {"@type": "Place", "name": "Kulturværftet", "address": {"addressLocality": "Helsingør"}},
    ]
    venue = map_location(places)
    assert (venue["name"], venue["locality"]) == ("Kulturværftet", "Helsingør")


def test_only_a_virtual_location_gives_no_venue():
    assert map_location([{"@type": "VirtualLocation", "url": "https://stream.example"}]) == {}


def test_location_as_plain_text_is_the_venue_name():
    assert map_location("Dunkers kulturhus") == {"name": "Dunkers kulturhus"}
    assert map_location(None) == {}


# -- map_offers ----------------------------------------------------------------------------------------------


def test_single_offer_object_is_min_and_max():
    offer = {"@type": "Offer", "price": "180", "priceCurrency": "DKK"}
    assert map_offers(offer) == {"currency": "DKK", "min": 180.0, "max": 180.0}


def test_offer_array_spans_its_cheapest_and_dearest_price():
    offers = [{"@type": "Offer", "price": 250, "priceCurrency": "DKK"}, {"@type": "Offer", "price": "150"}]
    assert map_offers(offers) == {"currency": "DKK", "min": 150.0, "max": 250.0}


def test_aggregate_offer_low_and_high_price():
    offer = {"@type": "AggregateOffer", "lowPrice": "100", "highPrice": "300", "priceCurrency": "SEK"}
    assert map_offers(offer) == {"currency": "SEK", "min": 100.0, "max": 300.0}


def test_comma_decimal_price_is_read():
    assert map_offers({"price": "149,50", "priceCurrency": "SEK"})["min"] == 149.5


def test_price_that_is_not_a_number_is_skipped():
    assert map_offers({"price": "Gratis", "priceCurrency": "SEK"}) == {"currency": "SEK"}


@pytest.mark.parametrize("free", [True, "true", "True", [True]])
def test_is_accessible_for_free_marks_the_price_free(free):
    assert map_offers(None, free) == {"currency": None, "free": True}


@pytest.mark.parametrize("free", [False, "false", None])
def test_not_accessible_for_free_leaves_free_unsaid(free):
    # Unsaid rather than False: map_price decides from the prices when there are any.
    assert "free" not in map_offers({"price": "0"}, free)


# -- map_language --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("da-DK", "da"),
        ("sv_SE", "sv"),
        ("EN", "en"),
        ("Danish", "da"),
        ("svenska", "sv"),
        ({"@type": "Language", "alternateName": "sv", "name": "Swedish"}, "sv"),
        ({"@type": "Language", "name": "Dansk"}, "da"),
        (["en-GB", "da"], "en"),
    ],
)
def test_language_codes_and_names_map_to_the_model_language(value, code):
    assert map_language(value) == code


@pytest.mark.parametrize("value", ["de", "Norsk", "", None, {"@type": "Language"}])
def test_unknown_or_missing_language_is_none(value):
    # None lets the source's own language apply.
    assert map_language(value) is None


# -- item_from_event -----------------------------------------------------------------------------------------


def test_relative_url_and_image_are_joined_to_the_page_url():
    node = {
        "@type": "MusicEvent",
        "name": "Koncert med Kystbandet",
        "url": "../../aflyst-koncert/",
        "image": {"@type": "ImageObject", "url": "/img/kystbandet.jpg"},
        "startDate": "2026-04-10T20:00",
    }
    item = item_from_event(node, PAGE)
    assert item["url"] == "https://vaerftet.example/program/aflyst-koncert/"
    assert item["image"] == "https://vaerftet.example/img/kystbandet.jpg"


def test_event_without_url_is_keyed_to_the_page_and_without_image_has_none():
    item = item_from_event({"@type": "Event", "name": "Loppemarked", "startDate": "2026-04-11"}, PAGE)
    assert (item["url"], item["image"]) == (PAGE, None)


def test_item_uses_event_field_names_and_leaves_values_for_normalise():
    node = {
        "@type": "ExhibitionEvent",
        "name": "Værftets skibe – udstilling",
        "description": "<p>Modeller &amp; fotos</p>",
        "url": "https://vaerftet.example/program/udstilling-vaerft/",
        "startDate": "2026-04-01",
        "endDate": "2026-04-30",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": "Kulturværftet",
        "isAccessibleForFree": True,
        "organizer": {"@type": "Organization", "name": "Museet"},
        "inLanguage": "da-DK",
    }
    assert item_from_event(node, PAGE) == {
        "title": "Værftets skibe – udstilling",
        "description": "<p>Modeller &amp; fotos</p>",  # HTML is normalise's job
        "url": "https://vaerftet.example/program/udstilling-vaerft/",
        "image": None,
        "start": "2026-04-01",
        "end": "2026-05-01",
        "status": "https://schema.org/EventScheduled",
        "venue": {"name": "Kulturværftet"},
        "price": {"currency": None, "free": True},
        "organizer": "Museet",
        "language": "da",
    }


# -- wrappers, references, sub-events ------------------------------------------------------------------------


def test_events_in_itemlist_inside_main_entity_are_found():
    event = {"@type": "Event", "name": "Jazzkväll"}
    data = [
        {
            "@type": "WebPage",
            "mainEntity": {
                "@type": "ItemList",
                "itemListElement": [{"@type": "ListItem", "position": 1, "item": event}],
            },
        }
    ]
    assert list(find_events(data)) == [event]


def test_events_of_a_place_or_organization_are_found():
    data = [{"@type": "MusicVenue", "name": "Dunkers", "event": [{"@type": "MusicEvent", "name": "Konsert"}]}]
    assert names(data) == ["Konsert"]


def test_event_series_is_an_event():
    assert names([{"@type": "EventSeries", "name": "Shakespeare på Kronborg"}]) == ["Shakespeare på Kronborg"]


def test_references_are_resolved_from_the_page_index():
    organisation = {"@type": "Organization", "@id": "#org", "name": "Kulturværftet"}
    event = {"@type": "Event", "name": "Loppemarked", "organizer": {"@id": "#org"}, "offers": [{"@id": "#x"}]}
    index = index_nodes([{"@graph": [organisation, event]}])
    assert set(index) == {"#org"}
    resolved = resolve_references(event, index)
    assert resolved["organizer"] is organisation
    assert resolved["offers"] == [{"@id": "#x"}]  # unknown: left as it is
    assert is_reference({"@type": "Event", "@id": "#e"}) and not is_reference(event)


# -- broken JSON-LD ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"name": "Jazz", // kommentar\n "x": 1}', {"name": "Jazz", "x": 1}),
        ('/* start */ {"url": "https://dunkers.example//a"}', {"url": "https://dunkers.example//a"}),
        ('<![CDATA[ {"a": 1} ]]>', {"a": 1}),
        ('// <![CDATA[\n{"a": 1}\n// ]]>', {"a": 1}),
        ('<!-- {"a": 1} -->', {"a": 1}),
        ('{"a": [1, 2,], "b": 3,}', {"a": [1, 2], "b": 3}),
        ('{"a": 1,, "b": 2}', {"a": 1, "b": 2}),
        ('{"a": 1}}', {"a": 1}),
        ('{"a": 1}\n}\n];', {"a": 1}),
        ('\x0c{"a":\x1f "x\x0by"}', {"a": "x y"}),
        ("{&quot;a&quot;: &quot;R&amp;B&quot;}", {"a": "R&B"}),
        ('{"a": "komma, } och // inte kommentar"}', {"a": "komma, } och // inte kommentar"}),
    ],
)
def test_broken_json_is_repaired(text, value):
    assert parse_json_block(text)[0] == [value]


def test_valid_json_is_not_repaired_and_keeps_raw_newlines_in_strings():
    assert parse_json_block('{"a": "rad 1\nrad 2"}') == ([{"a": "rad 1\nrad 2"}], False)


def test_concatenated_objects_are_all_read():
    assert parse_json_block('{"a": 1}\n{"b": 2}')[0] == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize("text", ['{"a": 1,,,', "{ a: 1 }", "{'a': 1}", "", '{"a": 1} trailing words'])
def test_json_beyond_repair_is_a_decode_error(text):
    with pytest.raises(json.JSONDecodeError):
        parse_json_block(text)


# -- more mappers --------------------------------------------------------------------------------------------


def test_place_latitude_and_longitude_without_geo():
    place = {"@type": "Place", "name": "Stortorget", "latitude": "56.0444", "longitude": 12.6941}
    venue = map_location(place)
    assert (venue["latitude"], venue["longitude"]) == ("56.0444", 12.6941)


def test_price_specification_min_and_max():
    offer = {"@type": "Offer", "priceCurrency": "SEK", "priceSpecification": {"minPrice": 20, "maxPrice": 40}}
    assert map_offers(offer) == {"currency": "SEK", "min": 20.0, "max": 40.0}


@pytest.mark.parametrize(
    ("price", "low", "high"),
    [("180 kr", 180.0, 180.0), ("1 200 SEK", 1200.0, 1200.0), ("100–200 kr", 100.0, 200.0), (95, 95.0, 95.0)],
)
def test_price_text_with_units_and_ranges(price, low, high):
    assert map_offers({"price": price, "priceCurrency": "SEK"}) == {
        "currency": "SEK",
        "min": low,
        "max": high,
    }


def test_currency_kr_is_left_to_the_city():
    assert map_offers({"price": "80", "priceCurrency": "kr"}) == {"currency": None, "min": 80.0, "max": 80.0}


def test_foreign_currency_is_kept_as_words():
    offers = [{"price": "13.00", "priceCurrency": "USD"}, {"price": "20", "priceCurrency": "USD"}]
    assert map_offers(offers) == {"currency": None, "text": "13–20 USD"}


def test_several_organizers_are_joined():
    organizers = [{"@type": "Organization", "name": "Fritid Helsingborg"}, "Helsingborgs padelklubb"]
    assert map_organizer(organizers) == "Fritid Helsingborg, Helsingborgs padelklubb"
    assert map_organizer([{"@id": "#org"}]) is None


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("https://schema.org/EventCancelled", "https://schema.org/EventCancelled"),
        ("EventPostponed", "EventPostponed"),
        ({"@id": "https://schema.org/EventRescheduled"}, "https://schema.org/EventRescheduled"),
        (None, None),
    ],
)
def test_event_status_as_url_word_or_node(value, status):
    assert map_status(value) == status


def test_keywords_as_text_list_or_defined_terms():
    assert map_keywords("jazz, konsert ,") == ["jazz", "konsert"]
    terms = [{"@type": "DefinedTerm", "name": "Idrott"}, "Barn"]
    assert map_keywords(terms) == ["Idrott", "Barn"]


def test_keywords_become_tags_and_control_characters_spaces():
    node = {"@type": "Event", "name": "Kör\x0bsång", "startDate": "2026-04-01", "keywords": "kör"}
    item = item_from_event(node, PAGE)
    assert (item["title"], item["tags"]) == ("Kör sång", ["kör"])


@pytest.mark.parametrize(
    ("value", "local"),
    [
        ("2030-02-11T15:15:00+00:00", "2030-02-11T15:15:00"),
        ("2026-04-18T10:00:00Z", "2026-04-18T10:00:00"),
        ("2026-04-18T10:00:00.000z", "2026-04-18T10:00:00.000"),
        ("2026-04-18T10:00:00+0000", "2026-04-18T10:00:00"),
        ("2026-04-18T10:00+00", "2026-04-18T10:00"),
        ("2026-04-18T10:00:00+02:00", "2026-04-18T10:00:00+02:00"),  # a real offset is kept
        ("2026-04-18", "2026-04-18"),
        (None, None),
    ],
)
def test_utc_as_local_drops_only_a_utc_designator(value, local):
    assert utc_as_local(value) == local


# -- expand_schedule -----------------------------------------------------------------------------------------

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
WINDOW = (datetime(2026, 3, 13, 12, tzinfo=COPENHAGEN), datetime(2026, 5, 19, 12, tzinfo=COPENHAGEN))


def schedule(**values):
    return {"@type": "Schedule", **values}


def test_weekly_schedule_with_except_date_and_end():
    found = expand_schedule(
        schedule(
            startDate="2026-03-01",
            endDate="2026-04-14",
            repeatFrequency="P1W",
            byDay="https://schema.org/Tuesday",
            startTime="14:00",
            endTime="16:00:00",
            exceptDate=["2026-04-07"],
        ),
        {},
        WINDOW,
        COPENHAGEN,
    )
    assert found == [
        ("2026-03-17T14:00:00", "2026-03-17T16:00:00"),
        ("2026-03-24T14:00:00", "2026-03-24T16:00:00"),
        ("2026-03-31T14:00:00", "2026-03-31T16:00:00"),
        ("2026-04-14T14:00:00", "2026-04-14T16:00:00"),
    ]


def test_repeat_count_counts_from_the_schedule_start():
    found = expand_schedule(
        schedule(startDate="2026-03-10", repeatFrequency="P1D", repeatCount=5, startTime="09:00"),
        {},
        WINDOW,
        COPENHAGEN,
    )
    # The 10th to the 14th; the window opens on the 13th at noon.
    assert [start for start, _ in found] == ["2026-03-14T09:00:00"]


def test_nth_weekday_by_month_week_and_ical_code():
    by_week = schedule(byDay="Wednesday", byMonthWeek=[1, 3], startTime="20:00")
    by_code = schedule(repeatFrequency="P1M", byDay="2MO", startTime="18:00")
    assert [s for s, _ in expand_schedule(by_week, {}, WINDOW, COPENHAGEN)][:3] == [
        "2026-03-18T20:00:00",
        "2026-04-01T20:00:00",
        "2026-04-15T20:00:00",
    ]
    assert [s for s, _ in expand_schedule(by_code, {}, WINDOW, COPENHAGEN)] == [
        "2026-04-13T18:00:00",
        "2026-05-11T18:00:00",
    ]


def test_end_time_before_start_time_ends_the_next_day():
    found = expand_schedule(
        schedule(startDate="2026-04-03", endDate="2026-04-03", startTime="22:00", endTime="02:00"),
        {},
        WINDOW,
        COPENHAGEN,
    )
    assert found == [("2026-04-03T22:00:00", "2026-04-04T02:00:00")]


def test_event_start_time_and_duration_fill_in_for_the_schedule():
    event = {"startDate": "2026-01-04T15:00:00", "duration": "PT1H30M"}
    found = expand_schedule(schedule(repeatFrequency="Weekly", byDay=["Sunday"]), event, WINDOW, COPENHAGEN)
    assert found[0] == ("2026-03-15T15:00:00", "2026-03-15T16:30:00") and len(found) == 10


def test_schedule_without_times_gives_dates():
    found = expand_schedule(
        schedule(startDate="2026-05-14", endDate="2026-05-17", repeatFrequency="P1D"), {}, WINDOW, COPENHAGEN
    )
    assert found == [("2026-05-14", None), ("2026-05-15", None), ("2026-05-16", None), ("2026-05-17", None)]


def test_schedule_in_another_zone_keeps_its_offset():
    found = expand_schedule(
        schedule(
            startDate="2026-04-01", endDate="2026-04-01", startTime="19:00", scheduleTimezone="Europe/London"
        ),
        {},
        WINDOW,
        COPENHAGEN,
    )
    assert found == [("2026-04-01T19:00:00+01:00", None)]


@pytest.mark.parametrize(
    "values",
    [
        {"repeatFrequency": "PT1H", "startDate": "2026-04-01"},
        {"repeatFrequency": "P1W"},  # weekly on which day?
        {"byDay": "PublicHolidays"},
        {"byMonthDay": "first"},
        {"startDate": "2026-04-01", "scheduleTimezone": "Europe/Helsingør"},
        # Rules that never match: dateutil would search for them until the year 9999.
        {"byMonth": 2, "byMonthDay": 31},
        {"byMonth": 13, "startDate": "2026-04-01"},
        {"repeatFrequency": "P1M", "byDay": "6MO"},
    ],
)
def test_schedule_that_cannot_be_expanded_says_why(values):
    with pytest.raises(ScheduleError):
        expand_schedule(schedule(**values), {}, WINDOW, COPENHAGEN)


def test_schedule_that_began_long_ago_keeps_its_rhythm():
    # Every third day since 1900-01-01: 46,092 days to 2026-03-13, a multiple of 3, so the 13th is in step.
    found = expand_schedule(schedule(startDate="1900-01-01", repeatFrequency="P3D"), {}, WINDOW, COPENHAGEN)
    assert [start for start, _ in found[:3]] == [
        "2026-03-16",
        "2026-03-19",
        "2026-03-22",
    ]  # 13th: before noon
    # Every other month on the 31st since January 2017: March 2026 is in step, May 31 after the window.
    monthly = schedule(startDate="2017-01-31", repeatFrequency="P2M", startTime="10:00")
    assert [start for start, _ in expand_schedule(monthly, {}, WINDOW, COPENHAGEN)] == ["2026-03-31T10:00:00"]


# -- spiders/ics.py: decode_calendar and parse_calendar ------------------------------------------------------


def ics(*lines: str) -> str:
    """An iCalendar text with CRLF line ends, as RFC 5545 wants them."""
    return "\r\n".join(lines) + "\r\n"


def test_decode_calendar_drops_a_utf8_bom():
    body = "\ufeffBEGIN:VCALENDAR\r\nX-WR-CALNAME:Öresunds HK\r\n".encode()
    assert decode_calendar(body) == "BEGIN:VCALENDAR\r\nX-WR-CALNAME:Öresunds HK\r\n"


def test_decode_calendar_reads_plain_utf8():
    assert decode_calendar("SUMMARY:Påskcupen – final\r\n".encode()) == "SUMMARY:Påskcupen – final\r\n"


def test_decode_calendar_falls_back_to_windows_1252():
    # "ö" and "–" are single bytes in Windows-1252 and invalid as UTF-8.
    body = "SUMMARY:Öresunds HK – Malmö\r\n".encode("cp1252")
    assert decode_calendar(body) == "SUMMARY:Öresunds HK – Malmö\r\n"


def test_decode_calendar_replaces_bytes_undefined_in_windows_1252():
    assert decode_calendar(b"SUMMARY:Malm\xf6 \x81") == "SUMMARY:Malmö \ufffd"


FLOATING_STOCKHOLM = ics(
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Föreningssystem//Kalender 3.1//SV",
    "X-WR-TIMEZONE:Europe/Stockholm",
    "BEGIN:VEVENT",
    "UID:before@ohk.example",
    "DTSTAMP:20260301T090000Z",
    "DTSTART:20260328T100000",
    "DTEND:20260328T113000",
    "SUMMARY:Träning före sommartid",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:after@ohk.example",
    "DTSTAMP:20260301T090000Z",
    "DTSTART:20260329T100000",
    "SUMMARY:Träning efter sommartid",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:utc@ohk.example",
    "DTSTAMP:20260301T090000Z",
    "DTSTART:20260330T080000Z",
    "SUMMARY:Match i UTC",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:cup@ohk.example",
    "DTSTAMP:20260301T090000Z",
    "DTSTART;VALUE=DATE:20260404",
    "DTEND;VALUE=DATE:20260406",
    "SUMMARY:Påskcupen",
    "END:VEVENT",
    "END:VCALENDAR",
)


def starts(calendar) -> dict[str, date | datetime]:
    return {str(event["UID"]).split("@")[0]: event["DTSTART"].dt for event in calendar.walk("VEVENT")}


def test_floating_times_with_x_wr_timezone_become_zoned_on_both_sides_of_dst():
    found = starts(parse_calendar(FLOATING_STOCKHOLM.encode()))
    assert found["before"] == datetime(2026, 3, 28, 10, 0, tzinfo=STOCKHOLM)
    assert found["before"].isoformat() == "2026-03-28T10:00:00+01:00"
    assert found["after"].isoformat() == "2026-03-29T10:00:00+02:00"
    assert found["before"].tzinfo is not None and found["after"].tzinfo is not None


def test_utc_times_with_x_wr_timezone_are_shown_in_that_zone():
    utc = starts(parse_calendar(FLOATING_STOCKHOLM.encode()))["utc"]
    assert utc.isoformat() == "2026-03-30T10:00:00+02:00"


def test_all_day_dates_stay_dates_with_x_wr_timezone():
    calendar = parse_calendar(FLOATING_STOCKHOLM.encode())
    cup = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Påskcupen")
    assert (cup["DTSTART"].dt, cup["DTEND"].dt) == (date(2026, 4, 4), date(2026, 4, 6))


def test_parse_calendar_reads_a_bom_and_windows_1252_body():
    with_bom = parse_calendar(("\ufeff" + FLOATING_STOCKHOLM).encode())
    cp1252 = parse_calendar(FLOATING_STOCKHOLM.encode("cp1252"))
    for calendar in (with_bom, cp1252):
        titles = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
        assert titles[0] == "Träning före sommartid" and titles[-1] == "Påskcupen"
        assert starts(calendar)["after"].isoformat() == "2026-03-29T10:00:00+02:00"


def test_floating_times_without_x_wr_timezone_stay_naive_for_the_source_zone():
    # No calendar zone: normalise reads these as wall time in the source's zone.
    body = FLOATING_STOCKHOLM.replace("X-WR-TIMEZONE:Europe/Stockholm\r\n", "").encode()
    assert starts(parse_calendar(body))["after"] == datetime(2026, 3, 29, 10, 0)


def test_text_that_is_not_icalendar_is_a_value_error():
    # IcsSpider.parse turns exactly this into a reported problem for the source.
    with pytest.raises(ValueError):
        parse_calendar(b"<!doctype html><title>404</title>")
