"""Status words in titles (pipelines/cancellation.py): one test per title shape, named after it."""

from __future__ import annotations

import pytest

from pipelines.cancellation import extract_status


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # prefixes with a separator
        pytest.param(
            "INSTÄLLT: Jazz på Dunkers", ("Jazz på Dunkers", "cancelled"), id="installt-colon-prefix"
        ),
        pytest.param(
            "Inställd: Vårkonsert med Helsingborgs Symfoniorkester",
            ("Vårkonsert med Helsingborgs Symfoniorkester", "cancelled"),
            id="installd-colon-prefix",
        ),
        pytest.param(
            "INSTÄLLD - Föreläsning om Kärnan",
            ("Föreläsning om Kärnan", "cancelled"),
            id="installd-capitals-dash-prefix",
        ),
        pytest.param(
            "AFLYST - Koncert med Nordlys Trio",
            ("Koncert med Nordlys Trio", "cancelled"),
            id="aflyst-dash-prefix",
        ),
        pytest.param(
            "Aflyst: Foredrag på Kronborg", ("Foredrag på Kronborg", "cancelled"), id="aflyst-colon-prefix"
        ),
        pytest.param(
            "AFLYST! Jazz i Toldkammeret", ("Jazz i Toldkammeret", "cancelled"), id="aflyst-exclamation"
        ),
        pytest.param(
            "Cancelled: Nordic Jazz Night", ("Nordic Jazz Night", "cancelled"), id="cancelled-prefix"
        ),
        pytest.param(
            "Canceled – Nordic Jazz Night", ("Nordic Jazz Night", "cancelled"), id="canceled-us-spelling"
        ),
        pytest.param(
            "Uppskjuten: Sommarkonsert på Sofiero",
            ("Sommarkonsert på Sofiero", "postponed"),
            id="uppskjuten-prefix",
        ),
        pytest.param("Udsat - Stand-up med Kim", ("Stand-up med Kim", "postponed"), id="udsat-prefix"),
        pytest.param(
            "POSTPONED: Helsingør Jazz Festival",
            ("Helsingør Jazz Festival", "postponed"),
            id="postponed-prefix",
        ),
        pytest.param(
            "Flyttad: Barnteater på Dunkers", ("Barnteater på Dunkers", "rescheduled"), id="flyttad-prefix"
        ),
        pytest.param(
            "Flyttet: Koncert på Kulturværftet",
            ("Koncert på Kulturværftet", "rescheduled"),
            id="flyttet-prefix",
        ),
        pytest.param(
            "NYTT DATUM: Konsert med Lisa Nilsson",
            ("Konsert med Lisa Nilsson", "rescheduled"),
            id="nytt-datum-prefix",
        ),
        pytest.param(
            "NY DATO - Koncert med Nordlys Trio",
            ("Koncert med Nordlys Trio", "rescheduled"),
            id="ny-dato-prefix",
        ),
        pytest.param("NY DATO 12/5: Koncert", ("Koncert", "rescheduled"), id="ny-dato-with-date-prefix"),
        pytest.param(
            "FLYTTAD TILL 12 MAJ – Vårkonsert", ("Vårkonsert", "rescheduled"), id="flyttad-till-date-prefix"
        ),
        # brackets anywhere
        pytest.param(
            "[Aflyst] Koncert med Nordlys Trio",
            ("Koncert med Nordlys Trio", "cancelled"),
            id="aflyst-in-square-brackets",
        ),
        pytest.param(
            "Koncert med Nordlys Trio (inställd)",
            ("Koncert med Nordlys Trio", "cancelled"),
            id="installd-in-parentheses-suffix",
        ),
        pytest.param(
            "Jazz (INSTÄLLT) med Trio X", ("Jazz med Trio X", "cancelled"), id="bracketed-in-the-middle"
        ),
        pytest.param(
            "Vårkonsert (flyttad till 12 maj)",
            ("Vårkonsert", "rescheduled"),
            id="flyttad-with-date-in-parentheses",
        ),
        pytest.param(
            "*** INSTÄLLT *** Jazz på Dunkers", ("Jazz på Dunkers", "cancelled"), id="between-asterisks"
        ),
        # suffixes
        pytest.param(
            "Koncert med Nordlys Trio – AFLYST",
            ("Koncert med Nordlys Trio", "cancelled"),
            id="aflyst-en-dash-suffix",
        ),
        pytest.param("Koncert – Aflyst!", ("Koncert", "cancelled"), id="aflyst-suffix-with-exclamation"),
        pytest.param(
            "Nordic Jazz Night | CANCELLED", ("Nordic Jazz Night", "cancelled"), id="cancelled-pipe-suffix"
        ),
        pytest.param("Stand-up med Kim – UDSAT", ("Stand-up med Kim", "postponed"), id="udsat-suffix"),
        pytest.param("Vårkonsert, inställd", ("Vårkonsert", "cancelled"), id="installd-after-comma"),
        pytest.param(
            "Jazz på Dunkers – Inställd pga sjukdom",
            ("Jazz på Dunkers", "cancelled"),
            id="suffix-with-reason",
        ),
        pytest.param("Konsert 12/5 – INSTÄLLT", ("Konsert 12/5", "cancelled"), id="suffix-after-a-date"),
        # capitals without a separator
        pytest.param(
            "AFLYST Koncert med Nordlys Trio",
            ("Koncert med Nordlys Trio", "cancelled"),
            id="capitals-prefix-without-separator",
        ),
        pytest.param(
            "Koncert med Nordlys Trio AFLYST",
            ("Koncert med Nordlys Trio", "cancelled"),
            id="capitals-suffix-without-separator",
        ),
    ],
)
def test_marker_is_removed_and_becomes_the_status(title: str, expected: tuple[str, str]) -> None:
    assert extract_status(title) == expected


# -- two markers ---------------------------------------------------------------------------------------------


def test_cancelled_with_a_new_date_is_rescheduled() -> None:
    assert extract_status("AFLYST – NY DATO 12/5: Koncert") == ("Koncert", "rescheduled")


def test_new_date_still_to_come_is_postponed() -> None:
    assert extract_status("INSTÄLLT: Jazz (nytt datum kommer)") == ("Jazz", "postponed")


def test_two_suffixes_cancelled_and_new_date_to_come_is_postponed() -> None:
    assert extract_status("Konsert - Inställd - Nytt datum kommer") == ("Konsert", "postponed")


# -- must not fire -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("Inställda tåg – en utställning", id="installda-plural-is-another-word"),
        pytest.param("Det inställda bröllopet", id="installda-inside-a-title"),
        pytest.param("Aflysningen – teater", id="aflysningen-is-another-word"),
        pytest.param("Udsatte unge – debat", id="udsatte-is-another-word"),
        pytest.param("Udsat for kunst", id="udsat-for-without-separator"),
        pytest.param("Stand-up: Udsat for kunst", id="udsat-for-after-a-separator"),
        pytest.param("Flyttet hjemmefra – teater", id="flyttet-hjemmefra"),
        pytest.param("UDSAT FOR KUNST", id="all-capitals-title-starting-with-udsat"),
        pytest.param("Hamlet – Inställd av regissören Anna Berg", id="installd-followed-by-other-words"),
        pytest.param("Teater - flyttad till Stora scenen", id="moved-to-another-room-same-date"),
        pytest.param("Vårkonsert (flyttad till Stora scenen)", id="moved-room-in-parentheses"),
        pytest.param("Konsert: Cancellation Blues", id="cancellation-is-another-word"),
        pytest.param("Jazz på Dunkers", id="plain-title"),
    ],
)
def test_title_without_a_marker_is_unchanged(title: str) -> None:
    assert extract_status(title) == (title, None)


def test_title_that_is_only_a_marker_keeps_the_title_and_gets_the_status() -> None:
    assert extract_status("AFLYST") == ("AFLYST", "cancelled")


def test_empty_title_is_returned_as_is() -> None:
    assert extract_status("") == ("", None)


def test_whitespace_is_collapsed_after_removal() -> None:
    assert extract_status("  INSTÄLLT:   Jazz   på Dunkers ") == ("Jazz på Dunkers", "cancelled")


def test_decomposed_accents_still_match() -> None:
    decomposed = "INSTA\u0308LLT: Jazz pa\u030a Dunkers"
    assert extract_status(decomposed) == ("Jazz på Dunkers", "cancelled")
