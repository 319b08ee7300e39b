"""Cancelled, postponed or moved: the words publishers put into titles instead of a status field.

Pure function, no I/O; the rules with examples are in docs/normalisation.md ("cancellation"). API::

    from pipelines.cancellation import extract_status

    extract_status("INSTÄLLT: Jazz på Dunkers")           # ("Jazz på Dunkers", "cancelled")
    extract_status("[Aflyst] Koncert med Nordlys Trio")    # ("Koncert med Nordlys Trio", "cancelled")
    extract_status("Stand-up med Kim – UDSAT")             # ("Stand-up med Kim", "postponed")
    extract_status("Vårkonsert (flyttad till 12 maj)")     # ("Vårkonsert", "rescheduled")
    extract_status("Inställda tåg – en utställning")       # ("Inställda tåg – en utställning", None)

Returns (clean title, status), the status one of the model's ("cancelled", "postponed", "rescheduled") or
None when the title carries no marker; the title is returned unchanged then.

A marker counts only where it is set apart from the title, because every one of these words also occurs in
ordinary titles ("Udsat for kunst", "Flyttet hjemmefra", "Inställda tåg"):

- in brackets or between asterisks anywhere: "[Aflyst] ...", "... (inställd)", "*** INSTÄLLT *** ...";
- first, followed by a separator (: - – — | ! . /): "INSTÄLLT: ...", "Aflyst - ...";
- last, after a separator: "... – AFLYST", "... | Cancelled", "... – Inställd pga sjukdom";
- first or last in capitals without a separator, when the rest of the title is not in capitals:
  "AFLYST Koncert med ...", "Koncert med ... AFLYST".

Only the exact word forms below count: "Inställda" (plural), "Aflyste", "Udsatte" are other words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from hhevents.model import Status

# Word forms, lower case, mapped to the status they announce.
MARKERS: Final[dict[str, Status]] = {
    "inställt": "cancelled",
    "inställd": "cancelled",
    "avlyst": "cancelled",  # Norwegian and older Danish; Norwegian acts touring Helsingør use it
    "aflyst": "cancelled",
    "aflyses": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "uppskjuten": "postponed",
    "uppskjutet": "postponed",
    "udsat": "postponed",
    "postponed": "postponed",
    "flyttad": "rescheduled",
    "flyttat": "rescheduled",
    "flyttet": "rescheduled",
    "rescheduled": "rescheduled",
    "nytt datum": "rescheduled",
    "ny dato": "rescheduled",
    "new date": "rescheduled",
}
# "ny dato følger", "nytt datum kommer", "new date tba": moved, but to no date yet.
_NO_DATE_YET = re.compile(r"(?<!\w)(?:kommer|meddelas|följer|følger|kommer senere|annonceres|tba|tbc|to be "
                          r"announced|to follow)(?!\w)", re.IGNORECASE)

_WORDS = "|".join(sorted((re.escape(word).replace(r"\ ", r"\s+") for word in MARKERS), key=len, reverse=True))
_MARKER = rf"(?<![\w-])(?P<word>{_WORDS})(?![\w-])"
_SEP = r"[:\-–—|!./•·]"
_OPEN, _CLOSE = r"[(\[{]", r"[)\]}]"

# "[Aflyst]", "(inställd)", "(flyttad till 12 maj)", "*** INSTÄLLT ***": anywhere in the title.
_BRACKETED = re.compile(rf"{_OPEN}\s*{_MARKER}[^)\]}}]*{_CLOSE}", re.IGNORECASE)
_STARRED = re.compile(rf"\*+\s*{_MARKER}[^*]*\*+", re.IGNORECASE)
# A date or a reason may follow the word: "NY DATO 12/5: ...", "FLYTTAD TILL 12 MAJ – ...".
_MONTHS = (r"jan\w*|feb\w*|mar\w*|apr\w*|maj|may|jun\w*|jul\w*|aug\w*|sep\w*|okt\w*|oct\w*|nov\w*"
           r"|dec\w*")
_DATE = rf"(?:\d{{1,2}}[./]\d{{1,2}}(?:[./]\d{{2,4}})?|\d{{1,2}}\.?\s+(?:{_MONTHS})(?:\s+\d{{4}})?)"
_DETAIL = rf"(?:\s+(?:till|til|to|den|d\.)?\s*{_DATE})?"
# "INSTÄLLT: ...", "Aflyst - ...", "AFLYST! ...", "NY DATO 12/5: ...".
_PREFIX = re.compile(rf"^\s*{_MARKER}{_DETAIL}\s*(?:{_SEP}+\s*)+(?P<rest>\S.*)$", re.IGNORECASE | re.DOTALL)
# What may follow a trailing marker: a reason, a new date, "kommer": "... – Inställd pga sjukdom".
_TAIL = (r"\s*,?\s+(?:pga\.?|p\.g\.a\.?|på\s+grund|grundet|pga|due|because|owing|till|til|to|until"
         r"|nytt|ny|new|kommer|meddelas|följer|følger|annonceres|tba|tbc|\d)[^–—|]{0,40}")
# "... – AFLYST", "... | Cancelled", "... - Inställd pga sjukdom", "Konsert, inställd".
_SUFFIX = re.compile(
    rf"^(?P<rest>.*?\S)\s*(?:\s{_SEP}+|{_SEP}+\s|,)\s*{_MARKER}(?P<tail>{_TAIL})?\s*[.!]?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_DATE_WORD = re.compile(rf"\d|(?<!\w)(?:{_MONTHS})(?!\w)", re.IGNORECASE)
# Capitals without a separator: "AFLYST Koncert med ...", "Koncert med ... AFLYST".
_CAPS_PREFIX = re.compile(rf"^\s*{_MARKER}\s+(?P<rest>\S.*)$", re.IGNORECASE | re.DOTALL)
_CAPS_SUFFIX = re.compile(rf"^(?P<rest>.*\S)\s+{_MARKER}\s*[.!]?\s*$", re.IGNORECASE | re.DOTALL)
# The whole title is a marker: "AFLYST".
_ONLY = re.compile(rf"^\W*{_MARKER}\W*$", re.IGNORECASE)
# "flyttad till Stora scenen": another room on the same date, not a new date.
_MOVED_WORDS = {"flyttad", "flyttat", "flyttet"}
_TO_PLACE = re.compile(r"(?<!\w)(?:till|til|to)\s+(?P<where>.*)$", re.IGNORECASE | re.DOTALL)


def _is_caps(word: str) -> bool:
    return word.isupper()


def _tidy(title: str) -> str:
    """Whitespace collapsed and separators left dangling by a removed marker trimmed."""
    title = re.sub(r"\s+", " ", title).strip()
    title = re.sub(rf"^(?:{_SEP}|\s)+(?=\S)", "", title)
    return re.sub(rf"(?:\s|{_SEP.replace('.', '')}|,)+$", "", title).strip()


def _combine(found: list[tuple[Status, str]]) -> Status:
    """One status from all markers: a new date beats a cancellation ("AFLYST – NY DATO 12/5" is moved)."""
    statuses = {status for status, _ in found}
    if "rescheduled" in statuses:
        date_markers = [text for status, text in found if status == "rescheduled"]
        if all(_NO_DATE_YET.search(text) for text in date_markers):
            return "postponed"  # "nytt datum kommer": moved, but not yet to a date
        return "rescheduled"
    if "postponed" in statuses:
        return "postponed"
    return "cancelled"


def extract_status(title: str) -> tuple[str, Status | None]:
    """(title without its status marker, the status it announced), or (title, None) when it has none."""
    if not title or not title.strip():
        return title, None
    original = title
    title = unicodedata.normalize("NFC", title)  # "ä" as a + combining diaeresis would hide "INSTÄLLT"
    found: list[tuple[Status, str]] = []  # (status, the removed text)

    def take(match: re.Match[str], removed: str) -> bool:
        word = re.sub(r"\s+", " ", match["word"].lower())
        if word in _MOVED_WORDS:
            to_place = _TO_PLACE.search(removed)
            if to_place and not _DATE_WORD.search(to_place["where"]):
                return False  # moved to another room or venue, same date: not ours to mark
        found.append((MARKERS[word], removed))
        return True

    only = _ONLY.match(title)
    if only:
        # A title that is nothing but the marker names no event: keep it rather than lose it.
        return re.sub(r"\s+", " ", original).strip(), MARKERS[re.sub(r"\s+", " ", only["word"].lower())]

    # Strictest shapes first, and again from the top after each removal: "AFLYST – NY DATO 12/5: Koncert"
    # carries two markers, the second one with a date.
    for _ in range(6):
        match = _BRACKETED.search(title) or _STARRED.search(title)
        if match and take(match, match.group(0)):
            title = title[: match.start()] + " " + title[match.end():]
            continue
        match = _PREFIX.match(title)
        if match and take(match, title[: match.start("rest")]):
            title = match["rest"]
            continue
        match = _SUFFIX.match(title)
        if match and take(match, title[match.end("rest"):]):
            title = match["rest"]
            continue
        caps = [m for m in (_CAPS_PREFIX.match(title), _CAPS_SUFFIX.match(title))
                if m and _is_caps(m["word"]) and not _is_caps(m["rest"])]
        if caps and take(caps[0], caps[0]["word"]):
            title = caps[0]["rest"]
            continue
        break
    if not found:
        return original, None
    clean = _tidy(title)
    return (clean or re.sub(r"\s+", " ", original).strip()), _combine(found)

