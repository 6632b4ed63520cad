"""Helpers shared by the converters: a deterministic clock, stable ids, event building.

Every converter builds plain event dicts (``None`` fields dropped) and validates the
finished session once with :class:`rules.Session`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from rules import EndReason, Session

SYNTHETIC_BASE = datetime(2000, 1, 1, tzinfo=UTC)
_SYNTHETIC_STEP = timedelta(seconds=1)
_AFTER_REAL_STEP = timedelta(milliseconds=1)
_MAX_KEY = 200

Json = dict[str, Any]


class Clock:
    """Non-decreasing timestamps: the source's own where it has one, else synthetic.

    Before any real time is seen, synthetic times are ``base`` (2000-01-01T00:00:00Z by
    default) plus one second per event; after a real time, one millisecond after the
    previous event. A real time earlier than the previous event is raised to it, so the
    events keep their order in the file.
    """

    def __init__(self, base: datetime | None = None) -> None:
        self._last = base or SYNTHETIC_BASE
        self._fresh = True
        self.real = 0
        self.synthetic = 0

    def tick(self, real: datetime | None = None) -> datetime:
        if real is not None:
            self.real += 1
            self._last = real if self._fresh else max(real, self._last)
        else:
            self.synthetic += 1
            if not self._fresh:
                self._last += _AFTER_REAL_STEP if self.real else _SYNTHETIC_STEP
        self._fresh = False
        return self._last

    def synthetic_flag(self) -> bool | str | None:
        """``True`` when every time was made up, ``"partial"`` when some were, else None."""
        if not self.synthetic:
            return None
        return "partial" if self.real else True


def from_epoch_ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def from_iso(value: Any) -> datetime | None:
    """An ISO 8601 time; naive times are taken as UTC; anything else gives None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def stable_id(prefix: str, key: str, doc: Any) -> str:
    """``prefix:key:hash``: readable, and unique per content (same file, same id)."""
    digest = hashlib.blake2b(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS), digest_size=4)
    return f"{prefix}:{key[:_MAX_KEY]}:{digest.hexdigest()}"


def names(words: str) -> frozenset[str]:
    """A set of names written as one whitespace-separated string."""
    return frozenset(words.split())


def event(kind: str, ts: datetime, **fields: Any) -> Json:
    """An event dict without its ``None`` fields."""
    return {"type": kind, "ts": ts, **{k: v for k, v in fields.items() if v is not None}}


def as_dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def json_or_none(text: Any) -> Any:
    """The JSON object or array in ``text``, or None when it holds none."""
    if not isinstance(text, str) or not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def text_of(content: Any) -> str:
    """Text of a message content: a string, or the text parts of a list of blocks."""
    if isinstance(content, str):
        return content
    parts = [as_dict(block).get("text") for block in as_list(content)]
    return "\n".join(p for p in parts if isinstance(p, str))


def to_text(value: Any) -> str:
    """A tool output as text: strings as they are, text blocks joined, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(as_dict(b).get("type") == "text" for b in value):
        return text_of(value)
    return orjson.dumps(value).decode()


def files_in(args: Any) -> list[str] | None:
    """File paths named by tool arguments: ``path``, ``paths``, ``file_path``, ``files[].path``."""
    found: list[str] = []
    for key, value in as_dict(args).items():
        if key in ("path", "file_path", "file", "filename") and isinstance(value, str):
            found.append(value)
        elif key in ("paths", "files", "batchFiles"):
            for item in as_list(value):
                path = as_dict(item).get("path") if isinstance(item, dict) else item
                if isinstance(path, str):
                    found.append(path)
    return list(dict.fromkeys(found)) or None


_GATEWAYS = frozenset({"cline", "kilocode"})


def gateway(provider: Any) -> bool | None:
    """Whether a call went through the vendor's own gateway (Cline's or Kilo Code's provider)."""
    return provider in _GATEWAYS if isinstance(provider, str) else None


_API_ERRORS = (
    (r"\b429\b|rate.?limit|too many requests", "rate_limited"),
    (r"\b40[13]\b|unauthori[sz]ed|forbidden|invalid api key", "auth_error"),
    (r"context.{0,20}(length|window)|too many tokens|maximum context", "context_length"),
    (r"timed? ?out|timeout", "timeout"),
    (r"\b50[0-4]\b|overloaded|internal server error|bad gateway", "server_error"),
    (r"connection|network|econn|socket", "connection_error"),
)


def classify_api_error(message: str) -> str:
    """A coarse error type for a failed model API request, from its message."""
    lowered = message.lower()
    for pattern, kind in _API_ERRORS:
        if re.search(pattern, lowered):
            return kind
    return "api_error"


def count_into(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def build_session(
    *,
    session_id: str,
    source: str,
    events: Iterable[Json],
    clock: Clock,
    end_reason: EndReason | None,
    attributes: Json,
    **fields: Any,
) -> Session:
    """Validate the finished session; its span is that of its events."""
    items = list(events)
    attributes = {k: v for k, v in attributes.items() if v not in (None, {}, [])}
    flag = clock.synthetic_flag()
    if flag is not None:
        attributes["synthetic_ts"] = flag
    times = [e["ts"] for e in items]
    return Session.model_validate(
        {
            "session_id": session_id,
            "source": source,
            "started_at": min(times) if times else None,
            "ended_at": max(times) if times else None,
            "end_reason": end_reason,
            "attributes": attributes,
            "events": items,
            **{k: v for k, v in fields.items() if v is not None},
        }
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def openai_usage(usage: Any) -> Json:
    """llm_call token fields from an OpenAI-style ``usage`` object (cost where it has one)."""
    usage = as_dict(usage)
    cost = usage.get("cost")
    return {
        "input_tokens": _count(usage.get("prompt_tokens")),
        "output_tokens": _count(usage.get("completion_tokens")),
        "cache_read_tokens": _count(
            as_dict(usage.get("prompt_tokens_details")).get("cached_tokens")
        ),
        "cost_usd": cost if isinstance(cost, int | float) and cost >= 0 else None,
    }
