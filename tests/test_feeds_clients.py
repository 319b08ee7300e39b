"""Published feeds read by real calendar and feed clients (the harness in ../shared/clients).

A representative part of the matrix: every format, both cities, a category, each language, the root feeds
and an empty calendar. Skipped, saying why, when the harness is absent or not installed. Run by hand:
``../shared/clients/check_ics.sh FILE`` and ``check_feed.sh FILE`` (docs/feeds.md: results for the demo).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from factories import COPENHAGEN, STOCKHOLM, make_event

from feeds.publish import FEEDS, publish
from hhevents.model import Price, SourceRef, Venue

SHARED = Path(os.environ.get("HH_SHARED_DIR", Path(__file__).resolve().parents[1].parent / "shared"))
CLIENTS = SHARED / "clients"
ROW = re.compile(r"^(\S+)\s+(OK|WARN|FAIL)\b\s*(.*)$")


def fixture_events():
    kronborg = Venue(
        name="Kronborg Slot",
        street_address="Kronborg 2C",
        postal_code="3000",
        locality="Helsingør",
        country="DK",
        latitude=56.0390,
        longitude=12.6216,
    )
    return [
        make_event(1),
        make_event(
            2,
            city="helsingor",
            venue=kronborg,
            title="Hamlet på Kronborg — ærlig talt, øl & ål 🎭",
            description="Forestillingen spilles på engelsk.\nBilletter: se linket; børn gratis.\n" * 8,
            price=Price(text="Fra 150 kr.", currency="DKK"),
        ),
        make_event(3, status="cancelled", title="INSTÄLLT: Föreläsning om Öresund"),
        make_event(4, status="postponed", city="helsingor", venue=kronborg),
        make_event(15, status="cancelled", city="helsingor", venue=kronborg, title="Koncert på Kronborg",
                   image="https://kronborg.example/media/koncert.jpg", organizer="Kronborg Slot"),
        # DST edges: spring-forward gap and its first hour, both autumn 02:30s
        make_event(5, start=datetime(2026, 3, 29, 2, 30, tzinfo=STOCKHOLM), end=None),
        make_event(
            6,
            start=datetime(2026, 3, 29, 3, 0, tzinfo=COPENHAGEN),
            city="helsingor",
            end=datetime(2026, 3, 29, 5, 0, tzinfo=COPENHAGEN),
        ),
        make_event(
            7,
            start=datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM),
            end=datetime(2026, 10, 25, 2, 45, tzinfo=STOCKHOLM),
        ),
        make_event(
            8,
            start=datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=COPENHAGEN),
            city="helsingor",
            end=datetime(2026, 10, 25, 3, 30, tzinfo=COPENHAGEN),
        ),
        # all-day: one day, and a festival over three days (exclusive end)
        make_event(
            9,
            all_day=True,
            start=datetime(2026, 6, 19, tzinfo=STOCKHOLM),
            end=datetime(2026, 6, 20, tzinfo=STOCKHOLM),
            title="Midsommarafton i Fredriksdal",
        ),
        make_event(
            10,
            all_day=True,
            start=datetime(2026, 7, 3, tzinfo=COPENHAGEN),
            end=datetime(2026, 7, 6, tzinfo=COPENHAGEN),
            city="helsingor",
            title="Kulturhavn-festival",
        ),
        make_event(11, all_day=True, start=datetime(2026, 12, 13, tzinfo=STOCKHOLM), end=None, title="Lucia"),
        # sparse event: no venue, url, description, end
        make_event(
            12,
            venue=Venue(),
            url=None,
            description="",
            end=None,
            category="sport",
            sources=(SourceRef(source_id="s", source_event_id="12"),),
            tags=("fotboll", "HIF"),
        ),
        # winter and a later year
        make_event(13, start=datetime(2027, 1, 15, 19, 0, tzinfo=STOCKHOLM), end=None, category="shopping"),
        make_event(
            14,
            start=datetime(2031, 8, 1, 12, 0, tzinfo=COPENHAGEN),
            city="helsingor",
            end=datetime(2031, 8, 1, 14, 0, tzinfo=COPENHAGEN),
        ),
    ]


def khal_days(events) -> int:
    """khal list (without --once) prints a multi-day event once per day it covers."""
    return sum((e.end - e.start).days if e.all_day and e.end else 1 for e in events)


Check = tuple[int, dict[str, tuple[str, str]], str]  # exit code, rows by name, the whole output


def run_check(script: str, path: Path, **env: str) -> Check | str:
    """The harness's verdict on one file, or why it could not run (a reason to skip)."""
    exe = CLIENTS / script
    if not exe.exists():
        return f"client harness not found at {CLIENTS} (set HH_SHARED_DIR)"
    if shutil.which("bash") is None:
        return "bash is needed to run the client harness"
    proc = subprocess.run(
        ["bash", str(exe), str(path)], capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )
    if proc.returncode == 2 and "harness not installed" in proc.stderr:
        return f"client harness not installed: run {CLIENTS / 'setup.sh'}"
    output = proc.stdout + proc.stderr
    rows = [m.groups() for line in proc.stdout.splitlines() if (m := ROW.match(line)) and m.group(1) != "=="]
    return proc.returncode, {name: (status, rest) for name, status, rest in rows}, output


# Far enough back and ahead that the window keeps every fixture event (2026..2031).
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=STOCKHOLM)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("public")
    events = fixture_events()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HHEVENTS_NOW", NOW.isoformat())
        publish(events, out, base_url="https://hh.example/feeds/", now=NOW, ahead_days=365 * 6)
    specs = {spec.stem: spec for spec in FEEDS}
    return out, events, specs


def held(published, stem: str):
    _, events, specs = published
    return [e for e in events if specs[stem].include(e)]


CALENDARS = [
    ("all", "Europe/Stockholm"),  # English, everything, at the root
    ("da/helsingborg-culture", "Europe/Copenhagen"),  # Danish, one city, one category
]
EMPTY_CALENDAR = "en/helsingor-shopping"
READER_FEEDS = [
    "all.rss",  # the first public URL
    "sv/helsingor-culture.rss",
    "da/all-all.atom",
    "en/helsingborg-sport.atom",
    "sv/all-all.json",
    "da/helsingor-all.json",
]


@pytest.fixture(scope="module")
def checked(published):
    """Every check of this module, run side by side (each takes seconds, mostly waiting on its clients)."""
    out = published[0]
    # A client that is slow on a busy machine is not a client that fails: allow more than the default 30 s.
    slow_ok = {"CLIENT_TIMEOUT": "120"}
    jobs = {f"{stem}.ics": ("check_ics.sh", {"KHAL_TZ": tz, **slow_ok}) for stem, tz in CALENDARS}
    jobs[f"{EMPTY_CALENDAR}.ics"] = ("check_ics.sh", slow_ok)
    jobs.update({name: ("check_feed.sh", {"STRICT": "1"}) for name in READER_FEEDS})
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(run_check, script, out / name, **env) for name, (script, env) in jobs.items()
        }
        return {name: future.result() for name, future in futures.items()}


def verdict(checked, name: str) -> Check:
    result = checked[name]
    if isinstance(result, str):
        pytest.skip(result)
    return result


@pytest.mark.parametrize(("stem", "khal_tz"), CALENDARS)
def test_calendars_read_cleanly_by_every_client(published, checked, stem, khal_tz):
    events = held(published, stem)
    assert events
    rc, rows, output = verdict(checked, f"{stem}.ics")
    assert rc == 0, output
    for client in ("icalendar", "vobject", "ics.py", "ical.js", "node-ical", "vdirsyncer+khal"):
        assert rows.get(client, ("missing", ""))[0] == "OK", output
        if client != "vdirsyncer+khal":
            assert f"events={len(events)}" in rows[client][1], output
    for name, (status, _) in rows.items():
        if name != "occurrences":
            assert status == "OK", f"{name}: {output}"
    counts = dict(re.findall(r"(\S+)=(\d+)", rows["occurrences"][1]))
    assert counts["recurring-ical-events"] == counts["ical.js"] == str(len(events)), output
    # The harness runs khal list without --once, so a festival is listed on each of its days; the
    # occurrences row can only be OK when no event spans several days.
    assert counts["vdirsyncer+khal"] == str(khal_days(events)), output


def test_an_empty_calendar_is_read_by_every_client(published, checked):
    """helsingor-shopping holds nothing: every client reads it; only the harness's own "khal lists no events"
    rule marks the khal row (vdirsyncer and khal themselves report no error)."""
    assert not held(published, EMPTY_CALENDAR)
    _, rows, output = verdict(checked, f"{EMPTY_CALENDAR}.ics")
    for client in ("icalendar", "vobject", "ics.py", "ical.js", "node-ical"):
        assert rows[client][0] == "OK" and "events=0" in rows[client][1], output
    status, detail = rows["vdirsyncer+khal"]
    assert status == "OK" or "vdir items=0; khal lists no events" in detail, output
    for name, (status, _) in rows.items():
        if name != "vdirsyncer+khal":
            assert status == "OK", f"{name}: {output}"


@pytest.mark.parametrize("name", READER_FEEDS)
def test_reader_feeds_read_cleanly_by_every_reader(published, checked, name):
    stem, ext = name.rsplit(".", 1)
    events = held(published, stem)
    assert events
    rc, rows, output = verdict(checked, name)
    assert rc == 0, output
    n = len(events)
    if ext == "json":
        assert rows["jsonfeed"][0] == "OK", output
        assert f"ids={n}/{n}" in rows["jsonfeed"][1] and f"date={n}/{n}" in rows["jsonfeed"][1], output
        return
    for client in ("xml-wellformed", "feedparser", "duplicate-ids", "rss-parser"):
        assert rows.get(client, ("missing", ""))[0] == "OK", output
    version = "rss20" if ext == "rss" else "atom10"
    assert f"version={version} bozo=0 id/guid={n}/{n} link={n}/{n} published/updated={n}/{n}" in (
        rows["feedparser"][1]
    ), output
    assert f"id/guid={n}/{n} link={n}/{n} isoDate={n}/{n}" in rows["rss-parser"][1], output
