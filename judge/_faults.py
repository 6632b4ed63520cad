"""What went wrong with a call to the model, and whether trying again can help."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import openai
from instructor.core import InstructorRetryException
from pydantic import ValidationError

_RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass(frozen=True, slots=True)
class Fault:
    retryable: bool
    reason: str
    retry_after: float | None = None
    """Seconds the server asked us to wait, when it said."""


def classify(exc: Exception) -> Fault:
    """Read an error of the openai client, as raised or as wrapped by instructor.

    instructor wraps whatever ended its attempts in ``InstructorRetryException``; the
    error itself is the ``__cause__``. Answers that stayed invalid through instructor's
    validation retries are final: asking again from scratch would repeat them.
    """
    cause = exc.__cause__ if isinstance(exc, InstructorRetryException) else exc
    if isinstance(cause, ValidationError):
        return Fault(False, f"invalid answer: {_first_error(cause)}")
    if isinstance(cause, openai.APIStatusError):
        return _status_fault(cause)
    if isinstance(cause, openai.APITimeoutError):
        return Fault(True, "request timed out")
    if isinstance(cause, openai.APIConnectionError):
        return Fault(True, f"connection failed: {cause.__cause__ or cause}")
    if isinstance(cause, json.JSONDecodeError | openai.APIResponseValidationError):
        return Fault(True, f"unreadable response body: {cause}")
    # No choices, no tool call, a reply instructor could not even send back for repair.
    return Fault(True, f"malformed response: {type(cause).__name__}: {cause}")


def _status_fault(error: openai.APIStatusError) -> Fault:
    status = error.status_code
    reason = f"HTTP {status}: {error.message}"
    retryable = status in _RETRYABLE_STATUS or status >= 500
    return Fault(retryable, reason, retry_after(error.response.headers) if retryable else None)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if (millis := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "answer"
    return f"{where}: {first['msg']}"
