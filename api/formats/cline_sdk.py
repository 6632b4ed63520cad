"""Cline SDK sessions (``<id>.messages.json`` with its ``<id>.json`` manifest) → canonical.

The messages document is ``{version, sessionId, agent, messages[], system_prompt}``; a
message is ``{id, role, ts (epoch ms), content: blocks, modelInfo, metrics, metadata}``.
The manifest (optional) is ``{session_id, source, status, exit_code, provider, model,
started_at, ended_at, metadata {mode, title, fork, …}, …}``.

- user text blocks → user_message (``<SYSTEM_NOTICE>`` blocks the SDK adds after a
  compaction are left out); file blocks → the paths in its ``attributes["attached_files"]``;
  tool_result blocks → output of the tool call with that ``tool_use_id`` (``is_error`` or
  an item with an ``error`` → failed), ``duration_ms`` = time between the two messages;
- a user message with ``metadata.kind`` ``compaction_summary`` → context_condensed
  (tokens_before = ``tokensBefore``; the summary in attributes) instead of a user message;
  kind ``compaction`` → context_condensed (messages removed, usage before) then the message;
- an assistant message with ``metrics`` → llm_call sent at the previous message's time,
  latency = the gap until this one; provider and model from ``modelInfo``; tokens, cost;
- assistant blocks: ``thinking`` → a ``reasoning`` event (an unknown type: shown in
  transcripts, feeds no metric); text → assistant_message; tool_use → tool_call (args =
  input, files from ``path`` / ``files[].path``);
- ending from the manifest's ``status``: completed → completed, failed / error → error,
  cancelled / aborted → user_closed, else unknown. Labels: ``{status, exit_code}``.

The session id is the SDK's own (``sessionId``); messages without ``ts`` get synthetic times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.formats._common import (
    Clock,
    Json,
    as_dict,
    as_list,
    build_session,
    event,
    files_in,
    from_epoch_ms,
    gateway,
    json_or_none,
    to_text,
)
from rules import EndReason, Session

_NOTICE = "<SYSTEM_NOTICE>"
_STATUS: dict[str, EndReason] = {
    "completed": "completed",
    "failed": "error",
    "error": "error",
    "cancelled": "user_closed",
    "canceled": "user_closed",
    "aborted": "user_closed",
}


def is_manifest(doc: Any) -> bool:
    return isinstance(doc, dict) and "session_id" in doc and "status" in doc and "events" not in doc


def is_messages(doc: Any) -> bool:
    return isinstance(doc, dict) and "sessionId" in doc and isinstance(doc.get("messages"), list)


def convert(messages_doc: Json | None, manifest: Json | None = None) -> list[Session]:
    """One session from the messages document, the manifest, or both."""
    doc = messages_doc or {}
    meta = manifest or {}
    session_id = str(doc.get("sessionId") or meta.get("session_id") or "")
    if not session_id:
        raise ValueError("neither sessionId nor session_id found")
    messages = [as_dict(m) for m in as_list(doc.get("messages"))]
    first = next((t for t in (from_epoch_ms(m.get("ts")) for m in messages) if t), None)
    reader = _Reader(Clock(first))
    for message in messages:
        reader.add(message)
    status = meta.get("status")
    return [
        build_session(
            session_id=session_id,
            source="cline",
            mode=as_dict(meta.get("metadata")).get("mode"),
            events=reader.events,
            clock=reader.clock,
            end_reason=_STATUS.get(str(status).lower()) if status else None,
            attributes={
                "label": {k: meta[k] for k in ("status", "exit_code") if k in meta},
                "manifest": meta,
                "agent": doc.get("agent"),
                "system_prompt": doc.get("system_prompt"),
            },
        )
    ]


class _Reader:
    """Running state while reading the messages in order."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.events: list[Json] = []
        self.calls: dict[str, Json] = {}
        self.previous: datetime | None = None
        """The source's own time of the previous message, if it had one."""

    def add(self, message: Json) -> None:
        real = from_epoch_ms(message.get("ts"))
        if message.get("role") == "assistant":
            self._assistant(message, real)
        else:
            self._user(message, self.clock.tick(real))
        self.previous = real

    def _user(self, message: Json, ts: datetime) -> None:
        blocks = [as_dict(b) for b in _blocks(message.get("content"))]
        metadata = as_dict(message.get("metadata"))
        if metadata.get("kind") in ("compaction_summary", "compaction"):
            self.events.append(_condensed(metadata, ts))
            if metadata["kind"] == "compaction_summary":
                return
        for block in blocks:
            if block.get("type") == "tool_result":
                self._result(block, ts)
        texts = [str(b.get("text")) for b in blocks if b.get("type") == "text"]
        texts = [t for t in texts if not t.startswith(_NOTICE)]
        files = [b.get("path") for b in blocks if b.get("type") == "file"]
        if texts:
            attributes = {"attached_files": files} if files else None
            self.events.append(
                event(
                    "user_message",
                    ts,
                    id=message.get("id"),
                    text="\n".join(texts),
                    attributes=attributes,
                )
            )

    def _result(self, block: Json, ts: datetime) -> None:
        call = self.calls.get(str(block.get("tool_use_id")))
        if call is None:
            return
        content = block.get("content")
        failed = bool(block.get("is_error")) or any(
            as_dict(item).get("error") for item in as_list(content)
        )
        call.update(output=to_text(content), ok=not failed)
        call["duration_ms"] = max((ts - call["ts"]).total_seconds() * 1000, 0.0)

    def _assistant(self, message: Json, real: datetime | None) -> None:
        metrics = as_dict(message.get("metrics"))
        if metrics and real and self.previous:
            sent = self.clock.tick(self.previous)
            ts = self.clock.tick(real)
            self.events.append(_llm_call(message, metrics, sent, ts))
        else:
            ts = self.clock.tick(real)
            if metrics:
                self.events.append(_llm_call(message, metrics, ts, None))
        for block in map(as_dict, _blocks(message.get("content"))):
            kind = block.get("type")
            if kind == "thinking":
                self.events.append(event("reasoning", ts, text=block.get("thinking")))
            elif kind == "text":
                self.events.append(event("assistant_message", ts, text=block.get("text")))
            elif kind == "tool_use":
                self._tool_use(block, ts)

    def _tool_use(self, block: Json, ts: datetime) -> None:
        raw = block.get("input")
        args = json_or_none(raw) if isinstance(raw, str) else raw
        call = event(
            "tool_call",
            ts,
            id=block.get("id"),
            tool=str(block.get("name") or "unknown"),
            args=args if args is not None else raw,
            files=files_in(args),
        )
        self.calls[str(block.get("id"))] = call
        self.events.append(call)


def _blocks(content: Any) -> list[Any]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else as_list(content)


def _condensed(metadata: Json, ts: datetime) -> Json:
    before = metadata.get("tokensBefore")
    details = {k: v for k, v in metadata.items() if k not in ("kind", "tokensBefore")}
    return event(
        "context_condensed",
        ts,
        tokens_before=before if isinstance(before, int) else None,
        attributes={"kind": metadata.get("kind"), **details},
    )


def _llm_call(message: Json, metrics: Json, sent: datetime, received: datetime | None) -> Json:
    """The call behind an assistant message; its latency only when both times are real."""
    info = as_dict(message.get("modelInfo"))
    cost = metrics.get("cost")
    writes = metrics.get("cacheWriteTokens")
    return event(
        "llm_call",
        sent,
        id=message.get("id"),
        provider=info.get("provider"),
        model=info.get("id"),
        gateway=gateway(info.get("provider")),
        ok=True,
        latency_ms=(received - sent).total_seconds() * 1000 if received else None,
        input_tokens=metrics.get("inputTokens"),
        output_tokens=metrics.get("outputTokens"),
        cache_read_tokens=metrics.get("cacheReadTokens"),
        cost_usd=cost if isinstance(cost, int | float) and cost >= 0 else None,
        attributes={"cache_write_tokens": writes} if writes is not None else None,
    )
