"""The rules the normaliser wires in, each case through normalise_item (clean + normalise) or its mapper:
``utc_is_local`` and past-midnight ends (time), addresses, cities, coordinates and the venue table (place),
price texts and offers (price), the language check, and a title's cancellation word.

The rule modules have their own tests (test_price.py, test_place.py, test_venues_config.py,
test_language.py, test_cancellation.py); these check that the normaliser applies them as documented in
docs/normalisation.md. Times are 2026 literals around the DST changes (29 March, 25 October).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.schema import SOURCE_CLASSES, IcsSource, JsonLdSource
from config.venues import DEFAULT_VENUES_PATH, VenueTable, load_venues
from pipelines.clean import Note
from pipelines.normalise import (
    PAST_MIDNIGHT_MAX,
    NormaliseError,
    map_place,
    map_price,
    map_times,
    normalise_item,
    utc_as_local,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
TABLE = VenueTable(load_venues(DEFAULT_VENUES_PATH).venues)


def source(city: str = "helsingor", **overrides) -> IcsSource:
    fields = dict(
        id="vaerftet" if city == "helsingor" else "dunkers",
        name="Test",
        type="ics",
        city=city,
        url="https://example.org/program.ics",
        category="culture",
        language="da" if city == "helsingor" else "sv",
    )
    return IcsSource(**{**fields, **overrides})


def raw(**overrides) -> dict:
    item = {
        "title": "Koncert med Nordlys Trio",
        "start": "2026-03-21T20:00",
        "sources": [{"source_id": "x", "url": "https://example.org/e/1", "source_event_id": "e-1"}],
    }
    return {**item, **overrides}


def keys(notes: list[Note]) -> list[str]:
    return [note.key for note in notes]


# -- time: utc_is_local --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2026-04-07T15:15:00+00:00", "2026-04-07T15:15:00Z", "2026-04-07T15:15+0000"]
)
def test_utc_label_is_local_wall_time_when_the_source_says_utc_is_local(value):
    event = normalise_item(raw(start=value), source("helsingborg", utc_is_local=True))
    assert event.start.isoformat() == "2026-04-07T15:15:00+02:00"


def test_utc_label_is_utc_without_the_switch():
    event = normalise_item(raw(start="2026-04-07T15:15:00Z"), source("helsingborg"))
    assert event.start.isoformat() == "2026-04-07T17:15:00+02:00"


def test_aware_utc_datetime_from_a_spider_is_local_wall_time_with_utc_is_local():
    # The ics spider hands over icalendar's aware UTC value for "DTSTART:20260328T190000Z".
    start = datetime(2026, 3, 28, 19, tzinfo=UTC)
    event = normalise_item(raw(start=start, end=start + timedelta(hours=2)), source(utc_is_local=True))
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-03-28T19:00:00+01:00",
        "2026-03-28T21:00:00+01:00",
    )


def test_other_offsets_and_dates_are_untouched_by_utc_is_local():
    assert utc_as_local("2026-04-07T15:15:00+02:00") == "2026-04-07T15:15:00+02:00"
    assert utc_as_local("2026-04-07") == "2026-04-07"
    moment = datetime(2026, 4, 7, 15, tzinfo=STOCKHOLM)
    assert utc_as_local(moment) is moment


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-29T12:00:00Z", "2026-03-29T12:00:00+02:00"),
        ("2026-10-25T12:00:00Z", "2026-10-25T12:00:00+01:00"),
    ],
)
def test_utc_is_local_on_the_dst_days_gives_the_day_s_own_offset(value, expected):
    start, _, _ = map_times(value, None, STOCKHOLM, utc_is_local=True)
    assert start.isoformat() == expected


@pytest.mark.parametrize("source_type", sorted(SOURCE_CLASSES))
def test_utc_is_local_is_a_key_of_every_source_type(source_type):
    assert SOURCE_CLASSES[source_type].model_fields["utc_is_local"].default is False


def test_jsonld_sources_keep_their_utc_is_local_key():
    jsonld = JsonLdSource(id="hbg", name="Helsingborg", type="jsonld", city="helsingborg",
                          url="https://example.org/", category="culture", language="sv", utc_is_local=True)
    assert jsonld.utc_is_local is True


# -- time: an end before the start ---------------------------------------------------------------------------


def test_end_earlier_on_the_same_day_is_after_midnight():
    notes: list[Note] = []
    start, end, _ = map_times("2026-03-21T22:00", "2026-03-21T02:00", STOCKHOLM, notes=notes)
    assert (start.isoformat(), end.isoformat()) == ("2026-03-21T22:00:00+01:00", "2026-03-22T02:00:00+01:00")
    assert keys(notes) == ["end_after_midnight"]


def test_past_midnight_end_on_the_spring_forward_night_lasts_four_real_hours():
    start, end, _ = map_times("2026-03-28T22:00", "2026-03-28T03:00", STOCKHOLM)
    assert end.isoformat() == "2026-03-29T03:00:00+02:00"
    assert end.timestamp() - start.timestamp() == 4 * 3600


def test_past_midnight_end_on_the_fall_back_night_lasts_six_real_hours():
    start, end, _ = map_times("2026-10-24T22:00", "2026-10-24T03:00", COPENHAGEN)
    assert end.isoformat() == "2026-10-25T03:00:00+01:00"
    assert end.timestamp() - start.timestamp() == 6 * 3600


def test_past_midnight_at_the_longest_accepted_span_is_repaired():
    _, end, _ = map_times("2026-03-21T18:00", "2026-03-21T06:00", STOCKHOLM)
    assert end - datetime(2026, 3, 21, 18, tzinfo=STOCKHOLM) == PAST_MIDNIGHT_MAX


def test_end_earlier_on_the_same_day_but_too_long_after_midnight_is_rejected():
    with pytest.raises(NormaliseError) as caught:
        map_times("2026-03-21T18:00", "2026-03-21T06:01", STOCKHOLM)
    assert caught.value.field == "end"


def test_end_on_an_earlier_day_is_rejected_naming_the_field():
    with pytest.raises(NormaliseError, match=r"^end 2026-04-01T21:00:00\+02:00 is before start") as caught:
        normalise_item(raw(start="2026-04-02T19:00", end="2026-04-01T21:00"), source())
    assert caught.value.field == "end"


# -- place ---------------------------------------------------------------------------------------------------


def test_swedish_postcode_on_a_danish_source_is_helsingborg_with_its_zone_country_and_currency():
    notes: list[Note] = []
    event = normalise_item(
        raw(venue={"name": "Konsthallen", "postal_code": "252 21"}, price={"text": "Entré 120 kr"}),
        source("helsingor"),
        notes=notes,
    )
    assert (event.city, event.timezone, event.venue.country, event.price.currency) == (
        "helsingborg",
        "Europe/Stockholm",
        "SE",
        "SEK",
    )
    assert "city/from_address" in keys(notes)
    assert "postcode 252 21 is in helsingborg" in notes[keys(notes).index("city/from_address")].message


def test_danish_3000_on_a_swedish_source_is_helsingor():
    venue, city = map_place({"postal_code": "3000", "locality": "Helsingør"}, "helsingborg")
    assert (city, venue["country"]) == ("helsingor", "DK")


def test_locality_of_the_other_city_alone_moves_the_event():
    assert map_place({"locality": "Helsingborg"}, "helsingor")[1] == "helsingborg"


def test_address_in_neither_city_keeps_the_source_city_and_says_why():
    notes: list[Note] = []
    venue, city = map_place({"postal_code": "2100", "locality": "København Ø"}, "helsingborg", notes=notes)
    assert (city, venue["country"]) == ("helsingborg", "DK")  # the country follows the postcode
    assert keys(notes) == ["city/outside_both"]


def test_address_that_says_nothing_keeps_the_source_city_without_a_note():
    notes: list[Note] = []
    venue, city = map_place({"name": "Stadsparken"}, "helsingborg", notes=notes)
    assert (city, venue["country"], notes) == ("helsingborg", "SE", [])


def test_postcode_is_spelled_the_one_way():
    assert map_place({"postal_code": "25221"}, "helsingborg")[0]["postal_code"] == "252 21"
    assert map_place({"postal_code": "DK-3000"}, "helsingor")[0]["postal_code"] == "3000"


def test_one_line_street_address_with_a_postcode_is_split():
    venue, _ = map_place({"street_address": "Kungsgatan 11, 252 21 Helsingborg"}, "helsingborg")
    assert (venue["street_address"], venue["postal_code"], venue["locality"]) == (
        "Kungsgatan 11", "252 21", "Helsingborg"
    )


def test_name_holding_the_address_is_split_and_keeps_the_place_name():
    venue, _ = map_place({"name": "Kulturhuset Bølgen, 3140 Ålsgårde"}, "helsingor")
    assert (venue["name"], venue["street_address"], venue["postal_code"], venue["locality"]) == (
        "Kulturhuset Bølgen", None, "3140", "Ålsgårde"
    )


def test_name_that_is_only_an_address_leaves_no_name():
    venue, _ = map_place({"name": "Allégade 2, 3000 Helsingør"}, "helsingor")
    assert (venue["name"], venue["street_address"], venue["postal_code"]) == (None, "Allégade 2", "3000")


@pytest.mark.parametrize("text", ["Bredgade 5, 1. sal", "Sal 2", "Stora scenen, Dunkers"])
def test_address_without_a_postcode_is_not_split(text):
    venue, _ = map_place({"name": text}, "helsingor")
    assert (venue["name"], venue["street_address"], venue["postal_code"]) == (text, None, None)


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("Kulturværftet", "venue/by_name"),
        ("Kulturværftet, Allégade 2", "venue/by_name"),
        ("Toldkammeret på Kulturværftet", "venue/by_name"),
        ("Culture Yard", "venue/by_alias"),
        ("Toldkammeret", "venue/by_hall"),
    ],
)
def test_alias_venue_becomes_the_canonical_venue_with_its_address(spelling, key):
    notes: list[Note] = []
    venue, city = map_place({"name": spelling}, "helsingor", venues=TABLE, notes=notes)
    assert (venue["name"], venue["street_address"], venue["postal_code"], venue["locality"], city) == (
        "Kulturværftet", "Allégade 2", "3000", "Helsingør", "helsingor"
    )
    assert keys(notes) == [key]


def test_alias_fills_missing_coordinates_from_the_table():
    venue, _ = map_place({"name": "Sofiero slott"}, "helsingborg", venues=TABLE)
    assert (venue["name"], venue["latitude"], venue["longitude"]) == ("Sofiero slott och slottspark", 56.0839,
                                                                      12.6597)


def test_source_values_win_over_the_table():
    venue, _ = map_place({"name": "Kronborg", "street_address": "Kronborg 2 C", "latitude": "56,0392",
                          "longitude": "12,6216"}, "helsingor", venues=TABLE)
    assert (venue["name"], venue["street_address"], venue["latitude"], venue["postal_code"]) == (
        "Kronborg Slot", "Kronborg 2 C", 56.0392, "3000"
    )


def test_street_match_keeps_the_source_name_and_fills_the_rest():
    given = {"name": "Lilla scenen", "street_address": "Kungsgatan 11"}
    venue, _ = map_place(given, "helsingborg", venues=TABLE)
    assert (venue["name"], venue["postal_code"]) == ("Lilla scenen", "252 21")  # Dunkers kulturhus's


def test_alias_table_can_move_the_city():
    # A Swedish portal listing a concert at Kulturværftet: the table's address places it in Helsingør.
    venue, city = map_place({"name": "Kulturværftet"}, "helsingborg", venues=TABLE)
    assert (city, venue["country"]) == ("helsingor", "DK")


def test_without_a_table_the_source_name_stays():
    venue, _ = map_place({"name": "Toldkammeret på Kulturværftet"}, "helsingor")
    assert venue["name"] == "Toldkammeret på Kulturværftet"


@pytest.mark.parametrize(
    ("latitude", "longitude", "key"),
    [
        ("12,6186", "56,0375", "coordinates_dropped/swapped"),
        (0, 0, "coordinates_dropped/placeholder"),
        ("-56.0375", "12.6186", "coordinates_dropped/wrong_sign"),
        ("56.8807", "14.7752", "coordinates_dropped/outside_region"),  # Växjö
        ("156,0", "12,7", "coordinates_dropped/outside_region"),
    ],
)
def test_implausible_coordinates_are_dropped_with_the_reason(latitude, longitude, key):
    notes: list[Note] = []
    venue, _ = map_place({"latitude": latitude, "longitude": longitude}, "helsingor", notes=notes)
    assert (venue["latitude"], venue["longitude"]) == (None, None)
    assert keys(notes) == [key]


def test_plausible_coordinates_written_with_degrees_and_comma_are_read():
    venue, _ = map_place({"latitude": "56,0375° N", "longitude": "12,6186 Ö"}, "helsingor")
    assert (venue["latitude"], venue["longitude"]) == (56.0375, 12.6186)


# -- price ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "city", "free", "low", "high", "currency"),
    [
        ("Fri entré", "helsingborg", True, 0.0, 0.0, "SEK"),
        ("Gratis", "helsingborg", True, 0.0, 0.0, "SEK"),
        ("Gratis adgang", "helsingor", True, 0.0, 0.0, "DKK"),
        ("120 kr", "helsingborg", False, 120.0, 120.0, "SEK"),
        ("120 kr", "helsingor", False, 120.0, 120.0, "DKK"),
        ("150,-", "helsingor", False, 150.0, 150.0, "DKK"),
        ("Entré: 100:-", "helsingborg", False, 100.0, 100.0, "SEK"),
        ("Pris: 150 kr. (børn gratis)", "helsingor", False, 0.0, 150.0, "DKK"),
        ("fr. 95 kr", "helsingor", False, 95.0, None, "DKK"),
        ("Entrance €15", "helsingor", False, 15.0, 15.0, "EUR"),
    ],
)
def test_price_text_gives_free_min_max_and_the_country_currency(text, city, free, low, high, currency):
    assert map_price({"text": text}, city) == {
        "free": free, "min": low, "max": high, "currency": currency, "text": text
    }


def test_structured_offer_wins_over_the_text():
    price = map_price({"min": "120", "max": "120", "currency": "SEK", "text": "fr. 95 kr"}, "helsingborg")
    assert (price["min"], price["max"], price["text"]) == (120.0, 120.0, "fr. 95 kr")


def test_text_fills_what_the_offer_leaves_empty():
    price = map_price({"currency": "DKK", "text": "Billetter 125-175 kr"}, "helsingor")
    assert (price["free"], price["min"], price["max"], price["currency"]) == (False, 125.0, 175.0, "DKK")


def test_price_text_without_a_price_keeps_the_words_only():
    assert map_price({"text": "Pris: se hjemmeside"}, "helsingor") == {
        "free": None, "min": None, "max": None, "currency": None, "text": "Pris: se hjemmeside"
    }


def test_price_text_currency_follows_the_venue_country_not_the_source():
    price = map_price({"text": "Entré 120 kr"}, "helsingor", country="SE")
    assert price["currency"] == "SEK"


# -- language and status -------------------------------------------------------------------------------------


def test_english_text_on_a_danish_source_is_english():
    notes: list[Note] = []
    description = (
        "Join us for an evening of Nordic jazz with the Øresund Quintet. The doors open at seven and the "
        "concert starts at eight. Tickets are available at the box office."
    )
    event = normalise_item(raw(title="Nordic Jazz Night", description=description), source(), notes=notes)
    assert event.language == "en"
    assert keys(notes) == ["language/da_to_en"]


def test_short_title_keeps_the_source_language():
    assert normalise_item(raw(title="Nordic Jazz Night"), source()).language == "da"


def test_item_language_is_checked_against_the_text_too():
    description = "Vi spiller og synger sammen hele aftenen, og alle er velkomne. Billetter købes i døren."
    event = normalise_item(raw(language="sv", description=description), source("helsingborg"))
    assert event.language == "da"


def test_cancelled_title_gives_a_cancelled_event_with_a_clean_title():
    event = normalise_item(raw(title="AFLYST: Koncert med Nordlys Trio", status="CONFIRMED"), source())
    assert (event.title, event.status) == ("Koncert med Nordlys Trio", "cancelled")
