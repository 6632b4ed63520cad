"""OpenAI chat messages (tau-bench trajectories and the like) → canonical sessions.

A document is a list of ``{role, content, tool_calls}`` messages (one session), a record
holding such a list under ``messages``, ``traj``, ``trajectory`` or ``conversation`` (one
session), or a list of such records (one session each, see :func:`units`).

- system → ``attributes["system_prompt"]``; user → user_message; assistant content →
  assistant_message; each assistant tool call → tool_call (args parsed from the JSON
  string); a ``tool`` message → output of the call with its ``tool_call_id``, failed when
  it starts with ``Error`` (tau-bench's tools report errors that way).
- Ending. tau-bench ends an episode in one of three ways, and so does this converter: the
  simulated user says ``###STOP###`` (the conversation is over, whether or not the task was
  solved, which the reward says) → end reason ``completed``; the agent calls
  ``transfer_to_human_agents`` (a hand-off the episode treats as final) → ``completed``
  with ``attributes["end_hint"] = "transfer_to_human_agents"``; neither, in a record that
  carries a ``reward`` (the episode ran out of steps) → ``timeout`` with end hint
  ``step_limit``. Other conversations without a marker end with an unknown reason. No
  completion event is made up: the agent gave no explicit "task done" signal.
- Labels: ``attributes["label"] = {"reward", "task_id", "trial"}``; the rest of the record
  (tau-bench's ``info``: task, reward_info, user_cost) → ``attributes``.

There are no timestamps: events are one second apart from 2000-01-01T00:00:00Z.
"""

from __future__ import annotations

from typing import Any

from api.formats._common import (
    Clock,
    Json,
    as_dict,
    as_list,
    build_session,
    event,
    json_or_none,
    stable_id,
    text_of,
)
from rules import EndReason, Session

MESSAGE_KEYS = ("messages", "traj", "trajectory", "conversation")
_STOP = "###STOP###"
_TRANSFER = "transfer_to_human_agents"
_LABEL_KEYS = ("reward", "task_id", "trial")


def messages_of(record: Any) -> list[Any] | None:
    """The chat messages of a record, or None when it holds none."""
    if isinstance(record, list):
        return record if record and all(_is_message(m) for m in record[:3]) else None
    for key in MESSAGE_KEYS:
        value = as_dict(record).get(key)
        if isinstance(value, list) and value and _is_message(value[0]):
            return value
    return None


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and "role" in value


def units(doc: Any) -> list[Any]:
    """The sessions of a document: itself, or each record of a list of records."""
    if isinstance(doc, list) and messages_of(doc) is None:
        return doc
    return [doc]


def convert(doc: Any, *, name: str) -> list[Session]:
    """One session from a message list or a record; ``name`` prefixes its id."""
    messages = messages_of(doc)
    if messages is None:
        raise ValueError("no chat messages (a list of {role, content} objects) found")
    record = as_dict(doc)
    clock = Clock()
    events: list[Json] = []
    calls: dict[str, Json] = {}
    system: str | None = None
    stopped = transferred = False
    for message in map(as_dict, messages):
        role, text = message.get("role"), text_of(message.get("content"))
        if role == "system":
            system = text
        elif role == "user":
            stopped = stopped or _STOP in text
            events.append(event("user_message", clock.tick(), text=text))
        elif role == "assistant":
            if text.strip():
                events.append(event("assistant_message", clock.tick(), text=text))
            for call in as_list(message.get("tool_calls")):
                events.append(_tool_call(as_dict(call), clock, calls))
                transferred = transferred or events[-1]["tool"] == _TRANSFER
        elif role == "tool":
            _tool_result(message, text, calls)
    end_reason, hint = _ending(stopped, transferred, "reward" in record)
    key = "/".join(str(record[k]) for k in ("task_id", "trial") if k in record)
    extra_keys = (*_LABEL_KEYS, *MESSAGE_KEYS)
    return [
        build_session(
            session_id=stable_id("chat", f"{name}/{key}" if key else name, doc),
            source="openai-messages",
            events=events,
            clock=clock,
            end_reason=end_reason,
            attributes={
                "label": {k: record[k] for k in _LABEL_KEYS if k in record},
                "end_hint": hint,
                "system_prompt": system,
                **{k: v for k, v in record.items() if k not in extra_keys},
            },
        )
    ]


def _ending(
    stopped: bool, transferred: bool, rewarded: bool
) -> tuple[EndReason | None, str | None]:
    if stopped:
        return "completed", None
    if transferred:
        return "completed", _TRANSFER
    if rewarded:
        return "timeout", "step_limit"
    return None, None


def _tool_call(call: Json, clock: Clock, calls: dict[str, Json]) -> Json:
    function = as_dict(call.get("function"))
    raw = function.get("arguments")
    args = json_or_none(raw) if isinstance(raw, str) else raw
    built = event(
        "tool_call",
        clock.tick(),
        id=call.get("id"),
        tool=str(function.get("name") or "unknown"),
        args=args if args is not None else raw,
    )
    calls[str(call.get("id") or len(calls))] = built
    return built


def _tool_result(message: Json, text: str, calls: dict[str, Json]) -> None:
    call = calls.get(str(message.get("tool_call_id")))
    if call is None:
        return
    call["output"] = text
    call["ok"] = not text.startswith("Error")
    if not call["ok"]:
        call["error"] = text
