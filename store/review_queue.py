"""The review queue: current verdicts of one prompt version, those that most need a human
first.

Reasons, in priority order: the judge and the user disagree (a thumbs down on a session
judged helpful or completed, a thumbs up on one judged unhelpful or abandoned); the
judge was unsure (confidence below a threshold); prompt versions disagree on the session;
else calibration, a random sample. The sample's order is a shuffle of session pks that is
fixed per reviewer, so reviewers see different sessions and a page never reshuffles.
Sessions the reviewer labelled already are left out. Pages are keyset-paginated on the
sort key, so labelling while paging skips nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    case,
    exists,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession as DbSession
from sqlalchemy.orm import aliased

from store.models import CurrentVerdict, Feedback, Label, SessionRow, VerdictRow
from store.queue_cursor import decode_keys, encode_keys
from store.verdicts import VerdictFilter

QueueOrder = Literal["priority", "confidence", "random"]
REASONS = ("judge_user_disagree", "low_confidence", "prompts_disagree")
CALIBRATION = "calibration"
_PRIME = 1_000_003  # pk -> (a·pk + s) mod prime permutes residues: a shuffle per reviewer


@dataclass(frozen=True, slots=True)
class QueueQuery:
    prompt: str
    reviewer: str
    low_confidence: float
    filters: VerdictFilter
    order: QueueOrder = "priority"


@dataclass(frozen=True, slots=True)
class QueueRow:
    session_pk: int
    session_id: str
    source: str | None
    model: str | None
    occurred_at: datetime
    verdict_id: int
    prompt: str
    termination: str
    helpfulness: str
    confidence: float
    judge_model: str
    reasons: list[str]


def _shuffle(reviewer: str) -> ColumnElement[int]:
    digest = hashlib.sha256(reviewer.encode()).digest()
    a = 1 + int.from_bytes(digest[:8], "big") % (_PRIME - 1)
    s = int.from_bytes(digest[8:16], "big") % _PRIME
    return ((SessionRow.pk % _PRIME) * a + s) % _PRIME


def _flags(project_id: int, low_confidence: float) -> list[ColumnElement[bool]]:
    """One boolean per reason in ``REASONS``, over the current verdict ``cv``."""
    cv, other = CurrentVerdict, aliased(CurrentVerdict)

    def thumbs(rating: str) -> ColumnElement[bool]:
        return exists().where(
            Feedback.project_id == project_id,
            Feedback.session_id == SessionRow.session_id,
            Feedback.rating == rating,
        )

    disagree = or_(
        and_(thumbs("down"), or_(cv.helpfulness == "helpful", cv.termination == "completed")),
        and_(thumbs("up"), or_(cv.helpfulness == "unhelpful", cv.termination == "abandoned")),
    )
    split = exists().where(
        other.session_pk == cv.session_pk,
        other.prompt != cv.prompt,
        or_(other.termination != cv.termination, other.helpfulness != cv.helpfulness),
    )
    return [disagree, cv.confidence < low_confidence, split]


def _candidates(project_id: int, query: QueueQuery) -> Subquery:
    cv = CurrentVerdict
    labelled = exists().where(
        Label.project_id == project_id,
        Label.session_pk == cv.session_pk,
        Label.reviewer == query.reviewer,
    )
    flags = _flags(project_id, query.low_confidence)
    columns: list[Any] = [
        cv.session_pk, SessionRow.session_id, SessionRow.source, SessionRow.model,
        SessionRow.occurred_at, cv.verdict_id, cv.prompt, cv.termination, cv.helpfulness,
        cv.confidence, VerdictRow.judge_model,
    ]  # fmt: skip
    stmt: Select[Any] = (
        select(
            *columns,
            *(flag.label(name) for flag, name in zip(flags, REASONS, strict=True)),
            _shuffle(query.reviewer).label("shuffle"),
        )
        .join(VerdictRow, VerdictRow.id == cv.verdict_id)
        .join(SessionRow, SessionRow.pk == cv.session_pk)
        .where(cv.project_id == project_id, cv.prompt == query.prompt, ~labelled)
    )
    return query.filters.apply(stmt).subquery("candidates")


def _sort_key(sub: Subquery, order: QueueOrder) -> list[ColumnElement[Any]]:
    tail: list[ColumnElement[Any]] = [sub.c.shuffle, sub.c.session_pk]
    if order == "random":
        return tail
    if order == "confidence":
        return [sub.c.confidence, *tail]
    rank = case(*((sub.c[name], i) for i, name in enumerate(REASONS)), else_=len(REASONS))
    unsure_first = case((rank == 1, sub.c.confidence), else_=literal(0.0, Float))
    return [rank, unsure_first, *tail]


async def review_queue(
    db: DbSession, project_id: int, query: QueueQuery, limit: int, cursor: str | None
) -> tuple[list[QueueRow], str | None]:
    """A page of the queue and the cursor of the next one (None at the end)."""
    sub = _candidates(project_id, query)
    keys = _sort_key(sub, query.order)
    stmt = select(sub, *(key.label(f"key{i}") for i, key in enumerate(keys)))
    if cursor:
        stmt = stmt.where(tuple_(*keys) > tuple_(*decode_keys(cursor, len(keys))))
    rows = (await db.execute(stmt.order_by(*keys).limit(limit + 1))).mappings().all()
    page = [_row(found) for found in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return page, encode_keys([last[f"key{i}"] for i in range(len(keys))]) if last else None


def _row(found: Any) -> QueueRow:
    reasons = [name for name in REASONS if found[name]] or [CALIBRATION]
    fields = {name: found[name] for name in QueueRow.__dataclass_fields__ if name != "reasons"}
    return QueueRow(**fields, reasons=reasons)


async def queue_reasons(
    db: DbSession, project_id: int, prompt: str, low_confidence: float, session_pk: int
) -> list[str]:
    """Why the session is (or was, before it was labelled) in the queue of ``prompt``."""
    flags = _flags(project_id, low_confidence)
    found = (
        await db.execute(
            select(*flags)
            .select_from(CurrentVerdict)
            .join(SessionRow, SessionRow.pk == CurrentVerdict.session_pk)
            .where(
                CurrentVerdict.project_id == project_id,
                CurrentVerdict.prompt == prompt,
                CurrentVerdict.session_pk == session_pk,
            )
        )
    ).first()
    if found is None:
        return []
    return [name for name, flag in zip(REASONS, found, strict=True) if flag] or [CALIBRATION]
