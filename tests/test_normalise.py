"""The field mappers of pipelines/normalise.py, one group per mapper, then normalise_item as a whole.

Text (HTML, entities, whitespace, tags, cancellation words) is the clean stage's: tests/test_clean.py. The
rules normalise wires in (price, place, venues, language, past-midnight ends, utc_is_local) are tested as
wired in tests/test_normalise_rules.py.

Times are written as literals in 2026, around the two DST changes of that year (29 March, 25 October); nothing
here reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.schema import IcsSource
from hhevents.model import Event
from pipelines.normalise import (
    NormaliseError,
    map_price,
    map_status,
    map_times,
    map_url,
    map_venue,
    normalise_item,
    parse_when,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def ohk(**overrides) -> IcsSource:
    """A Helsingborg sports feed, as config/sources.yaml would describe it."""
    fields = dict(
        id="ohk",
        name="Öresunds HK",
        type="ics",
        city="helsingborg",
        url="https://ohk.example/kalender.ics",
        category="sport",
        language="sv",
    )
    return IcsSource(**{**fields, **overrides})


def vaerftet(**overrides) -> IcsSource:
    """A Helsingør culture feed."""
    fields = dict(
        id="vaerftet",
        name="Kulturværftet",
        type="ics",
        city="helsingor",
        url="https://vaerftet.example/program.ics",
        category="culture",
        language="da",
    )
    return IcsSource(**{**fields, **overrides})


def raw(**overrides) -> dict:
    """The smallest raw item a spider may yield."""
    item = {
        "title": "Öresunds HK – Lugi HF",
        "start": "2026-03-21T15:00:00",
        "sources": [
            {"source_id": "ohk", "url": "https://ohk.example/kalender.ics", "source_event_id": "m-101"}
        ],
    }
    return {**item, **overrides}


# -- title, map_url ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   ", "<p>&nbsp;</p>", 42, ["Titel"]])
def test_empty_or_non_text_title_is_a_normalise_error(value):
    # Cleaned first (an HTML title with nothing in it is empty), then rejected by the normaliser.
    with pytest.raises(NormaliseError, match="^title: missing or empty$"):
        normalise_item(raw(title=value), ohk())


@pytest.mark.parametrize(
    "value",
    ["https://vaerftet.example/program/jazz-aften/", "http://ohk.example/match?id=101", "  https://x.se/a  "],
)
def test_absolute_http_urls_are_kept_stripped(value):
    assert map_url(value) == value.strip()


@pytest.mark.parametrize(
    "value",
    [None, "", "  ", "/program/jazz", "jazz-aften/", "mailto:info@ohk.example", "ftp://x.se/a", 7],
)
def test_relative_or_non_http_urls_are_dropped(value):
    assert map_url(value) is None



# -- parse_when ----------------------------------------------------------------------------------------------


def test_parse_when_reads_dates_naive_and_offset_datetimes():
    assert parse_when("2026-04-04", "start") == date(2026, 4, 4)
    assert parse_when(" 2026-03-27T20:00 ", "start") == datetime(2026, 3, 27, 20, 0)
    assert parse_when("2026-03-27T19:00:00Z", "start") == datetime(2026, 3, 27, 19, 0, tzinfo=UTC)
    with_offset = parse_when("2026-03-27T20:00:00+01:00", "start")
    assert with_offset.utcoffset() == timedelta(hours=1)


def test_parse_when_passes_date_and_datetime_objects_through():
    # The ICS spider hands over icalendar's own date/datetime values.
    day, moment = date(2026, 4, 4), datetime(2026, 4, 4, 10, tzinfo=STOCKHOLM)
    assert parse_when(day, "start") is day
    assert parse_when(moment, "end") is moment


@pytest.mark.parametrize("value", [None, "", "   "])
def test_parse_when_of_nothing_names_the_field_as_missing(value):
    with pytest.raises(NormaliseError, match="^end: missing$"):
        parse_when(value, "end")


def test_parse_when_of_garbage_names_the_field_and_the_value():
    with pytest.raises(NormaliseError, match="start: '27 mars kl 20' is not an ISO 8601"):
        parse_when("27 mars kl 20", "start")


# -- map_times -----------------------------------------------------------------------------------------------


def test_offset_less_time_is_local_wall_time_in_the_zone():
    winter, _, _ = map_times("2026-03-27T20:00", None, COPENHAGEN)
    summer, _, _ = map_times("2026-06-27T20:00", None, COPENHAGEN)
    assert winter.isoformat() == "2026-03-27T20:00:00+01:00"
    assert summer.isoformat() == "2026-06-27T20:00:00+02:00"
    assert winter.tzinfo == COPENHAGEN


def test_time_with_an_offset_is_the_same_instant_shown_in_the_zone():
    start, end, all_day = map_times("2026-06-01T16:00:00+00:00", "2026-06-01T20:00:00+02:00", STOCKHOLM)
    assert start.isoformat() == "2026-06-01T18:00:00+02:00"
    assert end.isoformat() == "2026-06-01T20:00:00+02:00"
    assert all_day is False


def test_z_suffix_is_utc_converted_into_the_zone():
    start, _, _ = map_times("2026-01-15T17:00:00Z", None, STOCKHOLM)
    assert start.isoformat() == "2026-01-15T18:00:00+01:00"
    assert start == datetime(2026, 1, 15, 17, 0, tzinfo=UTC)


def test_timed_event_without_end_keeps_no_end():
    _, end, all_day = map_times("2026-03-29T18:00", None, STOCKHOLM)
    assert end is None and all_day is False


def test_date_only_start_is_all_day_ending_at_the_next_local_midnight():
    start, end, all_day = map_times("2026-04-04", None, STOCKHOLM)
    assert all_day is True
    assert start.isoformat() == "2026-04-04T00:00:00+02:00"
    assert end.isoformat() == "2026-04-05T00:00:00+02:00"


def test_all_day_end_is_taken_as_already_exclusive():
    # Spiders convert inclusive last days (schema.org) to exclusive ends; map_times must not add a day again.
    # The span also crosses the spring change, so the two midnights have different offsets.
    start, end, all_day = map_times("2026-03-28", "2026-03-30", STOCKHOLM)
    assert all_day is True
    assert (start.isoformat(), end.isoformat()) == ("2026-03-28T00:00:00+01:00", "2026-03-30T00:00:00+02:00")


def test_all_day_end_on_the_start_day_still_lasts_one_day():
    _, end, _ = map_times("2026-04-04", "2026-04-04", STOCKHOLM)
    assert end.isoformat() == "2026-04-05T00:00:00+02:00"


def test_all_day_hint_turns_datetimes_into_local_midnights():
    start, end, all_day = map_times(datetime(2026, 4, 4, 10), datetime(2026, 4, 6, 10), STOCKHOLM, True)
    assert all_day is True
    assert (start.isoformat(), end.isoformat()) == ("2026-04-04T00:00:00+02:00", "2026-04-06T00:00:00+02:00")


def test_end_before_start_is_an_error_naming_both():
    with pytest.raises(NormaliseError) as caught:
        map_times("2026-03-21T16:30", "2026-03-21T15:00", STOCKHOLM)
    assert str(caught.value) == "end 2026-03-21T15:00:00+01:00 is before start 2026-03-21T16:30:00+01:00"


def test_end_equal_to_start_is_allowed():
    start, end, _ = map_times("2026-03-21T15:00", "2026-03-21T15:00", STOCKHOLM)
    assert start == end


def test_nonexistent_spring_forward_time_becomes_the_time_the_clocks_show():
    # 29 March 2026 02:00 CET jumps to 03:00 CEST in Stockholm: 02:30 is never on the clock. It is read as
    # RFC 5545 and PEP 495 (fold=0) say, with the offset before the gap: 02:30+01:00 = 01:30 UTC = 03:30 CEST.
    start, _, _ = map_times("2026-03-29T02:30", None, STOCKHOLM)
    assert start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert start.isoformat() == "2026-03-29T03:30:00+02:00"
    # Valid: aware, in the zone, and a wall time the zone really shows (it survives a round trip via UTC).
    assert start.tzinfo == STOCKHOLM and start.utcoffset() == timedelta(hours=2)
    again = start.astimezone(UTC).astimezone(STOCKHOLM)
    assert (again.isoformat(), again.fold) == (start.isoformat(), start.fold)


def test_ambiguous_fall_back_time_without_offset_is_the_first_one_in_summer_time():
    # 25 October 2026: 03:00 CEST goes back to 02:00 CET, so 02:30 happens twice; fold=0 is the first (CEST).
    start, _, _ = map_times("2026-10-25T02:30", None, STOCKHOLM)
    assert start.fold == 0
    assert start.isoformat() == "2026-10-25T02:30:00+02:00"
    # Compared via UTC: PEP 495 makes an ambiguous time unequal to every datetime in another zone.
    assert start.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_ambiguous_fall_back_time_with_winter_offset_is_the_second_one():
    start, _, _ = map_times("2026-10-25T02:30:00+01:00", None, STOCKHOLM)
    assert start.fold == 1
    assert start.isoformat() == "2026-10-25T02:30:00+01:00"
    assert start.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("2026-10-24T22:00", "2026-10-25T06:00", 9),  # the night gets an hour longer
        ("2026-03-28T22:00", "2026-03-29T06:00", 7),  # the night gets an hour shorter
    ],
)
def test_event_spanning_a_dst_change_night_has_its_real_duration(start, end, hours):
    start_dt, end_dt, _ = map_times(start, end, STOCKHOLM)
    # Subtract instants: `end_dt - start_dt` with one shared tzinfo is wall-clock arithmetic (8 hours both).
    assert end_dt.astimezone(UTC) - start_dt.astimezone(UTC) == timedelta(hours=hours)
    assert end_dt.timestamp() - start_dt.timestamp() == hours * 3600


# -- map_venue -----------------------------------------------------------------------------------------------


def test_venue_string_coordinates_with_comma_decimals_become_numbers():
    venue = map_venue({"name": "Kulturværftet", "latitude": "56,0375", "longitude": " 12,6186 "}, "helsingor")
    assert (venue["latitude"], venue["longitude"]) == (56.0375, 12.6186)


def test_venue_numeric_coordinates_are_kept():
    venue = map_venue({"latitude": 56.0465, "longitude": 12}, "helsingborg")
    assert (venue["latitude"], venue["longitude"]) == (56.0465, 12.0)


@pytest.mark.parametrize("half", [{"latitude": "56,0465"}, {"longitude": "12,6945"}])
def test_venue_half_a_coordinate_is_dropped(half):
    venue = map_venue(half, "helsingborg")
    assert (venue["latitude"], venue["longitude"]) == (None, None)


def test_venue_coordinate_that_is_not_a_number_is_an_error_naming_it():
    with pytest.raises(NormaliseError, match=r"venue\.longitude: 'öster' is not a number"):
        map_venue({"latitude": "56.0", "longitude": "öster"}, "helsingborg")


@pytest.mark.parametrize(
    ("given", "country"),
    [("Sverige", "SE"), ("sweden", "SE"), ("se", "SE"), ("Danmark", "DK"), ("DENMARK", "DK"), (" dk ", "DK")],
)
def test_venue_country_aliases_become_iso_codes(given, country):
    # The city's default is the other country, so the alias, not the default, must be what wins.
    city = "helsingor" if country == "SE" else "helsingborg"
    assert map_venue({"country": given}, city)["country"] == country


@pytest.mark.parametrize(("city", "country"), [("helsingborg", "SE"), ("helsingor", "DK")])
def test_venue_without_country_gets_the_city_country(city, country):
    assert map_venue(None, city)["country"] == country
    # A country the model cannot hold falls back to the city's as well.
    assert map_venue({"country": "Norge"}, city)["country"] == country


def test_venue_text_fields_are_stripped_and_blank_ones_none():
    # HTML and entities are the clean stage's (tests/test_clean.py); here text is only stripped.
    venue = map_venue(
        {"name": " Kulturværftet ", "street_address": " ", "postal_code": 3000},
        "helsingor",
    )
    assert venue == {
        "name": "Kulturværftet",
        "street_address": None,
        "postal_code": "3000",
        "locality": None,
        "country": "DK",
        "latitude": None,
        "longitude": None,
    }


# -- map_price -----------------------------------------------------------------------------------------------


def test_price_min_and_max_given_the_wrong_way_round_are_swapped():
    price = map_price({"min": "250", "max": 150}, "helsingor")
    assert (price["min"], price["max"]) == (150.0, 250.0)


def test_price_with_max_zero_is_free():
    assert map_price({"min": 0, "max": 0}, "helsingborg")["free"] is True


def test_price_above_zero_is_not_free():
    assert map_price({"min": "149,50", "max": "149,50"}, "helsingborg") == {
        "free": False,
        "min": 149.5,
        "max": 149.5,
        "currency": "SEK",
        "text": None,
    }


def test_price_free_given_by_the_source_is_priced_zero_in_the_country_currency():
    # pipelines/price.py's merge rule: an offer that says free and names no amount costs 0 to 0.
    assert map_price({"free": True}, "helsingor") == {
        "free": True,
        "min": 0.0,
        "max": 0.0,
        "currency": "DKK",
        "text": None,
    }


def test_no_price_says_nothing():
    assert map_price(None, "helsingborg") == {
        "free": None,
        "min": None,
        "max": None,
        "currency": None,
        "text": None,
    }


@pytest.mark.parametrize(("city", "currency"), [("helsingborg", "SEK"), ("helsingor", "DKK")])
def test_price_without_currency_gets_the_city_currency(city, currency):
    assert map_price({"min": 100}, city)["currency"] == currency


def test_price_currency_given_in_lower_case_is_kept_upper_case():
    assert map_price({"min": 12, "currency": "eur"}, "helsingor")["currency"] == "EUR"


@pytest.mark.parametrize("currency", ["NOK", "kr", "USD"])
def test_price_with_a_currency_the_model_cannot_hold_is_an_error(currency):
    message = rf"price\.currency: '{currency.upper()}' is not SEK, DKK or EUR"
    with pytest.raises(NormaliseError, match=message):
        map_price({"min": 100, "currency": currency}, "helsingborg")


def test_price_that_is_not_a_number_is_an_error_naming_the_field():
    with pytest.raises(NormaliseError, match=r"price\.min: 'gratis' is not a number"):
        map_price({"min": "gratis"}, "helsingborg")


def test_price_text_is_kept_with_whitespace_collapsed():
    assert map_price({"text": "Entré:\n 100:-"}, "helsingborg")["text"] == "Entré: 100:-"


# -- map_status ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status"),
    [
        # iCalendar STATUS
        ("CONFIRMED", "scheduled"),
        ("TENTATIVE", "scheduled"),
        ("CANCELLED", "cancelled"),
        # schema.org eventStatus, both schemes
        ("https://schema.org/EventScheduled", "scheduled"),
        ("http://schema.org/EventCancelled", "cancelled"),
        ("https://schema.org/EventCancelled", "cancelled"),
        ("http://schema.org/EventPostponed", "postponed"),
        ("https://schema.org/EventRescheduled", "rescheduled"),
        ("https://schema.org/EventMovedOnline", "scheduled"),
        ("schema:EventCancelled", "cancelled"),
        # bare words
        ("EventPostponed", "postponed"),
        ("canceled", "cancelled"),
        (" Rescheduled ", "rescheduled"),
        # nothing said: it takes place
        (None, "scheduled"),
        ("", "scheduled"),
    ],
)
def test_status_words_map_to_the_model_status(value, status):
    assert map_status(value) == status


@pytest.mark.parametrize("value", ["DRAFT", "https://schema.org/EventSoldOut", "inställd"])
def test_unknown_status_is_an_error_quoting_it(value):
    with pytest.raises(NormaliseError, match=f"status: unknown status '{value}'"):
        map_status(value)


# -- normalise_item ------------------------------------------------------------------------------------------


def test_item_gets_city_category_language_and_timezone_from_the_source():
    event = normalise_item(raw(), ohk())
    assert (event.city, event.category, event.language, event.timezone) == (
        "helsingborg",
        "sport",
        "sv",
        "Europe/Stockholm",
    )
    assert event.start.isoformat() == "2026-03-21T15:00:00+01:00"
    assert event.venue.country == "SE" and event.status == "scheduled"


def test_helsingor_source_defaults_to_copenhagen_and_denmark():
    event = normalise_item(raw(price={"min": 180}), vaerftet())
    assert (event.city, event.timezone, event.language) == ("helsingor", "Europe/Copenhagen", "da")
    assert (event.venue.country, event.price.currency) == ("DK", "DKK")


def test_source_timezone_setting_is_used_for_offset_less_times():
    event = normalise_item(raw(start="2026-03-21T15:00"), ohk(timezone="Europe/London"))
    assert event.timezone == "Europe/London"
    assert event.start == datetime(2026, 3, 21, 15, 0, tzinfo=UTC)


def test_id_is_stable_and_derived_from_source_id_and_source_event_id():
    first = normalise_item(raw(), ohk())
    again = normalise_item(raw(title="Nytt namn", start="2026-03-22T15:00"), ohk())
    assert first.id == again.id == Event.make_id("ohk", "m-101")
    assert normalise_item(raw(), ohk(id="ohk-2")).id == Event.make_id("ohk-2", "m-101")


def test_source_refs_are_stamped_with_the_source_id():
    ref = {"source_id": "wrong", "url": "https://ohk.example/k.ics", "source_event_id": "m-101"}
    item = raw(sources=[ref])
    event = normalise_item(item, ohk())
    assert [(ref.source_id, ref.source_event_id) for ref in event.sources] == [("ohk", "m-101")]


def test_item_values_override_source_defaults():
    event = normalise_item(
        raw(
            city="helsingor",
            category="culture",
            language="en",
            timezone="Europe/Copenhagen",
            status="CANCELLED",
            price={"min": 50},
        ),
        ohk(),
    )
    assert (event.city, event.category, event.language, event.timezone, event.status) == (
        "helsingor",
        "culture",
        "en",
        "Europe/Copenhagen",
        "cancelled",
    )
    # Country and currency defaults follow the item's city, not the source's.
    assert (event.venue.country, event.price.currency) == ("DK", "DKK")


def test_all_day_item_from_a_spider_keeps_its_exclusive_end():
    event = normalise_item(raw(start=date(2026, 4, 4), end=date(2026, 4, 6), all_day=True), ohk())
    assert event.all_day is True
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-04-04T00:00:00+02:00",
        "2026-04-06T00:00:00+02:00",
    )


def test_unknown_item_key_is_an_error_naming_it():
    with pytest.raises(NormaliseError, match=r"unknown field\(s\) \['startDate', 'titel'\]"):
        normalise_item(raw(titel="x", startDate="2026-03-21"), ohk())


@pytest.mark.parametrize(
    "sources", [None, [], [{"source_id": "ohk", "url": None}], [{"source_id": "ohk", "source_event_id": ""}]]
)
def test_item_without_source_event_id_is_an_error(sources):
    with pytest.raises(NormaliseError, match="sources: the item carries no source_event_id"):
        normalise_item(raw(sources=sources), ohk())


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"city": "malmo"}, "city: 'malmo' is not one of helsingborg, helsingor"),
        ({"category": "kultur"}, "category: 'kultur' is not one of culture, sport, shopping"),
        ({"language": "de"}, "language: 'de' is not one of sv, da, en"),
        ({"timezone": "Europe/Helsingborg"}, "timezone: unknown IANA timezone 'Europe/Helsingborg'"),
        ({"title": "  "}, "title: missing or empty"),
        ({"start": None}, "start: missing"),
    ],
)
def test_bad_item_value_is_a_normalise_error_naming_the_field(override, message):
    with pytest.raises(NormaliseError, match=f"^{message}"):
        normalise_item(raw(**override), ohk())


def test_model_validation_failures_become_normalise_errors_with_the_field_path():
    # (A latitude of 156 no longer gets this far: implausible coordinates are dropped, see
    # tests/test_normalise_rules.py.)
    with pytest.raises(NormaliseError, match=r"price\.min: Input should be greater than or equal to 0"):
        normalise_item(raw(price={"min": "-50"}), ohk())


def test_end_after_start_across_the_october_change_is_accepted():
    # 02:50 CEST then 02:10 CET on 25 October 2026 are 20 minutes apart, although the wall clock went back.
    zone = ZoneInfo("Europe/Stockholm")
    start, end, _ = map_times("2026-10-25T02:50:00+02:00", "2026-10-25T02:10:00+01:00", zone)
    assert (end.timestamp() - start.timestamp()) == 20 * 60
