"""Recognising a parsed document's format from its content (pure; no I/O)."""

from __future__ import annotations

from typing import Any

from api.formats import canonical, cline_sdk, openai_messages
from api.formats._common import as_dict, as_list


def sniff(doc: Any) -> str | None:
    """The format of a parsed document (or JSONL row), or None when it is not a session."""
    if isinstance(doc, dict):
        return _sniff_object(doc)
    if isinstance(doc, list) and doc:
        return _sniff_list(doc)
    return None


def kilo_flavor(ui_messages: Any) -> str:
    """``cline`` when the UI messages carry Cline's marks, else ``kilo``.

    Kilo Code tags messages with ``metadata.kiloCode``; Cline opens a task with ``say:
    "task"`` and records ``modelInfo``. Roo Code cannot be told from Kilo Code: pass
    ``fmt="roo"`` for it.
    """
    messages = [as_dict(m) for m in as_list(ui_messages)]
    if any("kiloCode" in as_dict(m.get("metadata")) for m in messages):
        return "kilo"
    opens_with_task = bool(messages) and messages[0].get("say") == "task"
    if opens_with_task or any("modelInfo" in m for m in messages):
        return "cline"
    return "kilo"


def _first(value: Any) -> dict[str, Any]:
    items = as_list(value)
    head = items[0] if items else None
    return as_dict(head[0] if isinstance(head, list) and head else head)


def _sniff_object(doc: dict[str, Any]) -> str | None:
    if canonical.is_session(doc) or isinstance(doc.get("sessions"), list):
        return "canonical"
    info = as_dict(doc.get("info"))
    if str(doc.get("trajectory_format", "")).startswith("mini-swe-agent") or (
        "messages" in doc and "exit_status" in info
    ):
        return "mini-swe-agent"
    history = _first(doc.get("history"))
    if "trajectory" in doc or "role" in history:
        return "swe-agent"
    if "action" in history or "observation" in history:
        return "openhands"
    if cline_sdk.is_messages(doc) or cline_sdk.is_manifest(doc):
        return "cline-sdk"
    if openai_messages.messages_of(doc) is not None:
        return "openai-messages"
    return None


def _sniff_list(doc: list[Any]) -> str | None:
    first = as_dict(doc[0])
    if canonical.is_session(first):
        return "canonical"
    if "action" in first or "observation" in first:
        return "openhands"
    if first.get("type") in ("ask", "say") and "ts" in first:
        return kilo_flavor(doc)
    if openai_messages.messages_of(doc) is not None or openai_messages.messages_of(first):
        return "openai-messages"
    return None
