"""History in real crawls: an event the source stops listing is retired after two healthy runs; status."""

from __future__ import annotations

import shutil

from helpers import FIXTURES, run_hhevents

from hhevents.snapshots import SnapshotServer
from store import EventStore
from store.db import DB_FILENAME

FEED = "ohk.example/kalender/x-wr-timezone-floating-recurring.ics"
CONFIG = """\
sources:
  - id: ohk
    name: Öresunds HK
    city: helsingborg
    type: ics
    url: https://ohk.example/kalender/x-wr-timezone-floating-recurring.ics
    category: sport
    language: sv
  - id: down
    name: A source whose server fails
    city: helsingor
    type: ics
    url: https://down.example/calendar.ics
    category: sport
    language: da
"""


def without_event(text: str, uid: str) -> str:
    """The calendar without the VEVENT whose UID is ``uid``."""
    blocks = text.split("BEGIN:VEVENT")
    return "BEGIN:VEVENT".join(block for block in blocks if f"UID:{uid}" not in block)


def test_an_event_the_source_stops_listing_is_retired_after_two_healthy_runs(tmp_path):
    site_root = tmp_path / "site"
    shutil.copytree(FIXTURES / "sites" / "ohk.example", site_root / "ohk.example")
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    data_dir = tmp_path / "var"
    with SnapshotServer(site_root) as site:
        site.fail("/down.example/calendar.ics", status=500)

        def crawl(now: str):
            result = run_hhevents(
                "crawl", "--source", "ohk", config=config, data_dir=data_dir, site=site.base_url, now=now
            )
            assert result.returncode == 0, result.stderr
            return result

        crawl("2026-03-20T12:00:00+01:00")
        feed = site_root / FEED
        feed.write_text(without_event(feed.read_text(encoding="utf-8"), "match-101@ohk.example"), "utf-8")
        crawl("2026-03-20T14:00:00+01:00")
        store = EventStore(data_dir / DB_FILENAME)
        assert any(e.title == "Öresunds HK – Lugi HF" for e in store.events())  # one miss: kept
        crawl("2026-03-20T16:00:00+01:00")
        assert not any(e.title == "Öresunds HK – Lugi HF" for e in store.events())  # two: retired
        latest = store.latest_runs()["ohk"]
        assert (latest.outcome, latest.removed, latest.items, latest.healthy) == ("ok", 1, 6, True)
        assert (
            latest.pages >= 1
            and latest.scraped == 6
            and set(latest.coverage) == {"end", "venue", "price", "image"}
        )
        store.close()

        run_hhevents("crawl", "--source", "down", config=config, data_dir=data_dir, site=site.base_url)
        status = run_hhevents("status", config=config, data_dir=data_dir)
    assert status.returncode == 1  # a broken source
    rows = {line.split()[1]: line for line in status.stderr.splitlines() if line.startswith("│ ")}
    assert "ok" in rows["ohk"] and "BROKEN" not in rows["ohk"]
    assert "failed" in rows["down"] and "BROKEN" in rows["down"]
    assert "down: https://down.example/calendar.ics: HTTP 500" in status.stderr
