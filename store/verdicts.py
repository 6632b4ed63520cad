"""Verdict storage and reads: append-only; "current" is the newest per session and prompt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.models import CurrentVerdict, SessionRow, VerdictRow
from store.pagination import newest_first
from store.trend_changes import mark_sessions


def dedupe_key(
    session_pk: int, prompt: str, model: str, input_hash: str, run_id: int | None
) -> str:
    return f"{session_pk}:{prompt}:{model}:{input_hash}:{run_id or ''}"


_CURRENT_COLUMNS = ("project_id", "verdict_id", "termination", "helpfulness", "confidence",
                   "created_at")  # fmt: skip
# the session's time, copied so trends read the current verdicts of a time range by index
_SESSION_TIME = (
    select(SessionRow.occurred_at).where(SessionRow.pk == bindparam("of_session")).scalar_subquery()
)

_MARK_SESSION = mark_sessions(SessionRow.pk == bindparam("of_session"))


@cache
def _statements(dialect_name: str) -> tuple[Any, Any]:
    """The two upserts, built once per dialect (statement construction is not free), on
    the Core tables: an ORM-entity insert would take the ORM's bulk-insert path, about
    1 ms of CPU more per verdict, for nothing."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    verdicts, current_verdicts = VerdictRow.__table__, CurrentVerdict.__table__
    append = (
        dialect.insert(verdicts)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(verdicts.c.id)
    )
    upsert = dialect.insert(current_verdicts).values(occurred_at=_SESSION_TIME)
    current = upsert.on_conflict_do_update(
        index_elements=["session_pk", "prompt"],
        set_={column: upsert.excluded[column] for column in (*_CURRENT_COLUMNS, "occurred_at")},
    )
    return append, current


async def insert_verdict(db: DbSession, values: dict[str, Any]) -> int | None:
    """Append a verdict and make it the session's current one for its prompt; None when
    the same judgement is already stored (a raced job)."""
    append, current = _statements(db.get_bind().dialect.name)
    verdict_id: int | None = (await db.execute(append, values)).scalar_one_or_none()
    if verdict_id is None:
        return None
    row = {"session_pk": values["session_pk"], "prompt": values["prompt"]}
    row |= {column: values[column] for column in _CURRENT_COLUMNS if column != "verdict_id"}
    await db.execute(current, row | {"verdict_id": verdict_id, "of_session": row["session_pk"]})
    await db.execute(_MARK_SESSION, {"of_session": row["session_pk"]})
    return verdict_id


async def move_current_verdicts(db: DbSession, session_pk: int, occurred_at: datetime) -> None:
    """A replaced session's new time, onto its current verdicts."""
    await db.execute(
        update(CurrentVerdict)
        .where(CurrentVerdict.session_pk == session_pk)
        .values(occurred_at=occurred_at)
    )


async def judged_inputs(db: DbSession, session_pk: int, prompt: str, model: str) -> frozenset[str]:
    """Input hashes already judged for the session by this prompt and model: the same input
    again needs no new call."""
    rows = await db.scalars(
        select(VerdictRow.input_hash).where(
            VerdictRow.session_pk == session_pk,
            VerdictRow.prompt == prompt,
            VerdictRow.judge_model == model,
        )
    )
    return frozenset(rows)


async def session_verdicts(db: DbSession, project_id: int, session_pk: int) -> list[VerdictRow]:
    rows = await db.scalars(
        select(VerdictRow)
        .where(VerdictRow.project_id == project_id, VerdictRow.session_pk == session_pk)
        .order_by(VerdictRow.created_at.desc(), VerdictRow.id.desc())
    )
    return list(rows)


async def tokens_used_since(db: DbSession, project_id: int, since: datetime) -> int:
    total = await db.scalar(
        select(
            func.coalesce(func.sum(VerdictRow.input_tokens + VerdictRow.output_tokens), 0)
        ).where(VerdictRow.project_id == project_id, VerdictRow.created_at >= since)
    )
    return int(total or 0)


def start_of_day(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class VerdictFilter:
    termination: str | None = None
    helpfulness: str | None = None
    prompt: str | None = None
    judge_model: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    time_from: datetime | None = None
    time_to: datetime | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        conditions = [
            column == value
            for column, value in (
                (VerdictRow.termination, self.termination),
                (VerdictRow.helpfulness, self.helpfulness),
                (VerdictRow.prompt, self.prompt),
                (VerdictRow.judge_model, self.judge_model),
            )
            if value is not None
        ]
        if self.min_confidence is not None:
            conditions.append(VerdictRow.confidence >= self.min_confidence)
        if self.max_confidence is not None:
            conditions.append(VerdictRow.confidence <= self.max_confidence)
        if self.time_from is not None:
            conditions.append(VerdictRow.created_at >= self.time_from)
        if self.time_to is not None:
            conditions.append(VerdictRow.created_at < self.time_to)
        return stmt.where(*conditions)


async def list_verdicts(
    db: DbSession, project_id: int, filters: VerdictFilter, limit: int, cursor: str | None
) -> tuple[Sequence[VerdictRow], str | None]:
    stmt = filters.apply(select(VerdictRow).where(VerdictRow.project_id == project_id))
    return await newest_first(db, stmt, VerdictRow.created_at, VerdictRow.id, limit, cursor)
