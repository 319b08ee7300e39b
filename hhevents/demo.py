"""``hhevents demo``: the whole pipeline, offline, on the bundled snapshots of the configured sources.

It runs exactly the production path (the production config, real Scrapy crawls, the store, the publisher,
the server); the only switch is that every source is fetched from a loopback snapshot site.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hhevents.cities import CITY_NAMES
from hhevents.crawl import crawl_in_subprocess, database_path
from hhevents.snapshots import SnapshotServer
from store import EventStore

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SNAPSHOTS = REPO_ROOT / "demo" / "snapshots"


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

    with SnapshotServer(snapshots) as site:
        console.print(f"[bold]snapshot site[/] {site.base_url} serving {snapshots}")
        crawl = crawl_in_subprocess(args.config, data_dir, snapshot_site=site.base_url)
    store = EventStore(database_path(data_dir))
    try:
        events = store.events()
        runs = store.latest_runs()
    finally:
        store.close()
    result = publish(events, Path(args.out), base_url=base_url)
    print_summary(console, events, runs)
    console.print(f"published {result.events} event(s) into {args.out}/")
    if crawl.returncode not in (0, 1):
        console.print(f"[red]the crawl exited with {crawl.returncode}[/]")
        return crawl.returncode
    if args.no_serve:
        return 0
    serve(Path(args.out), args.host, args.port)
    return 0


def print_summary(console: Console, events, runs) -> None:
    table = Table(title="demo summary", title_justify="left")
    table.add_column("city")
    table.add_column("category")
    table.add_column("events", justify="right")
    for (city, category), count in sorted(Counter((e.city, e.category) for e in events).items()):
        table.add_row(CITY_NAMES[city], category, str(count))
    console.print(table)
    cancelled = sum(1 for e in events if e.status == "cancelled")
    ok = [sid for sid, run in runs.items() if run.outcome == "ok"]
    broken = [f"{sid} ({run.message})" for sid, run in runs.items() if run.outcome != "ok"]
    console.print(f"events: {len(events)}, cancelled: {cancelled}")
    console.print(
        f"sources ok: {len(ok)}, broken: {len(broken)}" + (f" — {'; '.join(broken)}" if broken else "")
    )
