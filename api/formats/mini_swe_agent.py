"""mini-swe-agent ``.traj.json`` files → canonical sessions.

``messages[]`` are OpenAI-style turns: the system prompt, the task (first user message), then
assistant turns (a THOUGHT and one bash block) each answered by a user turn (the command's
``<returncode>``/``<output>``, a format error, or a timeout notice); ``info`` holds
exit_status, submission and model_stats (instance_cost, api_calls).

- system → ``attributes["system_prompt"]``; the first user message → user_message;
- each assistant turn → llm_call (model, provider, tokens and cost from
  ``extra.response``; ts from its ``created``) and assistant_message (the text before the
  bash block); then
  - exactly one bash block → tool_call ``bash`` ``{"command"}`` whose output is the next
    user turn: ok when ``<returncode>`` is 0, failed on another code (error "exit code N")
    or a timeout notice; without a return code (the final submit, answered by the diff) ok
    is unknown (None);
  - no or several blocks → an ``error`` event ``format_error`` with the feedback given;
- ``info.exit_status`` → the ending (see :mod:`api.formats.exit_status`).

Events between two model responses are 1 ms apart (``attributes["synthetic_ts"] =
"partial"``). Labels: ``attributes["label"] = {"exit_status", "instance_id"}``; whether
SWE-bench resolved the instance lives in a separate resolved.json.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from api.formats._common import (
    Clock,
    Json,
    as_dict,
    as_list,
    build_session,
    event,
    openai_usage,
    stable_id,
    text_of,
)
from api.formats.exit_status import append_ending
from rules import Session

_BASH = re.compile(r"```bash\s*\n(.*?)\n```", re.DOTALL)
_RETURNCODE = re.compile(r"<returncode>(-?\d+)</returncode>")
_TIMEOUT = re.compile(r"^The last command <command>.*</command> timed out", re.DOTALL)


def convert(doc: Any, *, name: str) -> list[Session]:
    """One session from a parsed ``.traj.json``; ``name`` is the fallback instance id."""
    info = as_dict(doc.get("info"))
    instance = str(doc.get("instance_id") or name)
    messages = [as_dict(m) for m in as_list(doc.get("messages"))]
    clock = Clock(_first_response_time(messages))
    events: list[Json] = []
    system: str | None = None
    pending: Json | None = None  # the tool call or format error awaiting the next user turn
    for message in messages:
        role, text = message.get("role"), text_of(message.get("content"))
        if role == "system":
            system = text
        elif role == "assistant":
            pending = _assistant(message, text, clock, events)
        elif role == "user" and pending is not None:
            _answer(pending, text)
            pending = None
        elif role == "user":
            events.append(event("user_message", clock.tick(), text=text))
    result = append_ending(events, info, clock)
    rest = {k: v for k, v in info.items() if k not in ("exit_status", "model_stats", "submission")}
    return [
        build_session(
            session_id=stable_id("mini-swe-agent", instance, doc),
            source="mini-swe-agent",
            events=events,
            clock=clock,
            end_reason=result.end_reason,
            attributes={
                "label": {"exit_status": info.get("exit_status"), "instance_id": instance},
                "autosubmit_reason": result.autosubmit_reason,
                "model_stats": info.get("model_stats"),
                "submission": info.get("submission"),
                "info": rest,
                "trajectory_format": doc.get("trajectory_format"),
                "system_prompt": system,
            },
        )
    ]


def _created(message: Json) -> datetime | None:
    created = as_dict(as_dict(message.get("extra")).get("response")).get("created")
    if isinstance(created, int | float) and not isinstance(created, bool):
        return datetime.fromtimestamp(created, tz=UTC)
    return None


def _first_response_time(messages: list[Json]) -> datetime | None:
    return next((t for t in map(_created, messages) if t is not None), None)


def _assistant(message: Json, text: str, clock: Clock, events: list[Json]) -> Json:
    """Events of one model turn; returns the event the next user turn answers."""
    response = as_dict(as_dict(message.get("extra")).get("response"))
    ts = clock.tick(_created(message))
    events.append(
        event(
            "llm_call",
            ts,
            id=response.get("id"),
            provider=response.get("provider"),
            model=response.get("model"),
            ok=True,
            **openai_usage(response.get("usage")),
        )
    )
    commands = _BASH.findall(text)
    thought = text[: text.find("```")] if commands else text
    if thought.strip():
        events.append(event("assistant_message", clock.tick(), text=thought.strip()))
    if len(commands) == 1:
        pending = event("tool_call", clock.tick(), tool="bash", args={"command": commands[0]})
    else:
        pending = event("error", clock.tick(), error_type="format_error")
    events.append(pending)
    return pending


def _answer(pending: Json, text: str) -> None:
    """Fill the tool call (or format error) with the user turn that answered it."""
    if pending["type"] == "error":
        pending["message"] = text
        return
    pending["output"] = text
    code = _RETURNCODE.match(text)
    if code is not None:
        pending["ok"] = code[1] == "0"
        if not pending["ok"]:
            pending["error"] = f"exit code {code[1]}"
    elif _TIMEOUT.match(text):
        pending["ok"] = False
        pending["error"] = "timeout"
