"""OTLP/JSON to the protobuf request.

OTLP/JSON is the proto3 JSON mapping with one difference that matters: trace and span ids
are hex, not base64 (hex digits are valid base64, so parsing them unchanged would succeed
with the wrong bytes). Ids are rewritten to base64, then ``json_format`` does the rest:
lowerCamelCase or original names, enums as names or ints, int64 as strings or numbers,
unknown fields ignored.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from api.errors import ServiceError

_IDS = ("traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id")


class UndecodableBody(ServiceError):
    """400: the body is not an OTLP export request in the declared encoding."""


def _items(doc: Any, *names: str) -> list[Any]:
    found = next((doc[n] for n in names if isinstance(doc, dict) and n in doc), None)
    return found if isinstance(found, list) else []


def _rewrite_ids(node: Any) -> None:
    if not isinstance(node, dict):
        return
    for name in _IDS:
        value = node.get(name)
        if isinstance(value, str):
            try:
                node[name] = base64.b64encode(bytes.fromhex(value)).decode()
            except ValueError as exc:
                raise UndecodableBody(f"{name} {value[:40]!r} is not hex") from exc


def hex_ids_to_base64(doc: Any) -> None:
    """Rewrite, in place, every span's and link's hex ids as base64."""
    for resource_spans in _items(doc, "resourceSpans", "resource_spans"):
        for scope_spans in _items(resource_spans, "scopeSpans", "scope_spans"):
            for span in _items(scope_spans, "spans"):
                _rewrite_ids(span)
                for link in _items(span, "links"):
                    _rewrite_ids(link)


def from_json(body: bytes) -> ExportTraceServiceRequest:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise UndecodableBody(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise UndecodableBody("an OTLP/JSON request is a JSON object")
    hex_ids_to_base64(doc)
    request = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(doc, request, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise UndecodableBody(f"not an ExportTraceServiceRequest: {exc}"[:500]) from exc
    return request
