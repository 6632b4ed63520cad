"""The events of one OpenHands history, read in order (see :mod:`api.formats.openhands`)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from api.formats._common import (
    Clock,
    Json,
    as_dict,
    count_into,
    event,
    files_in,
    from_iso,
    names,
    openai_usage,
)
from rules import EndReason

_ARG_NOISE = names(
    "thought is_input blocking is_static hidden confirmation_state security_risk "
    "impl_source keep_prompt is_confirmed action_risk kernel_init_code"
)
_QUIET_ACTIONS = frozenset({"recall", "change_agent_state", "null"})
_QUIET_OBSERVATIONS = frozenset({"null", "recall", "think", "agent_state_changed"})
_LIMIT = re.compile(r"maximum (iteration|budget)|max_iterations", re.IGNORECASE)
_SYNTAX_ERROR = "Your proposed edit has introduced new syntax error"
_STATE_ENDINGS: dict[str, EndReason] = {"error": "error", "stopped": "user_closed"}
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt))\b")


def _normalize(raw: Json) -> Json:
    """Old rows flatten args (actions) and extras (observations) into the event."""
    if "args" in raw or "extras" in raw or "id" in raw:
        return raw
    if "action" in raw:
        return {"action": raw["action"], "args": {k: v for k, v in raw.items() if k != "action"}}
    extras = {k: v for k, v in raw.items() if k not in ("observation", "content")}
    return {"observation": raw.get("observation"), "content": raw.get("content"), "extras": extras}


class EventStream:
    """Running state while reading one history in order."""

    def __init__(self, latencies: dict[str, float], provider: str | None) -> None:
        self.clock = Clock()
        self.events: list[Json] = []
        self.latencies = latencies
        self.provider = provider
        self.calls: dict[str, Json] = {}
        self.open: list[Json] = []
        self.responses: set[str] = set()
        self.unmapped: dict[str, int] = {}
        self.system: str | None = None
        self.state: str | None = None
        self.last_action: str | None = None
        self.seen_user = False

    def add(self, raw: Json) -> None:
        item = _normalize(raw)
        if "action" in item:
            self._action(item)
        elif "observation" in item:
            self._observation(item)

    def _emit(self, kind: str, item: Json, **fields: Any) -> Json:
        built = event(kind, self.clock.tick(from_iso(item.get("timestamp"))), **fields)
        self.events.append(built)
        return built

    def _action(self, item: Json) -> None:
        kind = str(item["action"])
        args = as_dict(item.get("args"))
        self.last_action = kind
        self._llm_call(item)
        raw = args.get("thought")
        thought = raw if isinstance(raw, str) else ""
        if kind == "message":
            self._message(item, args)
        elif kind == "system":
            self.system = args.get("content") or item.get("message")
        elif kind == "finish":
            text = item.get("message") or args.get("final_thought") or thought or None
            done = args.get("task_completed")
            self._emit("completion", item, text=text, attributes={"task_completed": done})
        elif kind == "think":
            self._emit("assistant_message", item, text=thought or item.get("message"))
        elif kind == "condensation":
            self._emit("context_condensed", item, attributes={"args": args})
        elif kind in _QUIET_ACTIONS:
            count_into(self.unmapped, f"action:{kind}")
        else:
            self._tool_call(item, kind, args, thought)

    def _message(self, item: Json, args: Json) -> None:
        text = args.get("content") or item.get("message") or ""
        source = item.get("source")
        user = source == "user" or (source is None and not self.seen_user)
        self.seen_user = self.seen_user or user
        self._emit("user_message" if user else "assistant_message", item, text=text)

    def _tool_call(self, item: Json, kind: str, args: Json, thought: str) -> None:
        if thought.strip():
            self._emit("assistant_message", item, text=thought)
        metadata = as_dict(item.get("tool_call_metadata"))
        clean = {k: v for k, v in args.items() if v is not None and k not in _ARG_NOISE}
        call = self._emit(
            "tool_call",
            item,
            id=str(item["id"]) if "id" in item else None,
            tool=str(metadata.get("function_name") or kind),
            args=clean,
            files=files_in(clean),
        )
        if "id" in item:
            self.calls[str(item["id"])] = call
        self.open.append(call)

    def _llm_call(self, item: Json) -> None:
        response = as_dict(as_dict(item.get("tool_call_metadata")).get("model_response"))
        response_id = str(response.get("id") or "")
        if not response_id or response_id in self.responses:
            return
        self.responses.add(response_id)
        latency = self.latencies.get(response_id)
        at = from_iso(item.get("timestamp"))
        sent = at - timedelta(milliseconds=latency) if at and latency is not None else at
        self.events.append(
            event(
                "llm_call",
                self.clock.tick(sent),
                id=response_id,
                provider=self.provider,
                model=response.get("model"),
                ok=True,
                latency_ms=latency,
                **{k: v for k, v in openai_usage(response.get("usage")).items() if k != "cost_usd"},
            )
        )

    def _observation(self, item: Json) -> None:
        kind = str(item.get("observation"))
        extras = as_dict(item.get("extras"))
        if kind == "agent_state_changed":
            self.state = str(extras.get("agent_state"))
        if kind in _QUIET_OBSERVATIONS:
            return
        cause = item.get("cause")
        call = self.calls.get(str(cause)) if cause is not None else self._latest_open(item)
        content = str(item.get("content") or "")
        if call is None and kind == "error":
            self._emit("error", item, error_type="agent_error", message=content)
        elif call is None:
            count_into(self.unmapped, f"observation:{kind}")
        else:
            if call in self.open:
                self.open.remove(call)
            failure = _failure(kind, content, extras, item.get("success"))
            call.update(output=content, ok=failure is None)
            if failure is not None:
                call["error"] = failure

    def _latest_open(self, item: Json) -> Json | None:
        """Old rows (no ids) answer the latest open action; new ones name it in ``cause``."""
        return self.open[-1] if self.open and "id" not in item else None

    def ending(self, error: Any) -> EndReason | None:
        if isinstance(error, str) and error.strip():
            if _LIMIT.search(error):
                return "timeout"
            name = _EXCEPTION.match(error)
            kind = name[1] if name else "agent_error"
            self.events.append(event("error", self.clock.tick(), error_type=kind, message=error))
            return "error"
        if self.last_action == "finish":
            return "completed"
        return _STATE_ENDINGS.get(self.state or "")


def _failure(kind: str, content: str, extras: Json, success: Any) -> str | None:
    if kind == "error":
        return content or "error"
    if kind == "user_rejected":
        return "user rejected"
    code = as_dict(extras.get("metadata")).get("exit_code", extras.get("exit_code"))
    if isinstance(code, int) and code != 0:
        return f"exit code {code}"
    if success is False:
        return "failed"
    if _SYNTAX_ERROR in content:
        return "edit introduced a syntax error"
    if content.lstrip().startswith("ERROR:"):
        return content.strip().splitlines()[-1][:500]
    return None
