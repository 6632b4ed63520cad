"""Storing one OTLP request's span batches: validate, adopt, append, close.

Everything happens in the caller's transaction: spans filed under a trace id move to the
session their trace named, events are appended to open sessions (span id = event key, so
a re-sent span is a no-op), and sessions whose root span ended are closed and stored.
Spans that cannot be used are counted as rejected, with a reason, on ``converted``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from api.formats.otlp import Converted, SpanSession
from rules import Event, LoopThresholds
from rules.limits import NestingTooDeep, enforce_limits
from store.close_open import Closing, close_open
from store.ingest import IngestOutcome
from store.open_sessions import Append, append
from store.open_traces import adopt
from store.settings import Settings


def _reason(exc: ValidationError | NestingTooDeep) -> str:
    if isinstance(exc, NestingTooDeep):
        return f"{'.'.join(map(str, exc.path))}: {exc}"
    first = exc.errors(include_url=False, include_input=False)[0]
    return f"{'.'.join(map(str, first['loc']))}: {first['msg']}"


def _clean(session: SpanSession, settings: Settings, out: Converted) -> None:
    """Events pass the same limits and validation as any submitted event."""
    kept: list[tuple[str, dict[str, Any]]] = []
    for key, doc in session.events:
        try:
            limited = enforce_limits(
                doc, max_chars=settings.max_string_chars, max_depth=settings.max_nesting
            )
            Event.model_validate(limited)
        except (ValidationError, NestingTooDeep) as exc:
            out.reject(1, f"span {key}: {_reason(exc)}")
            continue
        kept.append((key, limited))  # JSON-safe as converted, and now known valid
    session.events = kept
    session.header = enforce_limits(
        session.header, max_chars=settings.max_string_chars, max_depth=settings.max_nesting
    )


async def _append(
    db: DbSession, project_id: int, sessions: list[SpanSession], settings: Settings, out: Converted
) -> set[str]:
    """Append what each session brought; answer the ids whose spans were refused."""
    # the header of a session closing now travels with its Closing, merged once
    batches = [
        Append(s.session_id, s.events, {} if s.closes else s.header) for s in sessions if s.events
    ]
    outcomes = await append(
        db, project_id, batches, max_events=settings.max_events, now=datetime.now(UTC)
    )
    by_id = {s.session_id: s for s in sessions}
    refused: set[str] = set()
    for outcome in outcomes:
        if outcome.status == "closed":
            reason = f"session {outcome.session_id!r} is already closed"
        elif outcome.status == "too_many":
            reason = f"session {outcome.session_id!r} would pass {settings.max_events} events"
        else:
            continue
        refused.add(outcome.session_id)
        out.reject(by_id[outcome.session_id].spans, reason)
    return refused


def _closing(session: SpanSession) -> Closing:
    ended = session.ended_at_ms
    return Closing(
        session.session_id,
        session.end_reason,
        None if ended is None else datetime.fromtimestamp(ended / 1000, tz=UTC),
        session.header,
    )


async def store_spans(
    db: DbSession,
    project_id: int,
    out: Converted,
    settings: Settings,
    thresholds: LoopThresholds,
) -> list[IngestOutcome]:
    """Store a converted request; answer the outcomes of the sessions it closed."""
    for session in out.sessions:
        _clean(session, settings, out)
    moves = {t: s.session_id for s in out.sessions for t in s.traces if t != s.session_id}
    if moves:
        await adopt(db, project_id, moves)
    refused = await _append(db, project_id, out.sessions, settings, out)
    closings = [_closing(s) for s in out.sessions if s.closes and s.session_id not in refused]
    outcomes = await close_open(db, project_id, closings, thresholds=thresholds)
    for outcome in outcomes:
        if outcome.status == "conflict":
            spans = next(s.spans for s in out.sessions if s.session_id == outcome.session_id)
            out.reject(spans, f"another session is stored under {outcome.session_id!r}")
    return outcomes
