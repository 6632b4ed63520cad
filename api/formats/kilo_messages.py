"""Reading Kilo Code / Roo Code / Cline UI messages in order (see :mod:`api.formats.kilo`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.formats._common import (
    Clock,
    Json,
    as_dict,
    classify_api_error,
    count_into,
    event,
    from_epoch_ms,
    gateway,
    json_or_none,
)
from api.formats.kilo_tools import TOOL_KINDS, ToolCalls

ERROR_ASKS = frozenset(  # asks that wait on the user after a failure
    {"api_req_failed", "mistake_limit_reached", "payment_required_prompt", "invalid_model"}
)
_ERROR_SAYS = frozenset({"condense_context_error", "rooignore_error", "clineignore_error"})
_RETRIES = frozenset({"error_retry", "api_req_retry_delayed"})
_OUTPUTS = frozenset(
    {
        "command_output",
        "mcp_server_response",
        "browser_action_result",
        "codebase_search_result",
        "subtask_result",
    }
)
SILENT = frozenset(  # messages that say nothing about the work
    {"resume_task", "resume_completed_task", "checkpoint_saved", "checkpoint_created"}
)


def kind_of(message: Json) -> str:
    """A message's ``say`` or ``ask`` value."""
    return str(message.get("say") if message.get("type") == "say" else message.get("ask"))


class MessageReader:
    """Running state while reading the UI messages in order."""

    def __init__(self, tools: ToolCalls, model_usage: list[Any]) -> None:
        self.clock = Clock()
        self.events: list[Json] = []
        self.unmapped: dict[str, int] = {}
        self.tools = tools
        self.models = sorted(map(as_dict, model_usage), key=lambda u: u.get("ts") or 0)
        self.call: Json | None = None

    def add(self, message: Json, *, first: bool) -> None:
        kind = kind_of(message)
        raw = message.get("text")
        text = raw if isinstance(raw, str) else ""
        ts = self.clock.tick(from_epoch_ms(message.get("ts")))
        if kind == "task" or (first and kind == "text"):
            self._emit("user_message", ts, text=text)
        elif kind in _HANDLERS:
            _HANDLERS[kind](self, message, text, ts)
        elif kind in ERROR_ASKS or kind in _ERROR_SAYS:
            self._emit("error", ts, error_type=kind, message=text or None)
        elif kind in TOOL_KINDS:
            self.events.append(self.tools.call(kind, text, ts))
        elif kind in _OUTPUTS and self.tools.output(text):
            return
        elif kind not in SILENT:
            count_into(self.unmapped, f"{message.get('type')}:{kind}")

    def _emit(self, kind: str, ts: datetime, **fields: Any) -> Json:
        built = event(kind, ts, **fields)
        self.events.append(built)
        return built

    def _model(self, message: Json) -> Json:
        info = as_dict(message.get("modelInfo"))
        if not info:
            ts = message.get("ts") or 0
            info = next((u for u in reversed(self.models) if (u.get("ts") or 0) <= ts), {})
        provider = info.get("providerId") or info.get("model_provider_id")
        model = info.get("modelId") or info.get("model_id")
        return {"provider": provider, "model": model, "gateway": gateway(provider)}

    def text(self, message: Json, text: str, ts: datetime) -> None:
        if text.strip():
            self._emit("assistant_message", ts, text=text)

    def reasoning(self, message: Json, text: str, ts: datetime) -> None:
        self._emit("reasoning", ts, text=message.get("reasoning") or text)

    def feedback(self, message: Json, text: str, ts: datetime) -> None:
        diff = message.get("say") == "user_feedback_diff"
        self._emit("user_message", ts, text=text, attributes={"diff": True} if diff else None)

    def followup(self, message: Json, text: str, ts: datetime) -> None:
        question = as_dict(json_or_none(text)).get("question")
        self._emit("assistant_message", ts, text=question if isinstance(question, str) else text)

    def request(self, message: Json, text: str, ts: datetime) -> None:
        info = as_dict(json_or_none(text))
        cancel = info.get("cancelReason")
        failure = info.get("streamingFailedMessage")
        failed = bool(failure) or cancel not in (None, "user_cancelled")
        self.call = self._emit(
            "llm_call",
            ts,
            **self._model(message),
            ok=not failed,
            error_type=str(cancel or "streaming_failed") if failed else None,
            error_message=failure or None,
            input_tokens=info.get("tokensIn"),
            output_tokens=info.get("tokensOut"),
            cache_read_tokens=info.get("cacheReads"),
            cost_usd=info.get("cost"),
            attributes=_request_attributes(info),
        )

    def failure(self, message: Json, text: str, ts: datetime) -> None:
        """A failed attempt of the current request (``api_req_failed`` and auto-retries)."""
        kind = kind_of(message)
        detail = as_dict(json_or_none(text))
        error = str(detail.get("errorMessage") or text)
        if self.call is not None and self.call.get("ok") is not False:
            self.call.update(ok=False, error_type=classify_api_error(error), error_message=error)
        self._emit("error", ts, error_type=kind, message=error or None)
        if kind in _RETRIES:
            self.retry(message, text, ts)

    def retry(self, message: Json, text: str, ts: datetime) -> None:
        """A new attempt after a failed one; the request's token counts move to it."""
        failed = self.call
        if failed is None or failed.get("ok") is not False:
            return
        usage = ("input_tokens", "output_tokens", "cache_read_tokens", "cost_usd")
        moved = {k: failed.pop(k) for k in usage if k in failed}
        self.call = self._emit(
            "llm_call",
            ts,
            provider=failed.get("provider"),
            model=failed.get("model"),
            gateway=failed.get("gateway"),
            ok=True,
            **moved,
        )

    def error(self, message: Json, text: str, ts: datetime) -> None:
        missing = "without value for required parameter" in text
        self._emit(
            "error", ts, error_type="invalid_model_output" if missing else "error", message=text
        )

    def condensed(self, message: Json, text: str, ts: datetime) -> None:
        data = as_dict(message.get("contextCondense") or message.get("contextTruncation"))
        if not data and message.get("partial"):
            return
        self._emit(
            "context_condensed",
            ts,
            tokens_before=data.get("prevContextTokens"),
            tokens_after=data.get("newContextTokens"),
            attributes={
                "method": kind_of(message),
                **{k: v for k, v in data.items() if "Tokens" not in k},
            },
        )

    def completion(self, message: Json, text: str, ts: datetime) -> None:
        if text.strip() or not (self.events and self.events[-1]["type"] == "completion"):
            self._emit("completion", ts, text=text or None)


def _request_attributes(info: Json) -> Json | None:
    kept = {k: v for k, v in info.items() if k in ("cancelReason", "cacheWrites", "apiProtocol")}
    return kept or None


_HANDLERS = {
    "text": MessageReader.text,
    "reasoning": MessageReader.reasoning,
    "user_feedback": MessageReader.feedback,
    "user_feedback_diff": MessageReader.feedback,
    "followup": MessageReader.followup,
    "api_req_started": MessageReader.request,
    "api_req_failed": MessageReader.failure,
    "error_retry": MessageReader.failure,
    "api_req_retry_delayed": MessageReader.failure,
    "api_req_retried": MessageReader.retry,
    "error": MessageReader.error,
    "condense_context": MessageReader.condensed,
    "sliding_window_truncation": MessageReader.condensed,
    "completion_result": MessageReader.completion,
}
