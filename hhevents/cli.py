"""The ``hhevents`` command: check-config, crawl, publish, export, serve, run, demo.

stdout carries only a command's product (``export`` prints JSON there and nothing else); progress, tables and
logs go to stderr, so ``hhevents export --format json > events.json`` is always clean.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from hhevents import __version__

DEFAULT_CONFIG = Path("config/sources.yaml")
DEFAULT_CATEGORIES = Path("config/categories.yaml")
DEFAULT_VENUES = Path("config/venues.yaml")
DEFAULT_DATA_DIR = Path("var")
DEFAULT_OUT = Path("public")
DEFAULT_BASE_URL = "http://127.0.0.1:8080/"

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2

err = Console(stderr=True, highlight=False)


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Declared on the main parser (with defaults) and again on each sub-command (without), so the options
    # work before or after the sub-command name.
    def default(value):
        return argparse.SUPPRESS if suppress else value

    parser.add_argument(
        "--config",
        type=Path,
        default=default(DEFAULT_CONFIG),
        metavar="PATH",
        help=f"the sources file (default: {DEFAULT_CONFIG})",
    )
    parser.add_argument(
        "--categories",
        type=Path,
        default=default(DEFAULT_CATEGORIES),
        metavar="PATH",
        help=f"the category rules (default: {DEFAULT_CATEGORIES})",
    )
    parser.add_argument(
        "--venues",
        type=Path,
        default=default(DEFAULT_VENUES),
        metavar="PATH",
        help=f"the venue alias table (default: {DEFAULT_VENUES})",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default(DEFAULT_DATA_DIR),
        metavar="PATH",
        help=f"SQLite database and HTTP cache (default: ./{DEFAULT_DATA_DIR})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=default(DEFAULT_OUT),
        metavar="PATH",
        help=f"where published feeds are written (default: ./{DEFAULT_OUT})",
    )
    parser.add_argument(
        "--snapshot-site",
        metavar="URL",
        default=default(os.environ.get("HHEVENTS_SNAPSHOT_SITE")),
        help="fetch every source from this snapshot site instead of its real URL "
        "(offline runs; env HHEVENTS_SNAPSHOT_SITE)",
    )
    parser.add_argument(
        "--keep-past-days",
        type=int,
        default=default(60),
        metavar="N",
        help="events that ended more than N days ago are pruned after each crawl (default: 60)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default(False),
        help="log every request and item (INFO) instead of warnings only",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hhevents",
        description="Gather Helsingborg's and Helsingør's events from their publishers and publish feeds.",
    )
    parser.add_argument("--version", action="version", version=f"hhevents {__version__}")
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        return sub

    check = command("check-config", "validate a sources file; print every problem with file, line and column")
    check.add_argument("path", nargs="?", type=Path, help="the file to check (default: the --config file)")

    crawl = command("crawl", "crawl the enabled sources (or the ones named) and store their events")
    crawl.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="ID",
        help="crawl only this source (repeatable; also runs a disabled source)",
    )
    crawl.add_argument(
        "--dry-run",
        action="store_true",
        help="show what the sources yield, as a table, without storing anything",
    )

    command(
        "status", "one row per source: last run, outcome, events against its history, broken ones flagged"
    )
    command("prune", "delete stored events that ended more than --keep-past-days ago")

    publish = command("publish", "write the feeds from the stored events into the --out folder")
    publish.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help=f"the public URL the feeds are served under (default: {DEFAULT_BASE_URL})",
    )

    export = command("export", "print the stored, normalised events on stdout")
    export.add_argument("--format", choices=["json"], default="json", help="output format (default: json)")
    export.add_argument(
        "--with-raw",
        action="store_true",
        help="add each source's raw record of the event (under sources[].raw), to trace a value back",
    )

    serve = command("serve", "serve the published feeds over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080)")

    run = command("run", "scheduler and feed server: crawl each source on its schedule, publish, serve")
    run.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    run.add_argument("--port", type=int, default=8080, help="port to serve on (default: 8080)")
    run.add_argument("--no-serve", action="store_true", help="run the scheduler without the feed server")
    run.add_argument("--base-url", default=None, help="public URL of the feeds (default: http://HOST:PORT/)")
    run.add_argument("--log-dir", type=Path, default=None, metavar="PATH", help="default: DATA_DIR/logs")
    run.add_argument(
        "--housekeeping",
        default="30 3 * * *",
        metavar="CRON",
        help="when to prune and compact, Europe/Stockholm time (default: '30 3 * * *')",
    )
    for flag, default, what in (
        ("--max-parallel", 4, "crawls running at once"),
        ("--crawl-time-limit", 1800.0, "seconds a crawl may run unless its source sets time_limit"),
        ("--jitter", 120.0, "seconds, at most, a scheduled crawl starts late, so sources spread out"),
        ("--misfire-grace", 900.0, "seconds a crawl may start late (busy, suspended) before it is skipped"),
        ("--publish-delay", 60.0, "seconds from a crawl's change to the publish; later changes join it"),
        ("--grace", 60.0, "seconds running crawls get to finish on SIGTERM/Ctrl-C"),
        ("--kill-after", 10.0, "seconds from SIGTERM to SIGKILL for a crawl still running after the grace"),
        ("--watch-interval", 2.0, "seconds between two looks at the YAML files"),
    ):
        run.add_argument(
            flag, type=type(default), default=default, metavar="N", help=f"{what} (default: {default:g})"
        )

    demo = command("demo", "crawl the bundled snapshots offline, publish, and serve the feeds")
    demo.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    demo.add_argument("--port", type=int, default=8080, help="port to serve on (default: 8080)")
    demo.add_argument(
        "--snapshots",
        type=Path,
        default=None,
        metavar="DIR",
        help="the recorded source snapshots (default: demo/snapshots of this checkout)",
    )
    demo.add_argument("--no-serve", action="store_true", help="stop after publishing (for tests and CI)")
    return parser


def setup_logging(verbose: bool) -> None:
    # Scrapy lowers the root logger's level to DEBUG when a crawl starts; the level lives on the handler.
    handler = RichHandler(console=err, show_path=False, markup=False, rich_tracebacks=False)
    handler.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(
        level=logging.DEBUG,
        handlers=[handler],
        format="%(message)s",
        force=True,
    )


def load_config(path: Path):
    """The loaded config, with its problems printed; None when nothing in it can run."""
    from config.loader import format_problems, load_sources

    loaded = load_sources(path)
    if loaded.problems:
        err.print(f"[bold red]{len(loaded.problems)} problem(s) in {path}[/] (the other sources still run):")
        err.print(format_problems(loaded.problems), markup=False)
    return loaded


# -- commands ------------------------------------------------------------------------------------------------


def cmd_check_config(args) -> int:
    from config.loader import format_problems, load_sources

    path = args.path or args.config
    loaded = load_sources(path)
    if loaded.problems:
        print(format_problems(loaded.problems))
        print(f"{path}: {len(loaded.problems)} problem(s); {len(loaded.sources)} source(s) valid")
        return EXIT_PROBLEMS
    enabled = sum(1 for source in loaded.sources if source.enabled)
    print(f"{path}: OK, {len(loaded.sources)} source(s), {enabled} enabled")
    return EXIT_OK


def cmd_crawl(args) -> int:
    from hhevents.crawl import CrawlObserver, run_crawl

    loaded = load_config(args.config)
    if args.source:
        known = {source.id: source for source in loaded.sources}
        unknown = [sid for sid in args.source if sid not in known]
        if unknown:
            err.print(
                f"[red]unknown source id(s): {', '.join(unknown)}[/]; known: {', '.join(sorted(known))}"
            )
            return EXIT_USAGE
        sources = [known[sid] for sid in args.source]
    else:
        sources = [source for source in loaded.sources if source.enabled]
    if not sources:
        err.print("[yellow]no sources to crawl[/]")
        return EXIT_PROBLEMS if loaded.problems else EXIT_OK

    with Progress(
        TextColumn("crawling"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(sources))

        def done(source_id: str) -> None:
            progress.update(task, advance=1, description=f"{source_id} done")

        seen: list[tuple[str, object]] = []
        lost: list[tuple[str, str]] = []
        observer = CrawlObserver(
            source_done=done,
            item=(lambda sid, event: seen.append((sid, event))) if args.dry_run else None,
            dropped=(lambda sid, item, reason: lost.append((sid, reason))) if args.dry_run else None,
        )
        runs = run_crawl(
            sources,
            args.data_dir,
            snapshot_site=args.snapshot_site,
            log_level="INFO" if args.verbose else "WARNING",
            dry_run=args.dry_run,
            observer=observer,
            categories=args.categories,
            venues=args.venues,
        )
    if args.dry_run:
        print_dry_run(seen, lost)
        return EXIT_OK
    print_runs(runs.values())
    pruned = prune(args)
    if pruned:
        err.print(f"pruned {pruned} event(s) that ended more than {args.keep_past_days} days ago")
    # A cron job should notice lost data: a failed source, or errors on a page or item.
    broken = [run for run in runs.values() if run.outcome == "failed" or run.errors]
    return EXIT_PROBLEMS if broken or loaded.problems else EXIT_OK


def print_dry_run(seen, lost) -> None:
    """What the sources yielded, as the feeds would show it; nothing was stored."""
    table = Table(
        title=f"dry run: {len(seen)} event(s), {len(lost)} dropped (nothing stored)", title_justify="left"
    )
    for column in ("source", "start", "title", "venue", "price", "status", "category"):
        table.add_column(column, overflow="fold")
    for source_id, event in sorted(seen, key=lambda pair: (pair[0], pair[1].start, pair[1].id)):
        when = event.start.strftime("%Y-%m-%d" if event.all_day else "%Y-%m-%d %H:%M")
        price = event.price
        cost = "free" if price.free else (f"{price.min:g} {price.currency}" if price.min is not None else "")
        table.add_row(
            source_id, when, event.title, event.venue.name or "", cost, event.status, event.category
        )
    err.print(table)
    for _source_id, reason in lost:
        err.print(Text.assemble(("dropped ", "yellow"), reason), soft_wrap=True)


OUTCOME_COLOURS = {"ok": "green", "degraded": "yellow", "failed": "bold red"}


def prune(args) -> int:
    """Drop events that ended more than --keep-past-days ago; how many."""
    from datetime import timedelta

    from hhevents import clock
    from store import EventStore
    from store.db import DB_FILENAME

    store = EventStore(Path(args.data_dir) / DB_FILENAME)
    try:
        return store.prune(clock.now() - timedelta(days=args.keep_past_days))
    finally:
        store.close()


def cmd_prune(args) -> int:
    pruned = prune(args)
    err.print(f"pruned {pruned} event(s) that ended more than {args.keep_past_days} days ago")
    return EXIT_OK


def cmd_status(args) -> int:
    """One row per configured source: its last run, against its history; broken ones flagged."""
    from pipelines.health import COVERAGE_FIELDS, HISTORY, broken_reason, median_items
    from scheduler import status_view
    from store import EventStore
    from store.db import DB_FILENAME

    loaded = load_config(args.config)
    scheduled = status_view(args.data_dir)  # next runs and config errors, from a running `hhevents run`
    store = EventStore(Path(args.data_dir) / DB_FILENAME)
    try:
        latest = store.latest_runs()
        table = Table(title=f"sources in {args.config}", title_justify="left")
        table.add_column("source", no_wrap=True)
        for column in ("last run", "outcome", "events", "usual", "removed", "coverage", "state", "next run"):
            table.add_column(column, justify="right" if column in ("events", "usual", "removed") else "left")
        reasons: list[tuple[str, str]] = []
        any_broken = False
        for source in loaded.sources:
            run = latest.get(source.id)
            if run is None:
                table.add_row(
                    source.id,
                    "never",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "disabled" if not source.enabled else "",
                    scheduled.next_runs.get(source.id, ""),
                )
                continue
            history = store.healthy_runs(source.id, limit=HISTORY + 1)
            broken = broken_reason(run, history)
            any_broken = any_broken or bool(broken)
            typical = median_items([r for r in history if r.id != run.id][:HISTORY])
            coverage = " ".join(
                f"{name[0]}{run.coverage[name]:.0%}" for name in COVERAGE_FIELDS if name in run.coverage
            )
            state = (
                "[bold red]BROKEN[/]" if broken else ("disabled" if not source.enabled else "[green]ok[/]")
            )
            table.add_row(
                source.id,
                run.finished.astimezone().strftime("%Y-%m-%d %H:%M"),
                f"[{OUTCOME_COLOURS.get(run.outcome, 'white')}]{run.outcome}[/]",
                str(run.items),
                "" if typical is None else f"{typical:g}",
                str(run.removed),
                coverage,
                state,
                scheduled.next_runs.get(source.id, ""),
            )
            if broken or run.message:
                reasons.append((source.id, broken or run.message))
    finally:
        store.close()
    table.caption = "coverage: share of events with e(nd), v(enue), p(rice), i(mage)"
    err.print(table)
    for source_id, reason in reasons:
        err.print(Text.assemble((source_id, "bold"), f": {reason}"), soft_wrap=True)
    for line in scheduled.notes:
        err.print(Text(line), soft_wrap=True)
    return EXIT_PROBLEMS if any_broken or loaded.problems or scheduled.errors else EXIT_OK


def print_runs(runs) -> None:
    runs = list(runs)
    table = Table(title="crawl", title_justify="left")
    table.add_column("source", no_wrap=True)  # ids are what operators grep for: never cut them
    table.add_column("outcome")
    for column in ("items", "new", "changed", "unchanged", "removed", "dropped", "errors"):
        table.add_column(column, justify="right")
    for run in runs:
        counts = (run.items, run.new, run.changed, run.unchanged, run.removed, run.dropped, run.errors)
        outcome = f"[{OUTCOME_COLOURS.get(run.outcome, 'white')}]{run.outcome}[/]"
        table.add_row(run.source_id, outcome, *map(str, counts))
    err.print(table)
    # Problems go below the table, unabbreviated: an operator needs the whole URL and reason.
    for run in runs:
        if run.message:
            err.print(Text.assemble((run.source_id, "bold"), f": {run.message}"), soft_wrap=True)


def cmd_publish(args) -> int:
    from feeds.publish import PUBLISH_STAMP, publish
    from store import EventStore
    from store.db import DB_FILENAME

    store = EventStore(Path(args.data_dir) / DB_FILENAME)
    try:
        events = store.events()
    finally:
        store.close()
    result = publish(events, args.out, base_url=args.base_url)
    stamp = Path(args.data_dir) / PUBLISH_STAMP
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    for path in result.changed:
        err.print(f"wrote {path}")
    unchanged = len(result.files) - len(result.changed)
    err.print(
        f"published {result.events} event(s) into {args.out}: {len(result.changed)} file(s) written, "
        f"{unchanged} unchanged"
    )
    return EXIT_OK


def cmd_export(args) -> int:
    from store import EventStore
    from store.db import DB_FILENAME

    store = EventStore(Path(args.data_dir) / DB_FILENAME)
    try:
        events = [event.model_dump(mode="json") for event in store.iter_events()]
        if args.with_raw:
            for event in events:
                raw = {
                    (p["source_id"], p["source_event_id"]): p["raw"] for p in store.provenance(event["id"])
                }
                for ref in event["sources"]:
                    ref["raw"] = raw.get((ref["source_id"], ref["source_event_id"]))
    finally:
        store.close()
    try:
        json.dump(events, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # `hhevents export | head` closed the pipe early: not an error; keep Python quiet on exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def subscribe_urls(base_url: str) -> list[tuple[str, str]]:
    base = base_url.rstrip("/")
    webcal = base.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1)
    return [
        ("calendar (webcal)", f"{webcal}/all.ics"),
        ("calendar (URL)", f"{base}/all.ics"),
        ("RSS", f"{base}/all.rss"),
    ]


def serve(
    out: Path, host: str, port: int, *, data_dir: Path | None = None, config: Path | None = None
) -> None:
    import uvicorn

    from feeds.server import create_app

    base = f"http://{host}:{port}/"
    err.print(f"[bold]serving {out} on {base}[/] (Ctrl-C stops)")
    for label, url in subscribe_urls(base):
        err.print(f"  {label:18} {url}")
    app = create_app(out, data_dir=data_dir, config=config)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def cmd_serve(args) -> int:
    serve(args.out, args.host, args.port, data_dir=args.data_dir, config=args.config)
    return EXIT_OK


def cmd_run(args) -> int:
    from scheduler import main as run_scheduler

    return run_scheduler(args, console=err)


def cmd_demo(args) -> int:
    from hhevents.demo import run_demo

    return run_demo(args, console=err, serve=serve)


COMMANDS = {
    "check-config": cmd_check_config,
    "status": cmd_status,
    "prune": cmd_prune,
    "crawl": cmd_crawl,
    "publish": cmd_publish,
    "export": cmd_export,
    "serve": cmd_serve,
    "run": cmd_run,
    "demo": cmd_demo,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.verbose)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
