"""SQLAlchemy schema and the EventStore API.

The schema is plain SQL types (strings, integers, UTC timestamps, JSON text) so that the same models run on
PostgreSQL later; SQLite-only tuning (WAL, busy timeout) is applied in a connect hook, nowhere else.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from hhevents.model import BOOKKEEPING_FIELDS, Event
from store.merge import Sighting, merge

DB_FILENAME = "hhevents.sqlite"


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC (portable across databases)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; it stores instants only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ARG002
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[str] = mapped_column(Text)  # JSON of the merged event's own fields (all but bookkeeping)
    material_hash: Mapped[str | None] = mapped_column(String(64))
    start_utc: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    city: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    sources: Mapped[list[EventSourceRow]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSourceRow.first_seen"
    )


class EventSourceRow(Base):
    """One source listing one event: the key a re-crawl finds its event by."""

    __tablename__ = "event_sources"

    source_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    source_event_id: Mapped[str] = mapped_column(String(1000), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    raw: Mapped[str | None] = mapped_column(Text)  # JSON: the source's own record, as last read
    data: Mapped[str | None] = mapped_column(Text)  # JSON: this source's normalised version of the event
    priority: Mapped[int | None] = mapped_column(Integer, default=0)  # the source's priority when last seen
    # Healthy runs of the source in a row that did not list it; two remove the sighting (see reconcile).
    missed_runs: Mapped[int | None] = mapped_column(Integer, default=0)

    event: Mapped[EventRow] = relationship(back_populates="sources")


class CrawlRunRow(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(String(80), index=True)
    started: Mapped[datetime] = mapped_column(UTCDateTime)
    finished: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    items: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    dropped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    stats: Mapped[str | None] = mapped_column(Text)  # JSON: the run's own counters (drops by reason, ...)
    pages: Mapped[int | None] = mapped_column(Integer, default=0)
    http_errors: Mapped[int | None] = mapped_column(Integer, default=0)
    scraped: Mapped[int | None] = mapped_column(Integer, default=0)
    removed: Mapped[int | None] = mapped_column(Integer, default=0)
    healthy: Mapped[bool | None] = mapped_column(Boolean, default=False)
    coverage: Mapped[str | None] = mapped_column(Text)  # JSON: share of valid items with end, venue, ...


class UpsertOutcome(enum.StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


class RunOutcome(enum.StrEnum):
    OK = "ok"  # finished, events stored, no errors, nothing unusual
    DEGRADED = (
        "degraded"  # it ran, but something is off: errors, no events, far fewer than usual (see message)
    )
    FAILED = "failed"  # nothing came through: the source is broken


@dataclass(frozen=True)
class CrawlRun:
    """One crawl of one source: what came of it, for the operators' status table and the health rules."""

    source_id: str
    started: datetime
    finished: datetime
    outcome: str  # RunOutcome; ``message`` gives the reason when it is not ok
    items: int = 0  # valid: passed every pipeline and stored
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    dropped: int = 0
    errors: int = 0
    message: str = ""
    stats: dict[str, int] = field(default_factory=dict)  # e.g. {"dropped/start": 2, "empty_pages": 1}
    pages: int = 0  # responses received
    http_errors: int = 0  # responses with a 4xx or 5xx status
    scraped: int = 0  # items the spider yielded, valid or not
    removed: int = 0  # events it no longer lists, removed after two healthy runs missed them
    healthy: bool = False  # counts for the history that later runs are measured against
    coverage: dict[str, float] = field(default_factory=dict)  # share of valid items with end, venue, ...
    id: int | None = None  # set by the store


@dataclass(frozen=True)
class Reconciliation:
    missed: int  # upcoming events of the source that this run did not list
    removed: int  # of those, removed (missed by two healthy runs in a row)
    blocked: bool  # removal refused: it would have removed too much at once
    message: str


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the feed server read while a crawl writes; busy_timeout waits out short write locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _event_json(event: Event) -> str:
    data = event.model_dump(mode="json", exclude=set(BOOKKEEPING_FIELDS))
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class EventStore:
    """Normalised events keyed by a stable id, with change tracking and the log of crawl runs."""

    def __init__(self, url_or_path: str | Path):
        if isinstance(url_or_path, Path) or "://" not in str(url_or_path):
            path = Path(url_or_path)
            path.parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{path}"
        else:
            url = str(url_or_path)
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            sa_event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Bring a database made by an older version up to date: add the nullable columns it lacks.

        create_all makes missing tables but never alters existing ones; new columns are always nullable,
        so adding them is safe. (Anything bigger than that will want Alembic.)
        """
        inspector = inspect(self.engine)
        with self.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                present = {column["name"] for column in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in present and column.nullable:
                        kind = column.type.compile(dialect=self.engine.dialect)
                        connection.execute(
                            text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                        )

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> EventStore:
        return cls(Path(data_dir) / DB_FILENAME)

    def close(self) -> None:
        self.engine.dispose()

    # -- events ---------------------------------------------------------------------------------------------

    def upsert(self, event: Event, *, now: datetime, priority: int = 0) -> UpsertOutcome:
        """Store one source's version of an event (a *sighting*), seen at ``now``.

        ``event`` carries one source reference. Its sighting joins the group (published event) it already
        belongs to, else the group whose id ``event.id`` names (the de-duplicate stage sets it to an
        existing group's id when the event is a duplicate), else a new group. The published event is
        merged from all the group's sightings (store.merge); when its material fields are unchanged the
        row is left alone (same last_modified and sequence, so feeds serialise to the same bytes) and
        only the sighting's last_seen moves on.
        """
        [ref] = event.sources
        with Session(self.engine) as session, session.begin():
            link = session.get(EventSourceRow, (ref.source_id, ref.source_event_id))
            group_id = link.event_id if link is not None else event.id
            row = session.get(EventRow, group_id)
            if row is None:
                row = EventRow(id=group_id, first_seen=now, last_modified=now, sequence=0)
                session.add(row)
            link = self._record_sighting(session, row, link, event, priority, now)
            merged = merge(group_id, [self._sighting(s) for s in row.sources])
            new_hash = merged.material_hash()
            if row.material_hash is None:
                outcome = UpsertOutcome.NEW
            elif row.material_hash != new_hash:
                row.last_modified = now
                row.sequence += 1
                outcome = UpsertOutcome.CHANGED
            else:
                # Non-material fields (e.g. category_reason) may still change: they are refreshed quietly,
                # without a new sequence or last_modified, since nothing a visitor sees has changed.
                outcome = UpsertOutcome.UNCHANGED
            for key, value in self._columns(merged, new_hash).items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
        return outcome

    @staticmethod
    def _columns(event: Event, material_hash: str) -> dict:
        return {
            "data": _event_json(event),
            "material_hash": material_hash,
            "start_utc": event.start,
            "end_utc": event.end,
            "city": event.city,
            "category": event.category,
            "status": event.status,
        }

    @staticmethod
    def _record_sighting(
        session: Session,
        row: EventRow,
        link: EventSourceRow | None,
        event: Event,
        priority: int,
        now: datetime,
    ) -> EventSourceRow:
        [ref] = event.sources
        raw = None if ref.raw is None else json.dumps(ref.raw, ensure_ascii=False, sort_keys=True)
        data = _event_json(event)
        if link is None:
            link = EventSourceRow(
                source_id=ref.source_id,
                source_event_id=ref.source_event_id,
                url=ref.url,
                first_seen=now,
                last_seen=now,
                raw=raw,
                data=data,
                priority=priority,
            )
            row.sources.append(link)
            return link
        # Assign only what differs, so an unchanged sighting writes nothing but last_seen.
        updates = {"last_seen": now, "data": data, "priority": priority, "missed_runs": 0}
        if ref.url:
            updates["url"] = ref.url
        if raw is not None:
            updates["raw"] = raw
        for key, value in updates.items():
            if getattr(link, key) != value:
                setattr(link, key, value)
        return link

    @staticmethod
    def _sighting(link: EventSourceRow) -> Sighting:
        # A sighting stored before sightings kept their own version falls back to the published one.
        data = json.loads(link.data or link.event.data)
        data["sources"] = [
            {"source_id": link.source_id, "url": link.url, "source_event_id": link.source_event_id}
        ]
        return Sighting(Event.model_validate(data), link.priority or 0, link.first_seen)

    @staticmethod
    def _refresh(session: Session, row: EventRow, now: datetime) -> None:
        """Re-merge a group after a sighting left it; a material change is tracked like any other."""
        merged = merge(row.id, [EventStore._sighting(s) for s in row.sources])
        new_hash = merged.material_hash()
        if row.material_hash != new_hash:
            row.last_modified = now
            row.sequence += 1
        for key, value in EventStore._columns(merged, new_hash).items():
            if getattr(row, key) != value:
                setattr(row, key, value)

    def reconcile(
        self, source_id: str, seen: set[str], *, now: datetime, max_share: float = 0.2
    ) -> Reconciliation:
        """After a *healthy* run of a source: what of its upcoming events did it stop listing?

        Every upcoming sighting the run did not list (``seen`` holds the source event ids it did) counts a
        miss; one missed by two healthy runs in a row is removed, and its event with it unless another source
        still lists it. Past events are left to pruning: sources drop them as a matter of course. A run that
        would remove more than ``max_share`` of the source's upcoming events (and more than one) removes
        nothing: that looks like a broken page, not a cancelled season, and is reported instead.
        """
        with Session(self.engine) as session, session.begin():
            links = session.scalars(
                select(EventSourceRow).join(EventRow).where(EventSourceRow.source_id == source_id)
            ).all()
            upcoming = [link for link in links if (link.event.end_utc or link.event.start_utc) >= now]
            missed = [link for link in upcoming if link.source_event_id not in seen]
            for link in missed:
                link.missed_runs = (link.missed_runs or 0) + 1
            due = [link for link in missed if link.missed_runs >= 2]
            if len(due) > 1 and len(due) > max_share * len(upcoming):
                message = (
                    f"would remove {len(due)} of {len(upcoming)} upcoming events (more than "
                    f"{max_share:.0%}): nothing removed"
                )
                return Reconciliation(missed=len(missed), removed=0, blocked=True, message=message)
            for link in due:
                row = link.event
                row.sources.remove(link)
                session.delete(link)
                if row.sources:
                    self._refresh(session, row, now)
                else:
                    session.delete(row)
            return Reconciliation(missed=len(missed), removed=len(due), blocked=False, message="")

    def prune(self, before: datetime) -> int:
        """Delete events that ended (or, without an end, started) before ``before``; how many."""
        with Session(self.engine) as session, session.begin():
            rows = session.scalars(
                select(EventRow).where(func.coalesce(EventRow.end_utc, EventRow.start_utc) < before)
            ).all()
            for row in rows:
                session.delete(row)
            return len(rows)

    def healthy_runs(self, source_id: str, limit: int = 5) -> list[CrawlRun]:
        """The source's latest healthy runs, newest first: the history a new run is measured against."""
        query = (
            select(CrawlRunRow)
            .where(CrawlRunRow.source_id == source_id, CrawlRunRow.healthy.is_(True))
            .order_by(CrawlRunRow.id.desc())
            .limit(limit)
        )
        with Session(self.engine) as session:
            return [self._to_run(row) for row in session.scalars(query)]

    def group_of(self, source_id: str, source_event_id: str) -> str | None:
        """The id of the published event a source's event belongs to, if the store has seen it."""
        with Session(self.engine) as session:
            link = session.get(EventSourceRow, (source_id, source_event_id))
            return None if link is None else link.event_id

    def candidates(
        self, event: Event, *, within: timedelta, exclude_source: str | None = None
    ) -> list[Event]:
        """Published events in ``event``'s city starting within ``within`` of it (a day for all-day ones).

        Blocking by time keeps de-duplication near linear: only these are compared with the new event.
        Groups that ``exclude_source`` already lists are left out: one source's two events are two events.
        """
        reach = max(within, timedelta(days=1)) if event.all_day else within
        query = (
            select(EventRow)
            .where(EventRow.city == event.city)
            .where(EventRow.start_utc >= event.start - reach, EventRow.start_utc <= event.start + reach)
        )
        found = []
        with Session(self.engine) as session:
            for row in session.scalars(query):
                if exclude_source and any(link.source_id == exclude_source for link in row.sources):
                    continue
                found.append(self._to_event(row))
        return found

    def events(self) -> list[Event]:
        """Every published event, ordered by start time then id."""
        return list(self.iter_events())

    def iter_events(self) -> Iterator[Event]:
        with Session(self.engine) as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.start_utc, EventRow.id))
            for row in rows:
                yield self._to_event(row)

    def provenance(self, event_id: str) -> list[dict[str, Any]]:
        """Every source's sighting of an event, with the raw record it was read from."""
        with Session(self.engine) as session:
            row = session.get(EventRow, event_id)
            if row is None:
                return []
            return [
                {
                    "source_id": link.source_id,
                    "url": link.url,
                    "source_event_id": link.source_event_id,
                    "first_seen": link.first_seen,
                    "last_seen": link.last_seen,
                    "raw": None if link.raw is None else json.loads(link.raw),
                }
                for link in row.sources
            ]

    def get(self, event_id: str) -> Event | None:
        with Session(self.engine) as session:
            row = session.get(EventRow, event_id)
            return None if row is None else self._to_event(row)

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(EventRow)) or 0

    @staticmethod
    def _to_event(row: EventRow) -> Event:
        data = json.loads(row.data)
        # The sources in the order their fields win (priority, then who saw it first).
        links = sorted(row.sources, key=lambda s: (-(s.priority or 0), s.first_seen))
        data.update(
            sources=[
                {"source_id": s.source_id, "url": s.url, "source_event_id": s.source_event_id} for s in links
            ],
            first_seen=row.first_seen,
            last_seen=max(s.last_seen for s in row.sources) if row.sources else row.first_seen,
            last_modified=row.last_modified,
            sequence=row.sequence,
        )
        return Event.model_validate(data)

    # -- crawl runs -----------------------------------------------------------------------------------------

    def record_run(self, run: CrawlRun) -> None:
        with Session(self.engine) as session, session.begin():
            values = {k: v for k, v in run.__dict__.items() if k not in ("id", "stats", "coverage")}
            session.add(
                CrawlRunRow(
                    **values,
                    stats=json.dumps(run.stats, sort_keys=True),
                    coverage=json.dumps(run.coverage, sort_keys=True),
                )
            )

    def runs(self, source_id: str | None = None) -> list[CrawlRun]:
        """Crawl runs, newest first."""
        query = select(CrawlRunRow).order_by(CrawlRunRow.id.desc())
        if source_id is not None:
            query = query.where(CrawlRunRow.source_id == source_id)
        with Session(self.engine) as session:
            return [self._to_run(row) for row in session.scalars(query)]

    def last_run_id(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.max(CrawlRunRow.id))) or 0

    def latest_runs(self) -> dict[str, CrawlRun]:
        """The newest run of every source that has run."""
        latest: dict[str, CrawlRun] = {}
        for run in self.runs():
            latest.setdefault(run.source_id, run)
        return latest

    @staticmethod
    def _to_run(row: CrawlRunRow) -> CrawlRun:
        values = {
            name: getattr(row, name)
            for name in CrawlRun.__dataclass_fields__
            if name not in ("stats", "coverage")
        }
        # Columns added after a database was made read NULL there: the dataclass defaults stand in.
        values = {name: value for name, value in values.items() if value is not None}
        return CrawlRun(
            **values,
            stats=json.loads(row.stats) if row.stats else {},
            coverage=json.loads(row.coverage) if row.coverage else {},
        )
