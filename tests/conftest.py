"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hhevents.snapshots import SnapshotServer


@pytest.fixture
def snapshot_site() -> Iterator[Callable[..., SnapshotServer]]:
    """Factory: ``snapshot_site(root, today=None, **options)`` -> a started :class:`SnapshotServer`.

    Every server it started is stopped at teardown. ``options`` go to the constructor (``verbose``,
    ``cache_control``, ...).
    """
    started: list[SnapshotServer] = []

    def start(root: str | Path, today: date | None = None, **options: Any) -> SnapshotServer:
        site = SnapshotServer(root, today, **options).start()
        started.append(site)
        return site

    yield start
    for site in started:
        site.stop()
