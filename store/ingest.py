"""Storing submitted sessions: idempotent on (project, session_id), one transaction.

``prepare`` does the pure work (metrics, llm-call rows, the normalized document and its
hash) outside any transaction; ``ingest`` writes a batch of prepared sessions with a few
bulk statements and answers one outcome per item. Callers commit.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

import orjson
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from rules import LoopThresholds, Session, compute_metrics, llm_call_records
from rules.schemas import LlmCallRecord, SessionMetrics
from store.feedback import store_event_feedback
from store.llm_rollup import unroll_session
from store.models import LlmCall, SessionEvents, SessionRow
from store.trend_changes import mark_sessions, mark_times
from store.verdicts import move_current_verdicts

Status = Literal["created", "duplicate", "replaced", "conflict"]
# Core tables for the bulk child rows: the ORM's bulk path adds nothing here but cost.
_EVENTS = cast(Table, SessionEvents.__table__)
_CALLS = cast(Table, LlmCall.__table__)


@dataclass(frozen=True, slots=True)
class PreparedSession:
    session: Session
    metrics: SessionMetrics
    llm_calls: list[LlmCallRecord]
    events: list[dict[str, Any]]
    content_hash: str


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    session_id: str
    status: Status
    pk: int | None = None


def prepare(session: Session, thresholds: LoopThresholds | None = None) -> PreparedSession:
    events = [e.model_dump(mode="json", exclude_defaults=True) for e in session.events]
    header = session.model_dump(mode="json", exclude={"events"})
    digest = hashlib.sha256(orjson.dumps([header, events], option=orjson.OPT_SORT_KEYS)).hexdigest()
    return PreparedSession(
        session=session,
        metrics=compute_metrics(session, thresholds),
        llm_calls=llm_call_records(session),
        events=events,
        content_hash=digest,
    )


def _main_model(calls: list[LlmCallRecord]) -> tuple[str | None, str | None]:
    """The (provider, model) the session used most: what filters and trends group by."""
    counts = Counter((c.provider, c.model) for c in calls if c.model)
    if not counts:
        return None, None
    return counts.most_common(1)[0][0]


def _session_values(
    project_id: int, item: PreparedSession, now: datetime, judge_status: str = "pending"
) -> dict[str, Any]:
    s, m = item.session, item.metrics
    first_ts = s.events[0].ts if s.events else None
    provider, model = _main_model(item.llm_calls)
    return {
        "project_id": project_id,
        "session_id": s.session_id,
        "content_hash": item.content_hash,
        "source": s.source,
        "client_version": s.client_version,
        "user_id": s.user_id,
        "mode": s.mode,
        "model": model,
        "provider": provider,
        "started_at": s.started_at,
        "ended_at": s.ended_at,
        "occurred_at": s.started_at or first_ts or now,
        "end_reason": s.end_reason,
        "attributes": s.attributes,
        "event_count": len(s.events),
        "stuck": m.loops.stuck,
        "metrics": m.model_dump(mode="json"),
        "duration_ms": m.duration_ms,
        "ttfr_ms": m.time_to_first_response_ms,
        "user_turns": m.user_turns,
        "tool_calls": m.tool_calls,
        "tool_errors": m.tool_errors,
        "llm_calls": m.steps,
        "llm_errors": m.llm_calls_failed,
        "condense_count": m.condense_count,
        "tokens_total": m.tokens_total,
        "cost_usd": m.cost_usd,
        "judge_status": judge_status,
        "judge_reason": None,
        "status_changed_at": now,
        "received_at": now,
        "updated_at": now,
    }


def _call_values(project_id: int, pk: int, calls: list[LlmCallRecord]) -> list[dict[str, Any]]:
    return [{"project_id": project_id, "session_pk": pk, **c.__dict__} for c in calls]


def _insert(db: DbSession) -> Any:
    dialect = db.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(SessionRow)


async def _existing(db: DbSession, project_id: int, ids: list[str]) -> dict[str, tuple[int, str]]:
    if not ids:
        return {}
    rows = await db.execute(
        select(SessionRow.session_id, SessionRow.pk, SessionRow.content_hash).where(
            SessionRow.project_id == project_id, SessionRow.session_id.in_(ids)
        )
    )
    return {sid: (pk, digest) for sid, pk, digest in rows}


async def _write_children(
    db: DbSession, project_id: int, stored: list[tuple[int, PreparedSession]]
) -> None:
    if not stored:
        return
    await db.execute(
        insert(_EVENTS),
        [{"session_pk": pk, "project_id": project_id, "events": it.events} for pk, it in stored],
    )
    calls = [row for pk, it in stored for row in _call_values(project_id, pk, it.llm_calls)]
    if calls:
        await db.execute(insert(_CALLS), calls)
    await store_event_feedback(db, project_id, [it.session for _, it in stored])


async def _replace(
    db: DbSession, project_id: int, pk: int, item: PreparedSession, judge_status: str
) -> None:
    await unroll_session(db, pk)  # its old calls leave the rollups with them
    await db.execute(mark_sessions(SessionRow.pk == pk))  # the hour it leaves
    now = datetime.now(UTC)
    values = _session_values(project_id, item, now, judge_status)
    values.pop("received_at")
    await db.execute(update(SessionRow).where(SessionRow.pk == pk).values(**values))
    await move_current_verdicts(db, pk, values["occurred_at"])
    await mark_times(db, project_id, [values["occurred_at"]])
    await db.execute(delete(LlmCall).where(LlmCall.session_pk == pk))
    await db.execute(delete(SessionEvents).where(SessionEvents.session_pk == pk))
    await _write_children(db, project_id, [(pk, item)])


async def ingest(
    db: DbSession,
    project_id: int,
    items: list[PreparedSession],
    *,
    replace: bool = False,
    judge_status: str = "pending",
) -> list[IngestOutcome]:
    """Store what is new, answer duplicates and conflicts, replace when asked.

    ``judge_status`` is what stored sessions start as: ``queued`` when the caller will
    queue their jobs right after the commit (and set back the ones it could not).
    New sessions are the common case, so they are inserted first (``ON CONFLICT DO
    NOTHING``); only ids that were already there are read back and compared.
    """
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        first.setdefault(item.session.session_id, index)
    unique = [(index, items[index]) for index in first.values()]
    inserted = await _insert_new(db, project_id, unique, judge_status)
    known = await _existing(
        db,
        project_id,
        [it.session.session_id for _, it in unique if it.session.session_id not in inserted],
    )
    outcomes: list[IngestOutcome] = []
    for index, item in enumerate(items):
        sid = item.session.session_id
        if sid in inserted and first[sid] == index:
            outcomes.append(IngestOutcome(sid, "created", inserted[sid]))
            continue
        pk, digest = known[sid] if sid in known else (inserted[sid], items[first[sid]].content_hash)
        if digest == item.content_hash:
            outcomes.append(IngestOutcome(sid, "duplicate", pk))
        elif replace and first[sid] == index:
            await _replace(db, project_id, pk, item, judge_status)
            known[sid] = (pk, item.content_hash)
            outcomes.append(IngestOutcome(sid, "replaced", pk))
        else:
            outcomes.append(IngestOutcome(sid, "conflict", pk))
    return outcomes


async def _insert_new(
    db: DbSession, project_id: int, unique: list[tuple[int, PreparedSession]], judge_status: str
) -> dict[str, int]:
    """Insert every session whose id is new; answer {session_id: pk} of those inserted."""
    if not unique:
        return {}
    now = datetime.now(UTC)
    stmt = (
        _insert(db)
        .on_conflict_do_nothing(index_elements=["project_id", "session_id"])
        .returning(SessionRow.session_id, SessionRow.pk)
    )
    rows = [_session_values(project_id, it, now, judge_status) for _, it in unique]
    inserted: dict[str, int] = dict((await db.execute(stmt, rows)).all())
    await mark_times(
        db, project_id, [r["occurred_at"] for r in rows if r["session_id"] in inserted]
    )
    await _write_children(
        db,
        project_id,
        [
            (inserted[it.session.session_id], it)
            for _, it in unique
            if it.session.session_id in inserted
        ],
    )
    return inserted
