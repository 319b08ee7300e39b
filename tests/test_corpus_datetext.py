"""hhevents/datetext.py over every real phrase in the shared corpus (skipped when the corpus is absent).

Phrases come from ``date-phrases/real-phrases-sv-da.md`` (backticked, per language section) and from the
dateparser probe ``date-phrases/dateparser_sv_da_probe.out.txt``. "Now" is the probe's own RELATIVE_BASE,
1 May 2025 at noon. Each known phrase must give exactly what is written below (or fail for the stated
reason); a phrase added to the corpus later must at least be read or refused with a DateTextError.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hhevents.datetext import DateTextError, parse_datetext

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
PHRASES_DIR = SHARED / "corpus" / "date-phrases"
PHRASES_MD = PHRASES_DIR / "real-phrases-sv-da.md"
PROBE = PHRASES_DIR / "dateparser_sv_da_probe.out.txt"
ZONES = {"sv": "Europe/Stockholm", "da": "Europe/Copenhagen"}
NOW = datetime(2025, 5, 1, 12, 0, tzinfo=ZoneInfo("Europe/Stockholm"))

NO_DATE = "names no date"
TIME_ONLY = "names a time but no date"

# phrase -> (start, end or None, all_day) or the reason it is refused.
EXPECTED: dict[str, tuple[str, str | None, bool] | str] = {
    # Swedish
    "lördag 14 juni kl. 19.00": ("2025-06-14T19:00:00+02:00", None, False),
    "lör 14 jun kl 19:00": ("2025-06-14T19:00:00+02:00", None, False),
    "14 juni 2025 kl. 19:30": ("2025-06-14T19:30:00+02:00", None, False),
    "den 14 juni kl 19": ("2025-06-14T19:00:00+02:00", None, False),
    "tors 5/6": ("2025-06-05", None, True),  # day first: 5 June, not 6 May
    "5/6": ("2025-06-05", None, True),
    "5/6 kl. 18.00": ("2025-06-05T18:00:00+02:00", None, False),
    "14/6 2025": ("2025-06-14", None, True),
    "2025-06-14 19:00": ("2025-06-14T19:00:00+02:00", None, False),
    "19.00–21.00": TIME_ONLY,  # dateparser: the year 2100
    "kl. 19.00–21.00": TIME_ONLY,
    "idag kl. 18": ("2025-05-01T18:00:00+02:00", None, False),
    "imorgon 19:00": ("2025-05-02T19:00:00+02:00", None, False),
    "i morgon kl 19": ("2025-05-02T19:00:00+02:00", None, False),
    "fredag 13 juni 2025, kl. 20.00": ("2025-06-13T20:00:00+02:00", None, False),
    "13 juni–15 juni 2025": ("2025-06-13", "2025-06-16", True),
    "tisdagar kl. 15.15-16.30": TIME_ONLY,  # every Tuesday: not one event
    "tisdagar, klockan 15.15-16.30": TIME_ONLY,
    "Mån 2 juni": ("2025-06-02", None, True),
    "söndag den 1:a juni": ("2025-06-01", None, True),
    "1 jan 2026": ("2026-01-01", None, True),
    "14 juni": ("2025-06-14", None, True),
    "Samling: 18:55, Lilla hallen": TIME_ONLY,
    "Samling 18.45 matchtid 3 x 15 minuter": TIME_ONLY,
    "Samling: kl 18:15": TIME_ONLY,
    "halltiden 19:00": TIME_ONLY,
    "Träning - Dam A": NO_DATE,
    "Tränings match Dam A - HJ 18 - Dam A": NO_DATE,
    "Malmö FBC SSL Dam - FBC Partille Dam (Träningsmatcher Damer/Damjunior)": NO_DATE,
    "Lördag 14 juni · 18:00": ("2025-06-14T18:00:00+02:00", None, False),
    # The year is written, so the weekday (14 June 2026 is a Sunday) does not move it.
    "Lördag 14 juni 2026 · 11:00–18:00": ("2026-06-14T11:00:00+02:00", "2026-06-14T18:00:00+02:00", False),
    "Kl. 11.00–15.00": TIME_ONLY,
    '"occasions[].start_date": "2030-02-11 15:15"': ("2030-02-11T15:15:00+01:00", None, False),
    # Danish
    "lørdag 14. juni kl. 19.00": ("2025-06-14T19:00:00+02:00", None, False),
    "14. juni 2025 kl. 19:30": ("2025-06-14T19:30:00+02:00", None, False),
    "Fre. 14. aug. 2026 kl. 22": ("2026-08-14T22:00:00+02:00", None, False),
    "Fre. 14. aug. 2026 kl. 22, Avistorvet": ("2026-08-14T22:00:00+02:00", None, False),
    "tor 5/6": ("2025-06-05", None, True),
    "15/12 (man)": ("2025-12-15", None, True),
    "19/12 (fre)": ("2025-12-19", None, True),
    "20/12 (lør)": ("2025-12-20", None, True),
    "15/1 (tor) Aflyst": ("2026-01-15", None, True),
    "d. 12. januar": ("2026-01-12", None, True),
    "Tirsdag d. 27. januar kl. 17.00": ("2026-01-27T17:00:00+01:00", None, False),
    "Torsdag d. 29 januar kl. 17.00": ("2026-01-29T17:00:00+01:00", None, False),
    "Fra d. 12. - 30. januar": ("2026-01-12", "2026-01-31", True),
    "kl. 19-21": TIME_ONLY,  # Kultunaut's ArrTidspunkt: the adapter puts the ISO date in front
    "kl. 19:45": TIME_ONLY,
    "kl. 16:00": TIME_ONLY,
    "kl. 16": TIME_ONLY,
    "kl. 19": TIME_ONLY,
    "kl. 19-19": TIME_ONLY,
    "kl. 13:00": TIME_ONLY,
    "i dag kl. 16": ("2025-05-01T16:00:00+02:00", None, False),
    "i morgen kl. 20": ("2025-05-02T20:00:00+02:00", None, False),
    # Bølgen's spring 2025 programme: the weekday in brackets picks 2025 (13 January 2026 is a Tuesday).
    "13. januar (mandag) kl. 19.00": ("2025-01-13T19:00:00+01:00", None, False),
    "13. januar (mandag) kl. 19.00:": ("2025-01-13T19:00:00+01:00", None, False),
    "23. januar (torsdag) kl. 11.00–12.30:": (
        "2025-01-23T11:00:00+01:00",
        "2025-01-23T12:30:00+01:00",
        False,
    ),
    "15. maj (torsdag) kl. 8.30:": ("2025-05-15T08:30:00+02:00", None, False),
    "PC-kursus: 25.–26. februar.": ("2026-02-25", "2026-02-27", True),
    "Mandag: 10.00–22.00": TIME_ONLY,  # opening hours
    "Lørdag/søn- og helligdage: Lukket": NO_DATE,
    "søndag den 1. juni": ("2025-06-01", None, True),
    "14. aug - 20. aug. 2026": ("2026-08-14", "2026-08-21", True),
    "onsdag 28/1 kl 17": ("2026-01-28T17:00:00+01:00", None, False),
    "Fre 14 aug": ("2026-08-14", None, True),  # a Friday in 2026; 14 August 2025 is a Thursday
    "maj 2025": NO_DATE,  # a month, not a day
    # Prices and Kultunaut's age ratings are not dates.
    "Pris: 50 kr.": NO_DATE,
    "Spisebillet: 175 kr. (ekskl. gebyr)": NO_DATE,
    "Gratis adgang": NO_DATE,
    "Pris: 150 kr. (børn gratis)": NO_DATE,
    "Filmvurdering": NO_DATE,
    "t.o.11": NO_DATE,
    "t.o.15": NO_DATE,
    "f.u.7": NO_DATE,
    "t.f.a": NO_DATE,
}


def probe_phrases(text: str) -> list[tuple[str, str]]:
    """(language, phrase) of every phrase the probe tried."""
    found, language = [], None
    for line in text.splitlines():
        header = re.match(r"==== languages=\['(\w+)'\]", line)
        if header:
            language = header.group(1)
            continue
        if line.startswith("===="):
            language = None
            continue
        before_result = re.split(r"\s->\s|\s\(no |\swith ", line)[0]
        prefixed = re.match(r"^(sv|da) '(.+)'\s*$", before_result)
        if prefixed:
            found.append((prefixed.group(1), prefixed.group(2)))
            continue
        quoted = [q for q in re.findall(r"'([^']+)'", before_result) if q not in ("sv", "da", "day", "month")]
        if quoted:
            lang = re.search(r"\['(sv|da)'\]", line)
            found.append((language or (lang.group(1) if lang else "sv"), quoted[-1]))
    return found


def markdown_phrases(text: str) -> list[tuple[str, str]]:
    """(language, phrase) of every backticked phrase in the first column of the tables."""
    found, language = [], None
    for line in text.splitlines():
        if line.startswith("## "):
            language = {"## Swedish": "sv", "## Danish": "da"}.get(line.strip())
        elif language and line.startswith("|") and not re.match(r"\|\s*(phrase|-)", line):
            found.extend((language, phrase) for phrase in re.findall(r"`([^`]+)`", line.split("|")[1]))
    return found


@pytest.fixture(scope="module")
def phrases() -> list[tuple[str, str]]:
    if not PHRASES_MD.exists() or not PROBE.exists():
        pytest.skip(f"shared corpus not found at {PHRASES_DIR} (set HH_SHARED_DIR to the shared folder)")
    found = probe_phrases(PROBE.read_text(encoding="utf-8")) + markdown_phrases(
        PHRASES_MD.read_text(encoding="utf-8")
    )
    return list(dict.fromkeys((lang, phrase.strip()) for lang, phrase in found))


def read(language: str, phrase: str):
    return parse_datetext(phrase, language=language, zone=ZONES[language], now=NOW)


def test_the_corpus_holds_the_phrases_this_test_knows(phrases):
    known = {phrase for _, phrase in phrases} & set(EXPECTED)
    assert len(known) >= 70, sorted({p for _, p in phrases} - set(EXPECTED))


def test_every_corpus_phrase_is_read_or_refused_with_a_date_text_error(phrases):
    for language, phrase in phrases:
        try:
            read(language, phrase)
        except DateTextError as exc:
            assert exc.text == phrase


def test_every_known_corpus_phrase_gives_what_it_must(phrases):
    wrong = []
    for language, phrase in phrases:
        if phrase not in EXPECTED:
            continue
        expected = EXPECTED[phrase]
        try:
            when = read(language, phrase)
            got: tuple[str, str | None, bool] | str = (
                when.start.isoformat(),
                when.end.isoformat() if when.end else None,
                when.all_day,
            )
        except DateTextError as exc:
            got = exc.reason
        ok = expected in got if isinstance(expected, str) and isinstance(got, str) else got == expected
        if not ok:
            wrong.append(f"{language} {phrase!r}: expected {expected!r}, got {got!r}")
    assert not wrong, "\n".join(wrong)
