"""scheduler.py: real `hhevents run` processes against the loopback snapshot site, and its schedule rules.

The scenario (one module-scoped run, many assertions) runs the scheduler with HHEVENTS_TIME_SCALE=60, so a
source's `every 10m` fires every 10 s while the YAML is validated as in production. Its phases:

1. start-up: never-run and overdue sources crawl at once, a recently crawled one waits; a hung source is
   killed at its `time_limit` while the others proceed; changes are published (once per window) and served;
2. a valid edit adds, removes, reschedules and changes sources;
3. a broken edit of both YAML files is rejected: the old jobs run on, the errors are reported;
4. the fix is applied, and SIGTERM arrives while a (stalled) crawl runs.

Time inside the crawls is frozen (HHEVENTS_NOW); the scheduler's own clock is real.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import FIXTURES, FROZEN_NOW, REPO, cli_env, free_port, run_hhevents

from hhevents.snapshots import SnapshotServer
from store import CrawlRun, EventStore
from store.db import DB_FILENAME

SITES = FIXTURES / "scheduler" / "sites"
CATEGORIES = REPO / "config" / "categories.yaml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def entry(sid: str, url: str, *, schedule: str, city: str = "helsingborg", language: str = "sv",
          extra: str = "") -> str:
    return (f"  - id: {sid}\n    name: {sid.title()}\n    city: {city}\n    type: ics\n    url: {url}\n"
            f"    category: culture\n    language: {language}\n    schedule: {schedule}\n{extra}")


SOFIERO = "https://sofiero.example/evenemang.ics"
KRONBORG = "https://kronborg.example/kalender.ics"
TROPIKARIET = "https://tropikariet.example/kalender.ics"
HANGS = "https://hangs.example/kalender.ics"
STALLS = "https://stalls.example/kalender.ics"
RECENT = "https://recent.example/kalender.ics"  # crawled just now (seeded): never fetched in the test


def sources(*entries: str) -> str:
    return "sources:\n" + "".join(entries)


V1 = sources(
    entry("sofiero", SOFIERO, schedule="every 10m"),
    entry("kronborg", KRONBORG, schedule="every 1h", city="helsingor", language="da"),
    entry("hangs", HANGS, schedule="every 1h", extra="    time_limit: 3\n"),
    entry("recent", RECENT, schedule="every 1h"),
)
V2 = sources(  # hangs removed, kronborg rescheduled, sofiero changed, tropikariet added
    entry("sofiero", SOFIERO, schedule="every 10m", extra="    priority: 1\n"),
    entry("kronborg", KRONBORG, schedule="every 2h", city="helsingor", language="da"),
    entry("recent", RECENT, schedule="every 1h"),
    entry("tropikariet", TROPIKARIET, schedule="every 1h"),
)
V3 = (V2.replace("schedule: every 2h", "schedule: every 5 minutes")  # two mistakes, both must be reported
      .replace("city: helsingborg\n    type: ics\n    url: https://tropikariet",
               "city: stockholm\n    type: ics\n    url: https://tropikariet"))
V4 = V2 + entry("stalls", STALLS, schedule="every 1h", extra="    time_limit: 60\n")
CULTURE_NAMES = "names: {sv: Kultur, da: Kultur, en: Culture}"


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# -- the log ------------------------------------------------------------------------------------------------

_FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


@dataclass
class LogEvent:
    at: datetime
    level: str
    fields: dict[str, str]
    index: int  # line number: the order of events (one process writes the file)

    def __getitem__(self, key: str) -> str:
        return self.fields[key]

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)

    def listed(self, key: str) -> list[str]:
        return [value for value in self.get(key).split(",") if value and value != "-"]


def parse_log(path: Path) -> list[LogEvent]:
    found = []
    if not path.exists():
        return found
    for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        parts = line.split(" ", 3)
        if len(parts) < 4 or parts[2] != "scheduler" or not parts[3].startswith("event="):
            continue
        fields = {key: json.loads(value) if value.startswith('"') else value
                  for key, value in _FIELD.findall(parts[3])}
        found.append(LogEvent(datetime.fromisoformat(parts[0]), parts[1], fields, index))
    return found


def select(events: list[LogEvent], name: str, **match: str) -> list[LogEvent]:
    return [e for e in events if e["event"] == name and all(e.get(k) == v for k, v in match.items())]


# -- the scenario -------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    root: Path
    config: Path
    categories: Path
    data_dir: Path
    out: Path
    process: subprocess.Popen | None = None
    marks: dict[str, float] = field(default_factory=dict)  # time.time() of each edit / signal
    states: dict[str, dict] = field(default_factory=dict)
    status: subprocess.CompletedProcess | None = None
    served: tuple[int, str, str] | None = None
    stalls_pid: int | None = None
    returncode: int | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "hhevents.log"

    def events(self) -> list[LogEvent]:
        return parse_log(self.log_path)

    def state(self) -> dict:
        with contextlib.suppress(OSError, ValueError):
            return json.loads((self.data_dir / "scheduler" / "state.json").read_text(encoding="utf-8"))
        return {}

    def tail(self) -> str:
        lines = self.log_path.read_text(encoding="utf-8").splitlines() if self.log_path.exists() else []
        stderr = (self.root / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-3000:]
        return "\n".join(lines[-40:]) + "\n--- stderr ---\n" + stderr

    def wait_for(self, what: str, condition, timeout: float = 90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"hhevents run exited ({self.process.returncode}) while waiting for "
                                     f"{what}\n{self.tail()}")
            time.sleep(0.2)
        raise AssertionError(f"waited {timeout} s for {what}\n{self.tail()}")

    def after(self, mark: str, name: str, **match: str) -> list[LogEvent]:
        since = datetime.fromtimestamp(self.marks[mark]).astimezone()
        return [e for e in select(self.events(), name, **match) if e.at >= since]


def seed_runs(data_dir: Path) -> None:
    """kronborg last ran two (virtual) hours ago: overdue; recent ran just now: not due at start-up."""
    now = datetime.fromisoformat(FROZEN_NOW)
    store = EventStore(data_dir / DB_FILENAME)
    try:
        for sid, started in (("kronborg", now - timedelta(hours=2)), ("recent", now)):
            store.record_run(CrawlRun(source_id=sid, started=started, finished=started + timedelta(seconds=5),
                                      outcome="ok", items=2, new=2, healthy=True))
    finally:
        store.close()


def run_scenario(scenario: Scenario, site: SnapshotServer) -> None:
    s = scenario
    port = free_port()
    # -v: the crawl logs show Scrapy's progress, so phase 4 can tell when the stalled crawl is under way.
    command = [sys.executable, "-m", "hhevents", "-v", "--config", str(s.config), "--categories",
               str(s.categories), "--data-dir", str(s.data_dir), "--out", str(s.out), "--snapshot-site",
               site.base_url, "run", "--port", str(port), "--jitter", "0.5", "--publish-delay", "6",
               "--grace", "1", "--kill-after", "2", "--watch-interval", "0.5"]
    env = {**cli_env(), "HHEVENTS_TIME_SCALE": "60"}
    with open(s.root / "stderr.txt", "wb") as stderr:
        s.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    s.marks["start"] = time.time()

    # 1. start-up crawls; the hung one is killed (the scheduled crawls and publishes go on meanwhile)
    def first_crawls_done():
        done = {e["source"] for e in select(s.events(), "crawl.finished")}
        return {"sofiero", "kronborg", "hangs"} <= done

    s.wait_for("the start-up crawls", first_crawls_done)
    s.states["v1"] = s.state()

    # 2. a valid edit
    s.marks["v2"] = time.time()
    s.config.write_text(V2, encoding="utf-8")
    s.wait_for("the reload", lambda: s.after("v2", "config.reloaded"))
    s.wait_for("the added source's first crawl",
               lambda: s.after("v2", "crawl.finished", source="tropikariet"))
    s.states["v2"] = s.state()

    # 3. a broken edit of both files
    s.marks["broken"] = time.time()
    s.config.write_text(V3, encoding="utf-8")
    s.categories.write_text(
        s.categories.read_text(encoding="utf-8").replace(CULTURE_NAMES, CULTURE_NAMES.replace("sv:", "se:")),
        encoding="utf-8")
    s.wait_for("both files' errors in the state", lambda: {
        Path(e["file"]).name for e in s.state().get("config", {}).get("errors", [])} == {
        "sources.yaml", "categories.yaml"})
    s.states["broken"] = s.state()
    s.status = run_hhevents("status", config=s.config, data_dir=s.data_dir)
    s.wait_for("a scheduled crawl while the edit is rejected",
               lambda: s.after("broken", "crawl.start", source="sofiero"))
    s.states["broken-later"] = s.state()

    # 4. the fix (adding a source whose site stalls), then SIGTERM in the middle of its crawl
    s.marks["fixed"] = time.time()
    s.categories.write_text(CATEGORIES.read_text(encoding="utf-8"), encoding="utf-8")
    s.config.write_text(V4, encoding="utf-8")
    s.stalls_pid = s.wait_for("the stalled crawl to run",
                              lambda: s.state().get("jobs", {}).get("stalls", {}).get("pid"))
    s.states["fixed"] = s.state()
    crawl_log = s.data_dir / "logs" / "crawls" / "stalls.log"
    s.wait_for("the stalled crawl's first request", lambda: crawl_log.exists() and "Spider opened" in
               crawl_log.read_text(encoding="utf-8", errors="replace"))
    s.wait_for("a publish of the first crawls", lambda: [
        e for e in select(s.events(), "publish.finished") if "kronborg" in e.listed("reasons")])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/all.ics", timeout=10) as response:
        s.served = (response.status, response.headers["Content-Type"], response.read().decode())
    time.sleep(0.3)
    s.marks["sigterm"] = time.time()
    s.process.send_signal(signal.SIGTERM)
    s.returncode = s.process.wait(timeout=90)
    s.marks["exited"] = time.time()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    root = tmp_path_factory.mktemp("scheduler")
    s = Scenario(root=root, config=root / "sources.yaml", categories=root / "categories.yaml",
                 data_dir=root / "var", out=root / "public")
    s.config.write_text(V1, encoding="utf-8")
    s.categories.write_text(CATEGORIES.read_text(encoding="utf-8"), encoding="utf-8")
    seed_runs(s.data_dir)
    with SnapshotServer(SITES) as site:
        site.delay("/hangs.example/*", 60)
        site.delay("/stalls.example/*", 60)
        try:
            run_scenario(s, site)
        finally:
            if s.process is not None and s.process.poll() is None:  # a failed wait: don't leave it behind
                s.process.send_signal(signal.SIGTERM)
                try:
                    s.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    s.process.kill()
                    s.process.wait()
            for job in s.state().get("jobs", {}).values():
                if job.get("pid"):
                    with contextlib.suppress(OSError):
                        os.killpg(job["pid"], signal.SIGKILL)
    return s


def runs_of(s: Scenario, source_id: str) -> list[CrawlRun]:
    store = EventStore(s.data_dir / DB_FILENAME)
    try:
        return store.runs(source_id)
    finally:
        store.close()


# -- 1. start-up, schedules, the hung source, publishing ----------------------------------------------------


def test_never_run_and_overdue_sources_crawl_at_start_up_a_recent_one_waits(scenario):
    events = scenario.events()
    loaded = select(events, "config.loaded")[0]
    due = {e["source"]: e["reason"] for e in select(events, "crawl.due") if e.index < loaded.index}
    assert due == {"sofiero": "never crawled", "kronborg": "overdue", "hangs": "never crawled"}
    first = {e["source"]: e["reason"] for e in reversed(select(events, "crawl.start"))}
    assert first["sofiero"] == first["kronborg"] == first["hangs"] == "start-up"
    assert "recent" not in first  # crawled "just now" (seeded), every 1h: its time has not come
    recent = scenario.states["v1"]["jobs"]["recent"]
    assert datetime.fromisoformat(recent["next_run"]) > datetime.fromtimestamp(scenario.marks["start"], UTC)
    assert select(events, "startup.progress")[-1].fields | {"source": ""} == {
        "event": "startup.progress", "source": "", "done": "3", "total": "3"}


def test_jobs_fire_on_their_schedules(scenario):
    starts = select(scenario.events(), "crawl.start", source="sofiero")
    scheduled = [e for e in starts if e["reason"] == "schedule"]
    assert starts[0]["reason"] == "start-up" and scheduled
    # every 10m at time x60: the first planned time is 10 s after start-up (plus up to 0.5 s of jitter), and
    # later ones keep to the 10 s grid (a time that falls while the previous crawl runs is skipped).
    begin = select(scenario.events(), "scheduler.start")[0].at
    for event in scheduled:
        offset = (event.at - begin).total_seconds()
        assert offset >= 9.5 and (offset % 10 < 2.5 or offset % 10 > 9.5), offset
    assert scenario.states["v1"]["jobs"]["sofiero"]["schedule"] == "every 10m"


def test_a_hung_source_is_killed_at_its_limit_while_the_others_proceed(scenario):
    events = scenario.events()
    [killed] = select(events, "crawl.killed", source="hangs")
    [finished] = select(events, "crawl.finished", source="hangs")
    assert killed["time_limit"] == "3s" and finished["outcome"] == "failed" and finished["exit"] == "-9"
    assert 3 <= float(finished["seconds"]) < 6
    # The others started with it and came through whole.
    hangs_start = select(events, "crawl.start", source="hangs")[0]
    for sid in ("sofiero", "kronborg"):
        start = select(events, "crawl.start", source=sid)[0]
        done = select(events, "crawl.finished", source=sid)[0]
        assert abs((start.at - hangs_start.at).total_seconds()) < 2 and done["outcome"] == "ok"
    # A killed child records nothing itself: the scheduler recorded the run, with the reason.
    [run] = runs_of(scenario, "hangs")
    assert run.outcome == "failed" and run.errors == 1
    assert re.fullmatch(r"killed after \d+ s: the crawl exceeded its time limit of 3 s", run.message)


def test_crawls_that_changed_something_are_published_together_and_served(scenario):
    events = scenario.events()
    finished = select(events, "crawl.finished")
    changed = [e for e in finished if e["new"] != "0" or e["changed"] != "0" or e["removed"] != "0"]
    # Exactly the crawls that changed something asked for a publish; re-crawls that changed nothing did not.
    assert [e["reason"] for e in select(events, "publish.requested") if e["reason"] != "start-up"] == [
        e["source"] for e in changed]
    assert [e for e in finished if e["source"] == "sofiero" and e["new"] == "0"]  # there were such re-crawls
    # sofiero and kronborg finished their first crawls within one 6 s window: one publish for both.
    publishes = select(events, "publish.finished")
    assert any({"sofiero", "kronborg"} <= set(e.listed("reasons")) for e in publishes)
    assert len([e for e in publishes if set(e.listed("reasons")) - {"start-up"}]) < len(changed)
    status, content_type, body = scenario.served
    assert status == 200 and content_type.startswith("text/calendar")
    assert "Tulpanfestival på Sofiero" in body and "Hamlet på Kronborg" in body


# -- 2. and 3. YAML edits -----------------------------------------------------------------------------------


def test_a_yaml_edit_adds_removes_and_reschedules_sources_within_seconds(scenario):
    [reload] = scenario.after("v2", "config.reloaded")[:1]
    assert (reload.listed("added"), reload.listed("removed"), reload.listed("rescheduled"),
            reload.listed("changed")) == (["tropikariet"], ["hangs"], ["kronborg"], ["sofiero"])
    assert "next run" in reload["note"]
    assert reload.at.timestamp() - scenario.marks["v2"] < 5
    before, after = scenario.states["v1"]["jobs"], scenario.states["v2"]["jobs"]
    assert set(before) == {"sofiero", "kronborg", "hangs", "recent"}
    assert set(after) >= {"sofiero", "kronborg", "recent", "tropikariet"} and "hangs" not in after
    assert (before["kronborg"]["schedule"], after["kronborg"]["schedule"]) == ("every 1h", "every 2h")
    # every 2h at x60 is 2 minutes from the edit; every 1h was at most 1 minute from start-up
    assert datetime.fromisoformat(after["kronborg"]["next_run"]) > datetime.fromisoformat(
        before["kronborg"]["next_run"]) + timedelta(seconds=30)
    [start] = scenario.after("v2", "crawl.start", source="tropikariet")
    assert start["reason"] == "added" and start.at.timestamp() - scenario.marks["v2"] < 10
    assert [run.outcome for run in runs_of(scenario, "tropikariet")] == ["ok"]


def test_a_broken_edit_keeps_the_old_jobs_running_and_is_reported(scenario):
    s = scenario
    errors = s.states["broken"]["config"]["errors"]
    texts = [error["text"] for error in errors]
    schedule_line, city_line = line_of(V3, "every 5 minutes"), line_of(V3, "city: stockholm")
    assert any(t.startswith(f"{s.config}:{schedule_line}:") and "every 5 minutes" in t for t in texts)
    assert any(t.startswith(f"{s.config}:{city_line}:") and "stockholm" in t for t in texts)
    assert any(t.startswith(f"{s.categories}:21:") and "'se'" in t for t in texts)
    # Every error is logged with file and line, and the edit is rejected as a whole.
    logged = {(Path(e["file"]).name, e["line"]) for e in s.after("broken", "config.error")}
    assert {("sources.yaml", str(schedule_line)), ("sources.yaml", str(city_line)),
            ("categories.yaml", "21")} <= logged
    assert s.after("broken", "config.rejected")
    # The old jobs run on as they were: tropikariet stays, kronborg keeps every 2h, sofiero keeps crawling.
    jobs = s.states["broken-later"]["jobs"]
    assert set(jobs) == {"sofiero", "kronborg", "recent", "tropikariet"}
    assert jobs["kronborg"]["schedule"] == "every 2h"
    assert s.after("broken", "crawl.finished", source="sofiero")[0]["outcome"] == "ok"
    assert all(e.at.timestamp() > s.marks["fixed"] for e in s.after("broken", "config.reloaded"))


def test_hhevents_status_shows_the_rejected_edit_and_each_sources_next_run(scenario):
    status = scenario.status
    assert status.returncode == 1, status.stderr
    out = status.stderr
    assert "REJECTED" in out and "last good configuration" in out
    assert f"{scenario.config}:{line_of(V3, 'every 5 minutes')}:" in out
    assert f"{scenario.categories}:21:" in out
    assert "next run" in out
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ ")}
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d\s+│$|running since", rows["sofiero"]), rows["sofiero"]


def test_the_fix_is_applied_and_the_errors_cleared(scenario):
    assert scenario.after("fixed", "config.ok")
    [reload] = scenario.after("fixed", "config.reloaded")
    assert reload.listed("added") == ["stalls"] and not reload.listed("removed")
    assert scenario.states["fixed"]["config"]["errors"] == []


# -- 4. SIGTERM -------------------------------------------------------------------------------------------


def test_sigterm_mid_crawl_stops_cleanly_and_leaves_a_consistent_database(scenario):
    s = scenario
    assert s.returncode == 0, s.tail()
    assert s.marks["exited"] - s.marks["sigterm"] < 20  # grace 1 s + 2 s to SIGKILL + the last publish
    events = s.events()
    stopping = select(events, "scheduler.stopping")[0]
    assert "stalls" in stopping.listed("running")
    assert select(events, "scheduler.terminating") and select(events, "scheduler.stopped")
    assert not [e for e in select(events, "crawl.start") if e.index > stopping.index]  # no new crawls
    with contextlib.suppress(ProcessLookupError):  # the stalled crawl is gone, not orphaned
        os.kill(s.stalls_pid, 0)
        pytest.fail(f"the stalled crawl (pid {s.stalls_pid}) outlived the scheduler")

    connection = sqlite3.connect(s.data_dir / DB_FILENAME)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        recorded = dict(connection.execute("SELECT source_id, count(*) FROM crawl_runs GROUP BY source_id"))
        titles = {json.loads(data)["title"] for (data,) in connection.execute("SELECT data FROM events")}
    finally:
        connection.close()
    # Every crawl the scheduler started has its run recorded (the two seeded ones besides).
    started = {}
    for event in select(events, "crawl.start"):
        started[event["source"]] = started.get(event["source"], 0) + 1
    assert recorded == {sid: n + (1 if sid in ("kronborg", "recent") else 0) for sid, n in
                        {**started, "recent": started.get("recent", 0)}.items()}
    [stalled] = runs_of(s, "stalls")
    assert stalled.outcome == "failed" and "shut down" in stalled.message

    # The feeds match the database: every stored event is in all.ics; every file is what the manifest says.
    manifest = json.loads((s.out / "manifest.json").read_text(encoding="utf-8"))
    for feed in manifest["feeds"]:
        assert hashlib.sha256((s.out / feed["path"]).read_bytes()).hexdigest() == feed["sha256"], feed["path"]
    calendar = (s.out / "all.ics").read_text(encoding="utf-8")
    assert titles == {"Tulpanfestival på Sofiero", "Guidad visning: Rhododendrondalen i blom",
                      "Guidet tur i kasematterne", "Hamlet på Kronborg", "Ormvisning för barn"}
    assert all(title in calendar for title in titles)

    assert s.state()["state"] == "stopped"
    from scheduler import status_view

    view = status_view(s.data_dir)
    assert not view.running and "not running" in view.notes[0]


# -- schedule rules, in-process -----------------------------------------------------------------------------


def fires(trigger, start: datetime, count: int) -> list[datetime]:
    out, previous = [], None
    now = start
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        out.append(previous)
        now = previous
    return out


def test_cron_weekday_numbers_mean_what_they_mean_in_cron():
    from scheduler import SourceTrigger

    monday = datetime(2026, 3, 23, 12, 0, tzinfo=STOCKHOLM)
    weekdays = fires(SourceTrigger("30 7 * * 1-5", STOCKHOLM), monday, 6)
    assert [d.strftime("%a %H:%M") for d in weekdays] == [
        "Tue 07:30", "Wed 07:30", "Thu 07:30", "Fri 07:30", "Mon 07:30", "Tue 07:30"]
    for sunday in ("0", "7"):
        sundays = fires(SourceTrigger(f"0 12 * * {sunday}", STOCKHOLM), monday, 3)
        assert {d.strftime("%a") for d in sundays} == {"Sun"}
    # Both day fields restricted: either matches, as in Vixie cron (the 13th, and every Friday).
    days = fires(SourceTrigger("0 9 13 * 5", STOCKHOLM), datetime(2026, 3, 1, tzinfo=STOCKHOLM), 5)
    assert [d.strftime("%d %a") for d in days] == ["06 Fri", "13 Fri", "20 Fri", "27 Fri", "03 Fri"]
    days = fires(SourceTrigger("0 9 14 * 5", STOCKHOLM), datetime(2026, 4, 1, tzinfo=STOCKHOLM), 4)
    assert [d.strftime("%d %a") for d in days] == ["03 Fri", "10 Fri", "14 Tue", "17 Fri"]
    # Across the change to summer time the wall-clock hour holds.
    hours = fires(SourceTrigger("0 3 * * *", STOCKHOLM), datetime(2026, 3, 28, tzinfo=STOCKHOLM), 3)
    assert [d.astimezone(STOCKHOLM).strftime("%d %H:%M %z") for d in hours] == [
        "28 03:00 +0100", "29 03:00 +0200", "30 03:00 +0200"]


def test_intervals_jitter_without_drift_and_the_time_scale():
    from scheduler import SourceTrigger

    epoch = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    planned = [epoch + timedelta(minutes=30 * n) for n in range(1, 21)]
    jittered = fires(SourceTrigger("every 30m", jitter=120, epoch=epoch), epoch, 20)
    assert all(p <= j <= p + timedelta(seconds=120) for p, j in zip(planned, jittered, strict=True))
    assert len({j - p for p, j in zip(planned, jittered, strict=True)}) > 1  # really random
    scaled = fires(SourceTrigger("every 1m", scale=60, epoch=epoch), epoch, 3)
    assert scaled == [epoch + timedelta(seconds=n) for n in (1, 2, 3)]
    hourly = fires(SourceTrigger("0 * * * *", scale=60, epoch=epoch), epoch + timedelta(seconds=1), 2)
    assert hourly == [epoch + timedelta(minutes=1), epoch + timedelta(minutes=2)]


def test_a_source_is_due_at_start_up_if_it_never_ran_or_its_time_has_passed():
    from scheduler import is_due

    now = datetime(2026, 3, 20, 12, 10, tzinfo=UTC)
    assert is_due("every 30m", STOCKHOLM, None, now)
    assert not is_due("every 30m", STOCKHOLM, now - timedelta(minutes=20), now)
    assert is_due("every 30m", STOCKHOLM, now - timedelta(minutes=31), now)
    assert not is_due("0 */6 * * *", STOCKHOLM, datetime(2026, 3, 20, 12, 0, 40, tzinfo=UTC), now)  # 13:00
    assert is_due("0 */6 * * *", STOCKHOLM, datetime(2026, 3, 20, 4, 0, tzinfo=UTC), now)  # 12:00 passed
    assert is_due("every 30m", STOCKHOLM, now - timedelta(minutes=1), now, scale=60)


def test_ten_publish_requests_within_the_window_make_one_publish():
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler import PublishWindow

    published: list[list[str]] = []
    aps = BackgroundScheduler()
    aps.start()
    try:
        window = PublishWindow(aps, 0.6, published.append)
        for n in range(10):
            window.request(f"source-{n}")
            time.sleep(0.03)
        deadline = time.monotonic() + 5
        while not published and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert published == [[f"source-{n}" for n in range(10)]]
        window.request("late")  # a new window; at shutdown it is published at once
        assert window.flush() and published[-1] == ["late"] and not window.flush()
    finally:
        aps.shutdown()


def test_production_validation_still_rejects_second_schedules(tmp_path):
    from config.loader import load_sources

    path = tmp_path / "sources.yaml"
    path.write_text(sources(entry("sofiero", SOFIERO, schedule="every 2s")), encoding="utf-8")
    assert [p.line for p in load_sources(path).problems] == [line_of(path.read_text(), "every 2s")]


def test_housekeeping_prunes_and_compacts_and_outside_crawls_get_published(tmp_path, monkeypatch):
    from factories import make_event

    from scheduler import Options, PipelineScheduler

    monkeypatch.setenv("HHEVENTS_NOW", FROZEN_NOW)
    scheduler = PipelineScheduler(Options(config=tmp_path / "sources.yaml", categories=CATEGORIES,
                                          data_dir=tmp_path / "var", out=tmp_path / "public",
                                          base_url="http://127.0.0.1:8080/", keep_past_days=60))
    store = scheduler.store = EventStore(tmp_path / "var" / DB_FILENAME)
    try:
        now = datetime.fromisoformat(FROZEN_NOW)
        long_ago = datetime(2025, 12, 1, 18, 0, tzinfo=STOCKHOLM)  # ended more than 60 days before "now"
        store.upsert(make_event(1, start=long_ago, end=long_ago + timedelta(hours=2)), now=now)
        store.upsert(make_event(2), now=now)
        scheduler._housekeeping_job()
        assert store.count() == 1
        assert scheduler.last_housekeeping | {"finished": None} == {
            "finished": None, "pruned": 1, "compacted": True}
        assert scheduler.publisher.reasons == ["housekeeping"]

        # `hhevents crawl --source ID` run by hand records its own run: the scheduler publishes its changes.
        scheduler._seen_run_id = store.last_run_id()
        for sid, counts in (("by-hand", {"new": 3}), ("unchanged", {"unchanged": 3})):
            store.record_run(CrawlRun(source_id=sid, started=now, finished=now, outcome="ok", **counts))
        scheduler._check_outside_runs()
        assert scheduler.publisher.reasons == ["housekeeping", "by-hand (outside the scheduler)"]
        assert scheduler._seen_run_id == store.last_run_id()
    finally:
        store.close()
