"""Bodies of the incremental API: an event batch with optional header fields, and a close.

Events and header fields pass the same checks as a whole session (``api.payload``): the
event limit (413), string truncation, nesting depth and field-path 422s.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.errors import PayloadTooLarge, field_error
from api.params import UtcTime
from api.payload import parse_session
from rules import EndReason
from store.open_sessions import Append
from store.settings import Settings

HEADER_FIELDS = ("source", "client_version", "user_id", "mode", "started_at", "attributes")
_AT_CLOSE = ("ended_at", "end_reason")


class AppendResult(BaseModel):
    session_id: str
    appended: int = Field(description="Events stored by this call.")
    duplicates: int = Field(description="Events whose id the session already had.")
    event_count: int = Field(description="Events the open session holds now.")


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_reason: EndReason | None = None
    ended_at: UtcTime | None = Field(
        default=None, description="RFC 3339 or epoch ms; default: when the last event ended."
    )


_HEADER_DOC = {
    "type": "object",
    "description": "Header fields; later values win, attributes merge.",
    "properties": {
        **{name: {"type": "string", "maxLength": 128} for name in ("source", "client_version",
                                                                     "mode")},
        "user_id": {"type": "string", "maxLength": 256},
        "started_at": {"type": ["string", "integer"], "description": "RFC 3339 or epoch ms"},
        "attributes": {"type": "object"},
    },
}  # fmt: skip
APPEND_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["events"],
                    "properties": {
                        "events": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Event"},
                        },
                        "session": _HEADER_DOC,
                    },
                }
            }
        },
    }
}


def parse_append(session_id: str, doc: Any, settings: Settings) -> Append:
    """Validate an append body; the events keep their ``id`` as the idempotency key."""
    if not isinstance(doc, dict):
        raise field_error(["body"], "expected a JSON object", "dict_type")
    events = doc.get("events")
    if not isinstance(events, list):
        raise field_error(["body", "events"], "expected a list of events", "list_type")
    if len(events) > settings.max_events:
        raise PayloadTooLarge(f"{len(events)} events; at most {settings.max_events} per session")
    batch = parse_session({"session_id": session_id, "events": events}, settings, ["body"])
    return Append(
        session_id,
        [(e.id, e.model_dump(mode="json", exclude_defaults=True)) for e in batch.events],
        _header(session_id, doc.get("session"), settings),
    )


def _header(session_id: str, doc: Any, settings: Settings) -> dict[str, Any]:
    if doc is None:
        return {}
    loc: list[str | int] = ["body", "session"]
    if not isinstance(doc, dict):
        raise field_error(loc, "expected a JSON object", "dict_type")
    for name in ("session_id", "events", *_AT_CLOSE):
        if name in doc:
            where = "is the path's" if name == "session_id" else "belongs to the close call"
            raise field_error([*loc, name], f"{name} {where}", "extra_forbidden")
    header = parse_session({**doc, "session_id": session_id}, settings, loc)
    return header.model_dump(mode="json", include=set(HEADER_FIELDS), exclude_unset=True)
