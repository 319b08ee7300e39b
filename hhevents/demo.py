"""``hhevents demo``: the whole pipeline, offline, on the bundled snapshots of the configured sources.

It runs exactly the production path (the production config, real Scrapy crawls, the store, the publisher,
the server); the only switch is that every source is fetched from a loopback snapshot site
(``--snapshot-site``, see docs/architecture.md). demo/snapshots/README.md says what the snapshots hold and
which numbers the summary must show.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from hhevents.cities import CITY_NAMES
from hhevents.crawl import crawl_in_subprocess, database_path
from hhevents.model import CATEGORIES, CITIES, Event
from hhevents.snapshots import SnapshotServer
from store import CrawlRun, EventStore

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOTS = REPO_ROOT / "demo" / "snapshots"


@dataclass(frozen=True)
class DemoSummary:
    """What the demo reports; also what tests/test_demo.py checks against the snapshots' known content."""

    per_city: dict[str, Counter[str]]  # city -> category -> events
    events: int  # published (merged) events
    listings: int  # events as the sources list them, before duplicates were merged
    cancelled: int
    merged: list[Event]  # the events more than one source lists
    ok: list[str]  # source ids whose last run was ok
    broken: list[tuple[str, str]]  # (source id, why) for every other run

    @property
    def duplicates(self) -> int:
        """Listings merged into another source's event."""
        return self.listings - self.events


def summarise(events: Iterable[Event], runs: Mapping[str, CrawlRun]) -> DemoSummary:
    events = list(events)
    per_city: dict[str, Counter[str]] = {city: Counter() for city in CITIES}
    for event in events:
        per_city[event.city][event.category] += 1
    return DemoSummary(
        per_city=per_city,
        events=len(events),
        listings=sum(len(event.sources) for event in events),
        cancelled=sum(1 for event in events if event.status == "cancelled"),
        merged=[event for event in events if len(event.sources) > 1],
        ok=sorted(sid for sid, run in runs.items() if run.outcome == "ok"),
        broken=sorted((sid, run.message or run.outcome) for sid, run in runs.items() if run.outcome != "ok"),
    )


def run_demo(args, *, console: Console, serve) -> int:
    from feeds.publish import publish

    snapshots = Path(args.snapshots or DEFAULT_SNAPSHOTS)
    if not snapshots.is_dir():
        console.print(f"[red]no snapshots at {snapshots}[/]")
        return 2
    # The demo keeps its own store, fresh each run: the snapshot site's address (part of every source URL)
    # changes from run to run, and a demo should show a first crawl.
    data_dir = Path(args.data_dir) / "demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    base_url = f"http://{args.host}:{args.port}/"
    started = time.monotonic()

    with SnapshotServer(snapshots) as site:
        console.print(f"[bold]snapshot site[/] {site.base_url} serving {snapshots}")
        console.print(f"crawling every source in {args.config} from it (the production config, offline)")
        # The child is `hhevents crawl`: its progress bar and its per-source table show on our stderr.
        crawl = crawl_in_subprocess(args.config, data_dir, snapshot_site=site.base_url)
    store = EventStore(database_path(data_dir))
    try:
        events = store.events()
        runs = store.latest_runs()
    finally:
        store.close()
    result = publish(events, Path(args.out), base_url=base_url)
    print_summary(console, summarise(events, runs))
    console.print(
        f"published {result.events} event(s) into {args.out}/ in {time.monotonic() - started:.0f} s"
    )
    if crawl.returncode not in (0, 1):
        console.print(f"[red]the crawl exited with {crawl.returncode}[/]")
        return crawl.returncode
    if args.no_serve:
        return 0
    serve(Path(args.out), args.host, args.port, data_dir=data_dir, config=args.config)
    return 0


def print_summary(console: Console, summary: DemoSummary) -> None:
    """The demo's report, one fact per line so that people and tests read the same numbers."""
    console.print("[bold]demo summary[/]")
    for city in CITIES:
        counts = summary.per_city[city]
        parts = ", ".join(f"{category} {counts[category]}" for category in CATEGORIES)
        console.print(f"  {CITY_NAMES[city]}: {sum(counts.values())} events ({parts})")
    console.print(f"  events: {summary.events}, cancelled: {summary.cancelled}")
    console.print(
        f"  duplicates merged: {summary.duplicates} of {summary.listings} listings, "
        f"into {len(summary.merged)} events listed by several sources"
    )
    for event in summary.merged:
        sources = ", ".join(ref.source_id for ref in event.sources)
        console.print(f"    {escape(event.title)} [dim]({sources})[/]")
    console.print(f"  sources ok: {len(summary.ok)}, broken: {len(summary.broken)}")
    for source_id, why in summary.broken:
        console.print(f"    [red]{source_id}[/]: {escape(why)}", soft_wrap=True)
