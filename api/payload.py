"""Turning a request body into validated sessions, with the documented limits.

The body is read and checked by hand rather than by a FastAPI body parameter so that size
limits answer 413 before any validation work, and so one bad item of a batch does not
fail the others.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from pydantic import ValidationError

from api.errors import InvalidInput, PayloadTooLarge, ServiceError, field_error
from rules import Session
from rules.limits import NestingTooDeep, enforce_limits
from store.settings import Settings


async def read_json(request: Request, max_bytes: int) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"body larger than {max_bytes} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"body larger than {max_bytes} bytes")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise field_error(["body"], f"body is not valid UTF-8 JSON: {exc}", "json_invalid") from exc


def _errors(exc: ValidationError, prefix: list[str | int]) -> list[dict[str, Any]]:
    return [
        {"loc": [*prefix, *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


def parse_session(doc: Any, settings: Settings, prefix: list[str | int]) -> Session:
    """Validate one session document; raises 413 past the event limit, 422 otherwise."""
    if not isinstance(doc, dict):
        raise field_error(prefix, "a session must be a JSON object", "dict_type")
    events = doc.get("events")
    if isinstance(events, list) and len(events) > settings.max_events:
        raise PayloadTooLarge(f"{len(events)} events; at most {settings.max_events} per session")
    try:
        clean = enforce_limits(
            doc, max_chars=settings.max_string_chars, max_depth=settings.max_nesting
        )
        return Session.model_validate(clean)
    except NestingTooDeep as exc:
        raise field_error([*prefix, *exc.path], str(exc), "too_deep") from exc
    except ValidationError as exc:
        raise InvalidInput(_errors(exc, prefix)) from exc


def parse_batch(doc: Any, settings: Settings) -> list[Session | ServiceError]:
    """Each item validated on its own: a bad item answers its own error."""
    if not isinstance(doc, dict) or not isinstance(doc.get("sessions"), list):
        raise field_error(["body", "sessions"], 'expected {"sessions": [...]}', "list_type")
    items = doc["sessions"]
    if len(items) > settings.max_batch:
        raise PayloadTooLarge(f"{len(items)} sessions; at most {settings.max_batch} per batch")
    parsed: list[Session | ServiceError] = []
    for index, item in enumerate(items):
        try:
            parsed.append(parse_session(item, settings, ["body", "sessions", index]))
        except ServiceError as exc:
            parsed.append(exc)
    return parsed
