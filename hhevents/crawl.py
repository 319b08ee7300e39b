"""Run Scrapy over the configured sources: one crawler per source, all in one CrawlerProcess.

Twisted's reactor cannot be restarted, so ``run_crawl`` runs once per process; code that must crawl more
than once in a process (the demo, tests) calls ``crawl_in_subprocess``, which runs ``hhevents crawl``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from config.schema import SourceBase
from hhevents import __version__, clock
from store import CrawlRun, EventStore
from store.db import DB_FILENAME, RunOutcome


def database_path(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / DB_FILENAME


def crawl_settings(data_dir: Path, *, log_level: str = "WARNING", snapshot_site: str | None = None) -> dict:
    """Scrapy settings for a crawl writing into ``data_dir``, from the web or from a snapshot site."""
    from pipelines import EXTENSIONS, ITEM_PIPELINES

    data_dir = Path(data_dir).resolve()
    local = bool(snapshot_site)
    offline = {}
    if snapshot_site:
        handler = "spiders.offline.SnapshotDownloadHandler"
        offline = {
            "HHEVENTS_SNAPSHOT_SITE": snapshot_site,
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        }
    return {
        **offline,
        "BOT_NAME": "hhevents",
        "USER_AGENT": f"hhevents/{__version__} (HH Cityclub event aggregator)",
        "ROBOTSTXT_OBEY": True,
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "EXTENSIONS": EXTENSIONS,
        "HHEVENTS_DATABASE": str(database_path(data_dir)),
        # Conditional requests (ETag / Last-Modified) against the source, answered from this cache on 304.
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_DIR": str(data_dir / "httpcache"),
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
        "HTTPCACHE_IGNORE_HTTP_CODES": [500, 502, 503, 504, 408, 429],
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4 if local else 2,
        "DOWNLOAD_DELAY": 0 if local else 0.5,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_TIMES": 2,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": log_level,
        # The command line (or the embedding program) owns logging; Scrapy must not add a second handler.
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOG_FORMAT": "%(asctime)s %(levelname)s %(name)s: %(message)s",
    }


def run_crawl(
    sources: Sequence[SourceBase],
    data_dir: Path,
    *,
    snapshot_site: str | None = None,
    log_level: str = "WARNING",
    on_source_done: Callable[[str], None] | None = None,
) -> dict[str, CrawlRun]:
    """Crawl ``sources`` (in this process, once) and return the run record of each, by source id."""
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from spiders import spider_for

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    started = clock.now()
    store = EventStore(database_path(data_dir))
    try:
        runs_before = store.last_run_id()
    finally:
        store.close()
    process = CrawlerProcess(
        crawl_settings(data_dir, log_level=log_level, snapshot_site=snapshot_site)
    )
    targets = list(sources)
    for source in targets:
        crawler = process.create_crawler(spider_for(source.type))
        if on_source_done is not None:
            crawler.signals.connect(
                lambda spider, reason: on_source_done(spider.source.id),
                signal=signals.spider_closed,
                weak=False,
            )
        process.crawl(crawler, source=source)
    process.start()

    store = EventStore(database_path(data_dir))
    try:
        latest = store.latest_runs()
    finally:
        store.close()
    runs: dict[str, CrawlRun] = {}
    for source in targets:
        run = latest.get(source.id)
        if run is None or (run.id or 0) <= runs_before:
            # The crawler never reached spider_closed (it failed to start): that is a failed run too.
            run = CrawlRun(
                source_id=source.id,
                started=started,
                finished=clock.now(),
                outcome=RunOutcome.FAILED.value,
                errors=1,
                message="the crawl did not run; see the log above",
            )
        runs[source.id] = run
    return runs


def crawl_in_subprocess(
    config_path: Path,
    data_dir: Path,
    *,
    source_ids: Sequence[str] = (),
    snapshot_site: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """``hhevents crawl`` in a child process (a fresh Twisted reactor); its output goes to ours."""
    command = [sys.executable, "-m", "hhevents", "--config", str(config_path), "--data-dir", str(data_dir)]
    if snapshot_site:
        command += ["--snapshot-site", snapshot_site]
    command += ["crawl", *[arg for sid in source_ids for arg in ("--source", sid)]]
    return subprocess.run(command, env={**os.environ, **(extra_env or {})}, check=False)
