"""The `ics` spider over recorded feeds, one per quirk that real publishers' calendars carry.

One real `hhevents crawl` (a child process, time frozen at 2026-03-20 12:00 CET, the week before summer time)
reads every source of tests/fixtures/ics.yaml from tests/fixtures/sites/ over loopback; each test below
checks what the EventStore holds for the source named after its quirk.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import yaml
from helpers import FIXTURES, run_hhevents, source_tags

from hhevents.model import Event
from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

SOURCES = FIXTURES / "ics.yaml"
SITES = FIXTURES / "sites"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """One crawl of every ics test source; yields (result, store)."""
    data_dir = tmp_path_factory.mktemp("var")
    with SnapshotServer(SITES) as server:
        result = run_hhevents("crawl", config=SOURCES, data_dir=data_dir, site=server.base_url)
    store = EventStore(data_dir / DB_FILENAME)
    yield result, store
    store.close()


@pytest.fixture(scope="module")
def store(crawl) -> EventStore:
    return crawl[1]


def events(store: EventStore, source_id: str) -> list[Event]:
    return sorted(
        (e for e in store.events() if e.sources[0].source_id == source_id), key=lambda e: (e.start, e.title)
    )


def by_title(store: EventStore, source_id: str) -> dict[str, Event]:
    found = events(store, source_id)
    titles = [e.title for e in found]
    assert len(set(titles)) == len(titles), titles
    return {e.title: e for e in found}


def starts(found: list[Event]) -> list[str]:
    return [e.start.isoformat() for e in found]


def run(store: EventStore, source_id: str):
    return store.latest_runs()[source_id]


def fixture_bytes(path: str) -> bytes:
    return (SITES / path).read_bytes()


def test_crawl_exits_with_1_because_some_feeds_are_broken_and_reports_them(crawl):
    result, store = crawl
    assert result.returncode == 1, result.stderr
    outcomes = {source_id: r.outcome for source_id, r in store.latest_runs().items()}
    broken = {"missing-uid", "broken-vevent", "truncated-download"}
    assert {s for s, o in outcomes.items() if o == "degraded"} == broken | {"empty-calendar"}
    assert {s for s, o in outcomes.items() if o == "failed"} == {"not-a-calendar"}
    assert len(outcomes) == 36 and list(outcomes.values()).count("ok") == 36 - 5


# -- the Swedish club systems ------------------------------------------------------------------------------


def test_laget_se_export(store):
    """Laget.se: Windows zone name with its VTIMEZONE, X-WR-TIMEZONE, GEO, a match link in the text."""
    found = by_title(store, "laget-se-export")
    # The two trainings are left out by `exclude_categories: [Träning]`.
    assert list(found) == [
        "Match Helsingborgs IBK - FBC Engelholm",
        "Match IBK Lund - Helsingborgs IBK",
        "Avslutning för Helsingborgs IBK Dam",
    ]
    assert run(store, "laget-se-export").stats["skipped/excluded"] == 2
    home = found["Match Helsingborgs IBK - FBC Engelholm"]
    assert (home.start.isoformat(), home.end.isoformat()) == (
        "2026-03-28T15:00:00+01:00",
        "2026-03-28T17:00:00+01:00",
    )
    assert home.timezone == "Europe/Stockholm" and source_tags(home) == ("match",)
    assert home.url == "https://www.laget.example/HelsingborgsIBK/Division/Game/666330/21907936"
    assert (home.venue.name, home.venue.locality, home.venue.latitude, home.venue.longitude) == (
        "Olympiahallen",
        "Helsingborg",  # a town of ours after the name is the locality
        56.0419,
        12.7131,
    )
    away = found["Match IBK Lund - Helsingborgs IBK"]
    assert away.start.isoformat() == "2026-04-11T16:00:00+02:00"  # after the change to summer time
    # Laget folds with two spaces: one is the fold, the other a real space.
    assert away.description == (
        "Samlingstid 2026-04-11 14:30 Övrig info Vi åker minibuss. Avfärd 14:30 från Olympiahallen.\n\n"
        "Läs mer om matchen https://www.laget.example/HelsingborgsIBK/Division/Game/666331/21907937"
    )
    assert source_tags(found["Avslutning för Helsingborgs IBK Dam"]) == ("övrig aktivitet",)


def test_sportadmin_export(store):
    """Sportadmin: VTIMEZONE from 1601, unfolded long lines, LAST-MODIFIED in year 1, trailing spaces."""
    found = by_title(store, "sportadmin-export")
    assert list(found) == [  # "Träning - Damer div 2" is left out by `exclude_titles: ['^Träning\b']`
        "Match: Helsingborgs IBK A - Höganäs IBK (Damer Div 2 Skåne)",
        "Match: Höganäs IBK - Helsingborgs IBK A (Damer Div 2 Skåne)",
    ]
    assert run(store, "sportadmin-export").stats["skipped/excluded"] == 1
    home = found["Match: Helsingborgs IBK A - Höganäs IBK (Damer Div 2 Skåne)"]
    assert home.start.isoformat() == "2026-03-28T15:00:00+01:00"
    assert home.venue.name == "Olympiahallen"  # "Olympiahallen " in the file
    assert home.description.startswith("Samling: 13:30, Olympiahallen entré B Matchstart 15:00")
    assert home.description.endswith("entré 60 kr (barn gratis). Serie: Damer Div 2 Skåne")
    assert found["Match: Höganäs IBK - Helsingborgs IBK A (Damer Div 2 Skåne)"].end.isoformat() == (
        "2026-04-18T18:00:00+02:00"
    )


# -- time zones ----------------------------------------------------------------------------------------------


def test_windows_zone_name(store):
    found = events(store, "windows-zone-name")
    data = fixture_bytes("svenskhandboll.example/kalender/windows-zone-name.ics")
    assert b"TZID=W. Europe Standard Time:" in data and b"VTIMEZONE" not in data
    assert starts(found) == ["2026-03-25T19:00:00+01:00", "2026-04-01T19:00:00+02:00"]
    assert [e.end.isoformat() for e in found] == ["2026-03-25T20:30:00+01:00", "2026-04-01T20:30:00+02:00"]
    assert {e.timezone for e in found} == {"Europe/Stockholm"}


def test_windows_zone_name_quoted(store):
    found = events(store, "windows-zone-name-quoted")
    assert starts(found) == ["2026-03-28T20:00:00+01:00", "2026-03-29T20:00:00+02:00"]
    assert [e.title for e in found] == ["Koncert: Kystbandet i Værftshallen", "Jazz på Værftet"]
    assert {e.timezone for e in found} == {"Europe/Copenhagen"}


def test_x_wr_timezone_floating(store):
    found = events(store, "x-wr-timezone-floating")
    assert [(e.title, e.start.isoformat()) for e in found] == [
        ("Domarutbildning", "2026-03-24T18:30:00+01:00"),  # written in UTC
        ("Målvaktsträning", "2026-03-26T17:00:00+01:00"),  # floating, weekly: 17:00 on both sides of DST
        ("Målvaktsträning", "2026-04-02T17:00:00+02:00"),
        ("Cupmöte för ledare", "2026-04-02T18:00:00+02:00"),
    ]
    assert found[-1].end.isoformat() == "2026-04-02T19:30:00+02:00"


def test_tzid_without_vtimezone(store):
    found = by_title(store, "tzid-without-vtimezone")
    assert {title: e.start.isoformat() for title, e in found.items()} == {
        "Foredrag: Kronborgs kanoner": "2026-04-10T19:30:00+02:00",
        "Familieværksted: Byg et skib": "2026-04-11T14:00:00+02:00",  # /freeassociation.sourceforge.net/ TZID
        # An unknown TZID without VTIMEZONE is local time, like a floating one.
        "Søndagskoncert med Helsingør Byorkester": "2026-04-12T15:00:00+02:00",
    }


# -- lines, bytes and encodings ------------------------------------------------------------------------------


def test_long_unfolded_lines(store):
    lines = fixture_bytes("skanefotboll.example/kalender/long-unfolded-lines.ics").split(b"\r\n")
    assert max(len(line) for line in lines) > 400
    [match] = events(store, "long-unfolded-lines")
    assert match.title == "Landskrona BoIS P16 – Högaborgs BK P16"
    assert match.description == (
        "Samling 17:15 vid kansliet på Harlyckans IP. Vi åker gemensamt i minibuss till Landskrona och är "
        "tillbaka ca 21:30. Ta med matsäck, vattenflaska, benskydd och både vit och blå matchtröja. "
        "Föräldrar som kan köra: anmäl er till lagledaren senast torsdag. Matchen spelas på konstgräs; "
        "fotbollsskor med korta dobbar rekommenderas. Publik är välkommen – fri entré för alla under 18 år."
    )


def test_folding_extra_spaces(store):
    [match] = events(store, "folding-extra-spaces")
    assert match.title == "Seriematch: Helsingborgs IF Dam – Kristianstads DFF"
    # "\r\n  vattenflaska" keeps one space; a fold may also start with a tab.
    assert match.description == "Samling 12:30. Ta med matsäck och vattenflaska. Vi spelar i röda tröjor."


def test_fold_inside_utf8_character(store):
    data = fixture_bytes("skanefotboll.example/kalender/fold-inside-utf8-character.ics")
    assert b"\xc3\r\n \xb6" in data  # the fold splits the two bytes of an "ö"
    [match] = events(store, "fold-inside-utf8-character")
    assert match.title == (
        "Träningsmatch: Högaborgs BK – Råå IF på Harlyckans IP i Helsingborg – vårpremiären för båda lagen"
    )


def test_utf8_bom(store):
    data = fixture_bytes("kulturvaerftet.example/kalender/utf8-bom.ics")
    assert data.startswith(b"\xef\xbb\xbfBEGIN:VCALENDAR")
    [concert] = events(store, "utf8-bom")
    assert concert.title == "Børnekoncert: Æblet og ørnen"
    assert concert.start.isoformat() == "2026-04-25T11:00:00+02:00"


def test_lf_line_endings(store):
    assert b"\r\n" not in fixture_bytes("skanefotboll.example/kalender/lf-line-endings.ics")
    [match] = events(store, "lf-line-endings")
    assert match.title == "Råå IF – Eskilsminne IF"
    assert match.description == "Derby i division 3. Kiosken har öppet från 14.00 med kaffe och korv."


def test_windows_1252(store):
    data = fixture_bytes("kulturvaerftet.example/kalender/windows-1252.ics")
    assert b"For\xe5rskoncert \x96 Helsing\xf8r" in data  # served as "charset=utf-8", which it is not
    [concert] = events(store, "windows-1252")
    assert concert.title == "Forårskoncert – Helsingør Byorkester"
    assert concert.description == "Dørene åbner kl. 19.00. Billetter: 120 kr. (ca. 16 €)."
    assert (concert.venue.name, concert.venue.street_address, concert.venue.postal_code) == (
        "Kulturværftet",
        "Allégade 2",
        "3000",
    )
    assert (concert.venue.locality, concert.venue.country) == ("Helsingør", "DK")


def test_non_ascii_text(store):
    [concert] = events(store, "non-ascii-text")
    assert concert.title == "Vårkonsert – Körsång, orgel & ”Såsom i en spegel” 🎶"
    assert concert.description == (
        "Helsingborgs Motettkör sjunger Alfvén och Stenhammar; dirigent: Åsa Öberg.\n\n"
        "Entré: 150:- (barn gratis). Æbleskiver serveras i pausen."
    )
    assert (concert.venue.name, concert.venue.locality) == ("Maria kyrka", "Helsingborg")


# -- DTSTAMP, LAST-MODIFIED and the raw record ---------------------------------------------------------------


def test_dtstamp_without_z(store):
    [match] = events(store, "dtstamp-without-z")
    assert match.start.isoformat() == "2026-05-02T16:00:00+02:00"
    [sighting] = store.provenance(match.id)
    assert sighting["raw"]["DTSTAMP"] == "DTSTAMP:20260310T083000"
    assert sighting["raw"]["LAST-MODIFIED"] == "LAST-MODIFIED:20260310T083000"


def test_last_modified_year_1(store):
    [match] = events(store, "last-modified-year-1")
    assert match.title == "Match: Helsingborgs IBK – Malmö FBC (Damer Div 1)"
    assert match.start.isoformat() == "2026-04-14T19:15:00+02:00"
    [sighting] = store.provenance(match.id)
    assert sighting["raw"]["LAST-MODIFIED"] == "LAST-MODIFIED:00010101T010000Z"
    assert sighting["raw"]["DTSTART"] == "DTSTART;TZID=Europe/Stockholm:20260414T191500"
    assert sighting["raw"]["UID"] == "UID:21084500-109@sportadmin.example"


# -- dates, ends and durations -------------------------------------------------------------------------------


def test_all_day_date_values(store):
    found = by_title(store, "all-day-date-values")
    assert all(e.all_day for e in found.values())
    assert {title: (e.start.isoformat(), e.end.isoformat()) for title, e in found.items()} == {
        # One day when DTEND is missing.
        "Påskmarknad på Dunkers": ("2026-04-04T00:00:00+02:00", "2026-04-05T00:00:00+02:00"),
        # DTEND;VALUE=DATE is exclusive already: the exhibition's last day is 12 April.
        "Utställning: Vårsalongen": ("2026-03-21T00:00:00+01:00", "2026-04-13T00:00:00+02:00"),
        # "DTSTART:20260425" without VALUE=DATE is a date all the same.
        "Bokbytardag": ("2026-04-25T00:00:00+02:00", "2026-04-26T00:00:00+02:00"),
    }


def test_missing_dtend(store):
    found = events(store, "missing-dtend")
    # No DTEND: the spider yields no end; the default-end stage gives the one of the event's kind.
    assert [(e.title, e.start.isoformat(), e.end.isoformat()) for e in found] == [
        ("Författarsamtal: Skånska deckare", "2026-04-16T19:00:00+02:00", "2026-04-16T20:30:00+02:00"),
        ("Sagostund för barn", "2026-04-18T10:30:00+02:00", "2026-04-18T12:30:00+02:00"),
        ("Sagostund för barn", "2026-04-25T10:30:00+02:00", "2026-04-25T12:30:00+02:00"),
    ]
    assert not any(e.all_day for e in found)


def test_duration_instead_of_dtend(store):
    found = by_title(store, "duration-instead-of-dtend")
    tour = found["Visning: Dunkers samlingar"]
    assert (tour.start.isoformat(), tour.end.isoformat()) == (
        "2026-04-18T14:00:00+02:00",
        "2026-04-18T15:30:00+02:00",
    )
    art = found["Konstrunda i Helsingborg"]
    assert art.all_day and (art.start.isoformat(), art.end.isoformat()) == (
        "2026-05-01T00:00:00+02:00",
        "2026-05-04T00:00:00+02:00",
    )


# -- recurrence and status -----------------------------------------------------------------------------------


def test_rrule_exdate_recurrence_id(store):
    """Expanded within the source's own window: past_days 7, horizon_days 60 (13 March – 19 May)."""
    found = events(store, "rrule-exdate-recurrence-id")
    assert [(e.title, e.start.isoformat()) for e in found] == [
        ("Träning F12", "2026-03-18T18:00:00+01:00"),
        ("Träning F12", "2026-03-25T18:00:00+01:00"),
        ("Träning F12", "2026-04-01T18:00:00+02:00"),
        # FREQ=MONTHLY;BYDAY=1MO without an end: bounded by the window.
        ("Klubbmöte", "2026-04-06T19:00:00+02:00"),
        # 8 April is an EXDATE; 15 April is moved to Thursday 16 April by its RECURRENCE-ID override.
        ("Träning F12 (flyttad till torsdag)", "2026-04-16T19:00:00+02:00"),
        ("Träning F12", "2026-04-22T18:00:00+02:00"),
        ("Träning F12", "2026-04-29T18:00:00+02:00"),
        ("Klubbmöte", "2026-05-04T19:00:00+02:00"),
    ]
    moved = found[4]
    assert moved.venue.name == "Helsingborg Arena"
    assert found[3].venue.name == "Helsingborg Arena"  # "Klubblokalen, Helsingborg Arena": the table's name
    # The override is keyed by the occurrence it replaces, so it stays the same event when moved again.
    assert moved.sources[0].source_event_id == "traning-f12@svenskhandboll.example/20260415T160000Z"
    assert moved.id == Event.make_id("rrule-exdate-recurrence-id", moved.sources[0].source_event_id)
    [sighting] = store.provenance(moved.id)
    assert sighting["raw"]["RECURRENCE-ID"] == "RECURRENCE-ID;TZID=Europe/Stockholm:20260415T180000"
    assert len({e.id for e in found}) == 8


def test_status_cancelled(store):
    found = by_title(store, "status-cancelled")
    assert {title: e.status for title, e in found.items()} == {
        "HK Helsingborg – Ystads IF HF": "cancelled",
        "HK Helsingborg – HK Malmö": "scheduled",  # CONFIRMED
        "HK Helsingborg – Eslövs IK": "scheduled",  # TENTATIVE
    }


def test_cancelled_occurrence(store):
    found = events(store, "cancelled-occurrence")
    assert [(e.start.isoformat(), e.status) for e in found] == [
        ("2026-03-21T10:00:00+01:00", "scheduled"),
        ("2026-03-28T10:00:00+01:00", "cancelled"),
        ("2026-04-04T10:00:00+02:00", "scheduled"),
        ("2026-04-11T10:00:00+02:00", "scheduled"),
    ]
    assert found[1].description == "Inställt: hallen används för SM-kval."
    assert {e.title for e in found} == {"Prova på-handboll för barn 7–10 år"}


def test_duplicate_uid(store):
    [match] = events(store, "duplicate-uid")
    # The same UID twice without RECURRENCE-ID: the higher SEQUENCE is the current version.
    assert match.title == "HK Helsingborg – IK Sävehof (ny tid)"
    assert match.start.isoformat() == "2026-04-12T20:00:00+02:00"
    assert run(store, "duplicate-uid").errors == 0


# -- broken files --------------------------------------------------------------------------------------------


def test_missing_uid(store):
    assert [e.title for e in events(store, "missing-uid")] == [
        "Stadsvandring: Norra hamnen",
        "Stadsvandring: Söder",
    ]
    result = run(store, "missing-uid")
    assert (result.outcome, result.new, result.errors) == ("degraded", 2, 1)
    assert result.message == (
        "https://helsingborg.example/kalender/missing-uid.ics: "
        "VEVENT 'Stadsvandring: Kärnan och Norr' has no UID; skipped"
    )


def test_broken_vevent(store):
    found = by_title(store, "broken-vevent")
    assert list(found) == ["Vårvandring på Sofiero", "Loppis på Stortorget"]
    # An unreadable GEO loses the coordinates only; an unreadable DTSTART loses the event, and says so.
    flea_market = found["Loppis på Stortorget"]
    assert flea_market.venue.name == "Stortorget" and flea_market.venue.latitude is None
    result = run(store, "broken-vevent")
    assert (result.outcome, result.new, result.errors) == ("degraded", 2, 1)
    assert (
        "'Föreläsning: Helsingborgs historia' (UID hbg-6202@helsingborg.example) has an unreadable DTSTART"
        in result.message
    )


def test_missing_end_vevent(store):
    # A VEVENT without END:VEVENT makes icalendar lose the whole file; read component by component, all three
    # are kept, since the next BEGIN:VEVENT shows where the first one ends.
    assert [e.title for e in events(store, "missing-end-vevent")] == [
        "Cykelns dag",
        "Trädgårdsdag på Fredriksdal",
        "Sillens dag i Råå",
    ]
    assert run(store, "missing-end-vevent").outcome == "ok"


def test_truncated_download(store):
    data = fixture_bytes("helsingborg.example/kalender/truncated-download.ics")
    assert not data.rstrip().endswith(b"END:VCALENDAR")
    assert [e.title for e in events(store, "truncated-download")] == [
        "Påskäggsjakt i Slottshagen",
        "Påskkonsert i Maria kyrka",
    ]
    result = run(store, "truncated-download")
    assert (result.outcome, result.new, result.errors) == ("degraded", 2, 1)
    assert "'Kvällsöppet i Kärnan' (UID hbg-6403@helsingborg.example) is cut off where the file ends" in (
        result.message
    )


def test_empty_calendar(store):
    assert events(store, "empty-calendar") == []
    result = run(store, "empty-calendar")
    assert (result.outcome, result.errors, result.message) == ("degraded", 0, "no events")
    assert result.stats["empty_pages"] == 1


def test_not_a_calendar(store):
    result = run(store, "not-a-calendar")
    assert (result.outcome, result.errors) == ("failed", 1)
    assert result.message.startswith(
        "https://helsingborg.example/kalender/not-a-calendar.ics: "
        "not an iCalendar file (it begins '<!DOCTYPE html>"
    )


# -- descriptive properties ----------------------------------------------------------------------------------


def test_x_alt_desc_html(store):
    found = by_title(store, "x-alt-desc-html")
    # Outlook: an empty DESCRIPTION and the text in X-ALT-DESC as HTML.
    vernissage = found["Vernissage: Nya röster"]
    assert vernissage.description == "Välkommen till vernissage på Dunkers!\n\nFri entré."
    # Google: HTML in DESCRIPTION itself.
    assert found["Workshop i screentryck"].description == (
        "Workshop i screentryck för unga 13–19 år.\n\nAnmälan krävs & platserna är begränsade."
    )
    # Both: the plain DESCRIPTION wins.
    assert found["Konstsamtal"].description == "Ett samtal om utställningen."


def test_url_property(store):
    found = by_title(store, "url-property")
    assert {title: e.url for title, e in found.items()} == {
        # URL wins over a link in the text.
        "Filmkväll: Svenska klassiker": "https://dunkers.example/evenemang/filmkvall",
        # No URL: the first link in the DESCRIPTION, without the full stop after it.
        "Jazzkväll i Salongen": "https://dunkers.example/evenemang/jazzkvall",
        # A relative URL is read against the feed's.
        "Babyrytmik": "https://dunkers.example/evenemang/babyrytmik",
    }


def test_geo_and_address(store):
    found = by_title(store, "geo-and-address")
    dunkers = found["Poesikväll"].venue
    assert dunkers.model_dump() == {
        "name": "Dunkers kulturhus",
        "street_address": "Kungsgatan 11",
        "postal_code": "252 21",
        "locality": "Helsingborg",
        "country": "SE",
        "latitude": 56.0497,
        "longitude": 12.6886,
    }
    kronborg = found["Dagsutflykt till Kronborg"].venue
    assert (kronborg.name, kronborg.street_address, kronborg.postal_code, kronborg.locality) == (
        "Kronborg Slot",
        "Kronborg 2C",
        "3000",
        "Helsingør",
    )
    assert (kronborg.country, kronborg.latitude, kronborg.longitude) == ("DK", 56.039, 12.6216)
    # No street or postcode: the name, and the town of ours after it as the locality.
    square = found["Lunchkonsert utomhus"].venue
    assert (square.name, square.street_address, square.locality) == ("Stortorget", None, "Helsingborg")


def test_organizer_cn(store):
    found = by_title(store, "organizer-cn")
    assert {title: e.organizer for title, e in found.items()} == {
        "Stadsbyggnadsdialog": "Helsingborgs stad, Kulturförvaltningen",  # quoted CN with a comma
        "Bokcirkel": "info@dunkers.example",  # no CN: the address without "mailto:"
        "Dansföreställning: Rörelser": "Skånes Dansteater",
    }


def test_categories_with_commas(store):
    [event] = events(store, "categories-with-commas")
    # "CATEGORIES:Konsert,Jazz" is two categories; "CATEGORIES:Mat\, dryck" is one with a comma in it.
    assert source_tags(event) == ("konsert", "jazz", "mat, dryck")


def test_class_private(store):
    titles = [e.title for e in events(store, "class-private")]
    assert titles == ["Öppet hus på Dunkers", "Barnteater i Lilla salen"]
    result = run(store, "class-private")
    # PRIVATE and CONFIDENTIAL events are not public: left out and counted, which is no error.
    assert (result.outcome, result.errors, result.stats["skipped/private"]) == ("ok", 0, 2)


def test_transp_transparent(store):
    # TRANSP says whether an event blocks the calendar owner's time, not whether it is public: both are kept.
    found = by_title(store, "transp-transparent")
    assert list(found) == ["Utställning: Ljus i mörker", "Konsert: Vårljus"]
    exhibition = found["Utställning: Ljus i mörker"]
    assert exhibition.all_day and exhibition.end.isoformat() == "2026-06-01T00:00:00+02:00"


def test_image_property(store):
    found = by_title(store, "image-property")
    assert {title: e.image for title, e in found.items()} == {
        # RFC 7986's IMAGE, and an ATTACH with an image type.
        "Rockkoncert på Værftet": "https://kulturvaerftet.example/billeder/rock.jpg",
        "Udstilling: Værftets arbejdere": "https://kulturvaerftet.example/billeder/arbejdere.png",
        "Bogcafé": None,  # a PDF attachment is no image
    }


def test_every_item_keeps_its_source_record(store):
    for event in store.events():
        if event.sources[0].source_id in ("laget-se-export", "windows-zone-name-quoted"):
            [sighting] = store.provenance(event.id)
            raw = sighting["raw"]
            assert raw["UID"].startswith("UID:") and raw["SUMMARY"].startswith("SUMMARY:")
            assert "TZID=" in raw["DTSTART"] and "Standard Time" in raw["DTSTART"]


def test_fixture_files_are_named_after_a_tested_quirk():
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    hosts = {urlsplit(entry["url"]).hostname for entry in yaml.safe_load(SOURCES.read_text())["sources"]}
    files = {path.stem for host in hosts for path in (SITES / host).rglob("*.ics")}
    assert len(files) == 36 and files <= tested, files - tested
