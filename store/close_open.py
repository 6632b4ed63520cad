"""Closing open sessions: assemble the canonical session, store it, drop the open rows.

The session goes through ``prepare``/``ingest`` like any submitted one (metrics, llm-call
rows, ``judge_status = pending``), in the transaction that deletes its open rows, so a
session is either open or stored, never both and never neither. Callers commit, then
enqueue the judge for the outcomes that are ``created``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules import EndReason, LoopThresholds, Session
from store.ingest import IngestOutcome, ingest, prepare
from store.models import OpenSession, OpenSessionEvent
from store.open_sessions import merge_header


@dataclass(frozen=True, slots=True)
class Closing:
    """How one session ends. Without ``ended_at`` it ends when its last event did."""

    session_id: str
    end_reason: EndReason | None = None
    ended_at: datetime | None = None
    header: dict[str, Any] = field(default_factory=dict)


def assemble(header: dict[str, Any], events: list[dict[str, Any]], closing: Closing) -> Session:
    """The canonical session of an open one (its parts were validated on the way in)."""
    session = Session.model_validate(
        {**header, "session_id": closing.session_id, "events": events,
         "end_reason": closing.end_reason}
    )  # fmt: skip
    if closing.ended_at is not None:
        session.ended_at = closing.ended_at
    elif session.events:
        last = max(e.end_ms for e in session.events)
        session.ended_at = datetime.fromtimestamp(last / 1000, tz=UTC)
    return session


async def close_open(
    db: DbSession,
    project_id: int,
    closings: list[Closing],
    *,
    thresholds: LoopThresholds | None = None,
    idle_before: datetime | None = None,
) -> list[IngestOutcome]:
    """Close those of ``closings`` that are open (and idle since ``idle_before``, if given).

    Answers one outcome per session closed; sessions not open are left out. A
    ``conflict`` (another session already stored under the id) still drops the open rows.
    """
    if not closings:
        return []
    by_id = {c.session_id: c for c in closings}
    query = select(OpenSession).where(
        OpenSession.project_id == project_id, OpenSession.session_id.in_(by_id)
    )
    if idle_before is not None:
        query = query.where(OpenSession.last_event_at < idle_before)
    rows = list(await db.scalars(query.order_by(OpenSession.session_id).with_for_update()))
    if not rows:
        return []
    events = await _events(db, [r.pk for r in rows])
    sessions = [
        assemble(merge_header(r.header, by_id[r.session_id].header), events[r.pk],
                 by_id[r.session_id])
        for r in rows
    ]  # fmt: skip
    outcomes = await ingest(db, project_id, [prepare(s, thresholds) for s in sessions])
    await drop_open(db, [r.pk for r in rows])
    return outcomes


async def _events(db: DbSession, pks: list[int]) -> dict[int, list[dict[str, Any]]]:
    rows = await db.execute(
        select(OpenSessionEvent.open_pk, OpenSessionEvent.event)
        .where(OpenSessionEvent.open_pk.in_(pks))
        .order_by(OpenSessionEvent.id)
    )
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk, event in rows:
        events[pk].append(event)
    return events


async def drop_open(db: DbSession, pks: list[int]) -> None:
    await db.execute(delete(OpenSessionEvent).where(OpenSessionEvent.open_pk.in_(pks)))
    await db.execute(delete(OpenSession).where(OpenSession.pk.in_(pks)))


async def idle_open(db: DbSession, before: datetime, limit: int) -> list[tuple[int, str]]:
    """``(project_id, session_id)`` of open sessions without an event since ``before``."""
    rows = await db.execute(
        select(OpenSession.project_id, OpenSession.session_id)
        .where(OpenSession.last_event_at < before)
        .order_by(OpenSession.last_event_at)
        .limit(limit)
    )
    return [(project_id, session_id) for project_id, session_id in rows]
