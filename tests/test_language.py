"""Language detection (pipelines/language.py): real-looking listings, short titles, mixed texts."""

from __future__ import annotations

import pytest

from pipelines.language import OVERRIDE_CONFIDENCE, check_language, detect_language, language_scores

SWEDISH = (
    "Välkommen till en kväll med Helsingborgs Symfoniorkester i Konserthuset. Under ledning av "
    "chefdirigenten "
    "spelar orkestern Sibelius andra symfoni, och efter paus blir det Griegs pianokonsert. Biljetter finns "
    "att köpa i entrén och på nätet."
)
DANISH = (
    "Kom og oplev en aften med dansk jazz på Kulturværftet. Trioen spiller numre fra deres nye album, og der "
    "bliver også plads til et par klassikere. Billetter kan købes i billetsalget eller ved indgangen."
)
ENGLISH = (
    "Join us for an evening of Nordic jazz at Kulturværftet. The trio will play songs from their new album, "
    "and there will also be room for a few classics. Tickets are available at the box office."
)
SWEDISH_SHORT_NOTICE = "Föreställningen är inställd. Köpta biljetter återbetalas automatiskt."
DANISH_EXHIBITION = (
    "Udstillingen viser skibe, søkort og fortællinger fra Øresund gennem 600 år. Der er gratis adgang for "
    "børn under 18 år, og museet har åbent hver dag."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(SWEDISH, "sv", id="swedish-concert-description"),
        pytest.param(DANISH, "da", id="danish-concert-description"),
        pytest.param(ENGLISH, "en", id="english-concert-description"),
        pytest.param(DANISH_EXHIBITION, "da", id="danish-museum-text"),
    ],
)
def test_detects_the_language_of_a_listing(text: str, expected: str) -> None:
    language, confidence = detect_language(text)
    assert language == expected
    assert confidence >= OVERRIDE_CONFIDENCE


def test_two_sentence_swedish_notice_is_swedish_but_too_short_to_override_a_source() -> None:
    language, confidence = detect_language(SWEDISH_SHORT_NOTICE)
    assert language == "sv"
    assert confidence < OVERRIDE_CONFIDENCE
    assert check_language("da", "Inställt", SWEDISH_SHORT_NOTICE)[0] == "da"


def test_english_text_naming_danish_places_is_still_english() -> None:
    # Kulturværftet and Helsingør carry æ/ø, but the words are English.
    language, _ = detect_language(
        "Concert at Kulturværftet in Helsingør with the Danish String Quartet and "
        "guests. Tickets from the box office."
    )
    assert language == "en"


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("Jazz på Dunkers", id="jazz-pa-dunkers"),
        pytest.param("Nordic Jazz Night", id="nordic-jazz-night"),
        pytest.param("Koncert: Nordlys Trio", id="koncert-nordlys-trio"),
        pytest.param("Hamlet", id="hamlet"),
        pytest.param("", id="empty"),
    ],
)
def test_short_title_is_undecidable(title: str) -> None:
    assert detect_language(title)[0] is None


def test_bilingual_text_is_undecided() -> None:
    text = "Välkommen till en kväll med jazz och blues. Welcome to an evening of jazz and blues."
    assert detect_language(text)[0] is None or detect_language(text)[1] < OVERRIDE_CONFIDENCE


def test_detection_is_deterministic() -> None:
    assert {detect_language(DANISH) for _ in range(5)} == {detect_language(DANISH)}


def test_letters_count_swedish_against_danish() -> None:
    assert language_scores("Söndag")["sv"] == 1
    assert language_scores("Søndag")["da"] == 1


def test_words_shared_by_swedish_and_danish_count_for_neither() -> None:
    assert language_scores("i en det som med på har kan") == {"sv": 0, "da": 0, "en": 0}


# -- check_language ------------------------------------------------------------------------------------------


def test_english_concert_description_on_a_danish_site_is_english() -> None:
    language, reason = check_language("da", "Nordic Jazz Night", ENGLISH)
    assert language == "en"
    assert "not the source's da" in reason


def test_swedish_text_on_a_swedish_site_keeps_swedish() -> None:
    language, reason = check_language("sv", "Sibelius och Grieg", SWEDISH)
    assert language == "sv"
    assert "as the source says" in reason


def test_short_title_without_description_keeps_the_source_language() -> None:
    language, reason = check_language("da", "Nordic Jazz Night", None)
    assert language == "da"
    assert "undecided" in reason


def test_mixed_text_keeps_the_source_language() -> None:
    description = "Välkommen till en kväll med jazz och blues. Welcome to an evening of jazz and blues."
    assert check_language("sv", "Jazz & Blues", description)[0] == "sv"


def test_thin_evidence_for_another_language_keeps_the_source_language() -> None:
    # A Swedish site's title with two English words: a lean, not a clear statement.
    assert check_language("sv", "Live at the Harbour", "")[0] == "sv"


def test_danish_text_on_a_swedish_site_is_danish() -> None:
    assert check_language("sv", "Jazz på Kulturværftet", DANISH)[0] == "da"
