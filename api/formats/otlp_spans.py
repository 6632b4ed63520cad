"""One OpenTelemetry span to one canonical event (pure).

GenAI semantic conventions first, OpenInference names as the fallback:

- ``chat`` / ``generate_content`` / ``text_completion`` (``gen_ai.operation.name``) or
  OpenInference kind ``LLM`` → ``llm_call``;
- ``execute_tool`` or kind ``TOOL`` → ``tool_call``;
- anything else (``invoke_agent``, HTTP, database spans, …) is no event.
"""

from __future__ import annotations

from typing import Any

import orjson
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from rules.model import MAX_COUNT

Attrs = dict[str, Any]
LLM_OPERATIONS = frozenset({"chat", "generate_content", "text_completion"})
_FIRST = {
    "provider": ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"),
    "model": ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name"),
    "input_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                     "llm.token_count.prompt"),
    "output_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                      "llm.token_count.completion"),
    "cache_read_tokens": ("gen_ai.usage.cache_read.input_tokens",
                          "gen_ai.usage.cache_read_input_tokens",
                          "gen_ai.usage.input_tokens.cached",
                          "llm.token_count.prompt_details.cache_read"),
    "tool": ("gen_ai.tool.name", "tool.name"),
    "args": ("gen_ai.tool.call.arguments", "input.value"),
    "output": ("gen_ai.tool.call.result", "output.value"),
}  # fmt: skip
_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens")


def any_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return None if kind is None else getattr(value, kind)


def attributes(pairs: Any) -> Attrs:
    """``KeyValue`` pairs as a dict (the first of repeated keys wins, as the spec says)."""
    found: Attrs = {}
    for pair in pairs:
        kv: KeyValue = pair
        found.setdefault(kv.key, any_value(kv.value))
    return found


def operation(attrs: Attrs) -> str | None:
    """``llm``, ``tool``, ``agent`` or None, from either convention."""
    op = attrs.get("gen_ai.operation.name")
    kind = attrs.get("openinference.span.kind")
    if op in LLM_OPERATIONS or kind == "LLM":
        return "llm"
    if op == "execute_tool" or kind == "TOOL":
        return "tool"
    if op == "invoke_agent" or kind == "AGENT":
        return "agent"
    return None


def first(attrs: Attrs, field: str) -> Any:
    return next((attrs[k] for k in _FIRST[field] if attrs.get(k) is not None), None)


def _count(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return value
    return None


def _json_or_text(value: Any) -> Any:
    """Tool arguments arrive as JSON text: parsed when they are JSON, else kept as text."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _failure(span: Span, attrs: Attrs) -> tuple[bool, str | None, str | None]:
    """``(ok, error type, message)``: a span failed if its status or ``error.type`` says so."""
    error_type = attrs.get("error.type")
    failed = span.status.code == Status.STATUS_CODE_ERROR or error_type is not None
    message = span.status.message or next(
        (attributes(e.attributes).get("exception.message") for e in span.events
         if e.name == "exception"), None,
    )  # fmt: skip
    if not failed:
        return True, None, None
    return False, _text(error_type) or "error", _text(message) or None


def span_event(span: Span, attrs: Attrs, kind: str | None) -> dict[str, Any] | None:
    """The canonical event of a GenAI span, or None. Raises ValueError for a span that
    ends before it starts."""
    if kind not in ("llm", "tool"):
        return None
    if span.end_time_unix_nano < span.start_time_unix_nano:
        raise ValueError("the span ends before it starts")
    elapsed = (span.end_time_unix_nano - span.start_time_unix_nano) / 1e6
    ok, error_type, message = _failure(span, attrs)
    common = {"id": span.span_id.hex(), "ts": span.start_time_unix_nano / 1e6, "ok": ok}
    if kind == "llm":
        doc = {"type": "llm_call", **common, "provider": _text(first(attrs, "provider")),
               "model": _text(first(attrs, "model")), "latency_ms": elapsed,
               "error_type": error_type, "error_message": message,
               **{name: _count(first(attrs, name)) for name in _COUNTS}}  # fmt: skip
    else:
        doc = {"type": "tool_call", **common, "tool": _text(first(attrs, "tool")),
               "args": _json_or_text(first(attrs, "args")),
               "output": _text(first(attrs, "output")), "duration_ms": elapsed,
               "error": message or error_type}  # fmt: skip
    doc["attributes"] = {"span": span.name}
    return {k: v for k, v in doc.items() if v is not None}
