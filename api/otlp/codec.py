"""OTLP/HTTP bodies in and answers out, as the OTLP specification lays them down.

- ``application/x-protobuf`` or ``application/json`` (else 415), ``Content-Encoding:
  gzip`` or none (else 415); larger than the limit, compressed or not: 413; a body that
  does not decode: 400.
- Success: ``ExportTraceServiceResponse`` in the request's encoding, with
  ``partial_success`` when spans were rejected.
- Failure: a protobuf ``google.rpc.Status`` for protobuf requests; for JSON requests our
  one error shape, ``{"error", "detail"}``, plus the Status ``message`` field.
"""

from __future__ import annotations

import zlib

import orjson
from fastapi import Request, Response
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from api.errors import PayloadTooLarge, ServiceError
from api.otlp.jsonmap import UndecodableBody, from_json

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
_GZIP = 16 + zlib.MAX_WBITS


class UnsupportedMediaType(ServiceError):
    status_code, error = 415, "UnsupportedMediaType"


def media_type(content_type: str | None) -> str:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in (PROTOBUF, JSON):
        raise UnsupportedMediaType(f"Content-Type {media!r}; send {PROTOBUF} or {JSON}")
    return media


async def read_body(request: Request, max_bytes: int) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"body larger than {max_bytes} bytes")
    return bytes(body)


def inflate(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise UnsupportedMediaType(f"Content-Encoding {encoding!r}; send gzip or none")
    inflater = zlib.decompressobj(_GZIP)
    try:
        plain = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise UndecodableBody(f"not gzip: {exc}") from exc
    if len(plain) > max_bytes:
        raise PayloadTooLarge(f"body larger than {max_bytes} bytes once decompressed")
    if not inflater.eof:
        raise UndecodableBody("the gzip stream is cut short")
    return plain


def decode(body: bytes, media: str) -> ExportTraceServiceRequest:
    if media == JSON:
        return from_json(body)
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as exc:
        raise UndecodableBody(f"not an ExportTraceServiceRequest: {exc}") from exc
    return request


def answer(rejected: int, message: str, media: str) -> Response:
    reply = ExportTraceServiceResponse()
    if rejected:
        reply.partial_success.rejected_spans = rejected
        reply.partial_success.error_message = message
    if media == PROTOBUF:
        return Response(reply.SerializeToString(), media_type=PROTOBUF)
    return Response(orjson.dumps(json_format.MessageToDict(reply)), media_type=JSON)


def failure(exc: ServiceError, media: str | None) -> Response:
    message = str(exc.detail)
    if media == PROTOBUF:
        body = Status(message=message).SerializeToString()
        return Response(body, exc.status_code, exc.headers, media_type=PROTOBUF)
    doc = {"error": exc.error, "detail": exc.detail, "message": message}
    return Response(orjson.dumps(doc), exc.status_code, exc.headers, media_type=JSON)
