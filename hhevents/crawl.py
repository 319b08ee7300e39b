"""Run Scrapy over the configured sources: one crawler per source, all in one CrawlerProcess.

Twisted's reactor cannot be restarted, so ``run_crawl`` runs once per process; code that must crawl more
than once in a process (the demo, tests) calls ``crawl_in_subprocess``, which runs ``hhevents crawl``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.schema import SourceBase
from hhevents import __version__, clock
from store import CrawlRun, EventStore
from store.db import DB_FILENAME, RunOutcome

# Where a site's webmaster learns who is crawling and how to reach us; override with HHEVENTS_CONTACT_URL.
DEFAULT_CONTACT_URL = "https://github.com/hh-cityclub/hhevents#contact"


def database_path(data_dir: Path) -> Path:
    return Path(data_dir).resolve() / DB_FILENAME


def user_agent() -> str:
    contact = os.environ.get("HHEVENTS_CONTACT_URL", DEFAULT_CONTACT_URL)
    return f"hhevents/{__version__} (HH Cityclub event aggregator; +{contact})"


def crawl_settings(
    data_dir: Path,
    *,
    log_level: str = "WARNING",
    snapshot_site: str | None = None,
    dry_run: bool = False,
    categories: Path | None = None,
    venues: Path | None = None,
) -> dict[str, Any]:
    """Scrapy settings for a crawl writing into ``data_dir``, from the web or from a snapshot site."""
    from config.venues import DEFAULT_VENUES_PATH
    from pipelines import EXTENSIONS, ITEM_PIPELINES

    data_dir = Path(data_dir).resolve()
    offline: dict[str, Any] = {}
    if snapshot_site:
        handler = "spiders.offline.SnapshotDownloadHandler"
        offline = {
            "HHEVENTS_SNAPSHOT_SITE": snapshot_site,
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            # Loopback: no one to be polite to, and tests and the demo should not wait.
            "AUTOTHROTTLE_ENABLED": False,
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
            "RETRY_BACKOFF_BASE": 0.05,
        }
    return {
        "BOT_NAME": "hhevents",
        "USER_AGENT": user_agent(),
        "ROBOTSTXT_OBEY": True,
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "EXTENSIONS": EXTENSIONS,
        "DOWNLOADER_MIDDLEWARES": {"spiders.middlewares.RetryBackoff": 560},  # after Retry (550) re-schedules
        "HHEVENTS_DATABASE": str(database_path(data_dir)),
        "HHEVENTS_DRY_RUN": dry_run,
        "HHEVENTS_CATEGORIES": str(Path(categories).resolve()) if categories else None,
        # The venue alias table; the project's own unless the caller names another.
        "HHEVENTS_VENUES": str(Path(venues or DEFAULT_VENUES_PATH).resolve()),
        # Conditional requests (ETag / Last-Modified) against the source, answered from this cache on 304.
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_DIR": str(data_dir / "httpcache"),
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
        "HTTPCACHE_IGNORE_HTTP_CODES": [500, 502, 503, 504, 408, 429],
        # Politeness: sources are small sites run by clubs and venues.
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "DOWNLOAD_DELAY": 0.5,
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 20 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 5 * 1024 * 1024,
        "RETRY_TIMES": 3,
        "RETRY_BACKOFF_BASE": 2.0,
        "RETRY_BACKOFF_MAX": 60.0,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # Scrapy's control server: nothing here uses it
        "LOG_LEVEL": log_level,
        # The command line (or the embedding program) owns logging; Scrapy must not add a second handler.
        "LOG_INSTALL_ROOT_HANDLER": False,
        **offline,
    }


def spider_class_for(source: SourceBase):
    """The format's spider class, with the source's own politeness settings when its YAML sets any."""
    from spiders import spider_for

    spider_class = spider_for(source.type)
    own: dict[str, Any] = {}
    if source.download_delay is not None:
        own |= {"DOWNLOAD_DELAY": source.download_delay, "AUTOTHROTTLE_START_DELAY": source.download_delay}
    if source.concurrency is not None:
        own["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.concurrency
    if not own:
        return spider_class
    # custom_settings is per class: one small subclass per source that needs its own.
    return type(
        spider_class.__name__,
        (spider_class,),
        {"custom_settings": {**(spider_class.custom_settings or {}), **own}},
    )


@dataclass
class CrawlObserver:
    """Callbacks a caller (the CLI's progress bar, --dry-run's table) gets during a crawl."""

    source_done: Callable[[str], None] | None = None
    item: Callable[[str, Any], None] | None = None  # (source id, Event)
    dropped: Callable[[str, Any, str], None] | None = None  # (source id, raw item, reason)


def run_crawl(
    sources: Sequence[SourceBase],
    data_dir: Path,
    *,
    snapshot_site: str | None = None,
    log_level: str = "WARNING",
    dry_run: bool = False,
    observer: CrawlObserver | None = None,
    categories: Path | None = None,
    venues: Path | None = None,
) -> dict[str, CrawlRun]:
    """Crawl ``sources`` (in this process, once) and return the run record of each, by source id.

    With ``dry_run`` nothing is stored (neither events nor run records); the observer sees every item.
    """
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    observer = observer or CrawlObserver()
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    started = clock.now()
    store = EventStore(database_path(data_dir))
    try:
        runs_before = store.last_run_id()
    finally:
        store.close()
    process = CrawlerProcess(
        crawl_settings(
            data_dir,
            log_level=log_level,
            snapshot_site=snapshot_site,
            dry_run=dry_run,
            categories=categories,
            venues=venues,
        )
    )
    for source in sources:
        crawler = process.create_crawler(spider_class_for(source))
        if observer.source_done is not None:
            crawler.signals.connect(
                lambda spider, reason: observer.source_done(spider.source.id),
                signal=signals.spider_closed,
                weak=False,
            )
        if observer.item is not None:
            crawler.signals.connect(
                lambda item, response, spider: observer.item(spider.source.id, item),
                signal=signals.item_scraped,
                weak=False,
            )
        if observer.dropped is not None:
            crawler.signals.connect(
                lambda item, response, exception, spider: observer.dropped(
                    spider.source.id, item, str(exception)
                ),
                signal=signals.item_dropped,
                weak=False,
            )
        process.crawl(crawler, source=source)
    process.start()
    if dry_run:
        return {}

    store = EventStore(database_path(data_dir))
    try:
        latest = store.latest_runs()
    finally:
        store.close()
    runs: dict[str, CrawlRun] = {}
    for source in sources:
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
