from __future__ import annotations

import os
import stat
from pathlib import Path

import feedparser
import icalendar
import pytest
from factories import make_event

from feeds import publish as publish_module
from feeds.publish import PublishResult, publish, write_if_changed

BASE = "https://hh.example/feeds"


def backdate(path, seconds=3600):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns - seconds * 10**9, st.st_mtime_ns - seconds * 10**9))
    return path.stat().st_mtime_ns


def test_publish_writes_feeds(tmp_path):
    out = tmp_path / "public" / "feeds"  # created, parents too
    events = [make_event(n) for n in range(1, 6)] + [make_event(3)]
    result = publish(events, out, base_url=BASE + "/")
    assert isinstance(result, PublishResult)
    assert result.events == 5
    assert result.files == [out / "all.ics", out / "all.rss"]
    assert result.changed == result.files
    assert sorted(p.name for p in out.iterdir()) == ["all.ics", "all.rss"]  # no temp files left

    cal = icalendar.Calendar.from_ical((out / "all.ics").read_bytes())
    assert len(cal.walk("VEVENT")) == 5
    assert str(cal["URL"]) == f"{BASE}/all.ics"
    assert str(cal["X-WR-CALNAME"]) == "HH Cityclub — all events"
    feed = feedparser.parse((out / "all.rss").read_bytes())
    assert not feed.bozo and len(feed.entries) == 5
    assert any(link.rel == "self" and link.href == f"{BASE}/all.rss" for link in feed.feed.links)
    for path in result.files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # readable by the web server


def test_unchanged_feeds_keep_mtime_and_inode(tmp_path):
    events = [make_event(n) for n in range(1, 4)]
    publish(events, tmp_path, base_url=BASE)
    before = {p: (backdate(p), p.stat().st_ino) for p in (tmp_path / "all.ics", tmp_path / "all.rss")}

    result = publish(list(reversed(events)), tmp_path, base_url=BASE)
    assert result.changed == []
    for path, (mtime, inode) in before.items():
        assert (path.stat().st_mtime_ns, path.stat().st_ino) == (mtime, inode)

    changed = publish([*events, make_event(4)], tmp_path, base_url=BASE)
    assert changed.changed == [tmp_path / "all.ics", tmp_path / "all.rss"]
    for path, (mtime, _) in before.items():
        assert path.stat().st_mtime_ns > mtime


def test_write_is_atomic_replace(tmp_path, monkeypatch):
    target = tmp_path / "all.ics"
    target.write_bytes(b"old")
    seen = {}
    real_replace = os.replace

    def spy(src, dst):
        # at the moment of the swap the new bytes are complete in a sibling temp file
        seen["src"], seen["dst"] = os.fspath(src), os.fspath(dst)
        seen["content"] = Path(src).read_bytes()
        real_replace(src, dst)

    monkeypatch.setattr(publish_module.os, "replace", spy)
    assert write_if_changed(target, b"new bytes") is True
    assert os.path.dirname(seen["src"]) == str(tmp_path) and seen["dst"] == str(target)
    assert seen["content"] == b"new bytes"
    assert target.read_bytes() == b"new bytes"
    assert write_if_changed(target, b"new bytes") is False


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "all.rss"
    target.write_bytes(b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(publish_module.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_if_changed(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["all.rss"]
