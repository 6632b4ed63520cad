"""Builders of OTLP trace requests with GenAI spans, for tests and benchmarks."""

from __future__ import annotations

import os
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

T0 = 1_795_255_200_000_000_000  # 2026-11-21T10:00:00Z in ns
MS = 1_000_000


def any_value(value: Any) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, list):
        out = AnyValue()
        out.array_value.values.extend(any_value(v) for v in value)
        return out
    return AnyValue(string_value=str(value))


def kvs(attrs: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=k, value=any_value(v)) for k, v in attrs.items()]


def new_trace() -> bytes:
    return os.urandom(16)


def span(
    trace: bytes,
    name: str,
    attrs: dict[str, Any],
    *,
    parent: bytes = b"",
    start_ms: float = 0,
    duration_ms: float = 100,
    error: str | None = None,
    span_id: bytes | None = None,
) -> Span:
    out = Span(
        trace_id=trace,
        span_id=span_id or os.urandom(8),
        parent_span_id=parent,
        name=name,
        start_time_unix_nano=int(T0 + start_ms * MS),
        end_time_unix_nano=int(T0 + (start_ms + duration_ms) * MS),
        attributes=kvs(attrs),
    )
    if error is not None:
        out.status.code = Status.STATUS_CODE_ERROR
        out.status.message = error
    return out


def chat(trace: bytes, parent: bytes, start_ms: float, **extra: Any) -> Span:
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 100,
        **extra,
    }
    return span(
        trace, "chat claude-sonnet-4", attrs, parent=parent, start_ms=start_ms, duration_ms=900
    )


def tool(
    trace: bytes, parent: bytes, start_ms: float, name: str = "read_file", **extra: Any
) -> Span:
    attrs = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, **extra}
    return span(
        trace, f"execute_tool {name}", attrs, parent=parent, start_ms=start_ms, duration_ms=12
    )


def agent(trace: bytes, span_id: bytes, duration_ms: float, **extra: Any) -> Span:
    attrs = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "coder", **extra}
    return span(trace, "invoke_agent coder", attrs, span_id=span_id, duration_ms=duration_ms)


def session_spans(n: int, *, conversation: str | None = None) -> tuple[list[Span], Span]:
    """``n`` spans alternating chat and execute_tool under one agent root; (children, root)."""
    trace, root_id = new_trace(), os.urandom(8)
    extra = {"gen_ai.conversation.id": conversation} if conversation else {}
    children = [
        chat(trace, root_id, i * 1000.0, **extra)
        if i % 2 == 0
        else tool(trace, root_id, i * 1000.0)
        for i in range(n)
    ]
    return children, agent(trace, root_id, n * 1000.0 + 10, **extra)


def request(
    spans: list[Span], service: str = "kilocode", version: str = "4.120.0"
) -> ExportTraceServiceRequest:
    resource = {"service.name": service, "service.version": version}
    rs = ResourceSpans(scope_spans=[ScopeSpans(spans=spans)])
    rs.resource.attributes.extend(kvs(resource))
    return ExportTraceServiceRequest(resource_spans=[rs])
