"""Price texts (pipelines/price.py): one test per phrase, named after it; merging with structured offers."""

from __future__ import annotations

import pytest

from pipelines.price import PriceInfo, merge_price, parse_price_text


def price(text: str, country: str) -> tuple[bool | None, float | None, float | None, str | None]:
    info = parse_price_text(text, country=country)  # type: ignore[arg-type]
    return info.free, info.min, info.max, info.currency


# -- free ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country"),
    [
        pytest.param("Fri entré", "SE", id="fri-entre"),
        pytest.param("Gratis", "SE", id="gratis"),
        pytest.param("Gratis adgang", "DK", id="gratis-adgang"),
        pytest.param("Fri adgang", "DK", id="fri-adgang"),
        pytest.param("Ingen entré", "SE", id="ingen-entre"),
        pytest.param("Fritt inträde", "SE", id="fritt-intrade"),
        pytest.param("Free admission", "DK", id="free-admission"),
        pytest.param("FREE ENTRY", "SE", id="free-entry-capitals"),
        pytest.param("Entrén är gratis", "SE", id="entren-ar-gratis"),
        pytest.param("0 kr", "SE", id="zero-kronor"),
    ],
)
def test_free_phrase_is_free_at_zero(text: str, country: str) -> None:
    currency = {"SE": "SEK", "DK": "DKK"}[country]
    assert price(text, country) == (True, 0.0, 0.0, currency)


def test_free_admission_with_a_paid_extra_stays_free_and_keeps_the_extra_as_max() -> None:
    # Bølgen's programme: admission free, the dinner ticket is optional.
    assert price("Gratis adgang. Spisebillet: 175 kr.", "DK") == (True, 0.0, 175.0, "DKK")


def test_free_parking_is_not_free_admission() -> None:
    assert price("Entré 100 kr, gratis parkering", "SE") == (False, 100.0, 100.0, "SEK")


def test_feel_free_is_not_free_admission() -> None:
    assert price("Feel free to bring a friend – 100 kr", "SE") == (False, 100.0, 100.0, "SEK")


# -- children or members free: the lowest price is 0, the event is not free ----------------------------------


def test_pris_150_kr_bornene_gratis_means_0_to_150_not_free() -> None:
    assert price("Pris: 150 kr. (børn gratis)", "DK") == (False, 0.0, 150.0, "DKK")


def test_entre_80_kr_barn_under_12_gratis_means_0_to_80_not_free() -> None:
    assert price("Entré 80 kr, barn under 12 gratis", "SE") == (False, 0.0, 80.0, "SEK")


def test_fri_entre_for_medlemmar_ovriga_100_kr() -> None:
    assert price("Fri entré för medlemmar, övriga 100 kr", "SE") == (False, 0.0, 100.0, "SEK")


def test_only_children_free_says_nothing_of_the_others() -> None:
    assert price("Gratis för barn under 7 år", "SE") == (None, 0.0, None, "SEK")


# -- amounts and currencies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        pytest.param("120 kr", "SE", (False, 120.0, 120.0, "SEK"), id="120-kr-in-sweden-is-sek"),
        pytest.param("120 kr", "DK", (False, 120.0, 120.0, "DKK"), id="120-kr-in-denmark-is-dkk"),
        pytest.param("120kr", "SE", (False, 120.0, 120.0, "SEK"), id="120kr-without-space"),
        pytest.param("kr 120", "SE", (False, 120.0, 120.0, "SEK"), id="kr-before-amount"),
        pytest.param("150,-", "DK", (False, 150.0, 150.0, "DKK"), id="150-comma-dash"),
        pytest.param("Entré: 100:-", "SE", (False, 100.0, 100.0, "SEK"), id="entre-100-colon-dash"),
        pytest.param("Entré: 100", "SE", (False, 100.0, 100.0, "SEK"), id="bare-number-after-price-word"),
        pytest.param("Pris: 50 kr.", "DK", (False, 50.0, 50.0, "DKK"), id="pris-50-kr-dot"),
        pytest.param("100–250 kr", "SE", (False, 100.0, 250.0, "SEK"), id="range-with-en-dash"),
        pytest.param("100 kr - 250 kr", "SE", (False, 100.0, 250.0, "SEK"), id="range-with-currency-twice"),
        pytest.param("DKK 125-175", "DK", (False, 125.0, 175.0, "DKK"), id="range-with-currency-first"),
        pytest.param("Biljetter 195 SEK", "SE", (False, 195.0, 195.0, "SEK"), id="biljetter-195-sek"),
        pytest.param("Biljetter: 195:- (+ avgift)", "SE", (False, 195.0, 195.0, "SEK"), id="plus-avgift"),
        pytest.param(
            "Spisebillet: 175 kr. (ekskl. gebyr)",
            "DK",
            (False, 175.0, 175.0, "DKK"),
            id="spisebillet-ekskl-gebyr",
        ),
        pytest.param("€15", "DK", (False, 15.0, 15.0, "EUR"), id="euro-sign-first"),
        pytest.param("15 EUR", "SE", (False, 15.0, 15.0, "EUR"), id="15-eur"),
        pytest.param("1.250 kr", "DK", (False, 1250.0, 1250.0, "DKK"), id="danish-thousands-dot"),
        pytest.param("1 250 kr", "SE", (False, 1250.0, 1250.0, "SEK"), id="swedish-thousands-space"),
        pytest.param("1,500 DKK", "DK", (False, 1500.0, 1500.0, "DKK"), id="english-thousands-comma"),
        pytest.param("12,50 kr", "DK", (False, 12.5, 12.5, "DKK"), id="decimal-comma"),
        pytest.param("1.250,50 kr", "DK", (False, 1250.5, 1250.5, "DKK"), id="thousands-and-decimals"),
        pytest.param(
            "Vuxen 250 kr, barn 125 kr, pensionär 200 kr",
            "SE",
            (False, 125.0, 250.0, "SEK"),
            id="prices-per-audience-span-min-to-max",
        ),
        pytest.param(
            "Entré 100 kr/50 kr för studerande",
            "SE",
            (False, 50.0, 100.0, "SEK"),
            id="student-price-after-slash",
        ),
        pytest.param("150 kr / €20", "DK", (False, 150.0, 150.0, "DKK"), id="second-currency-ignored"),
        pytest.param("Kl. 19.00, 150 kr", "SE", (False, 150.0, 150.0, "SEK"), id="time-is-not-a-price"),
    ],
)
def test_amount(text: str, country: str, expected: tuple) -> None:
    assert price(text, country) == expected


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        pytest.param("fr. 95 kr", "SE", (False, 95.0, None, "SEK"), id="fr-95-kr"),
        pytest.param("från 95 kr", "SE", (False, 95.0, None, "SEK"), id="fran-95-kr"),
        pytest.param("Billetter fra 125 kr.", "DK", (False, 125.0, None, "DKK"), id="billetter-fra-125-kr"),
        pytest.param("Pris: fra 100", "DK", (False, 100.0, None, "DKK"), id="pris-fra-bare-number"),
    ],
)
def test_from_price_is_a_minimum_without_maximum(text: str, country: str, expected: tuple) -> None:
    assert price(text, country) == expected


# -- no price ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country"),
    [
        pytest.param("Slutsålt", "SE", id="slutsalt"),
        pytest.param("Udsolgt", "DK", id="udsolgt"),
        pytest.param("Sold out", "DK", id="sold-out"),
    ],
)
def test_sold_out_is_no_price_but_says_sold_out(text: str, country: str) -> None:
    info = parse_price_text(text, country=country)  # type: ignore[arg-type]
    assert info == PriceInfo(sold_out=True, text=text)
    assert info.empty


def test_sold_out_beside_a_price_keeps_the_price() -> None:
    info = parse_price_text("Udsolgt - 150 kr", country="DK")
    assert (info.free, info.min, info.max, info.currency, info.sold_out) == (False, 150.0, 150.0, "DKK", True)


def test_text_without_a_price_gives_nothing_but_the_text() -> None:
    assert parse_price_text("Pris: se hjemmeside", country="DK") == PriceInfo(text="Pris: se hjemmeside")


def test_empty_text_gives_an_empty_price() -> None:
    assert parse_price_text("  ", country="SE") == PriceInfo()
    assert parse_price_text(None, country="SE") == PriceInfo()


def test_age_is_not_a_price() -> None:
    assert price("Från 7 år", "SE") == (None, None, None, None)


def test_original_text_is_kept_with_whitespace_collapsed() -> None:
    info = parse_price_text("Entré:\n 100:-", country="SE")
    assert info.text == "Entré: 100:-"
    assert info.as_price() == {
        "free": False,
        "min": 100.0,
        "max": 100.0,
        "currency": "SEK",
        "text": "Entré: 100:-",
    }


# -- merge_price ---------------------------------------------------------------------------------------------


def test_merge_structured_offer_wins_over_text() -> None:
    text = parse_price_text("Biljetter fr. 95 kr", country="SE")
    merged = merge_price({"min": "120", "max": "150", "currency": "SEK"}, text)
    assert merged == {
        "free": False,
        "min": 120.0,
        "max": 150.0,
        "currency": "SEK",
        "text": "Biljetter fr. 95 kr",
    }


def test_merge_text_fills_an_offer_without_amounts() -> None:
    text = parse_price_text("Entré 80 kr, barn under 12 gratis", country="SE")
    merged = merge_price({"currency": "SEK"}, text)
    assert merged == {
        "free": False,
        "min": 0.0,
        "max": 80.0,
        "currency": "SEK",
        "text": "Entré 80 kr, barn under 12 gratis",
    }


def test_merge_offer_amounts_go_together_text_does_not_widen_them() -> None:
    merged = merge_price({"min": 120}, parse_price_text("100–250 kr", country="DK"))
    assert (merged["min"], merged["max"]) == (120.0, None)


def test_merge_offer_of_zero_is_free_even_when_text_is_silent() -> None:
    merged = merge_price({"min": "0", "max": "0,00"}, parse_price_text("Se hjemmeside", country="DK"))
    assert (merged["free"], merged["min"], merged["max"]) == (True, 0.0, 0.0)


def test_merge_offer_with_a_price_overrides_a_free_text() -> None:
    merged = merge_price({"min": 100, "currency": "DKK"}, parse_price_text("Fri entré", country="DK"))
    assert (merged["free"], merged["min"], merged["currency"]) == (False, 100.0, "DKK")


def test_merge_explicit_offer_free_flag_wins_and_costs_zero() -> None:
    merged = merge_price({"free": True}, parse_price_text("150 kr", country="SE"))
    assert (merged["free"], merged["min"], merged["max"], merged["currency"]) == (True, 0.0, 0.0, "SEK")


def test_merge_without_offer_is_the_text() -> None:
    merged = merge_price(None, parse_price_text("€15", country="DK"))
    assert merged == {"free": False, "min": 15.0, "max": 15.0, "currency": "EUR", "text": "€15"}


def test_merge_keeps_the_offers_own_text() -> None:
    merged = merge_price({"min": 1, "text": "Adult 100, child 50"}, parse_price_text("100 kr", country="DK"))
    assert merged["text"] == "Adult 100, child 50"


def test_merge_leaves_an_unreadable_offer_number_for_the_normaliser_to_report() -> None:
    assert merge_price({"min": "ask"}, None)["min"] == "ask"


def test_merge_reads_offer_numbers_with_thousands_and_decimals() -> None:
    merged = merge_price({"min": "1.250,00", "max": "1,500.50"}, None)
    assert (merged["min"], merged["max"]) == (1250.0, 1500.5)


def test_long_text_is_read_only_at_its_start() -> None:
    info = parse_price_text(
        "Entré 100 kr. " + "Lorem ipsum dolor sit amet. " * 40 + "Fri entré", country="SE"
    )
    assert (info.free, info.min, info.max) == (False, 100.0, 100.0)


def test_merge_of_nothing_is_an_empty_price() -> None:
    assert merge_price(None, None) == {"free": None, "min": None, "max": None, "currency": None, "text": None}


def test_merged_price_passes_the_normaliser() -> None:
    from pipelines.normalise import map_price

    merged = merge_price(
        {"currency": "SEK"}, parse_price_text("Entré 80 kr, barn under 12 gratis", country="SE")
    )
    assert map_price(merged, "helsingborg") == merged
