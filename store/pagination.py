"""Keyset pagination over (time, id), newest first, with opaque cursors."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession as DbSession
from sqlalchemy.orm import InstrumentedAttribute


class BadCursor(ValueError):
    pass


def encode_pair(at: datetime, key: int) -> str:
    raw = orjson.dumps([at.isoformat(), key])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_pair(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, key = orjson.loads(raw)
        return datetime.fromisoformat(stamp), int(key)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadCursor("cursor is not one this service issued") from exc


async def newest_first(
    db: DbSession,
    stmt: Select[Any],
    at: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[int],
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[Any], str | None]:
    """One page of ``stmt`` ordered by (``at``, ``key``) descending, and the next cursor."""
    if cursor:
        last_at, last_key = decode_pair(cursor)
        stmt = stmt.where(or_(at < last_at, and_(at == last_at, key < last_key)))
    rows = (await db.scalars(stmt.order_by(at.desc(), key.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    if len(rows) <= limit or not page:
        return page, None
    last: Any = page[-1]
    return page, encode_pair(getattr(last, at.key), getattr(last, key.key))
