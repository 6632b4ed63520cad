"""Opaque keyset cursors over a sort key of numbers (the review queue's)."""

from __future__ import annotations

import base64
from typing import Any

import orjson
from sqlalchemy import Float, literal

from store.pagination import BadCursor


def _number(value: object) -> bool:
    """A float, or an int a BIGINT holds (anything else is not a key we issued)."""
    if isinstance(value, float):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**62


def encode_keys(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_keys(cursor: str, size: int) -> list[Any]:
    """The sort key's values as bound literals; ``BadCursor`` for anything not ours."""
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise BadCursor("cursor is not one this service issued") from exc
    numbers = isinstance(values, list) and all(_number(v) for v in values)
    if not numbers or len(values) != size:
        raise BadCursor("cursor is not one this service issued for this order")
    return [literal(v, Float) if isinstance(v, float) else literal(v) for v in values]
