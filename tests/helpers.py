"""Helpers for tests that run the real `hhevents` command in a child process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent

# The week before the change to summer time: the fixtures' events fall on both sides of it.
FROZEN_NOW = "2026-03-20T12:00:00+01:00"


def hhevents_command(
    *args: str,
    config: Path | None = None,
    data_dir: Path | None = None,
    out: Path | None = None,
    site: str | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "hhevents"]
    if config is not None:
        command += ["--config", str(config)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    if out is not None:
        command += ["--out", str(out)]
    if site:
        command += ["--snapshot-site", site]
    return [*command, *args]


def cli_env(now: str | None = FROZEN_NOW) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("HHEVENTS_SNAPSHOT_SITE", None)
    if now:
        env["HHEVENTS_NOW"] = now
    else:
        env.pop("HHEVENTS_NOW", None)
    return env


def run_hhevents(
    *args: str, now: str | None = FROZEN_NOW, timeout: float = 180, **options
) -> subprocess.CompletedProcess:
    return subprocess.run(
        hhevents_command(*args, **options),
        capture_output=True,
        text=True,
        env=cli_env(now),
        timeout=timeout,
        cwd=REPO,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    """Wait until ``url`` answers (any HTTP status), failing early if ``process`` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"server exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def source_tags(event) -> tuple[str, ...]:
    """The tags an adapter gave an event: its tags without the sub-tags the category rules added."""
    from config.categories import load_categories

    rules = load_categories(REPO / "config" / "categories.yaml").rules
    ours = set(rules.names) if rules is not None else set()
    return tuple(tag for tag in event.tags if tag not in ours)
