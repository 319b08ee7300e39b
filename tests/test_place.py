"""Addresses and coordinates (hhevents/place.py): one test per case, named after it."""

from __future__ import annotations

import pytest

from hhevents.place import (
    Address,
    check_coordinates,
    city_from_address,
    decide_city,
    fold,
    normalise_postal_code,
    parse_address,
    parse_coordinate,
)

# -- city_from_address ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postal_code", "locality", "country", "default", "expected"),
    [
        pytest.param("252 21", "Helsingborg", "SE", "helsingor", "helsingborg", id="dunkers-postcode"),
        pytest.param(
            "25000", None, None, "helsingor", "helsingborg", id="lowest-helsingborg-code-without-space"
        ),
        pytest.param("256 69", None, "SE", "helsingor", "helsingborg", id="highest-helsingborg-band"),
        pytest.param("254 75", "Ödåkra", "SE", "helsingborg", "helsingborg", id="odakra-vala-in-254-band"),
        pytest.param("SE-252 84", None, None, "helsingor", "helsingborg", id="se-prefixed-sofiero-code"),
        pytest.param("3000", "Helsingør", "DK", "helsingborg", "helsingor", id="3000-helsingor"),
        pytest.param("DK-3000", None, None, "helsingborg", "helsingor", id="dk-prefixed-3000"),
        pytest.param("3060", "Espergærde", "DK", "helsingborg", "helsingor", id="3060-espergaerde"),
        pytest.param("3070", "Snekkersten", "DK", "helsingborg", "helsingor", id="3070-snekkersten"),
        pytest.param("3080", "Tikøb", "DK", "helsingborg", "helsingor", id="3080-tikob"),
        pytest.param("3100", "Hornbæk", "DK", "helsingborg", "helsingor", id="3100-hornbaek"),
        pytest.param("3140", "Ålsgårde", "DK", "helsingborg", "helsingor", id="3140-alsgarde"),
        pytest.param("3150", "Hellebæk", "DK", "helsingborg", "helsingor", id="3150-hellebaek"),
        pytest.param("3490", "Kvistgård", "DK", "helsingborg", "helsingor", id="3490-kvistgard"),
        pytest.param(3000, None, None, "helsingborg", "helsingor", id="postcode-as-number"),
    ],
)
def test_postcode_places_the_address(postal_code, locality, country, default, expected) -> None:
    assert city_from_address(postal_code, locality, country, default) == expected


@pytest.mark.parametrize(
    ("locality", "default", "expected"),
    [
        pytest.param("Helsingborg", "helsingor", "helsingborg", id="helsingborg"),
        pytest.param("Helsingør", "helsingborg", "helsingor", id="helsingor"),
        pytest.param("Elsinore", "helsingborg", "helsingor", id="elsinore"),
        pytest.param("Helsingoer", "helsingborg", "helsingor", id="helsingoer-ascii"),
        pytest.param("HELSINGBORG C", "helsingor", "helsingborg", id="helsingborg-c-capitals"),
        pytest.param("Helsingborgs kommun", "helsingor", "helsingborg", id="helsingborgs-kommun"),
        pytest.param("Helsingør Kommune", "helsingborg", "helsingor", id="helsingor-kommune"),
        pytest.param("Rydebäck", "helsingor", "helsingborg", id="rydeback-village"),
        pytest.param("Hornbæk", "helsingborg", "helsingor", id="hornbaek-village"),
    ],
)
def test_locality_alone_places_the_address(locality: str, default: str, expected: str) -> None:
    assert city_from_address(None, locality, None, default) == expected  # type: ignore[arg-type]


def test_shared_band_village_of_helsingborg_is_helsingborg() -> None:
    assert city_from_address("260 35", "Ödåkra", "SE", "helsingor") == "helsingborg"


def test_rydeback_in_257_band_is_helsingborg() -> None:
    # As Helsingborg's event API writes it: "Frösögatan 15, 25730, Rydebäck".
    assert city_from_address("25730", "Rydebäck", "", "helsingborg") == "helsingborg"


def test_shared_band_town_of_another_municipality_is_neither() -> None:
    assert city_from_address("260 40", "Viken", "SE", "helsingborg") is None


def test_shared_band_code_alone_keeps_the_source_city() -> None:
    decision = decide_city("260 40", None, "SE", "helsingborg")
    assert decision.city == "helsingborg"
    assert "alone does not say" in decision.reason


@pytest.mark.parametrize(
    ("postal_code", "locality", "country", "default"),
    [
        pytest.param("211 20", "Malmö", "SE", "helsingborg", id="malmo-postcode"),
        pytest.param("2100", "København Ø", "DK", "helsingor", id="copenhagen-postcode"),
        pytest.param("3050", "Humlebæk", "DK", "helsingor", id="humlebaek-is-fredensborg"),
        pytest.param(None, "Malmö", None, "helsingborg", id="malmo-locality-only"),
        pytest.param(None, "København K", None, "helsingor", id="kobenhavn-k-locality-only"),
        pytest.param(None, None, "SE", "helsingor", id="swedish-address-on-danish-source-naming-no-place"),
        pytest.param(None, "Lomma", "SE", "helsingor", id="unknown-swedish-town-on-danish-source"),
    ],
)
def test_address_clearly_in_neither_city_is_none(postal_code, locality, country, default) -> None:
    assert city_from_address(postal_code, locality, country, default) is None


def test_nothing_known_keeps_the_source_city() -> None:
    assert city_from_address(None, None, None, "helsingor") == "helsingor"
    assert city_from_address("", " ", None, "helsingborg") == "helsingborg"


def test_unknown_district_in_the_source_country_keeps_the_source_city() -> None:
    decision = decide_city(None, "Tågaborg", "SE", "helsingborg")
    assert decision.city == "helsingborg"
    assert "unknown" in decision.reason


def test_postcode_and_locality_disagreeing_keep_the_source_city() -> None:
    decision = decide_city("3000", "Helsingborg", "DK", "helsingor")
    assert decision.city == "helsingor"
    assert "says" in decision.reason


def test_locality_overrides_the_source_city() -> None:
    # A Helsingør source listing a guest performance at Dunkers.
    assert city_from_address("252 21", "Helsingborg", "SE", "helsingor") == "helsingborg"


def test_decision_says_why() -> None:
    assert decide_city("3100", "Hornbæk", "DK", "helsingborg").reason == "postcode 3100 is in helsingor"


# -- postcodes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        pytest.param("25221", None, ("252 21", "SE"), id="five-digits-is-swedish"),
        pytest.param("S-252 21", None, ("252 21", "SE"), id="s-prefix"),
        pytest.param("DK-3000", None, ("3000", "DK"), id="dk-prefix"),
        pytest.param("3000", "SE", (None, None), id="four-digits-in-sweden-is-no-postcode"),
        pytest.param("252 21", "DK", (None, None), id="five-digits-in-denmark-is-no-postcode"),
        pytest.param("Box 123", None, (None, None), id="not-a-postcode"),
    ],
)
def test_normalise_postal_code(value: str, country: str | None, expected: tuple) -> None:
    assert normalise_postal_code(value, country) == expected


# -- parse_address -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Allégade 2, 3000 Helsingør",
            Address(None, "Allégade 2", "3000", "Helsingør", "DK"),
            id="kulturvaerftet",
        ),
        pytest.param(
            "Kungsgatan 11, 252 21 Helsingborg",
            Address(None, "Kungsgatan 11", "252 21", "Helsingborg", "SE"),
            id="dunkers",
        ),
        pytest.param(
            "Dunkers kulturhus, Kungsgatan 11",
            Address("Dunkers kulturhus", "Kungsgatan 11", None, None, None),
            id="name-and-street",
        ),
        pytest.param(
            "Frösögatan 15, 25730, Rydebäck",
            Address(None, "Frösögatan 15", "257 30", "Rydebäck", "SE"),
            id="helsingborg-api-format",
        ),
        pytest.param(
            "Kungsgatan 11, 25221 Helsingborg, Sverige",
            Address(None, "Kungsgatan 11", "252 21", "Helsingborg", "SE"),
            id="with-country-name",
        ),
        pytest.param(
            "Kronborg 2C, DK-3000 Helsingør, Denmark",
            Address(None, "Kronborg 2C", "3000", "Helsingør", "DK"),
            id="house-letter-and-dk-prefix",
        ),
        pytest.param(
            "Allégade 2 3000 Helsingør",
            Address(None, "Allégade 2", "3000", "Helsingør", "DK"),
            id="without-commas",
        ),
        pytest.param(
            "Kungsgatan 11\n252 21 Helsingborg",
            Address(None, "Kungsgatan 11", "252 21", "Helsingborg", "SE"),
            id="on-two-lines",
        ),
        pytest.param(
            "Sofiero slott, Sofierovägen 131, 252 84 Helsingborg",
            Address("Sofiero slott", "Sofierovägen 131", "252 84", "Helsingborg", "SE"),
            id="name-street-postcode-town",
        ),
        pytest.param(
            "Stortorget, 252 23 Helsingborg",
            Address(None, "Stortorget", "252 23", "Helsingborg", "SE"),
            id="street-without-number",
        ),
        pytest.param(
            "Kungsgatan 11, Helsingborg",
            Address(None, "Kungsgatan 11", None, "Helsingborg", None),
            id="street-and-town",
        ),
        pytest.param("Helsingør, Danmark", Address(None, None, None, "Helsingør", "DK"), id="town-only"),
        pytest.param("Dunkers kulturhus", Address("Dunkers kulturhus"), id="name-only"),
        pytest.param("", Address(), id="empty"),
    ],
)
def test_parse_address(text: str, expected: Address) -> None:
    assert parse_address(text) == expected


# -- coordinates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("56,0375", 56.0375, id="decimal-comma"),
        pytest.param("56.0375", 56.0375, id="decimal-point"),
        pytest.param(" 12.6125 ", 12.6125, id="spaces"),
        pytest.param("56.0375° N", 56.0375, id="degree-sign-and-north"),
        pytest.param("12,6 Ö", 12.6, id="swedish-east"),
        pytest.param("12.6 W", -12.6, id="west-is-negative"),
        pytest.param(56, 56.0, id="number"),
        pytest.param("", None, id="empty"),
        pytest.param("abc", None, id="text"),
        pytest.param("56.0375, 12.6125", None, id="two-numbers"),
        pytest.param(None, None, id="none"),
    ],
)
def test_parse_coordinate(value, expected) -> None:
    assert parse_coordinate(value) == expected


def test_kronborg_is_plausible() -> None:
    assert check_coordinates(56.0389, 12.6217) == (
        True,
        "inside the northern Öresund around Helsingborg and Helsingør",
    )


def test_dunkers_is_plausible() -> None:
    assert check_coordinates(56.0467, 12.6889)[0]


@pytest.mark.parametrize(
    ("latitude", "longitude", "reason"),
    [
        pytest.param(12.6889, 56.0467, "swapped", id="swapped"),
        pytest.param(0.0, 0.0, "placeholder", id="null-island"),
        pytest.param(-56.0467, 12.6889, "sign", id="southern-hemisphere"),
        pytest.param(55.6761, 12.5683, "outside", id="copenhagen"),
        pytest.param(None, 12.6, "missing", id="missing-latitude"),
    ],
)
def test_implausible_coordinates_say_why(latitude, longitude, reason: str) -> None:
    ok, why = check_coordinates(latitude, longitude)
    assert not ok
    assert reason in why


# -- folding -------------------------------------------------------------------------------------------------


def test_fold_meets_danish_swedish_and_ascii_spellings() -> None:
    assert fold("Kulturværftet, Allégade 2") == "kulturvaerftet allegade 2"
    assert fold("Helsingør") == fold("Helsingoer") == fold("HELSINGOR") == "helsingor"
    assert fold("Ålsgårde") == fold("Aalsgaarde")
