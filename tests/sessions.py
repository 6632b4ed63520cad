"""Builders of canonical session documents for tests and benchmarks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

BASE = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def session_doc(session_id: str | None = None, n_events: int = 8, **fields: Any) -> dict[str, Any]:
    """A plausible closed session: a user ask, llm calls, tool calls, a completion."""
    start = fields.pop("start", BASE)
    events: list[dict[str, Any]] = [
        {"type": "user_message", "ts": iso(start), "text": "Add a retry"}
    ]
    for i in range(1, n_events - 1):
        at = iso(start + timedelta(seconds=i))
        if i % 2:
            events.append(
                {
                    "type": "llm_call",
                    "ts": at,
                    "provider": "anthropic",
                    "model": "claude-sonnet-4",
                    "latency_ms": 900,
                    "ttft_ms": 300,
                    "ok": True,
                    "input_tokens": 1000,
                    "output_tokens": 100,
                    "cost_usd": 0.01,
                }
            )
        else:
            events.append(
                {
                    "type": "tool_call",
                    "ts": at,
                    "tool": "read_file",
                    "args": {"path": f"src/f{i}.py"},
                    "ok": True,
                    "files": [f"src/f{i}.py"],
                }
            )
    events.append(
        {"type": "completion", "ts": iso(start + timedelta(seconds=n_events)), "text": "Done."}
    )
    doc: dict[str, Any] = {
        "session_id": session_id or f"s-{uuid.uuid4().hex[:12]}",
        "source": "kilocode",
        "client_version": "4.120.0",
        "user_id": "u1",
        "mode": "code",
        "started_at": iso(start),
        "ended_at": iso(start + timedelta(seconds=n_events + 1)),
        "end_reason": "completed",
        "events": events,
    }
    doc.update(fields)
    return doc
