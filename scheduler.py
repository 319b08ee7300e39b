"""The long-running heart of a deployment: every source crawled on its own schedule, feeds published after.

``hhevents run`` starts :class:`PipelineScheduler` (an APScheduler 3 ``BackgroundScheduler``) next to the feed
server. What it does (docs/operations.md is the operator's version):

- **Crawls.** One job per enabled source, on the source's ``schedule`` (:class:`SourceTrigger`: cron with
  Vixie cron's weekday numbers and day rules, or ``every <N>m|h|d``), with jitter, ``max_instances=1``,
  ``coalesce`` and a misfire grace time. Each crawl is ``hhevents crawl --source ID`` in a child process (a
  Twisted reactor cannot restart) in its own process group, with a time limit (the source's ``time_limit``
  or ``--crawl-time-limit``): past it the child is killed and the run recorded as failed with the reason,
  since a killed child cannot record its own. At most ``--max-parallel`` crawls run at once.
- **Publish.** A crawl that changed something opens a publish window (:class:`PublishWindow`); every other
  change within it joins, and one ``hhevents publish`` (a child process) runs at its end.
- **Housekeeping.** Daily: prune past events, ``PRAGMA optimize``, ``VACUUM`` (crawls wait meanwhile), drop
  old crawl logs. The log file rotates at midnight (``TimedRotatingFileHandler``).
- **Start-up.** Sources that never ran, or whose schedule has passed since their last run, crawl at once.
- **Configuration.** ``sources.yaml`` and ``categories.yaml`` are polled (mtime, size, inode). A changed file
  is validated whole; if valid, jobs are reconciled (added, removed, rescheduled; other settings apply at the
  next run, because crawls read a copy of the last good files in ``<data-dir>/scheduler/``). If not, every
  problem is logged with file and line, shown by ``hhevents status``, and the last good configuration runs on.
- **Stop.** On SIGTERM or Ctrl-C no new crawl starts; running ones get ``--grace`` seconds, then SIGTERM,
  then SIGKILL; each is recorded; a pending publish runs, so the feeds match the database. A second signal
  skips the waiting.
- **Visibility.** One log line per event, ``key=value`` (``event=crawl.finished source=ohk outcome=ok ...``),
  to stderr and ``<log-dir>/hhevents.log``; the job plan, running crawls, the publish window and the config
  errors in ``<data-dir>/scheduler/state.json`` (:func:`read_state`), which ``hhevents status`` reads.

Tests run it for real with a time scale (env ``HHEVENTS_TIME_SCALE``): schedules run that many times faster,
so ``every 1m`` at scale 60 fires every second, while the YAML validation stays what production accepts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import undefined
from sqlalchemy import text

from config.categories import load_categories
from config.loader import ConfigProblem, load_sources
from config.schema import SourceConfig, check_schedule
from hhevents import clock
from store import CrawlRun, EventStore
from store.db import DB_FILENAME, RunOutcome

log = logging.getLogger("scheduler")

TIME_SCALE_ENV = "HHEVENTS_TIME_SCALE"
STATE_DIR = "scheduler"  # under the data dir: state.json and the last good config files
STATE_FILE = "state.json"
STATE_VERSION = 1
HOME_ZONE = ZoneInfo("Europe/Stockholm")  # the housekeeping hour is Helsingborg's (and Helsingør's) time
CRAWL_JOB = "crawl:"  # job id prefix; the rest is the source id
CRAWL_LOG_DAYS = 30  # crawl logs of sources that stopped running are deleted after this many days


# -- structured logging --------------------------------------------------------------------------------------


def logfmt(event: str, **fields: Any) -> str:
    """``event=NAME key=value ...``: one line, values quoted (JSON-style) when they hold spaces or quotes."""
    parts = [f"event={event}"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = f"{value:.1f}"
        elif isinstance(value, datetime):
            value = value.isoformat(timespec="seconds")
        elif isinstance(value, (list, tuple, set)):
            value = ",".join(map(str, value)) or "-"
        value = str(value)
        if not value or re.search(r'[\s"=\\]', value):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={value}")
    return " ".join(parts)


def emit(level: int, event: str, **fields: Any) -> None:
    log.log(level, logfmt(event, **fields))


class OneLineFormatter(logging.Formatter):
    """Every record on one line (a traceback too, escaped), so each log line is one event."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")

    def format(self, record: logging.LogRecord) -> str:
        exc_info, record.exc_info, exc_text, record.exc_text = record.exc_info, None, record.exc_text, None
        try:
            line = super().format(record).replace("\n", "\\n")
        finally:
            record.exc_info, record.exc_text = exc_info, exc_text
        if exc_info:
            line += " exc=" + json.dumps(self.formatException(exc_info), ensure_ascii=False)
        return line


class ConsoleHandler(logging.Handler):
    """Log lines through a rich Console, so they scroll above the start-up progress bar in a terminal."""

    def __init__(self, console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        from rich.text import Text

        try:
            self.console.print(Text(self.format(record)), soft_wrap=True, highlight=False)
        except Exception:
            self.handleError(record)


def setup_logging(log_dir: Path, console=None) -> Path:
    """One-line logs to stderr (through ``console`` when it is a terminal) and to a daily-rotated file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "hhevents.log"
    formatter = OneLineFormatter()
    if console is not None and console.is_terminal:
        to_stderr: logging.Handler = ConsoleHandler(console)
    else:
        to_stderr = logging.StreamHandler(sys.stderr)
    to_file = logging.handlers.TimedRotatingFileHandler(
        path, when="midnight", backupCount=14, encoding="utf-8"
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in (to_stderr, to_file):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    # APScheduler's own lines are not one-event-per-line with a source id; the listener logs them instead.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("uvicorn").setLevel(logging.WARNING)
    return path


# -- schedules -----------------------------------------------------------------------------------------------

_EVERY = re.compile(r"^every\s+([1-9][0-9]*)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering: 0 (and 7) is Sunday


def interval_of(schedule: str) -> timedelta | None:
    """The interval of an ``every <N>m|h|d`` schedule; None for a cron expression."""
    match = _EVERY.match(schedule.strip())
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}) if match else None


def _cron_weekdays(spec: str) -> str | None:
    """A cron day-of-week field as APScheduler weekday names, or None when it allows every day.

    APScheduler 3 numbers weekdays from Monday (0); cron from Sunday (0 and 7), so numbers are never passed.
    """
    days: set[int] = set()
    for part in spec.split(","):
        body, _, step = part.partition("/")
        if body == "*":
            first, last = 0, 7
        elif "-" in body:
            first, last = (int(n) for n in body.split("-"))
        else:
            first = int(body)
            last = 7 if step else first
        days.update(day % 7 for day in range(first, last + 1, int(step or 1)))
    return None if len(days) == 7 else ",".join(_WEEKDAYS[day] for day in sorted(days))


def cron_trigger(expression: str, zone: ZoneInfo) -> BaseTrigger:
    """A 5-field cron expression as cron means it, in ``zone``.

    Like Vixie cron, when both day of month and day of week are restricted (neither starts with ``*``), a
    day matching either runs; APScheduler alone would require both.
    """
    minute, hour, day, month, weekday = expression.split()
    days = _cron_weekdays(weekday)
    common = {"minute": minute, "hour": hour, "month": month, "timezone": zone}
    if not day.startswith("*") and not weekday.startswith("*"):
        if days is None:  # a weekday field like 0-7 matches every day, so with either rule every day runs
            return CronTrigger(**common)
        return OrTrigger([CronTrigger(day=day, **common), CronTrigger(day_of_week=days, **common)])
    return CronTrigger(day=day, day_of_week=days or "*", **common)


class SourceTrigger(BaseTrigger):
    """A schedule string as an APScheduler trigger, with jitter and an optional time scale.

    The jitter (0 to ``jitter`` seconds late) is added to each planned time, never carried into the next:
    APScheduler's own interval jitter accumulates. With ``scale`` > 1 the schedule runs on a virtual clock
    that goes ``scale`` times faster from ``epoch`` (the test hook; jitter stays in real seconds).
    """

    def __init__(
        self,
        schedule: str,
        zone: ZoneInfo = HOME_ZONE,
        *,
        jitter: float = 0.0,
        scale: float = 1.0,
        epoch: datetime | None = None,
    ) -> None:
        self.schedule = schedule.strip()
        self.jitter = max(0.0, jitter)
        self.scale = scale
        self.epoch = epoch or datetime.now(UTC)
        interval = interval_of(self.schedule)
        if interval is not None:
            self.inner: BaseTrigger = IntervalTrigger(
                seconds=interval.total_seconds(), start_date=self.epoch + interval, timezone=UTC
            )
        else:
            self.inner = cron_trigger(self.schedule, zone)
        self._last: tuple[datetime, datetime] | None = None  # (fire time handed out, its planned time)

    def _virtual(self, moment: datetime) -> datetime:
        return self.epoch + (moment - self.epoch) * self.scale

    def _real(self, moment: datetime) -> datetime:
        return self.epoch + (moment - self.epoch) / self.scale

    def planned_after(self, previous: datetime | None, now: datetime) -> datetime | None:
        """The next planned time (without jitter), in real time."""
        if self.scale == 1:
            return self.inner.get_next_fire_time(previous, now)
        planned = self.inner.get_next_fire_time(
            None if previous is None else self._virtual(previous), self._virtual(now)
        )
        return None if planned is None else self._real(planned)

    def get_next_fire_time(self, previous_fire_time, now):
        if previous_fire_time is not None and self._last and previous_fire_time == self._last[0]:
            previous_fire_time = self._last[1]
        planned = self.planned_after(previous_fire_time, now)
        if planned is None:
            return None
        fire = planned + timedelta(seconds=random.uniform(0, self.jitter)) if self.jitter else planned
        self._last = (fire, planned)
        return fire

    def __str__(self) -> str:
        return self.schedule if self.scale == 1 else f"{self.schedule} (time x{self.scale:g})"


def is_due(
    schedule: str, zone: ZoneInfo, last_started: datetime | None, now: datetime, scale: float = 1.0
) -> bool:
    """Whether a source should crawl at start-up: it never ran, or a planned time passed since it last did.

    ``last_started`` and ``now`` come from the crawl-run log's clock; ``scale`` stretches the gap between
    them as :class:`SourceTrigger` does.
    """
    if last_started is None:
        return True
    elapsed = (now - last_started) * scale
    interval = interval_of(schedule)
    if interval is not None:
        return elapsed >= interval
    since = now - elapsed + timedelta(seconds=1)  # the run itself started at (or just after) a planned time
    planned = cron_trigger(schedule, zone).get_next_fire_time(None, since)
    return planned is not None and planned <= now


# -- the publish window -------------------------------------------------------------------------------------


class PublishWindow:
    """Debounced publishing: the first request opens a window of ``delay`` seconds, later ones join it, one
    publish runs at its end. So ten sources finishing within a minute (the default window) publish once."""

    JOB_ID = "publish"

    def __init__(
        self,
        scheduler: BackgroundScheduler,
        delay: float,
        publish: Callable[[list[str]], None],
        *,
        executor: str = "default",
    ) -> None:
        self.scheduler = scheduler
        self.delay = delay
        self.publish = publish
        self.executor = executor
        self.reasons: list[str] = []
        self.due: datetime | None = None
        self._lock = threading.Lock()
        self._running = threading.Lock()  # one publish at a time; a later one sees the later database

    def request(self, reason: str) -> None:
        with self._lock:
            if reason not in self.reasons:
                self.reasons.append(reason)
            window = "joined"
            if self.due is None:
                window = "opened"
                self.due = datetime.now(UTC) + timedelta(seconds=self.delay)
                # max_instances=2: the next window's job must not be skipped while this one still publishes.
                self.scheduler.add_job(
                    self._fire,
                    "date",
                    run_date=self.due,
                    id=self.JOB_ID,
                    replace_existing=True,
                    executor=self.executor,
                    misfire_grace_time=None,
                    max_instances=2,
                )
            due = self.due
        emit(logging.INFO, "publish.requested", reason=reason, window=window, due=due)

    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self.reasons)

    def _fire(self) -> None:
        with self._lock:
            reasons, self.reasons, self.due = self.reasons, [], None
        if reasons:
            with self._running:
                self.publish(reasons)

    def flush(self) -> bool:
        """Publish now what is pending (at shutdown); whether anything was."""
        with contextlib.suppress(Exception):
            self.scheduler.remove_job(self.JOB_ID)
        if not self.pending:
            return False
        self._fire()
        return True


# -- options and configuration -----------------------------------------------------------------------------


@dataclass
class Options:
    config: Path
    categories: Path
    data_dir: Path
    out: Path
    base_url: str
    venues: Path | None = None
    snapshot_site: str | None = None
    keep_past_days: int = 60
    max_parallel: int = 4
    time_limit: float = 1800.0  # seconds; a source's own ``time_limit`` wins
    jitter: float = 120.0
    misfire_grace: float = 900.0
    publish_delay: float = 60.0
    publish_time_limit: float = 900.0
    grace: float = 60.0
    kill_after: float = 10.0
    watch_interval: float = 2.0
    housekeeping: str = "30 3 * * *"
    time_scale: float = 1.0
    log_dir: Path | None = None
    verbose: bool = False

    @classmethod
    def from_args(cls, args) -> Options:
        """From ``hhevents run``'s arguments (hhevents/cli.py) and env HHEVENTS_TIME_SCALE."""
        scale = float(os.environ.get(TIME_SCALE_ENV) or 1)
        if scale <= 0:
            raise ValueError(f"{TIME_SCALE_ENV} must be a positive number, got {scale:g}")
        check_schedule(args.housekeeping)  # the same forms as a source's schedule
        if args.max_parallel < 1 or args.watch_interval <= 0 or args.crawl_time_limit <= 0:
            raise ValueError("--max-parallel, --watch-interval and --crawl-time-limit must be positive")
        base_url = args.base_url or f"http://{args.host}:{args.port}/"
        return cls(
            config=args.config,
            categories=args.categories,
            venues=args.venues,
            data_dir=args.data_dir,
            out=args.out,
            base_url=base_url,
            snapshot_site=args.snapshot_site,
            keep_past_days=args.keep_past_days,
            max_parallel=args.max_parallel,
            time_limit=args.crawl_time_limit,
            jitter=args.jitter,
            misfire_grace=args.misfire_grace,
            publish_delay=args.publish_delay,
            grace=args.grace,
            kill_after=args.kill_after,
            watch_interval=args.watch_interval,
            housekeeping=args.housekeeping,
            time_scale=scale,
            log_dir=args.log_dir,
            verbose=args.verbose,
        )

    @property
    def logs(self) -> Path:
        return Path(self.log_dir or Path(self.data_dir) / "logs")


@dataclass
class GoodConfig:
    """A configuration the scheduler runs on: its sources and the bytes of both files, as validated."""

    sources: dict[str, SourceConfig]
    sources_bytes: bytes
    categories_bytes: bytes | None
    loaded: datetime  # real time

    def enabled(self) -> dict[str, SourceConfig]:
        return {sid: source for sid, source in self.sources.items() if source.enabled}


def _read_bytes(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def load_config(sources_path: Path, categories_path: Path) -> tuple[GoodConfig, list[ConfigProblem]] | None:
    """Both files validated, as a candidate and its problems; None while a file changes under us."""
    sources_bytes, categories_bytes = _read_bytes(sources_path), _read_bytes(categories_path)
    try:
        loaded = load_sources(sources_path)
        categories = load_categories(categories_path)
    except Exception as exc:  # the loaders report problems rather than raise; should one raise, say so
        problem = ConfigProblem(str(sources_path), None, None, f"could not be loaded: {exc!r}")
        return GoodConfig({}, sources_bytes or b"", categories_bytes, datetime.now(UTC)), [problem]
    if (sources_bytes, categories_bytes) != (_read_bytes(sources_path), _read_bytes(categories_path)):
        return None
    config = GoodConfig(
        sources={source.id: source for source in loaded.sources},
        sources_bytes=sources_bytes or b"",
        categories_bytes=categories_bytes,
        loaded=datetime.now(UTC),
    )
    return config, [*loaded.problems, *categories.problems]


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def _problem_dict(problem: ConfigProblem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "source_id": problem.source_id,
        "text": str(problem),
    }


# -- the scheduler -------------------------------------------------------------------------------------------


@dataclass
class _Child:
    process: subprocess.Popen
    started: float  # monotonic
    started_at: datetime  # real time, for the state file
    reason: str


@dataclass
class _Diff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


class PipelineScheduler:
    """Crawl, publish and housekeeping jobs over the configured sources; see the module docstring."""

    def __init__(self, options: Options, *, progress: Callable[[int, int, str], None] | None = None) -> None:
        self.o = options
        self.progress = progress  # (done, total, source id) for the start-up crawls
        self.data_dir = Path(options.data_dir).resolve()
        self.state_dir = self.data_dir / STATE_DIR
        self.good_sources_path = self.state_dir / "sources.yaml"
        self.good_categories_path = self.state_dir / "categories.yaml"
        self.crawl_logs = self.o.logs / "crawls"
        self.good: GoodConfig | None = None
        self.errors: list[ConfigProblem] = []
        self.errors_since: datetime | None = None
        self.running_on = ""  # which configuration runs while there are errors, for the status lines
        self.store: EventStore | None = None
        self.started_at: datetime | None = None
        self.ap = BackgroundScheduler(
            executors={"crawls": ThreadPoolExecutor(64), "control": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        self.publisher = PublishWindow(self.ap, options.publish_delay, self._publish, executor="control")
        self.last_publish: dict[str, Any] | None = None
        self.last_housekeeping: dict[str, Any] | None = None
        self._children: dict[str, _Child] = {}
        self._lock = threading.RLock()  # children, config, state file
        self._gate = threading.Condition()  # crawl slots and the housekeeping pause
        self._running = 0
        self._maintenance = False
        self._stopping = threading.Event()
        self._terminate = threading.Event()  # grace period over: stop the running crawls
        self._force = threading.Event()  # second signal: kill now, skip waiting
        self._stopped = False
        self._startup: set[str] = set()  # sources of the start-up crawls, until each has run
        self._added: set[str] = set()  # sources added by an edit that crawl at once
        self._startup_total = 0
        self._seen_stats: tuple | None = None
        self._pending_stats: tuple | None = None
        self._seen_run_id = 0
        self._own_runs: set[int] = set()
        self._last_state_write = 0.0

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> None:
        self.started_at = datetime.now(UTC)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.crawl_logs.mkdir(parents=True, exist_ok=True)
        self.store = EventStore(self.data_dir / DB_FILENAME)
        self._seen_run_id = self.store.last_run_id()
        emit(
            logging.INFO,
            "scheduler.start",
            pid=os.getpid(),
            config=self.o.config,
            categories=self.o.categories,
            data_dir=self.data_dir,
            out=self.o.out,
            max_parallel=self.o.max_parallel,
        )
        if self.o.time_scale != 1:
            emit(
                logging.WARNING,
                "scheduler.time_scale",
                scale=self.o.time_scale,
                note=f"schedules run {self.o.time_scale:g} times faster ({TIME_SCALE_ENV}; for tests)",
            )
        events = EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR | EVENT_JOB_SUBMITTED
        self.ap.add_listener(self._on_job_event, events)
        self.ap.start(paused=True)  # jobs get their next run times now, but none runs before all are in
        self._seen_stats = self._pending_stats = self._file_stats()
        self._initial_config()
        self.ap.add_job(
            self._watch_job,
            IntervalTrigger(seconds=self.o.watch_interval),
            id="watch",
            executor="control",
            misfire_grace_time=None,
        )
        self.ap.add_job(
            self._housekeeping_job,
            SourceTrigger(self.o.housekeeping, HOME_ZONE, scale=self.o.time_scale),
            id="housekeeping",
            executor="control",
            misfire_grace_time=3600,
        )
        # Feeds may be behind the database (a crawl or prune since the last publish, a crash): catch up.
        self.publisher.request("start-up")
        if self.progress is not None and self._startup_total:
            self.progress(0, self._startup_total, "")
        self.ap.resume()
        self._write_state("running")

    def stop(self, force: threading.Event | None = None) -> None:
        """No new crawls; running ones get the grace period, then are stopped; a pending publish runs."""
        if self._stopped or self.started_at is None:
            return
        self._stopped = True
        if force is not None:
            self._force = force
        self._stopping.set()
        with self._gate:
            self._gate.notify_all()
        running = sorted(self._children)
        emit(logging.INFO, "scheduler.stopping", running=running, grace=self.o.grace)
        if self.ap.running:
            self.ap.pause()
        self._write_state("stopping")
        deadline = time.monotonic() + self.o.grace
        while self._children and time.monotonic() < deadline and not self._force.is_set():
            time.sleep(0.1)
        if self._children:
            emit(
                logging.WARNING,
                "scheduler.terminating",
                running=sorted(self._children),
                note="grace period over: stopping the running crawls",
            )
        self._terminate.set()
        deadline = time.monotonic() + self.o.kill_after + 10
        while self._children and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.ap.running:
            self.ap.shutdown(wait=True)
        if not self._force.is_set() and self.store is not None:
            self.publisher.flush()
        self._write_state("stopped")
        if self.store is not None:
            self.store.close()
        emit(logging.INFO, "scheduler.stopped")

    # -- configuration -----------------------------------------------------------------------------------

    def _file_stats(self) -> tuple:
        return _stat(self.o.config), _stat(self.o.categories)

    def _initial_config(self) -> None:
        loaded = None
        for _ in range(5):  # None: a file changed while it was read
            loaded = load_config(self.o.config, self.o.categories)
            if loaded is not None:
                break
            time.sleep(0.2)
        candidate, problems = loaded or (GoodConfig({}, b"", None, datetime.now(UTC)), [])
        if problems:
            self._report_problems(problems)
            saved = self._saved_good_config()
            if saved is not None:
                emit(
                    logging.WARNING,
                    "config.last_good",
                    note="starting on the last good configuration, "
                    f"saved {saved.loaded.isoformat(timespec='seconds')}",
                    sources=len(saved.sources),
                )
                candidate = saved
                self.running_on = "the last good configuration, saved by an earlier run"
            else:
                emit(
                    logging.WARNING,
                    "config.partial",
                    note="no good configuration saved yet: starting on the valid entries",
                    sources=len(candidate.sources),
                )
                self.running_on = "the valid entries of these files (no good configuration saved yet)"
        self._apply(candidate, startup=True)

    def _saved_good_config(self) -> GoodConfig | None:
        """The last good configuration a previous run saved, if it still loads cleanly."""
        if not self.good_sources_path.exists():
            return None
        categories = self.good_categories_path if self.good_categories_path.exists() else self.o.categories
        loaded = load_config(self.good_sources_path, categories)
        if loaded is None or loaded[1]:
            return None
        config = loaded[0]
        config.loaded = datetime.fromtimestamp(self.good_sources_path.stat().st_mtime, UTC)
        return config

    def _report_problems(self, problems: list[ConfigProblem]) -> None:
        with self._lock:
            if [str(p) for p in problems] != [str(p) for p in self.errors]:
                self.errors_since = datetime.now(UTC)
            self.errors = list(problems)
        for problem in problems:
            emit(
                logging.ERROR,
                "config.error",
                file=problem.file,
                line=problem.line,
                column=problem.column,
                source=problem.source_id,
                message=problem.message,
            )

    def _reload(self) -> None:
        loaded = load_config(self.o.config, self.o.categories)
        if loaded is None:
            self._pending_stats = None  # still being written: look again next time
            return
        candidate, problems = loaded
        if problems:
            self._report_problems(problems)
            emit(
                logging.WARNING,
                "config.rejected",
                errors=len(problems),
                note="keeping the last good configuration",
                since=self.good.loaded if self.good else None,
            )
            if not self.running_on:
                self.running_on = "the last good configuration"
            self._write_state("running")
            return
        if self.errors:
            emit(logging.INFO, "config.ok", note="the configuration is valid again")
        with self._lock:
            self.errors, self.errors_since, self.running_on = [], None, ""
        good = self.good
        if good and (good.sources_bytes, good.categories_bytes) == (
            candidate.sources_bytes,
            candidate.categories_bytes,
        ):
            self._write_state("running")  # saved again unchanged, or back to the last good: no job changes
            return
        self._apply(candidate)
        self._write_state("running")

    def _apply(self, new: GoodConfig, *, startup: bool = False) -> _Diff:
        """Make the jobs match ``new`` and let crawls read its files; what changed."""
        old = self.good
        old_enabled = old.enabled() if old else {}
        new_enabled = new.enabled()
        diff = _Diff()
        with self._lock:
            _write_atomic(self.good_sources_path, new.sources_bytes)
            if new.categories_bytes is not None:
                _write_atomic(self.good_categories_path, new.categories_bytes)
            self.good = new
        latest = self.store.latest_runs() if self.store else {}
        for sid, source in new_enabled.items():
            before = old_enabled.get(sid)
            # (no job despite being enabled before: it could not be scheduled then)
            if before is None or self.ap.get_job(CRAWL_JOB + sid) is None:
                if self._schedule(source, latest.get(sid), startup=startup):
                    diff.added.append(sid)
            elif (before.schedule, before.zone_name) != (source.schedule, source.zone_name):
                try:
                    self.ap.reschedule_job(CRAWL_JOB + sid, trigger=self._trigger(source))
                    diff.rescheduled.append(sid)
                except Exception as exc:
                    emit(logging.ERROR, "config.error", source=sid, message=f"cannot reschedule: {exc}")
            elif before != source:
                diff.changed.append(sid)
        for sid in old_enabled:
            if sid not in new_enabled:
                with contextlib.suppress(Exception):
                    self.ap.remove_job(CRAWL_JOB + sid)
                diff.removed.append(sid)
        categories = "changed" if old and old.categories_bytes != new.categories_bytes else None
        if startup:
            emit(
                logging.INFO,
                "config.loaded",
                sources=len(new.sources),
                scheduled=diff.added,
                first_crawls=sorted(self._startup),
            )
            self._startup_total = len(self._startup)
        else:
            emit(
                logging.INFO,
                "config.reloaded",
                added=diff.added,
                removed=diff.removed,
                rescheduled=diff.rescheduled,
                changed=diff.changed,
                categories=categories,
                note="changed settings apply at each source's next run"
                if diff.changed or categories
                else None,
            )
        return diff

    def _trigger(self, source: SourceConfig) -> SourceTrigger:
        return SourceTrigger(source.schedule, source.zone, jitter=self.o.jitter, scale=self.o.time_scale)

    def _schedule(self, source: SourceConfig, last: CrawlRun | None, *, startup: bool) -> bool:
        """Add the source's crawl job, due now if it never ran or is overdue; False if it cannot be."""
        try:
            trigger = self._trigger(source)
            due = is_due(
                source.schedule, source.zone, last.started if last else None, clock.now(), self.o.time_scale
            )
        except Exception as exc:  # validated YAML should never get here; if it does, the others still run
            emit(logging.ERROR, "config.error", source=source.id, message=f"cannot schedule: {exc}")
            return False
        if due:
            (self._startup if startup else self._added).add(source.id)
            emit(
                logging.INFO,
                "crawl.due",
                source=source.id,
                reason="never crawled" if last is None else "overdue",
                last=last.started if last else None,
            )
        self.ap.add_job(
            self._crawl_job,
            trigger,
            args=[source.id],
            id=CRAWL_JOB + source.id,
            name=source.id,
            executor="crawls",
            replace_existing=True,
            misfire_grace_time=int(self.o.misfire_grace),
            next_run_time=datetime.now(UTC) if due else undefined,
        )
        return True

    def _watch_job(self) -> None:
        try:
            stats = self._file_stats()
            if stats != self._seen_stats:
                if stats == self._pending_stats:  # unchanged for one interval: the editor is done
                    self._seen_stats = stats
                    self._reload()
                else:
                    self._pending_stats = stats
            self._check_outside_runs()
            if time.monotonic() - self._last_state_write > 10:
                self._write_state("running")
        except Exception:  # nothing in the YAML (or anything else) may stop the watcher
            log.exception(logfmt("watch.error"))

    # -- crawls ------------------------------------------------------------------------------------------

    def _enter_gate(self) -> bool:
        with self._gate:
            while not self._stopping.is_set() and (self._maintenance or self._running >= self.o.max_parallel):
                self._gate.wait(0.5)
            if self._stopping.is_set():
                return False
            self._running += 1
            return True

    def _leave_gate(self) -> None:
        with self._gate:
            self._running -= 1
            self._gate.notify_all()

    def _crawl_job(self, source_id: str) -> None:
        source = self.good.sources.get(source_id) if self.good else None
        reason = "schedule"
        if source_id in self._startup:
            reason = "start-up"
        elif source_id in self._added:
            reason = "added"
        self._added.discard(source_id)
        try:
            if source is None or not source.enabled or not self._enter_gate():
                return
            try:
                self._crawl(source, reason)
            finally:
                self._leave_gate()
        except Exception:
            log.exception(logfmt("crawl.error", source=source_id))
        finally:
            self._startup_step(source_id)

    def _startup_step(self, source_id: str) -> None:
        with self._lock:
            if source_id not in self._startup:
                return
            self._startup.discard(source_id)
            done = self._startup_total - len(self._startup)
        emit(logging.INFO, "startup.progress", source=source_id, done=done, total=self._startup_total)
        if self.progress is not None:
            self.progress(done, self._startup_total, source_id)

    def _command(self, *args: str) -> list[str]:
        """``hhevents`` in a child process, on the last good configuration files."""
        categories = self.good_categories_path if self.good_categories_path.exists() else self.o.categories
        command = [
            sys.executable,
            "-m",
            "hhevents",
            "--config",
            str(self.good_sources_path),
            "--categories",
            str(Path(categories).resolve()),
            "--data-dir",
            str(self.data_dir),
            "--out",
            str(Path(self.o.out).resolve()),
            "--keep-past-days",
            str(self.o.keep_past_days),
        ]
        if self.o.venues:
            command += ["--venues", str(Path(self.o.venues).resolve())]
        if self.o.snapshot_site:
            command += ["--snapshot-site", self.o.snapshot_site]
        if self.o.verbose:
            command.append("-v")  # every request and item in the crawl logs
        return [*command, *args]

    def _crawl(self, source: SourceConfig, reason: str) -> None:
        limit = float(source.time_limit or self.o.time_limit)
        command = self._command("crawl", "--source", source.id)
        logfile = self.crawl_logs / f"{source.id}.log"
        before = self.store.last_run_id()
        marker = self._db_marker(source.id)
        started = clock.now()
        t0 = time.monotonic()
        changed = False
        emit(logging.INFO, "crawl.start", source=source.id, reason=reason, time_limit=f"{limit:g}s")
        env = {**os.environ, "COLUMNS": "160"}
        with open(logfile, "wb") as out:
            # Its own process group: Ctrl-C in the terminal reaches only us, and a kill reaches its children.
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            with self._lock:
                self._children[source.id] = _Child(process, t0, datetime.now(UTC), reason)
            self._write_state("running")
            try:
                stopped = self._supervise(source.id, process, limit, t0)
            finally:
                if process.poll() is None:  # only if supervising failed: never leave a crawl behind
                    _signal_group(process, signal.SIGKILL)
                process.wait()
        try:
            run = self._run_since(source.id, before)
            if run is None:
                message = stopped or (
                    f"the crawl process exited with code {process.returncode} without "
                    f"recording its run; see {logfile}"
                )
                run = CrawlRun(
                    source_id=source.id,
                    started=started,
                    finished=clock.now(),
                    outcome=RunOutcome.FAILED.value,
                    errors=1,
                    message=message,
                )
                self.store.record_run(run)
                run = self._run_since(source.id, before) or run
            if run.id is not None:
                self._own_runs.add(run.id)
            changed = bool(run.new or run.changed or run.removed)
            if stopped and not changed:
                changed = self._db_marker(source.id) != marker  # a killed crawl may have stored some events
            level = logging.INFO if run.outcome == RunOutcome.OK else logging.WARNING
            emit(
                level,
                "crawl.finished",
                source=source.id,
                outcome=run.outcome,
                items=run.items,
                new=run.new,
                changed=run.changed,
                removed=run.removed,
                errors=run.errors,
                seconds=time.monotonic() - t0,
                exit=process.returncode,
                message=run.message or None,
            )
        finally:
            with self._lock:
                self._children.pop(source.id, None)
            self._write_state("running")
        if changed:
            self.publisher.request(source.id)

    def _supervise(self, source_id: str, process: subprocess.Popen, limit: float, t0: float) -> str | None:
        """Wait for the crawl; kill it at its time limit or when stopping. Why it was stopped, if it was."""
        terminated_at: float | None = None
        while True:
            try:
                process.wait(timeout=0.2)
                return None if terminated_at is None else self._shutdown_reason(t0)
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - t0
            if elapsed > limit:
                # Past its limit a crawl is hung; SIGTERM would only make Scrapy wait for the same requests.
                _signal_group(process, signal.SIGKILL)
                emit(logging.WARNING, "crawl.killed", source=source_id, time_limit=f"{limit:g}s")
                return f"killed after {elapsed:.0f} s: the crawl exceeded its time limit of {limit:g} s"
            if self._force.is_set():
                _signal_group(process, signal.SIGKILL)
                return self._shutdown_reason(t0)
            if self._terminate.is_set():
                if terminated_at is None:
                    _signal_group(process, signal.SIGTERM)  # Scrapy closes the spider and records the run
                    terminated_at = time.monotonic()
                elif time.monotonic() - terminated_at > self.o.kill_after:
                    _signal_group(process, signal.SIGKILL)
                    return self._shutdown_reason(t0)

    @staticmethod
    def _shutdown_reason(t0: float) -> str:
        elapsed = time.monotonic() - t0
        return f"stopped after {elapsed:.0f} s: the scheduler shut down before the crawl finished"

    def _run_since(self, source_id: str, before: int) -> CrawlRun | None:
        runs = self.store.runs(source_id)
        return runs[0] if runs and (runs[0].id or 0) > before else None

    def _db_marker(self, source_id: str) -> tuple:
        """What a crawl of the source changes in the published events (to tell whether a killed one did)."""
        with self.store.engine.connect() as conn:
            return tuple(
                conn.execute(
                    text(
                        "SELECT count(*), max(e.last_modified), coalesce(sum(e.sequence), 0) "
                        "FROM event_sources s JOIN events e ON e.id = s.event_id WHERE s.source_id = :source"
                    ),
                    {"source": source_id},
                ).one()
            )

    def _check_outside_runs(self) -> None:
        """Runs recorded by ``hhevents crawl`` outside the scheduler: publish what they changed."""
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, source_id, new, changed, removed FROM crawl_runs WHERE id > :seen ORDER BY id"
                ),
                {"seen": self._seen_run_id},
            ).all()
        for run_id, source_id, new, changed, removed in rows:
            with self._lock:
                if run_id in self._own_runs:
                    self._own_runs.discard(run_id)
                    self._seen_run_id = run_id
                    continue
                if source_id in self._children:
                    return  # maybe this crawl's own run, not yet claimed: look again next time
            self._seen_run_id = run_id
            if new or changed or removed:
                emit(
                    logging.INFO,
                    "crawl.outside",
                    source=source_id,
                    run=run_id,
                    new=new,
                    changed=changed,
                    removed=removed,
                )
                self.publisher.request(f"{source_id} (outside the scheduler)")

    # -- publish and housekeeping ------------------------------------------------------------------------

    def _publish(self, reasons: list[str]) -> None:
        command = self._command("publish", "--base-url", self.o.base_url)
        logfile = self.o.logs / "publish.log"
        t0 = time.monotonic()
        emit(logging.INFO, "publish.start", reasons=reasons)
        try:
            # Its own session too: Ctrl-C must not cut the publish that makes the feeds match the database.
            result = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=self.o.publish_time_limit,
                env={**os.environ, "COLUMNS": "160"},
                start_new_session=True,
                check=False,
            )
            output, code = result.stdout.decode(errors="replace"), result.returncode
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode(errors="replace") + "\n(timed out)"
            code = None
        with contextlib.suppress(OSError):
            logfile.write_text(output, encoding="utf-8")
        found = re.search(r"published (\d+) event", output)
        self.last_publish = {
            "finished": _iso(datetime.now(UTC)),
            "ok": code == 0,
            "reasons": reasons,
            "events": int(found.group(1)) if found else None,
            "seconds": round(time.monotonic() - t0, 3),  # the status page's publish duration metric
        }
        if code == 0:
            emit(
                logging.INFO,
                "publish.finished",
                reasons=reasons,
                events=self.last_publish["events"],
                out=self.o.out,
                seconds=self.last_publish["seconds"],
            )
        else:
            emit(
                logging.ERROR,
                "publish.failed",
                reasons=reasons,
                exit=code,
                log=logfile,
                message=output.strip().splitlines()[-1:] or None,
            )
        self._write_state("stopping" if self._stopping.is_set() else "running")

    def _housekeeping_job(self) -> None:
        """Prune past events and compact the database while no crawl writes to it; drop stale crawl logs."""
        t0 = time.monotonic()
        with self._gate:
            self._maintenance = True
            deadline = time.monotonic() + 1800
            while self._running and time.monotonic() < deadline and not self._stopping.is_set():
                self._gate.wait(1)
        try:
            pruned = self.store.prune(clock.now() - timedelta(days=self.o.keep_past_days))
            compacted = self._compact()
            stale = self._drop_stale_crawl_logs()
        finally:
            with self._gate:
                self._maintenance = False
                self._gate.notify_all()
        self.last_housekeeping = {
            "finished": _iso(datetime.now(UTC)),
            "pruned": pruned,
            "compacted": compacted,
        }
        emit(
            logging.INFO,
            "housekeeping.finished",
            pruned=pruned,
            compacted=compacted,
            old_logs=stale,
            seconds=time.monotonic() - t0,
        )
        if pruned:
            self.publisher.request("housekeeping")

    def _compact(self) -> bool:
        if self.store.engine.dialect.name != "sqlite":
            return False
        try:
            with self.store.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("PRAGMA optimize")
                conn.exec_driver_sql("VACUUM")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return True
        except Exception as exc:  # e.g. a manual `hhevents crawl` holds a write lock: next time
            emit(logging.WARNING, "housekeeping.compact_skipped", message=str(exc))
            return False

    def _drop_stale_crawl_logs(self) -> int:
        cutoff = time.time() - CRAWL_LOG_DAYS * 86400
        dropped = 0
        for path in self.crawl_logs.glob("*.log"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    dropped += 1
        return dropped

    # -- events and state --------------------------------------------------------------------------------

    def _on_job_event(self, event) -> None:
        source = event.job_id[len(CRAWL_JOB) :] if event.job_id.startswith(CRAWL_JOB) else None
        if event.code == EVENT_JOB_MISSED and source:
            emit(
                logging.WARNING,
                "crawl.missed",
                source=source,
                planned=event.scheduled_run_time,
                note=f"more than {self.o.misfire_grace:g} s late; waiting for the next planned time",
            )
        elif event.code == EVENT_JOB_MAX_INSTANCES and source:
            emit(logging.INFO, "crawl.skipped", source=source, reason="the previous crawl is still running")
        elif event.code == EVENT_JOB_ERROR:
            emit(logging.ERROR, "job.error", job=event.job_id, message=repr(event.exception))
        if source and event.code in (EVENT_JOB_SUBMITTED, EVENT_JOB_MISSED, EVENT_JOB_MAX_INSTANCES):
            self._write_state("stopping" if self._stopping.is_set() else "running")

    def _write_state(self, phase: str) -> None:
        try:
            with self._lock:
                state = self._state(phase)
                _write_atomic(
                    self.state_dir / STATE_FILE,
                    (json.dumps(state, ensure_ascii=False, indent=2) + "\n").encode(),
                )
                self._last_state_write = time.monotonic()
        except Exception:
            log.exception(logfmt("state.error"))

    def _state(self, phase: str) -> dict[str, Any]:
        jobs: dict[str, dict[str, Any]] = {}
        housekeeping_next = None
        with contextlib.suppress(Exception):  # before start() or after shutdown there are no jobs to list
            for job in self.ap.get_jobs():
                next_run = getattr(job, "next_run_time", None)
                if job.id == "housekeeping":
                    housekeeping_next = _iso(next_run)
                if not job.id.startswith(CRAWL_JOB):
                    continue
                sid = job.id[len(CRAWL_JOB) :]
                source = self.good.sources.get(sid) if self.good else None
                jobs[sid] = {
                    "schedule": source.schedule if source else None,
                    "next_run": _iso(next_run),
                    "time_limit": float(source.time_limit or self.o.time_limit) if source else None,
                }
        for sid, child in self._children.items():
            jobs.setdefault(sid, {}).update(
                running_since=_iso(child.started_at), pid=child.process.pid, reason=child.reason
            )
        return {
            "version": STATE_VERSION,
            "state": phase,
            "pid": os.getpid(),
            "started": _iso(self.started_at),
            "heartbeat": _iso(datetime.now(UTC)),
            "watch_interval": self.o.watch_interval,
            "time_scale": self.o.time_scale,
            "config": {
                "sources": str(self.o.config),
                "categories": str(self.o.categories),
                "loaded": _iso(self.good.loaded) if self.good else None,
                "errors": [_problem_dict(problem) for problem in self.errors],
                "errors_since": _iso(self.errors_since),
                "running_on": self.running_on or None,
            },
            "jobs": dict(sorted(jobs.items())),
            "publish": {
                "due": _iso(self.publisher.due),
                "reasons": list(self.publisher.reasons),
                "last": self.last_publish,
            },
            "housekeeping": {"next_run": housekeeping_next, "last": self.last_housekeeping},
        }


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


# -- what `hhevents status` (and the status page) read -----------------------------------------------------


def state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_DIR / STATE_FILE


def read_state(data_dir: Path) -> dict[str, Any] | None:
    """The scheduler's last written state (see docs/operations.md), or None if it never ran here."""
    try:
        return json.loads(state_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_running(state: dict[str, Any] | None, now: datetime | None = None) -> bool:
    """Whether the state comes from a scheduler that is running now (its heartbeat is recent)."""
    if not state or state.get("state") not in ("running", "stopping") or not state.get("heartbeat"):
        return False
    now = now or datetime.now(UTC)
    age = (now - datetime.fromisoformat(state["heartbeat"])).total_seconds()
    return age < max(60.0, 10 * float(state.get("watch_interval") or 2))


def _local(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if not value else datetime.fromisoformat(value).astimezone().strftime(fmt)


@dataclass
class SchedulerView:
    """The scheduler's part of ``hhevents status``: a next-run cell per source, lines for below the table."""

    running: bool = False
    next_runs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def status_view(data_dir: Path) -> SchedulerView:
    state = read_state(data_dir)
    view = SchedulerView()
    if state is None:
        return view  # no scheduler has run with this data dir: nothing to say
    if not is_running(state):
        view.notes.append(
            f"scheduler: not running (last seen {_local(state.get('heartbeat'))}, "
            f"state {state.get('state')}); `hhevents run` starts it"
        )
        return view
    view.running = True
    for sid, job in (state.get("jobs") or {}).items():
        if job.get("running_since"):
            view.next_runs[sid] = f"running since {_local(job['running_since'], '%H:%M:%S')}"
        else:
            view.next_runs[sid] = _local(job.get("next_run"))
    note = f"scheduler: running since {_local(state.get('started'))} (pid {state.get('pid')})"
    publish = state.get("publish") or {}
    if publish.get("due"):
        note += f"; publish due {_local(publish['due'], '%H:%M:%S')}"
    view.notes.append(note)
    config = state.get("config") or {}
    errors = config.get("errors") or []
    if errors:
        view.errors = [error["text"] for error in errors]
        running_on = config.get("running_on") or "the last good configuration"
        view.notes.append(
            f"scheduler: configuration REJECTED since {_local(config.get('errors_since'))}: still running on "
            f"{running_on} (loaded {_local(config.get('loaded'))}); fix these and save:"
        )
        view.notes.extend(f"  {line}" for line in view.errors)
    return view


# -- `hhevents run` -----------------------------------------------------------------------------------------


def _start_server(
    out: Path, host: str, port: int, *, data_dir: Path | None = None, config: Path | None = None
):
    """The feed server (feeds.server) in a thread; the main thread keeps the signals."""
    import uvicorn

    from feeds.server import create_app

    app = create_app(Path(out), data_dir=data_dir, config=config)
    server_config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(server_config)
    thread = threading.Thread(target=server.run, name="feed-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"the feed server could not start on {host}:{port} (see the log above)")
    return server, thread


def main(args, console=None) -> int:
    """``hhevents run``: the scheduler and (unless --no-serve) the feed server, until SIGTERM or Ctrl-C."""
    try:
        options = Options.from_args(args)
    except ValueError as exc:
        print(f"hhevents run: {exc}", file=sys.stderr)
        return 2
    setup_logging(options.logs, console)
    progress = _StartupProgress(console) if console is not None and console.is_terminal else None
    scheduler = PipelineScheduler(options, progress=progress.update if progress else None)
    stop, force = threading.Event(), threading.Event()

    def on_signal(signum, _frame) -> None:
        if stop.is_set():
            force.set()
            emit(
                logging.WARNING,
                "scheduler.force",
                signal=signal.Signals(signum).name,
                note="second signal: killing running crawls now",
            )
        else:
            stop.set()
            emit(
                logging.INFO,
                "scheduler.signal",
                signal=signal.Signals(signum).name,
                note="stopping; a second signal kills running crawls at once",
            )

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    server = thread = None
    code = 0
    try:
        if not args.no_serve:
            server, thread = _start_server(
                options.out, args.host, args.port, data_dir=options.data_dir, config=options.config
            )
            emit(
                logging.INFO,
                "server.start",
                url=f"http://{args.host}:{args.port}/",
                out=options.out,
                feeds=options.base_url.rstrip("/") + "/all.ics",
            )
        scheduler.start()
        while not stop.wait(0.5):
            if thread is not None and not thread.is_alive():
                emit(logging.ERROR, "server.died", note="the feed server stopped; stopping the scheduler")
                code = 1
                break
    except Exception:
        log.exception(logfmt("scheduler.error"))
        code = 1
    finally:
        scheduler.stop(force)
        if progress is not None:
            progress.close()
        if server is not None:
            server.should_exit = True
            thread.join(timeout=10)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


class _StartupProgress:
    """A progress bar in the terminal while the start-up crawls run (they may take a while on a new host)."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("first crawl"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = None

    def update(self, done: int, total: int, source_id: str) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done, description=f"{source_id} done")
        if done >= total:
            self.close()

    def close(self) -> None:
        self.bar.stop()
