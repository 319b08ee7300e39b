"""Which language is a listing written in: Swedish, Danish or English?

A small, deterministic scorer (no model, no dictionary download): words that occur in one of the three
languages and not the others, and the letters only one of the Scandinavian languages writes (ä ö against
æ ø). The rules with examples are in docs/normalisation.md ("language"). API::

    from pipelines.language import detect_language, check_language

    detect_language("Välkommen till en kväll med jazz och blues på Dunkers!")   # ("sv", 0.9...)
    detect_language("Jazz på Dunkers")                                          # (None, 0.0): too little
    check_language("da", "Nordic Jazz Night", "Join us for an evening of ...")  # ("en", "text is en ...")
    check_language("sv", "Jazz", "")                                            # ("sv", "text undecided")

``detect_language(text) -> (language | None, confidence)``: the language whose evidence dominates, or None
when there is too little evidence or no language dominates (a bilingual text). ``confidence`` is in [0, 1]:
the winner's share of all evidence, scaled down while the evidence is thin.

``check_language(source_language, title, description) -> (language, reason)``: the source's language unless
the title and description clearly say another one (confidence at least :data:`OVERRIDE_CONFIDENCE`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from hhevents.model import Language


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words frequent in event texts of one language and absent (or rare) in the two others. Words the
# Scandinavian languages share ("i", "en", "det", "som", "med", "på", "har", "kan", "vi", "efter") and words
# shared with English ("at", "for", "men", "over", "under") are left out: they say nothing.
STOPWORDS: Final[dict[Language, frozenset[str]]] = {
    "sv": _words(
        "och att är inte jag ett av för till från också eller hur vad vem vilka vilken vilket när där här "
        "mycket blir bli finns kväll ikväll denna detta dessa våra vårt utan mellan sedan bara än själv hela "
        "många några något allt alla varje deras vara varit hade ska skall vill ut upp nya nytt stora även "
        "välkommen välkomna biljetter biljett föreställning konsert utställning vuxna inträde klockan genom "
        "då mot oss ni honom henne hennes sitt sina fram senare heter spelar sjunger musiken tillsammans"
    ),
    "da": _words(
        "og ikke jeg et af fra til også hvordan hvad hvem hvilke hvilken hvilket hvis når hvor meget bliver "
        "blive findes aften denne dette disse vores vort uden mellem siden kun selv hele mange nogle noget "
        "alt alle hver deres være været havde skal vil ud op nye nyt store velkommen billetter billet "
        "forestilling koncert udstilling voksne adgang klokken gennem da mod os jer ham hende hendes sit "
        "sine frem senere hedder spiller synger musikken sammen er der"
    ),
    "en": _words(
        "the and of to is are with this that will be you your it on in from an has have was were our their "
        "they we us he she his its who which what when where how there here very more most also or not can "
        "get join welcome tickets ticket evening night concert exhibition children adults saturday sunday "
        "monday tuesday wednesday thursday friday free admission into about through together been being "
        "would should could"
    ),
}
# Words in two lists count for neither ("kl", "hos", "hans", "dem", "samt", "stor" ...).
_SHARED = {
    word
    for lang, words in STOPWORDS.items()
    for other, other_words in STOPWORDS.items()
    if lang < other
    for word in words & other_words
}

_LETTERS: Final[dict[Language, str]] = {"sv": "äö", "da": "æø"}

MIN_EVIDENCE: Final = 4  # below this many points nothing is decided
FULL_EVIDENCE: Final = 12  # from this many points on, confidence is the winner's share alone
MIN_SHARE: Final = 0.6  # the winner's share of the evidence for detect_language to name it
OVERRIDE_CONFIDENCE: Final = 0.7  # check_language overrides the source's language from this confidence on


def language_scores(text: str) -> dict[Language, int]:
    """Evidence per language: one point per distinctive word, one per word written with ä/ö or æ/ø."""
    scores: dict[Language, int] = {"sv": 0, "da": 0, "en": 0}
    for word in re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", text).casefold()):
        if word in _SHARED:
            continue
        for lang, words in STOPWORDS.items():
            if word in words:
                scores[lang] += 1
        for lang, letters in _LETTERS.items():
            if any(letter in word for letter in letters):
                scores[lang] += 1
    return scores


def detect_language(text: str | None) -> tuple[Language | None, float]:
    """(language, confidence) of ``text``; (None, confidence) when too little or mixed evidence decides."""
    if not text:
        return None, 0.0
    scores = language_scores(text)
    total = sum(scores.values())
    if total == 0:
        return None, 0.0
    # Ties resolve in a fixed order, so the answer never depends on dict order.
    best = max(("sv", "da", "en"), key=lambda lang: scores[lang])  # type: ignore[arg-type]
    share = scores[best] / total
    confidence = round(share * min(1.0, total / FULL_EVIDENCE), 3)
    if total < MIN_EVIDENCE or share < MIN_SHARE:
        return None, confidence
    return best, confidence  # type: ignore[return-value]  # one of the literals


def check_language(
    source_language: Language, title: str | None, description: str | None
) -> tuple[Language, str]:
    """The event's language: the source's, unless its title and description clearly say another."""
    text = " ".join(part for part in (title, description) if part)
    detected, confidence = detect_language(text)
    if detected is None:
        return source_language, (f"text undecided (confidence {confidence:.2f}); kept the source's "
                                 f"language {source_language}")
    if detected == source_language:
        return source_language, f"text is {detected} (confidence {confidence:.2f}), as the source says"
    if confidence >= OVERRIDE_CONFIDENCE:
        return detected, (f"text is {detected} (confidence {confidence:.2f}), not the source's "
                          f"{source_language}")
    return source_language, (f"text leans to {detected} (confidence {confidence:.2f}, below "
                             f"{OVERRIDE_CONFIDENCE}); kept the source's language {source_language}")
