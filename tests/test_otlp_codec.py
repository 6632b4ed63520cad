"""OTLP body decoding: any body either decodes or is a 400, never an unexpected error."""

from __future__ import annotations

import base64
import json

import orjson
import pytest
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from api.formats.otlp import convert
from api.otlp.codec import JSON, PROTOBUF, decode
from api.otlp.jsonmap import UndecodableBody, hex_ids_to_base64
from tests.otlp_spans import chat, new_trace, request

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)
_span_keys = st.sampled_from(
    [
        "traceId",
        "spanId",
        "parentSpanId",
        "name",
        "kind",
        "startTimeUnixNano",
        "attributes",
        "status",
        "events",
        "links",
        "flags",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_protobuf_body_decodes_or_is_refused(body: bytes) -> None:
    try:
        decoded = decode(body, PROTOBUF)
    except UndecodableBody:
        return
    convert(decoded)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_span_keys, _json, max_size=6))
def test_any_json_span_decodes_or_is_refused(span: dict[str, object]) -> None:
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()
    try:
        decoded = decode(body, JSON)
    except UndecodableBody:
        return
    convert(decoded)


def test_json_ids_are_hex_and_round_trip_with_protobuf() -> None:
    original = request([chat(new_trace(), b"\x01" * 8, 0)])
    doc = json_format.MessageToDict(original)
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    for name in ("traceId", "spanId", "parentSpanId"):
        span[name] = base64.b64decode(span[name]).hex()
    assert decode(orjson.dumps(doc), JSON) == original


def test_only_span_and_link_ids_are_rewritten() -> None:
    doc = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "00ff",
                                "links": [{"spanId": "0a"}],
                                "attributes": [{"key": "k", "value": {"bytesValue": "AAEC"}}],
                            },
                        ]
                    }
                ]
            }
        ]
    }
    hex_ids_to_base64(doc)
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert (span["traceId"], span["links"][0]["spanId"]) == ("AP8=", "Cg==")
    assert span["attributes"][0]["value"]["bytesValue"] == "AAEC"


@pytest.mark.parametrize("levels", [100, 2000])
def test_deep_json_is_refused_not_a_crash(levels: int) -> None:
    value = '{"arrayValue": {"values": [' * levels + '{"stringValue": "x"}' + "]}}" * levels
    span = '{"traceId": "", "attributes": [{"key": "k", "value": ' + value + "}]}"
    body = '{"resourceSpans": [{"scopeSpans": [{"spans": [' + span + "]}]}]}"
    with pytest.raises(UndecodableBody):
        decode(body.encode(), JSON)
