from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from factories import COPENHAGEN, STOCKHOLM, make_event

from feeds import RenderCache
from feeds.ical import PRODID, build_calendar, fold
from feeds.vtimezone import UnsupportedTimezoneError, vtimezone
from hhevents.model import Price, SourceRef, Venue


def build(events, **kwargs) -> bytes:
    kwargs.setdefault("name", "HH Cityclub — test")
    kwargs.setdefault("description", "Test feed")
    return build_calendar(events, **kwargs)


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def vevents(data: bytes) -> dict[str, icalendar.Event]:
    return {str(ev["UID"]): ev for ev in parse(data).walk("VEVENT")}


def rule_tz(cal: icalendar.Calendar, tzid: str):
    """A tzinfo built from the file's own VTIMEZONE rules, not looked up by name in the tz database."""
    (comp,) = [c for c in cal.walk("VTIMEZONE") if str(c["TZID"]) == tzid]
    return comp.to_tz(lookup_tzid=False)


def local_from_file(ev: icalendar.Event, name: str) -> tuple[datetime, str]:
    prop = ev[name]
    return prop.dt.replace(tzinfo=None), prop.params["TZID"]


# --- VTIMEZONE ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tzid", ["Europe/Stockholm", "Europe/Copenhagen"])
def test_vtimezone_is_rule_based_eu_rule(tzid):
    text = vtimezone(tzid).to_ical().decode()
    tz = icalendar.Timezone.from_ical(text)  # judge what a client reads, not the object we built
    assert "RDATE" not in text
    assert f"TZID:{tzid}" in text and f"X-LIC-LOCATION:{tzid}" in text
    subs = {c.name: c for c in tz.subcomponents}
    assert set(subs) == {"DAYLIGHT", "STANDARD"}
    daylight, standard = subs["DAYLIGHT"], subs["STANDARD"]
    assert daylight.decoded("DTSTART") == datetime(1970, 3, 29, 2, 0)
    assert standard.decoded("DTSTART") == datetime(1970, 10, 25, 3, 0)
    assert daylight["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert standard["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    assert (daylight.decoded("TZOFFSETFROM"), daylight.decoded("TZOFFSETTO")) == (
        timedelta(hours=1),
        timedelta(hours=2),
    )
    assert (standard.decoded("TZOFFSETFROM"), standard.decoded("TZOFFSETTO")) == (
        timedelta(hours=2),
        timedelta(hours=1),
    )
    assert (str(daylight["TZNAME"]), str(standard["TZNAME"])) == ("CEST", "CET")


@pytest.mark.parametrize("tzid", ["Europe/Stockholm", "Europe/Copenhagen"])
def test_vtimezone_parsed_back_matches_zoneinfo(tzid):
    data = build([make_event(1, city="helsingborg" if tzid == "Europe/Stockholm" else "helsingor")])
    tz = rule_tz(parse(data), tzid)
    zone = ZoneInfo(tzid)
    probes = [datetime(y, m, d, h) for y in (2001, 2026, 2037) for (m, d, h) in ((1, 15, 12), (7, 1, 12))]
    # an hour either side of each change, in several years
    probes += [
        datetime(2026, 3, 29, 1, 30),
        datetime(2026, 3, 29, 3, 30),
        datetime(2031, 3, 30, 3, 30),
        datetime(2026, 10, 25, 1, 30),
        datetime(2026, 10, 25, 3, 30),
        datetime(2031, 10, 26, 3, 30),
    ]
    for naive in probes:
        assert naive.replace(tzinfo=tz).utcoffset() == naive.replace(tzinfo=zone).utcoffset(), naive


def test_vtimezone_without_dst_is_one_standard():
    tz = vtimezone("Asia/Tokyo")
    assert [c.name for c in tz.subcomponents] == ["STANDARD"]
    (std,) = tz.subcomponents
    assert std.decoded("TZOFFSETFROM") == std.decoded("TZOFFSETTO") == timedelta(hours=9)
    assert "RRULE" not in std


def test_vtimezone_derives_other_weekday_rules_and_rejects_what_it_cannot_express():
    # US rule since 2007: second Sunday of March, first Sunday of November
    ny = icalendar.Timezone.from_ical(vtimezone("America/New_York", verify=range(2007, 2038)).to_ical())
    rules = {c.name: c["RRULE"] for c in ny.subcomponents}
    assert rules["DAYLIGHT"]["BYDAY"] == ["2SU"] and rules["STANDARD"]["BYDAY"] == ["1SU"]
    with pytest.raises(UnsupportedTimezoneError, match="America/New_York"):
        vtimezone("America/New_York")  # the 2000..2006 rule differs
    with pytest.raises(UnsupportedTimezoneError, match="Africa/Casablanca"):
        vtimezone("Africa/Casablanca")  # Ramadan-dependent changes


# --- calendar -----------------------------------------------------------------------------------------------


def test_calendar_properties():
    data = build(
        [make_event(1)],
        name="HH Cityclub — all events",
        description="Everything",
        url="https://hh.example/all.ics",
        source="https://hh.example/all.ics",
        color="purple",
        refresh_hours=4,
    )
    cal = parse(data)
    assert str(cal["PRODID"]) == PRODID
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "HH Cityclub — all events"
    assert str(cal["X-WR-CALDESC"]) == str(cal["DESCRIPTION"]) == "Everything"
    assert str(cal["URL"]) == "https://hh.example/all.ics"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT4H\r\n" in data
    assert b"X-PUBLISHED-TTL:PT4H\r\n" in data
    assert b"SOURCE;VALUE=URI:https://hh.example/all.ics\r\n" in data
    assert b"COLOR:purple\r\n" in data and b"X-APPLE-CALENDAR-COLOR:#800080\r\n" in data


def test_one_vtimezone_per_used_tzid_before_the_events():
    events = [make_event(1), make_event(2), make_event(3, city="helsingor")]
    data = build(events)
    cal = parse(data)
    names = [c.name for c in cal.subcomponents]
    assert names == ["VTIMEZONE", "VTIMEZONE", "VEVENT", "VEVENT", "VEVENT"]
    assert sorted(str(c["TZID"]) for c in cal.walk("VTIMEZONE")) == ["Europe/Copenhagen", "Europe/Stockholm"]
    # all-day events use no TZID, so they pull in no zone
    only_all_day = make_event(
        4,
        all_day=True,
        start=datetime(2026, 7, 4, tzinfo=STOCKHOLM),
        end=datetime(2026, 7, 5, tzinfo=STOCKHOLM),
    )
    assert not parse(build([only_all_day])).walk("VTIMEZONE")


def test_event_properties():
    event = make_event(
        7,
        title="Jazz på Dunkers",
        description="Kvällens konsert.\n\nMed gäster.",
        tags=("jazz", "culture", "music"),
        image="https://example.org/img/7.jpg",
        price=Price(min=100, max=250, currency="SEK"),
        sources=(
            SourceRef(source_id="a", url="https://a.example/e/7", source_event_id="7"),
            SourceRef(source_id="b", url="https://b.example/x", source_event_id="x"),
        ),
        sequence=3,
    )
    ev = vevents(build([event], uid_domain="hh.example"))["test-0007@hh.example"]
    assert str(ev["SUMMARY"]) == "Jazz på Dunkers"
    assert ev.decoded("DTSTAMP") == event.last_modified
    assert ev.decoded("LAST-MODIFIED") == event.last_modified
    assert ev.decoded("CREATED") == event.first_seen
    assert ev.decoded("SEQUENCE") == 3
    # plain text: when, where, price; the event's own text; every source's link
    assert str(ev["DESCRIPTION"]) == (
        "When: Monday 8 June 2026 18:00–20:00\nWhere: Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg\n"
        "Price: 100–250 SEK\n\nKvällens konsert.\n\nMed gäster.\n\n"
        "Source: https://a.example/e/7\nSource: https://b.example/x"
    )
    assert str(ev["LOCATION"]) == "Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg"
    assert (ev["GEO"].latitude, ev["GEO"].longitude) == (56.0465, 12.6945)
    assert str(ev["URL"]) == "https://example.org/events/7"
    # localised names of the category and sub-tags; a source's own tag ("jazz") as it is
    assert list(ev["CATEGORIES"].cats) == ["Culture", "jazz", "Music"]
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert str(ev["TRANSP"]) == "TRANSPARENT"  # subscribing does not make the subscriber busy
    assert str(ev["IMAGE"]) == "https://example.org/img/7.jpg"
    assert ev["IMAGE"].params == {"VALUE": "URI", "DISPLAY": "BADGE"}
    assert ev.decoded("DTSTART") == event.start
    assert ev.decoded("DTEND") == event.end
    assert ev["DTSTART"].params["TZID"] == "Europe/Stockholm"


def test_optional_fields_left_out():
    event = make_event(
        8,
        url=None,
        venue=Venue(),
        description="",
        end=None,
        first_seen=None,
        last_modified=None,
        sources=(SourceRef(source_id="s", source_event_id="8"),),
    )
    ev = vevents(build([event]))["test-0008@hhevents"]
    for prop in ("DTEND", "URL", "GEO", "LOCATION", "LAST-MODIFIED", "CREATED", "IMAGE"):
        assert prop not in ev, prop
    # no last_modified nor first_seen: DTSTAMP falls back to the start, still not "now"
    assert ev.decoded("DTSTAMP") == event.start.astimezone(UTC)


def test_dtstamp_falls_back_to_first_seen():
    event = make_event(9, last_modified=None)
    assert vevents(build([event]))["test-0009@hhevents"].decoded("DTSTAMP") == event.first_seen


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("scheduled", "CONFIRMED"),
        ("rescheduled", "CONFIRMED"),
        ("cancelled", "CANCELLED"),
        ("postponed", "TENTATIVE"),
    ],
)
def test_status(status, expected):
    data = build([make_event(1, status=status)])
    assert str(vevents(data)["test-0001@hhevents"]["STATUS"]) == expected
    assert f"STATUS:{expected}\r\n".encode() in data


def test_all_day_is_date_with_exclusive_end():
    festival = make_event(
        1,
        all_day=True,
        start=datetime(2026, 7, 4, tzinfo=STOCKHOLM),
        end=datetime(2026, 7, 6, tzinfo=STOCKHOLM),
    )  # 4 and 5 July
    one_day = make_event(
        2, all_day=True, start=datetime(2026, 7, 10, tzinfo=COPENHAGEN), end=None, city="helsingor"
    )
    data = build([festival, one_day])
    assert b"DTSTART;VALUE=DATE:20260704\r\n" in data
    assert b"DTEND;VALUE=DATE:20260706\r\n" in data
    evs = vevents(data)
    assert evs["test-0001@hhevents"].decoded("DTSTART") == date(2026, 7, 4)
    assert evs["test-0001@hhevents"].decoded("DTEND") == date(2026, 7, 6)
    assert evs["test-0002@hhevents"].decoded("DTSTART") == date(2026, 7, 10)
    assert "DTEND" not in evs["test-0002@hhevents"]


def test_timed_event_without_end_has_no_dtend():
    data = build([make_event(1, end=None)])
    assert b"DTEND" not in data
    assert "DTEND" not in vevents(data)["test-0001@hhevents"]


def test_dst_edges_round_trip():
    spring = datetime(2026, 3, 29, 3, 0, tzinfo=STOCKHOLM)  # first minute of CEST
    gap = datetime(2026, 3, 29, 2, 30, tzinfo=STOCKHOLM)  # wall time that does not exist
    autumn_first = datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=COPENHAGEN)  # 02:30 CEST
    autumn_second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=COPENHAGEN)  # 02:30 CET, an hour later
    events = [
        make_event(1, start=spring, end=spring + timedelta(hours=1)),
        make_event(2, start=gap, end=None),
        make_event(3, start=autumn_first, end=None, city="helsingor"),
        make_event(4, start=autumn_second, end=None, city="helsingor"),
    ]
    data = build(events)
    cal = parse(data)
    evs = vevents(data)

    assert b"DTSTART;TZID=Europe/Stockholm:20260329T030000\r\n" in data
    # 02:30 never happens that night: written as the instant it denotes (03:30 CEST), which every client reads
    # the same way, instead of a non-existent wall time
    assert b"DTSTART;TZID=Europe/Stockholm:20260329T033000\r\n" in data
    # both 02:30s of the autumn night go as UTC: clients disagree on which one a local 02:30 means
    assert b"DTSTART:20261025T003000Z\r\n" in data
    assert b"DTSTART:20261025T013000Z\r\n" in data
    assert b"TZID=Europe/Copenhagen:20261025T02" not in data

    for event in events:
        ev = evs[f"{event.id}@hhevents"]
        assert ev.decoded("DTSTART").astimezone(UTC) == event.start.astimezone(UTC)
        if "TZID" in ev["DTSTART"].params:
            # and through the file's own VTIMEZONE rules, as ical.js / vobject read it
            naive, tzid = local_from_file(ev, "DTSTART")
            assert naive.replace(tzinfo=rule_tz(cal, tzid)).astimezone(UTC) == event.start.astimezone(UTC)


def test_crlf_and_folding():
    long_text = "Välkommen till Kronborg! Øl, æbler og ål på slottet — åäö ÅÄÖ øæ ØÆ. " * 12
    data = build([make_event(1, description=long_text, title="Ø" * 60), make_event(2, city="helsingor")])
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # folding never splits a multi-byte character
    assert any(line.startswith(b" ") for line in lines)  # it did fold


def test_non_ascii_round_trips():
    event = make_event(
        1,
        title="Smörgåsbord & æblekage på Kronborg, ØRESUND",
        description="Åsa, Örjan; Søren \\ Æbelø.\nNy rad.",
        venue=Venue(
            name="Kronborg Slot", street_address="Kronborg 2C", postal_code="3000", locality="Helsingør"
        ),
        tags=("mad, drikke", "børn"),
        city="helsingor",
    )
    ev = vevents(build([event]))["test-0001@hhevents"]
    assert str(ev["SUMMARY"]) == event.title
    assert "\n\n" + event.description + "\n\n" in str(ev["DESCRIPTION"])
    assert str(ev["LOCATION"]) == "Kronborg Slot, Kronborg 2C, 3000 Helsingør"
    assert list(ev["CATEGORIES"].cats) == ["Culture", "mad, drikke", "børn"]


def test_same_bytes_in_any_order():
    events = [make_event(n, city="helsingor" if n % 3 == 0 else "helsingborg") for n in range(1, 40)]
    events.append(make_event(99, all_day=True, start=datetime(2026, 6, 5, tzinfo=STOCKHOLM), end=None))
    first = build(events)
    rng = random.Random(1)
    for _ in range(3):
        shuffled = events[:]
        rng.shuffle(shuffled)
        assert build(shuffled) == first
    # sorted by start, then id
    starts = [ev.decoded("DTSTART") for ev in parse(first).walk("VEVENT")]
    keys = [
        datetime.combine(s, datetime.min.time(), STOCKHOLM) if not isinstance(s, datetime) else s
        for s in starts
    ]
    assert keys == sorted(keys)


def test_unchanged_event_serialises_identically_later():
    # nothing in the output depends on the wall clock
    a = build([make_event(1)])
    b = build([make_event(1)])
    assert a == b


def test_uids_unique_even_with_duplicate_input():
    older = make_event(1, title="Old", sequence=1)
    newer = make_event(1, title="New", sequence=2)
    evs = parse(build([newer, older, make_event(2)])).walk("VEVENT")
    assert [str(e["UID"]) for e in evs] == ["test-0001@hhevents", "test-0002@hhevents"]
    assert str(evs[0]["SUMMARY"]) == "New"
    assert build([older, newer]) == build([newer, older])


def test_empty_calendar_is_valid():
    cal = parse(build([]))
    assert not cal.walk("VEVENT") and not cal.walk("VTIMEZONE")


# --- languages, cancelled events, caching -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "summary", "first_line"),
    [
        ("sv", "Inställt: Jazz på Dunkers", "Status: Inställt"),
        ("da", "Aflyst: Jazz på Dunkers", "Status: Aflyst"),
        ("en", "Cancelled: Jazz på Dunkers", "Status: Cancelled"),
    ],
)
def test_cancelled_event_keeps_its_place_marked_in_each_language(language, summary, first_line):
    event = make_event(1, title="Jazz på Dunkers", status="cancelled", tags=("music",))
    ev = vevents(build([event, make_event(2)], language=language))["test-0001@hhevents"]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert str(ev["SUMMARY"]) == summary
    assert str(ev["DESCRIPTION"]).split("\n")[0] == first_line
    assert list(ev["CATEGORIES"].cats) == {
        "sv": ["Kultur", "Musik"], "da": ["Kultur", "Musik"], "en": ["Culture", "Music"]
    }[language]


def test_the_same_event_has_the_same_uid_and_times_in_every_language():
    events = [make_event(n, city="helsingor" if n % 2 else "helsingborg") for n in range(1, 6)]
    per_language = {lang: vevents(build(events, language=lang)) for lang in ("sv", "da", "en")}
    assert per_language["sv"].keys() == per_language["da"].keys() == per_language["en"].keys()
    for uid, ev in per_language["sv"].items():
        for other in ("da", "en"):
            assert per_language[other][uid].decoded("DTSTART") == ev.decoded("DTSTART")
            assert per_language[other][uid]["LOCATION"] == ev["LOCATION"]


def test_each_event_is_rendered_once_per_language_with_a_shared_cache():
    cache = RenderCache()
    events = [make_event(n) for n in range(1, 11)]
    first = build(events, cache=cache)
    again = build(events[:4], cache=cache)
    assert cache.made["ics"] == 10 and cache.made["ics-neutral"] == 10
    build(events, language="sv", cache=cache)
    assert cache.made["ics"] == 20 and cache.made["ics-neutral"] == 10  # the neutral half is shared
    # a cached VEVENT gives the same bytes as a fresh one
    assert first == build(events) and again == build(events[:4])


def test_fold_never_splits_a_character_and_unfolds_to_the_line():
    samples = ("a" * 75, "a" * 76, "ö" * 100, "x" + "ö" * 100, "DESCRIPTION:" + "Kronborg åäö ØÆ — 🎭 " * 30)
    for line in samples:
        data = line.encode()
        folded = fold(data)
        assert folded.endswith(b"\r\n")
        lines = folded[:-2].split(b"\r\n")
        assert all(len(piece) <= 75 for piece in lines)
        for piece in lines:
            piece.decode("utf-8")
        assert folded[:-2].replace(b"\r\n ", b"") == data
    assert fold(b"a" * 75) == b"a" * 75 + b"\r\n"  # 75 octets fit on one line


def test_hostile_and_broken_text_still_gives_a_valid_calendar():
    event = make_event(
        1,
        title="Jazz\x0b på; Dunkers, \\ \"kväll\"",
        description="Rad 1\r\nRad 2\x00",
        url="javascript:alert(1)",
        image="data:image/png;base64,xx",
    )
    data = build([event])
    assert b"\x0b" not in data and b"\x00" not in data and b"javascript" not in data and b"IMAGE" not in data
    ev = vevents(data)["test-0001@hhevents"]
    assert str(ev["SUMMARY"]) == 'Jazz på; Dunkers, \\ "kväll"'
    assert "Rad 1\nRad 2\n" in str(ev["DESCRIPTION"])
    assert str(ev["URL"]) == "https://source.example/e/1"  # the first source's page instead


# --- read back by vobject (Radicale, older khal) ------------------------------------------------------------


def test_vobject_reads_zones_times_and_text_as_written():
    events = [
        make_event(1, title="Smörgåsbord på Dunkers", start=datetime(2026, 7, 1, 19, 0, tzinfo=STOCKHOLM)),
        make_event(2, title="Vinteraften på Kronborg — øl & ål", city="helsingor",
                   start=datetime(2026, 12, 3, 19, 0, tzinfo=COPENHAGEN)),
        # the autumn night's first 02:30, written in UTC
        make_event(3, status="cancelled", title="Föreläsning", end=None,
                   start=datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM)),
        make_event(4, all_day=True, start=datetime(2026, 7, 3, tzinfo=COPENHAGEN),
                   end=datetime(2026, 7, 6, tzinfo=COPENHAGEN), city="helsingor"),
    ]
    data = build(events, language="sv")
    cal = vobject.readOne(data.decode("utf-8"))
    cal.serialize()  # vobject validates while serialising
    by_uid = {ve.uid.value: ve for ve in cal.vevent_list}
    assert len(by_uid) == len(cal.vevent_list) == 4
    summer = by_uid["test-0001@hhevents"].dtstart.value
    assert summer.utcoffset() == timedelta(hours=2)  # read through the file's own VTIMEZONE: CEST
    assert summer.astimezone(UTC) == events[0].start.astimezone(UTC)
    winter = by_uid["test-0002@hhevents"].dtstart.value
    assert winter.utcoffset() == timedelta(hours=1)
    assert by_uid["test-0002@hhevents"].summary.value == "Vinteraften på Kronborg — øl & ål"
    cancelled = by_uid["test-0003@hhevents"]
    assert cancelled.status.value == "CANCELLED" and cancelled.summary.value == "Inställt: Föreläsning"
    assert cancelled.dtstart.value.astimezone(UTC) == events[2].start.astimezone(UTC)
    festival = by_uid["test-0004@hhevents"]
    assert (festival.dtstart.value, festival.dtend.value) == (date(2026, 7, 3), date(2026, 7, 6))
    assert [c.value for c in by_uid["test-0001@hhevents"].contents["categories"]] == [["Kultur"]]
