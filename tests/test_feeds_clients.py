"""Published feeds read by real calendar and feed clients (the harness in ../shared/clients).

Skipped when the harness is absent or not installed. Run by hand: ``../shared/clients/check_ics.sh FILE``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from factories import COPENHAGEN, STOCKHOLM, make_event

from feeds.publish import publish
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


def run_check(script: str, path: Path, **env: str) -> tuple[int, list[tuple[str, str, str]], str]:
    exe = CLIENTS / script
    if not exe.exists():
        pytest.skip(f"client harness not found at {CLIENTS} (set HH_SHARED_DIR)")
    if shutil.which("bash") is None:
        pytest.skip("bash is needed to run the client harness")
    proc = subprocess.run(
        ["bash", str(exe), str(path)], capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )
    if proc.returncode == 2 and "harness not installed" in proc.stderr:
        pytest.skip(f"client harness not installed: run {CLIENTS / 'setup.sh'}")
    output = proc.stdout + proc.stderr
    rows = [m.groups() for line in proc.stdout.splitlines() if (m := ROW.match(line)) and m.group(1) != "=="]
    return proc.returncode, rows, output


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("public")
    events = fixture_events()
    publish(events, out, base_url="https://hh.example/feeds/")
    return out, events


def test_ics_read_cleanly_by_every_client(published):
    out, events = published
    rc, rows, output = run_check("check_ics.sh", out / "all.ics", KHAL_TZ="Europe/Stockholm")
    assert rc == 0, output
    by_name = {name: (status, rest) for name, status, rest in rows}
    for client in ("icalendar", "vobject", "ics.py", "ical.js", "node-ical", "vdirsyncer+khal"):
        assert by_name.get(client, ("missing", ""))[0] == "OK", output
    for name, (status, _) in by_name.items():
        if name != "occurrences":
            assert status == "OK", f"{name}: {output}"
    for client in ("icalendar", "vobject", "ics.py", "ical.js", "node-ical"):
        assert f"events={len(events)}" in by_name[client][1], output
    counts = dict(re.findall(r"(\S+)=(\d+)", by_name["occurrences"][1]))
    assert counts["recurring-ical-events"] == counts["ical.js"] == str(len(events)), output
    # The harness runs khal list without --once, so the three-day festival is listed on each of its days; the
    # occurrences row can only be OK when no event spans several days.
    assert counts["vdirsyncer+khal"] == str(khal_days(events)), output


def test_rss_read_cleanly_by_every_reader(published):
    out, events = published
    rc, rows, output = run_check("check_feed.sh", out / "all.rss", STRICT="1")
    assert rc == 0, output
    by_name = {name: (status, rest) for name, status, rest in rows}
    for name in ("xml-wellformed", "feedparser", "duplicate-ids", "rss-parser"):
        assert by_name.get(name, ("missing", ""))[0] == "OK", output
    assert f"id/guid={len(events)}/{len(events)}" in by_name["feedparser"][1], output
