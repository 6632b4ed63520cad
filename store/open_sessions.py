"""Sessions still receiving events: appending to them (incremental API, OpenTelemetry).

An open session is a header and a growing list of events; an event's key (the client's
event id, a span id) makes re-sent events no-ops. Appending locks the open row first (an
upsert), then looks for a stored session of the same id, so an append racing a close
either lands before it or sees the session closed. Callers commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import OpenSession, OpenSessionEvent, SessionRow

AppendStatus = Literal["appended", "closed", "too_many"]
Keyed = tuple[str | None, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Append:
    """Events for one session: ``(event_key, event document)`` pairs and header fields."""

    session_id: str
    events: Sequence[Keyed]
    header: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Appended:
    session_id: str
    status: AppendStatus
    appended: int = 0
    duplicates: int = 0
    event_count: int = 0


@dataclass(frozen=True, slots=True)
class _Open:
    pk: int
    count: int
    header: dict[str, Any]


@cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The upsert of open rows and the insert of events, built once per dialect."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    table = OpenSession.__table__
    upsert = insert(table)
    upsert = upsert.on_conflict_do_update(
        index_elements=["project_id", "session_id"],
        set_={
            "last_event_at": upsert.excluded.last_event_at,
            "event_count": table.c.event_count + upsert.excluded.event_count,
        },
    ).returning(table.c.session_id, table.c.pk, table.c.event_count, table.c.header)
    events = (
        insert(OpenSessionEvent.__table__)
        .on_conflict_do_nothing(index_elements=["open_pk", "event_key"])
        .returning(OpenSessionEvent.__table__.c.open_pk)
    )
    return upsert, events


def _dialect(db: DbSession) -> str:
    return db.get_bind().dialect.name


def merge_header(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Later values win; ``attributes`` merge key by key."""
    attributes = {**old.get("attributes", {}), **new.get("attributes", {})}
    merged = {**old, **new}
    if attributes:
        merged["attributes"] = attributes
    return merged


async def append(
    db: DbSession, project_id: int, appends: list[Append], *, max_events: int, now: datetime
) -> list[Appended]:
    """Append each batch to its open session (created on first use); one outcome each.

    A session already stored answers ``closed``, one the batch could take past
    ``max_events`` answers ``too_many``; neither stores anything.
    """
    if not appends:
        return []
    ordered = sorted(appends, key=lambda a: a.session_id)  # one lock order: no deadlocks
    if len({a.session_id for a in ordered}) < len(ordered):
        raise ValueError("one Append per session id")
    opened = await _upsert(db, project_id, ordered, now)
    closed = await stored_ids(db, project_id, [a.session_id for a in ordered])
    outcomes: dict[str, Appended] = {}
    accepted: list[Append] = []
    for item in ordered:
        row = opened[item.session_id]
        if item.session_id in closed:
            outcomes[item.session_id] = Appended(item.session_id, "closed")
        elif row.count + len(item.events) > max_events:
            outcomes[item.session_id] = Appended(item.session_id, "too_many", 0, 0, row.count)
        else:
            accepted.append(item)
    for item in accepted:
        await _merge_header(db, opened[item.session_id], item.header)
    outcomes.update(await _insert_events(db, accepted, opened))
    await _settle_counts(db, ordered, opened, outcomes)
    return [outcomes[a.session_id] for a in appends]


async def stored_ids(db: DbSession, project_id: int, session_ids: list[str]) -> set[str]:
    rows = await db.scalars(
        select(SessionRow.session_id).where(
            SessionRow.project_id == project_id, SessionRow.session_id.in_(session_ids)
        )
    )
    return set(rows)


async def _upsert(
    db: DbSession, project_id: int, appends: list[Append], now: datetime
) -> dict[str, _Open]:
    """Open or touch each session, counting its batch in as if all of it were new (the
    common case); ``_settle_counts`` corrects the count when it was not."""
    upsert, _ = _statements(_dialect(db))
    values = [
        {"project_id": project_id, "session_id": a.session_id, "header": a.header,
         "event_count": len(a.events), "created_at": now, "last_event_at": now}
        for a in appends
    ]  # fmt: skip
    rows = await db.execute(upsert, values)
    sizes = {a.session_id: len(a.events) for a in appends}
    return {sid: _Open(pk, count - sizes[sid], header) for sid, pk, count, header in rows}


async def _merge_header(db: DbSession, row: _Open, header: dict[str, Any]) -> None:
    merged = merge_header(row.header, header)
    if merged != row.header:
        await db.execute(update(OpenSession).where(OpenSession.pk == row.pk).values(header=merged))


async def _insert_events(
    db: DbSession, appends: list[Append], opened: dict[str, _Open]
) -> dict[str, Appended]:
    rows = [
        {"open_pk": opened[a.session_id].pk, "event_key": key, "event": doc}
        for a in appends
        for key, doc in a.events
    ]
    stored: Counter[int] = Counter()
    if rows:
        _, insert_events = _statements(_dialect(db))
        stored.update(pk for (pk,) in await db.execute(insert_events, rows))
    outcomes: dict[str, Appended] = {}
    for a in appends:
        row = opened[a.session_id]
        new = stored[row.pk]
        outcomes[a.session_id] = Appended(
            a.session_id, "appended", new, len(a.events) - new, row.count + new
        )
    return outcomes


async def _settle_counts(
    db: DbSession, appends: list[Append], opened: dict[str, _Open], outcomes: dict[str, Appended]
) -> None:
    """Correct the counts of batches that were not all new; open rows a refused batch
    created (no events) go again."""
    fixes: list[dict[str, int]] = []
    empty: list[int] = []
    for a in appends:
        row, outcome = opened[a.session_id], outcomes[a.session_id]
        if outcome.status != "appended" and row.count == 0:
            empty.append(row.pk)
        elif outcome.appended != len(a.events):
            fixes.append({"pk": row.pk, "event_count": row.count + outcome.appended})
    if empty:
        await db.execute(delete(OpenSession).where(OpenSession.pk.in_(empty)))
    if fixes:
        await db.execute(update(OpenSession), fixes)  # bulk UPDATE by primary key
