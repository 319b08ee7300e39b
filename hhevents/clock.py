"""The one place that says what time it is.

Tests and the demo freeze time by setting ``HHEVENTS_NOW`` (an ISO 8601 datetime with offset); it is read on
every call, so a subprocess started with it set (a real crawl in a test) sees the same frozen time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware (UTC unless ``HHEVENTS_NOW`` says otherwise)."""
    frozen = os.environ.get("HHEVENTS_NOW")
    if frozen:
        value = datetime.fromisoformat(frozen)
        if value.tzinfo is None:
            raise ValueError(f"HHEVENTS_NOW={frozen!r} needs an offset, e.g. 2026-03-28T12:00:00+01:00")
        return value
    return datetime.now(UTC)
