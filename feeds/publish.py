"""Write the feed files to a directory, atomically and only when their bytes change."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feeds import ordered
from feeds.ical import build_calendar
from feeds.rss import build_rss
from hhevents.model import Event

# Published files must be readable by whatever serves them (mkstemp creates 0600).
FILE_MODE = 0o644


@dataclass(frozen=True)
class FeedSpec:
    """One published feed: its file stem and texts, and which events it holds.

    The later city x category x language matrix is a longer list of these.
    """

    stem: str
    title: str
    description: str
    language: str = "en"
    include: Callable[[Event], bool] = field(default=lambda _event: True)


FEEDS: tuple[FeedSpec, ...] = (
    FeedSpec(
        stem="all",
        title="HH Cityclub — all events",
        description="Culture, sport and shopping events in Helsingborg and Helsingør.",
    ),
)


@dataclass
class PublishResult:
    files: list[Path]  # every feed file, written or left as it was
    events: int
    changed: list[Path] = field(default_factory=list)  # the files whose bytes changed in this run


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically unless it already holds exactly these bytes.

    An unchanged file is not touched, so its mtime (the server's Last-Modified) stays put. Readers see either
    the old or the new file, never a partial one: the bytes go to a temp file in the same directory, are
    fsynced, and os.replace swaps it in.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)  # make the rename itself durable
    return True


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened/fsynced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish(events: Sequence[Event], out_dir: Path, *, base_url: str) -> PublishResult:
    """Write every feed in :data:`FEEDS` as ``<stem>.ics`` and ``<stem>.rss`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/") + "/"
    unique = ordered(events)
    result = PublishResult(files=[], events=len(unique))
    for spec in FEEDS:
        selected = [e for e in unique if spec.include(e)]
        outputs = {
            f"{spec.stem}.ics": build_calendar(
                selected, name=spec.title, description=spec.description, url=f"{base}{spec.stem}.ics"
            ),
            f"{spec.stem}.rss": build_rss(
                selected,
                title=spec.title,
                description=spec.description,
                link=base,
                self_url=f"{base}{spec.stem}.rss",
                language=spec.language,
            ),
        }
        for filename, data in outputs.items():
            path = out_dir / filename
            result.files.append(path)
            if write_if_changed(path, data):
                result.changed.append(path)
    return result
