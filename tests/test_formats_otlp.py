"""OpenTelemetry spans to canonical events (GenAI conventions and OpenInference)."""

from __future__ import annotations

import os

from api.formats.otlp import convert
from rules import Event
from tests.otlp_spans import T0, agent, chat, new_trace, request, session_spans, span, tool


def test_genai_chat_span_is_an_llm_call() -> None:
    trace, root = new_trace(), os.urandom(8)
    s = chat(
        trace,
        root,
        5000,
        **{
            "gen_ai.usage.cache_read.input_tokens": 640,
            "gen_ai.response.model": "claude-sonnet-4-20250514",
        },
    )
    [session] = convert(request([s])).sessions
    [(key, doc)] = session.events
    assert key == s.span_id.hex() == doc["id"]
    event = Event.model_validate(doc)
    assert event.type == "llm_call"
    assert (event.provider, event.model) == ("anthropic", "claude-sonnet-4-20250514")
    assert (event.input_tokens, event.output_tokens, event.cache_read_tokens) == (1000, 100, 640)
    assert event.latency_ms == 900
    assert event.ok is True
    assert event.ts.timestamp() * 1e9 == T0 + 5000 * 1_000_000
    assert session.session_id == trace.hex()
    assert not session.closes


def test_older_names_are_the_fallback() -> None:
    attrs = {
        "gen_ai.operation.name": "text_completion",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.prompt_tokens": "12",
        "gen_ai.usage.completion_tokens": 3.0,
    }
    [session] = convert(request([span(new_trace(), "completion", attrs, parent=b"p" * 8)])).sessions
    doc = session.events[0][1]
    assert (doc["provider"], doc["model"], doc["input_tokens"], doc["output_tokens"]) == (
        "openai",
        "gpt-4o",
        12,
        3,
    )


def test_failed_span_is_a_failed_call_with_its_error() -> None:
    attrs = {"gen_ai.operation.name": "chat", "error.type": "rate_limited"}
    s = span(new_trace(), "chat", attrs, parent=b"p" * 8, error="429 Too Many Requests")
    doc = convert(request([s])).sessions[0].events[0][1]
    assert (doc["ok"], doc["error_type"], doc["error_message"]) == (
        False,
        "rate_limited",
        "429 Too Many Requests",
    )
    failed_tool = span(new_trace(), "t", {"gen_ai.operation.name": "execute_tool"}, error="boom")
    doc = convert(request([failed_tool])).sessions[0].events[0][1]
    assert (doc["ok"], doc["error"]) == (False, "boom")


def test_execute_tool_span_is_a_tool_call_with_arguments_and_result() -> None:
    s = tool(
        new_trace(),
        b"p" * 8,
        0,
        "execute_command",
        **{
            "gen_ai.tool.call.arguments": '{"command": "pytest"}',
            "gen_ai.tool.call.result": "3 passed",
        },
    )
    event = Event.model_validate(convert(request([s])).sessions[0].events[0][1])
    assert (event.type, event.tool, event.args, event.output) == (
        "tool_call",
        "execute_command",
        {"command": "pytest"},
        "3 passed",
    )
    assert (event.ok, event.duration_ms) == (True, 12)


def test_openinference_names_are_accepted() -> None:
    trace = new_trace()
    llm = span(
        trace,
        "ChatOpenAI",
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o",
            "llm.provider": "openai",
            "llm.token_count.prompt": 50,
            "llm.token_count.completion": 7,
            "session.id": "oi-session",
        },
        parent=b"p" * 8,
    )
    t = span(
        trace,
        "search",
        {
            "openinference.span.kind": "TOOL",
            "tool.name": "search",
            "input.value": '{"q": "otel"}',
            "output.value": "found",
        },
        parent=b"p" * 8,
    )
    [session] = convert(request([llm, t])).sessions
    assert session.session_id == "oi-session"
    call, use = (Event.model_validate(doc) for _, doc in session.events)
    assert (call.model, call.provider, call.input_tokens, call.output_tokens) == (
        "gpt-4o",
        "openai",
        50,
        7,
    )
    assert (use.tool, use.args, use.output) == ("search", {"q": "otel"}, "found")


def test_session_id_comes_from_any_span_of_the_trace() -> None:
    children, root = session_spans(4, conversation=None)
    root.attributes.add(key="gen_ai.conversation.id").value.string_value = "conv-7"
    [session] = convert(request([*children, root])).sessions
    assert session.session_id == "conv-7"
    assert len(session.events) == 4
    assert session.traces == {children[0].trace_id.hex()}


def test_conversation_id_wins_over_openinference_session_id() -> None:
    attrs = {"gen_ai.operation.name": "chat", "session.id": "oi", "gen_ai.conversation.id": "gc"}
    [session] = convert(request([span(new_trace(), "chat", attrs, parent=b"p" * 8)])).sessions
    assert session.session_id == "gc"


def test_root_span_end_closes_the_session_with_its_boundaries() -> None:
    children, root = session_spans(6)
    [session] = convert(request([*children, root], service="my-agent", version="2.1")).sessions
    assert session.closes
    assert session.end_reason == "completed"
    assert session.header["started_at"] == T0 / 1e6
    assert session.ended_at_ms == (root.end_time_unix_nano) / 1e6
    assert session.header["source"] == "my-agent"
    assert session.header["client_version"] == "2.1"
    assert session.header["attributes"] == {"agent_name": "coder"}
    assert [doc["type"] for _, doc in session.events] == ["llm_call", "tool_call"] * 3


def test_a_failed_root_ends_the_session_in_error() -> None:
    trace, root_id = new_trace(), os.urandom(8)
    root = span(
        trace,
        "invoke_agent",
        {"gen_ai.operation.name": "invoke_agent"},
        span_id=root_id,
        error="crashed",
    )
    assert convert(request([root])).sessions[0].end_reason == "error"


def test_a_remote_parent_makes_a_root() -> None:
    trace = new_trace()
    local = agent(trace, os.urandom(8), 100)
    local.parent_span_id = b"r" * 8
    assert not convert(request([local])).sessions[0].closes
    local.flags = 0x300
    assert convert(request([local])).sessions[0].closes


def test_spans_that_are_not_genai_make_no_events() -> None:
    s = span(new_trace(), "GET /", {"http.request.method": "GET"}, parent=b"p" * 8)
    [session] = convert(request([s])).sessions
    assert session.events == []
    assert session.spans == 1


def test_malformed_spans_are_rejected_with_a_reason() -> None:
    good = chat(new_trace(), b"p" * 8, 0)
    no_id = chat(b"\x00" * 16, b"p" * 8, 0)
    backwards = chat(new_trace(), b"p" * 8, 0)
    backwards.end_time_unix_nano = backwards.start_time_unix_nano - 1
    long_id = chat(new_trace(), b"p" * 8, 0, **{"gen_ai.conversation.id": "x" * 300})
    out = convert(request([good, no_id, backwards, long_id]))
    assert out.rejected == 3
    assert len(out.errors) == 3
    assert sum(len(s.events) for s in out.sessions) == 1
