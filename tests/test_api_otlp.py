"""OTLP/HTTP trace ingestion: encodings, partial success, errors, sessions over requests."""

from __future__ import annotations

import gzip
from typing import Any

import orjson
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from api.otlp.gate import Gate
from tests.conftest import Api
from tests.otlp_spans import chat, new_trace, request, session_spans, tool
from tests.test_close_idle import age_open_session
from workers.close_idle import close_idle

PATH = "/v1/otlp/v1/traces"
PB = {"content-type": "application/x-protobuf"}


async def _post_pb(api: Api, key: str, req: ExportTraceServiceRequest, **headers: str) -> Any:
    body = req.SerializeToString()
    if headers.get("content-encoding") == "gzip":
        body = gzip.compress(body)
    return await api.client.post(PATH, content=body, headers={**PB, **headers, **api.auth(key)})


async def _session(api: Api, key: str, sid: str) -> dict[str, Any]:
    r = await api.client.get(f"/v1/sessions/{sid}", headers=api.auth(key))
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    return doc


async def test_spans_over_several_requests_close_when_the_root_ends(api: Api, key: str) -> None:
    children, root = session_spans(6)
    sid = root.trace_id.hex()
    for part in (children[:3], children[3:]):
        r = await _post_pb(api, key, request(part))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/x-protobuf"
        assert not ExportTraceServiceResponse.FromString(r.content).HasField("partial_success")
    assert (await api.client.get(f"/v1/sessions/{sid}", headers=api.auth(key))).status_code == 404
    await _post_pb(api, key, request([root]), **{"content-encoding": "gzip"})
    got = await _session(api, key, sid)
    assert (got["source"], got["client_version"], got["end_reason"]) == (
        "kilocode",
        "4.120.0",
        "completed",
    )
    assert (got["model"], got["provider"]) == ("claude-sonnet-4", "anthropic")
    assert (got["metrics"]["steps"], got["metrics"]["tool_calls"]) == (3, 3)
    assert got["metrics"]["tokens_input"] == 3000
    assert got["judge_status"] in {"pending", "queued", "judged"}


async def test_resent_spans_are_stored_once(api: Api, key: str) -> None:
    children, root = session_spans(4)
    await _post_pb(api, key, request(children))
    await _post_pb(api, key, request(children))
    await _post_pb(api, key, request([*children, root]))
    got = await _session(api, key, root.trace_id.hex())
    assert got["event_count"] == 4


def _json_request(trace: str, parent: str) -> dict[str, Any]:
    """An OTLP/JSON body as the specification writes it (hex ids, camelCase, int64 text)."""
    span = {
        "traceId": trace,
        "spanId": "0102030405060708",
        "parentSpanId": parent,
        "name": "chat gpt-4o",
        "kind": 3,
        "startTimeUnixNano": "1795255200000000000",
        "endTimeUnixNano": 1795255201500000000,
        "futureField": {"x": 1},
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "42"}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 7}},
            {"key": "gen_ai.conversation.id", "value": {"stringValue": "json-conv"}},
        ],
        "status": {"code": 1},
    }
    root = {
        "traceId": trace,
        "spanId": parent,
        "name": "invoke_agent",
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": "1795255199000000000",
        "endTimeUnixNano": "1795255202000000000",
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "json-agent"}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span, root]}]}]}


@pytest.mark.parametrize("gzipped", [False, True])
async def test_json_encoding_follows_the_otlp_rules(api: Api, key: str, gzipped: bool) -> None:
    body = orjson.dumps(_json_request(new_trace().hex(), "a1a2a3a4a5a6a7a8"))
    headers = {"content-type": "application/json", **api.auth(key)}
    if gzipped:
        body, headers["content-encoding"] = gzip.compress(body), "gzip"
    project = await api.new_key("ingest", "read")
    r = await api.client.post(PATH, content=body, headers={**headers, **api.auth(project)})
    assert r.status_code == 200, r.text
    assert r.json() == {}
    got = await _session(api, project, "json-conv")
    assert got["source"] == "json-agent"
    assert got["started_at"].startswith("2026-11-21T09:59:59")
    events = (
        await api.client.get("/v1/sessions/json-conv/events", headers=api.auth(project))
    ).json()
    [call] = events["events"]
    assert (call["id"], call["model"], call["input_tokens"], call["output_tokens"]) == (
        "0102030405060708",
        "gpt-4o",
        42,
        7,
    )
    assert call["latency_ms"] == 1500


async def test_rejected_spans_answer_partial_success(api: Api, key: str) -> None:
    bad = chat(new_trace(), b"p" * 8, 0)
    bad.end_time_unix_nano = bad.start_time_unix_nano - 5
    no_ids = chat(b"", b"", 0)
    r = await _post_pb(api, key, request([chat(new_trace(), b"p" * 8, 0), bad, no_ids]))
    assert r.status_code == 200
    partial = ExportTraceServiceResponse.FromString(r.content).partial_success
    assert partial.rejected_spans == 2
    assert "ends before it starts" in partial.error_message
    doc = orjson.loads(orjson.dumps(_json_request("", "")))
    r = await api.client.post(PATH, json=doc, headers=api.auth(key))
    assert r.json()["partialSuccess"]["rejectedSpans"] in ("2", 2)


async def test_spans_of_a_closed_session_are_rejected(api: Api, key: str) -> None:
    children, root = session_spans(2)
    await _post_pb(api, key, request([*children, root]))
    late = chat(root.trace_id, root.span_id, 99_000)
    r = await _post_pb(api, key, request([late]))
    partial = ExportTraceServiceResponse.FromString(r.content).partial_success
    assert partial.rejected_spans == 1
    assert "already closed" in partial.error_message


async def test_spans_filed_under_the_trace_move_to_the_named_session(api: Api, key: str) -> None:
    children, root = session_spans(4)
    await _post_pb(api, key, request(children))
    root.attributes.add(key="gen_ai.conversation.id").value.string_value = "named-later"
    await _post_pb(api, key, request([chat(root.trace_id, root.span_id, 8000), root]))
    got = await _session(api, key, "named-later")
    assert got["event_count"] == 5
    lost = await api.client.get(f"/v1/sessions/{root.trace_id.hex()}", headers=api.auth(key))
    assert lost.status_code == 404


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/x-protobuf", b"\xff\xff\xff", 400),
        ("application/json", b"{not json", 400),
        ("application/json", b"[1, 2]", 400),
        (
            "application/json",
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}',
            400,
        ),
        ("application/json", b'{"resourceSpans": "many"}', 400),
        ("text/plain", b"hello", 415),
    ],
)
async def test_undecodable_bodies_are_client_errors(
    api: Api, key: str, content_type: str, body: bytes, status: int
) -> None:
    r = await api.client.post(
        PATH, content=body, headers={"content-type": content_type, **api.auth(key)}
    )
    assert r.status_code == status, r.text
    if content_type == "application/json":
        assert r.json()["error"] == "BadRequest"
        assert r.json()["message"]


async def test_bad_gzip_and_bombs_are_refused(api: Api, key: str) -> None:
    headers = {**PB, "content-encoding": "gzip", **api.auth(key)}
    assert (await api.client.post(PATH, content=b"not gzip", headers=headers)).status_code == 400
    bomb = gzip.compress(b"\0" * (api.settings.max_body_bytes + 1))
    assert (await api.client.post(PATH, content=bomb, headers=headers)).status_code == 413
    cut = gzip.compress(request([chat(new_trace(), b"", 0)]).SerializeToString())[:-12]
    assert (await api.client.post(PATH, content=cut, headers=headers)).status_code == 400
    brotli = {**PB, "content-encoding": "br", **api.auth(key)}
    assert (await api.client.post(PATH, content=b"", headers=brotli)).status_code == 415


async def test_a_full_gate_answers_503_with_retry_after(api: Api, key: str) -> None:
    gate = Gate(concurrency=1, queue=0, retry_after=3)
    api.app.state.otlp_gate = gate
    try:
        async with gate.admitted():
            r = await _post_pb(api, key, request([chat(new_trace(), b"", 0)]))
        assert r.status_code == 503
        assert r.headers["retry-after"] == "3"
        assert r.headers["content-type"] == "application/x-protobuf"
        assert (await _post_pb(api, key, request([]))).status_code == 200
    finally:
        del api.app.state.otlp_gate


async def test_the_route_needs_an_ingest_key(api: Api) -> None:
    body = request([]).SerializeToString()
    assert (await api.client.post(PATH, content=body, headers=PB)).status_code == 401
    reader = await api.new_key("read")
    r = await api.client.post(PATH, content=body, headers={**PB, **api.auth(reader)})
    assert r.status_code == 403


async def test_idle_span_sessions_close_with_timeout(api: Api, key: str) -> None:
    children, root = session_spans(2)
    await _post_pb(api, key, request(children))
    await age_open_session(api, root.trace_id.hex(), api.settings.open_session_idle_seconds + 1)
    await close_idle(api.state.jobs)
    got = await _session(api, key, root.trace_id.hex())
    assert got["end_reason"] == "timeout"
    assert got["event_count"] == 2


async def test_spans_past_the_limits_are_rejected_with_the_field(api: Api, key: str) -> None:
    deep = "[" * 40 + "]" * 40
    nested = tool(new_trace(), b"p" * 8, 0, **{"gen_ai.tool.call.arguments": deep})
    nul = chat(new_trace(), b"p" * 8, 0, **{"gen_ai.conversation.id": "a\x00b"})
    long = tool(new_trace(), b"p" * 8, 0, **{"gen_ai.tool.call.result": "x" * 70_000})
    r = await _post_pb(api, key, request([nested, nul, long]))
    partial = ExportTraceServiceResponse.FromString(r.content).partial_success
    assert partial.rejected_spans == 2
    assert "args" in partial.error_message
    assert "nesting deeper" in partial.error_message
    assert "is not usable" in partial.error_message
