"""OpenTelemetry traces to session event batches (pure): ``convert(request)``.

- Session id: ``gen_ai.conversation.id``, else OpenInference ``session.id``, from any span
  of the trace, else the trace id (hex). Spans of one trace always share a session.
- Events: one per GenAI span (``api.formats.otlp_spans``), keyed by span id.
- Boundaries: a trace's root span (no parent, or a remote one) closes its session when
  it ends; its start is the session's ``started_at``, its end ``ended_at``, its status
  the end reason (``error`` or ``completed``). ``invoke_agent`` spans name the agent.
- Header: resource ``service.name`` → ``source``, ``service.version`` →
  ``client_version``; span ``user.id`` → ``user_id``.
- Spans with malformed ids, or that end before they start, are rejected (counted, with
  a reason), never an error for the whole request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from api.formats.otlp_spans import Attrs, attributes, operation, span_event
from rules import EndReason

_REMOTE_PARENT = 0x300  # SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE | SPAN_FLAGS_CONTEXT_IS_REMOTE
_SESSION_KEYS = ("gen_ai.conversation.id", "session.id")
_MAX_ID = 256
_MAX_LABEL = 128


@dataclass(slots=True)
class SpanSession:
    """What one request says about one session."""

    session_id: str
    header: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    spans: int = 0
    closes: bool = False
    ended_at_ms: float | None = None
    end_reason: EndReason | None = None
    traces: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Converted:
    sessions: list[SpanSession]
    rejected: int = 0
    errors: list[str] = field(default_factory=list)

    def reject(self, count: int, reason: str) -> None:
        self.rejected += count
        if reason not in self.errors:
            self.errors.append(reason)


@dataclass(frozen=True, slots=True)
class _Span:
    span: Span
    attrs: Attrs
    resource: dict[str, Any]


def _resource_header(attrs: Attrs) -> dict[str, Any]:
    header = {"source": attrs.get("service.name"), "client_version": attrs.get("service.version")}
    return {k: str(v)[:_MAX_LABEL] for k, v in header.items() if v is not None}


def _valid_ids(span: Span) -> bool:
    return (
        len(span.trace_id) == 16 and any(span.trace_id)
        and len(span.span_id) == 8 and any(span.span_id)
    )  # fmt: skip


def _traces(request: ExportTraceServiceRequest, out: Converted) -> dict[str, list[_Span]]:
    traces: dict[str, list[_Span]] = defaultdict(list)
    for resource_spans in request.resource_spans:
        resource = _resource_header(attributes(resource_spans.resource.attributes))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if not _valid_ids(span):
                    out.reject(1, "a span without a valid trace id and span id")
                    continue
                traces[span.trace_id.hex()].append(
                    _Span(span, attributes(span.attributes), resource)
                )
    return traces


def _session_id(trace_id: str, spans: list[_Span]) -> tuple[str, bool]:
    """The trace's session id, and whether a span named it (rather than the trace id)."""
    for key in _SESSION_KEYS:
        named = next((s.attrs[key] for s in spans if s.attrs.get(key) not in (None, "")), None)
        if named is not None:
            return str(named), True
    return trace_id, False


def _is_root(span: Span) -> bool:
    return not span.parent_span_id or span.flags & _REMOTE_PARENT == _REMOTE_PARENT


def _add_span(session: SpanSession, item: _Span, out: Converted) -> None:
    span, attrs = item.span, item.attrs
    kind = operation(attrs)
    try:
        event = span_event(span, attrs, kind)
    except ValueError as exc:
        out.reject(1, f"span {span.span_id.hex()}: {exc}")
        return
    session.spans += 1
    session.header.update(item.resource)
    if attrs.get("user.id") is not None:
        session.header["user_id"] = str(attrs["user.id"])[:_MAX_ID]
    if kind == "agent" and attrs.get("gen_ai.agent.name") is not None:
        session.header["attributes"] = {"agent_name": str(attrs["gen_ai.agent.name"])}
    if event is not None:
        session.events.append((span.span_id.hex(), event))
    if _is_root(span) and not session.closes:
        session.closes = True
        session.header["started_at"] = span.start_time_unix_nano / 1e6
        session.ended_at_ms = span.end_time_unix_nano / 1e6
        session.end_reason = (
            "error" if span.status.code == Status.STATUS_CODE_ERROR else "completed"
        )


def convert(request: ExportTraceServiceRequest) -> Converted:
    """Group the request's spans into per-session batches; reject what cannot be used."""
    out = Converted(sessions=[])
    sessions: dict[str, SpanSession] = {}
    for trace_id, spans in _traces(request, out).items():
        session_id, named = _session_id(trace_id, spans)
        if len(session_id) > _MAX_ID or "\x00" in session_id:
            out.reject(len(spans), f"session id {session_id[:64]!r}… is not usable")
            continue
        session = sessions.setdefault(session_id, SpanSession(session_id))
        if named:
            session.traces.add(trace_id)
        for item in spans:
            _add_span(session, item, out)
    out.sessions = list(sessions.values())
    return out
