"""The `ics` spider over the real-world calendars in the shared corpus (ical/), in process.

Each file is handed to the spider's ``parse`` as a response and every item goes through the normaliser; none
may raise. "Now" is 15 October 2025 (when the Swedish club exports were taken) and the window is wide (40
years back, 5 ahead), so that the library test calendars of 1997-2024 are read too. Expected per file: how
many events normalise, and how many problems the spider reports (each with the reason below).

Skipped when the corpus is absent (``HH_SHARED_DIR``, default: the repository's parent + ``/shared``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import REPO
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from config.schema import IcsSource
from hhevents.model import Event
from pipelines.normalise import normalise_item
from spiders.ics import MAX_OCCURRENCES_PER_SERIES, IcsSpider

pytestmark = pytest.mark.corpus

SHARED = Path(os.environ.get("HH_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "ical"
URL = "https://corpus.example/calendar.ics"
NOW = "2025-10-15T12:00:00+02:00"

NO_EVENTS = "a calendar without VEVENT"
NO_UID = "its VEVENTs have no UID: reported and skipped"

# file -> (events that normalise, problems reported, why, when that is not obvious)
EXPECTED: dict[str, tuple[int, int, str]] = {
    "icalendar__big_bad_calendar.ics": (0, 20, "no END:VCALENDAR, and its 20 VEVENTs are empty (no UID)"),
    "icalendar__bom_calendar.ics": (0, 0, NO_EVENTS),
    "icalendar__broken_ical.ics": (0, 1, "'DTSTART;;VALUE=...': its one VEVENT has no readable DTSTART"),
    "icalendar__calendar_with_unicode.ics": (0, 0, NO_EVENTS),
    "icalendar__event_with_escaped_characters.ics": (0, 1, "a bare VEVENT with only an ORGANIZER, no UID"),
    "icalendar__issue_101_icalendar_chokes_on_umlauts_in_organizer.ics": (1, 0, "a bare VEVENT"),
    "icalendar__issue_127_categories_with_commas.ics": (1, 0, ""),
    "icalendar__issue_237_fail_to_parse_timezone_with_non_ascii_tzid.ics": (0, 1, NO_UID),
    "icalendar__issue_351_whitespace_in_property_and_params.ics": (1, 0, ""),
    "icalendar__issue_722_missing_VTIMEZONE_custom.ics": (0, 1, NO_UID),
    # An hourly series over the whole window: the occurrences beyond the limit are left out, and reported.
    "icalendar__x_location.ics": (MAX_OCCURRENCES_PER_SERIES, 1, "the occurrence limit"),
    "icaljs__blank_line_mid.ics": (0, 0, NO_EVENTS),
    "icaljs__google_birthday.ics": (3, 1, "one VEVENT's RDATE '20131210Z' is unreadable"),
    "icaljs__newline_junk.ics": (0, 0, NO_EVENTS),
    "icaljs__recur_instances.ics": (219, 0, ""),
    "icaljs__tzid_with_gmt.ics": (0, 0, NO_EVENTS),
    "icaljs__unfold_properties.ics": (0, 0, NO_EVENTS),
    "node-ical__bad_ms_tz.ics": (34, 0, ""),
    "node-ical__daily-count-exdate-recurrence-id.ics": (8, 0, ""),
    "node-ical__duplicate-uid-sequence.ics": (2, 0, "two UIDs, each twice: the higher SEQUENCE is kept"),
    "node-ical__example-rrule.ics": (8, 0, ""),
    "node-ical__exchange_whole_day_moved_recurrence.ics": (51, 0, ""),
    "node-ical__festival-multiday-rrule.ics": (0, 128, NO_UID),
    "node-ical__floating-dtstart-custom-vtimezone.ics": (1, 0, ""),
    "node-ical__google-recurrence-order.ics": (3, 0, ""),
    "node-ical__meetup-timed-tz.ics": (1, 0, ""),
    "node-ical__music-school-weekly-until.ics": (9, 0, ""),
    "node-ical__sabredav-school-holidays.ics": (1, 0, ""),
    "node-ical__tentative-apple-calendar.ics": (4, 0, ""),
    "node-ical__test_with_int_tzid.ics": (2, 0, ""),
    "node-ical__utf8-french-calendar.ics": (0, 0, "VTODOs only (to-dos are not events)"),
    "node-ical__yearly-recurring-unicode.ics": (19, 0, ""),
    "recurring-ical-events__Germany_Holidays.ics": (34, 0, ""),
    "recurring-ical-events__bad_rrule_missing_until_event.ics": (0, 1, "'UNTL=' in the RRULE: cannot expand"),
    "recurring-ical-events__discourse_no_dtend.ics": (4, 0, ""),
    "recurring-ical-events__duplicated_rrule.ics": (20, 0, ""),
    "recurring-ical-events__each_week_but_two_deleted.ics": (6, 0, ""),
    "recurring-ical-events__end_before_start_event.ics": (1, 0, ""),
    "recurring-ical-events__fablab_cottbus.ics": (181, 0, ""),
    "recurring-ical-events__issue_18_cancel_status.ics": (3, 0, ""),
    "recurring-ical-events__issue_201_mixed_datetime_and_date.ics": (1, 0, ""),
    "recurring-ical-events__issue_20_exdate_ignored.ics": (7, 0, ""),
    "recurring-ical-events__issue_28_rrule_with_UTC_endinginZ.ics": (24, 0, ""),
    "recurring-ical-events__issue_62_moved_event.ics": (107, 0, ""),
    "recurring-ical-events__rdate_hackerpublicradio.ics": (0, 1, NO_UID),
    "recurring-ical-events__x_wr_timezone_simple_events_issue_59.ics": (2, 0, ""),
    "swedish-sports-clubs/ics-examples__Laget_Växjö_Vipers_DJAS.ics": (195, 0, ""),
    "swedish-sports-clubs/ics-examples__Sportadmin_IK_Stanstad_Dam_A.ics": (93, 0, ""),
    "swedish-sports-clubs/ics-examples__Sportadmin_IK_Stanstad_F0809.ics": (47, 0, ""),
    "swedish-sports-clubs/ics-examples__Sportadmin_Malmö_FBC_D2.ics": (125, 0, ""),
    "swedish-sports-clubs/ics-examples__Sportadmin_Malmö_FBC_DJAS.ics": (48, 0, ""),
    "swedish-sports-clubs/ics-examples__Sportadmin_Åstorp-Kvidinge_IBS_D2.ics": (22, 0, ""),
}


@pytest.fixture(scope="module", autouse=True)
def corpus_present():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (set HH_SHARED_DIR to its parent folder)")


def source(**keys) -> IcsSource:
    return IcsSource(
        id="corpus",
        name="iCalendar corpus",
        city="helsingborg",
        type="ics",
        url=URL,
        category="sport",
        language="sv",
        past_days=365 * 40,
        horizon_days=365 * 5,
        **keys,
    )


def read(name: str, monkeypatch, ics: IcsSource | None = None) -> tuple[list[Event], IcsSpider]:
    """Every event the spider reads from one corpus file, normalised."""
    monkeypatch.setenv("HHEVENTS_NOW", NOW)
    ics = ics or source()
    spider = IcsSpider.from_crawler(get_crawler(IcsSpider, {}), ics)
    response = TextResponse(URL, body=(CORPUS / name).read_bytes(), request=Request(URL))
    return [normalise_item(item, ics) for item in spider.parse(response)], spider


def corpus_files() -> set[str]:
    return {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.ics")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_is_read_without_crashing(name, monkeypatch):
    events, spider = read(name, monkeypatch)
    count, problems, why = EXPECTED[name]
    assert (len(events), spider.problem_count) == (count, problems), spider.first_problem or why
    assert len({e.id for e in events}) == len(events)  # every occurrence its own stable id


def test_every_corpus_calendar_is_covered():
    assert corpus_files() == set(EXPECTED)


def test_laget_windows_zone_name_is_local_time(monkeypatch):
    events, _ = read("swedish-sports-clubs/ics-examples__Laget_Växjö_Vipers_DJAS.ics", monkeypatch)
    first = min(events, key=lambda e: e.start)
    # DTSTART;TZID=W. Europe Standard Time:20250901T183000
    assert first.start.isoformat() == "2025-09-01T18:30:00+02:00" and first.timezone == "Europe/Stockholm"
    assert first.title == "Träning - Växjö Vipers Utveckling Dam Akademin"
    # GEO 56.880708;14.775196 is Växjö, far from Helsingborg and Helsingør: dropped as implausible.
    assert (first.venue.name, first.venue.latitude) == ("Tipshallen, Växjö", None)
    # Laget folds with two spaces, one of them a real space.
    folded = next(e for e in events if "Vi åker minibussar." in e.description)
    assert "Vi åker minibussar. Avfärd 16:30" in folded.description
    # The match page is linked only in the DESCRIPTION.
    assert folded.url == "https://www.laget.se/VipersDJ/Division/Game/566330/11907936"
    winter = [e for e in events if e.start.month in (12, 1)]
    assert winter and {e.start.utcoffset().total_seconds() for e in winter} == {3600}


def test_laget_trainings_can_be_excluded_by_category(monkeypatch):
    events, spider = read(
        "swedish-sports-clubs/ics-examples__Laget_Växjö_Vipers_DJAS.ics",
        monkeypatch,
        source(exclude_categories=("träning",)),
    )
    assert len(events) == 195 - 137 and not any("träning" in e.tags for e in events)
    assert spider.crawler.stats.get_value("hhevents/skipped/excluded") == 137


def test_sportadmin_long_lines_and_year_1_last_modified(monkeypatch):
    name = "swedish-sports-clubs/ics-examples__Sportadmin_IK_Stanstad_F0809.ics"
    lines = (CORPUS / name).read_bytes().split(b"\r\n")
    assert max(len(line) for line in lines) > 400 and b"LAST-MODIFIED:00010101T010000Z" in lines
    events, _ = read(name, monkeypatch)
    assert len(events) == 47 and all(e.timezone == "Europe/Stockholm" for e in events)
    longest = max(events, key=lambda e: len(e.description))
    assert len(longest.description) > 300


def test_cancelled_occurrence_and_tentative_status(monkeypatch):
    cancelled, _ = read("recurring-ical-events__issue_18_cancel_status.ics", monkeypatch)
    statuses = [e.status for e in sorted(cancelled, key=lambda e: e.start)]
    assert statuses == ["scheduled", "cancelled", "scheduled"]  # one occurrence cancelled by its override
    tentative, _ = read("node-ical__tentative-apple-calendar.ics", monkeypatch)
    assert sorted(e.status for e in tentative) == ["cancelled", "scheduled", "scheduled", "scheduled"]


def test_duplicate_uid_keeps_the_highest_sequence(monkeypatch):
    events, _ = read("node-ical__duplicate-uid-sequence.ics", monkeypatch)
    assert sorted(e.title for e in events) == [
        "Team Meeting (SEQUENCE 2)",
        "Updated version (SEQUENCE 3) - should win",
    ]
