"""The real OpenTelemetry Python SDK exports GenAI spans to the running service."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

from store.settings import Settings
from tests.conftest import Api
from tests.server import serve


@pytest.fixture(scope="module")
def live(pg_url: str) -> Iterator[str]:
    with serve(Settings(database_url=pg_url)) as url:
        yield url


@pytest.fixture
async def sdk_key(pg_api: Api) -> str:
    return await pg_api.new_key("ingest", "read")


def _provider(url: str, key: str, compression: Compression) -> TracerProvider:
    """Every span is exported in a request of its own, as soon as it ends."""
    exporter = OTLPSpanExporter(
        endpoint=f"{url}/v1/otlp/v1/traces",
        headers={"Authorization": f"Bearer {key}"},
        compression=compression,
    )
    resource = Resource.create({"service.name": "sdk-agent", "service.version": "9.9.9"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _run_agent(provider: TracerProvider, conversation: str) -> None:
    tracer = provider.get_tracer("test-agent")
    root_attrs = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "coder",
        "gen_ai.conversation.id": conversation,
    }
    with tracer.start_as_current_span("invoke_agent coder", attributes=root_attrs):
        for turn in range(3):
            chat = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "openai",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 100 + turn,
                "gen_ai.usage.output_tokens": 10,
            }
            with tracer.start_as_current_span("chat gpt-4o", attributes=chat):
                time.sleep(0.002)
            tool = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "read_file",
                "gen_ai.tool.call.arguments": f'{{"path": "src/f{turn}.py"}}',
            }
            with tracer.start_as_current_span("execute_tool read_file", attributes=tool):
                pass
        failing = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "error.type": "rate_limited",
        }
        with tracer.start_as_current_span("chat gpt-4o", attributes=failing) as span:
            span.set_status(Status(StatusCode.ERROR, "429 Too Many Requests"))
    provider.shutdown()


def _stored(url: str, key: str, session_id: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    deadline = time.monotonic() + 10
    while (r := httpx.get(f"{url}/v1/sessions/{session_id}", headers=headers)).status_code == 404:
        assert time.monotonic() < deadline, "the session was never stored"
        time.sleep(0.05)
    doc: dict[str, Any] = r.json()
    doc["events"] = httpx.get(f"{url}/v1/sessions/{session_id}/events", headers=headers).json()
    return doc


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_sdk_exported_agent_run_is_stored_and_queryable(
    live: str, sdk_key: str, compression: Compression
) -> None:
    conversation = f"sdk-{compression.value}"
    _run_agent(_provider(live, sdk_key, compression), conversation)
    got = _stored(live, sdk_key, conversation)
    assert (got["source"], got["client_version"]) == ("sdk-agent", "9.9.9")
    assert got["end_reason"] == "completed"
    assert got["attributes"] == {"agent_name": "coder"}
    assert (got["model"], got["provider"]) == ("gpt-4o", "openai")
    metrics = got["metrics"]
    assert (metrics["steps"], metrics["llm_calls_failed"], metrics["tool_calls"]) == (4, 1, 3)
    assert metrics["tokens_input"] == 303
    events = got["events"]["events"]
    assert [e["type"] for e in events] == ["llm_call", "tool_call"] * 3 + ["llm_call"]
    assert events[1]["args"] == {"path": "src/f0.py"}
    assert (events[-1]["ok"], events[-1]["error_type"]) == (False, "rate_limited")
    listed = httpx.get(
        f"{live}/v1/sessions",
        params={"source": "sdk-agent"},
        headers={"Authorization": f"Bearer {sdk_key}"},
    ).json()
    assert [s["session_id"] for s in listed["items"]] == [conversation]
