from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from factories import COPENHAGEN, STOCKHOLM, make_event

from feeds.ical import PRODID, build_calendar
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
    assert str(ev["DESCRIPTION"]) == (
        "Kvällens konsert.\n\nMed gäster.\n\nPrice: 100–250 SEK\n\n"
        "Source: https://a.example/e/7\nSource: https://b.example/x"
    )
    assert str(ev["LOCATION"]) == "Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg"
    assert (ev["GEO"].latitude, ev["GEO"].longitude) == (56.0465, 12.6945)
    assert str(ev["URL"]) == "https://example.org/events/7"
    assert list(ev["CATEGORIES"].cats) == ["culture", "jazz", "music"]
    assert str(ev["STATUS"]) == "CONFIRMED"
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
    for prop in ("DTEND", "URL", "GEO", "LOCATION", "DESCRIPTION", "LAST-MODIFIED", "CREATED"):
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
    assert str(ev["DESCRIPTION"]).startswith(event.description + "\n\n")
    assert str(ev["LOCATION"]) == "Kronborg Slot, Kronborg 2C, 3000 Helsingør"
    assert list(ev["CATEGORIES"].cats) == ["culture", "mad, drikke", "børn"]


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
