"""Canonical session JSON (wire format v1): validated as is.

A document is one session object, ``{"sessions": [...]}`` or a list of sessions; a JSONL
file holds one session per row (the loader splits rows). Each session is validated on its
own (see :func:`units`), so one bad session does not stop the others.
"""

from __future__ import annotations

from typing import Any

from rules import Session


def is_session(doc: Any) -> bool:
    return isinstance(doc, dict) and "session_id" in doc and "events" in doc


def units(doc: Any) -> list[Any]:
    """The session documents held by ``doc``."""
    if isinstance(doc, dict) and isinstance(doc.get("sessions"), list):
        return list(doc["sessions"])
    return list(doc) if isinstance(doc, list) else [doc]


def convert(doc: Any, *, name: str = "") -> list[Session]:
    """One session; ``name`` is unused (canonical sessions carry their own id)."""
    return [Session.model_validate(doc)]
