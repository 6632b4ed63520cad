"""SWE-agent ``.traj`` files → canonical sessions.

A ``.traj`` holds ``trajectory[]`` (one step per model turn: thought, action, observation,
execution_time, state), ``history[]`` (the chat the model saw) and ``info`` (exit_status,
submission, model_stats). A file with only ``history[]`` is read from its assistant
``action`` messages and the observations after them.

- the first user message of the history (the problem statement) → user_message;
- per step: the thought → assistant_message; an llm_call when the model was called at all
  (``model_stats.api_calls`` > 0); the action → tool_call with args ``{"command": action}``,
  the tool being the function name the history recorded, else the SWE-agent command
  (``open``, ``edit``, ``submit``, …), else ``bash``; output = observation; failed when the
  observation shows an error (see ``_FAILURES``); ``duration_ms`` from execution_time;
- ``info.exit_status`` → the ending (see :mod:`api.formats.exit_status`); a completion
  event carries the submission.

Token use is known only in total: tokens_sent, tokens_received and instance_cost are spread
evenly over the llm_calls (``attributes["tokens_spread"] = True``), so session sums are
right; the exact totals stay in ``attributes["model_stats"]``. There are no timestamps:
events are one second apart from 2000-01-01T00:00:00Z (``attributes["synthetic_ts"]``).
Labels: ``attributes["label"] = {"exit_status", "instance_id"}`` (the file stem).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.formats._common import (
    Clock,
    Json,
    as_dict,
    as_list,
    build_session,
    event,
    json_or_none,
    names,
    stable_id,
    text_of,
)
from api.formats.exit_status import append_ending
from rules import Session

_COMMANDS = names(
    "open goto scroll_up scroll_down create edit insert append find_file search_dir "
    "search_file submit str_replace_editor filemap set_cursors exit_forfeit view_image "
    "decompile disassemble debug_start debug_add_breakpoint debug_continue debug_step "
    "debug_exec debug_stop connect_start connect_sendline connect_exec connect_stop"
)
_VIEWERS = names("open goto scroll_up scroll_down find_file search_dir search_file filemap")
_FAILURES = (
    ("Your proposed edit has introduced new syntax error", "edit introduced a syntax error"),
    ("EXECUTION TIMED OUT", "command timed out"),
    ("Traceback (most recent call last):", "traceback"),
    ("command not found", "command not found"),
    ("No such file or directory", "no such file or directory"),
)


@dataclass(slots=True)
class _Step:
    thought: str
    action: str
    observation: str | None = None
    seconds: float | None = None
    state: Json = field(default_factory=dict)


def convert(doc: Any, *, name: str) -> list[Session]:
    """One session from a parsed ``.traj``; ``name`` is the file stem (the instance id)."""
    info = as_dict(doc.get("info"))
    history = as_list(doc.get("history"))
    stats = as_dict(info.get("model_stats"))
    clock = Clock()
    events, spread = _events(doc, history, stats, clock)
    result = append_ending(events, info, clock)
    system = next((m for m in history if as_dict(m).get("role") == "system"), None)
    rest = {k: v for k, v in info.items() if k not in ("exit_status", "model_stats", "submission")}
    return [
        build_session(
            session_id=stable_id("swe-agent", name, doc),
            source="swe-agent",
            events=events,
            clock=clock,
            end_reason=result.end_reason,
            attributes={
                "label": {"exit_status": info.get("exit_status"), "instance_id": name},
                "autosubmit_reason": result.autosubmit_reason,
                "model_stats": stats,
                "tokens_spread": spread or None,
                "submission": info.get("submission"),
                "info": rest,
                "environment": doc.get("environment"),
                "replay_config": doc.get("replay_config"),
                "system_prompt": text_of(system.get("content")) if system else None,
            },
        )
    ]


def _events(doc: Json, history: list[Any], stats: Json, clock: Clock) -> tuple[list[Json], bool]:
    """The task, then per step thought, llm_call and tool_call; True when tokens were spread."""
    events: list[Json] = []
    task = next((m for m in history if as_dict(m).get("role") == "user"), None)
    if task is not None:
        events.append(event("user_message", clock.tick(), text=text_of(task.get("content"))))
    steps = _steps(doc)
    calls = _llm_calls(stats, len(steps), _model_name(doc))
    tool_names = _tool_names(history)
    for index, step in enumerate(steps):
        if step.thought.strip():
            events.append(event("assistant_message", clock.tick(), text=step.thought))
        if calls:
            events.append(event("llm_call", clock.tick(), **calls[index]))
        events.append(_tool_call(step, tool_names, clock.tick()))
    return events, bool(calls)


def _steps(doc: Json) -> list[_Step]:
    trajectory = [s for s in as_list(doc.get("trajectory")) if isinstance(s, dict)]
    if not trajectory:
        return _steps_from_history(as_list(doc.get("history")))
    return [
        _Step(
            thought=str(s.get("thought") or ""),
            action=str(s.get("action") or ""),
            observation=s.get("observation") if isinstance(s.get("observation"), str) else None,
            seconds=_float(s.get("execution_time")),
            state=_state(s.get("state")),
        )
        for s in trajectory
    ]


def _steps_from_history(history: list[Any]) -> list[_Step]:
    steps: list[_Step] = []
    for message in map(as_dict, history):
        role = message.get("role")
        if role == "assistant" and "action" in message:
            thought = message.get("thought") or text_of(message.get("content"))
            steps.append(_Step(thought=str(thought), action=str(message["action"])))
        elif role in ("tool", "user") and steps and steps[-1].observation is None:
            steps[-1].observation = text_of(message.get("content"))
    return steps


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _state(value: Any) -> Json:
    return as_dict(json_or_none(value) if isinstance(value, str) else value)


def _tool_names(history: list[Any]) -> dict[str, str]:
    """Action text → the function name the model called (function-calling runs only)."""
    names: dict[str, str] = {}
    for message in map(as_dict, history):
        calls = as_list(message.get("tool_calls"))
        if message.get("role") == "assistant" and calls and "action" in message:
            name = as_dict(as_dict(calls[0]).get("function")).get("name")
            if isinstance(name, str):
                names[str(message["action"]).strip()] = name
    return names


def _words(action: str) -> list[str]:
    try:
        return shlex.split(action)
    except ValueError:
        return action.split()


def _tool_call(step: _Step, names: dict[str, str], ts: datetime) -> Json:
    action = step.action.strip()
    words = _words(action.splitlines()[0] if action else "")
    head = words[0] if words else ""
    tool = names.get(action) or (head if head in _COMMANDS else "bash")
    error = _failure(tool, step.observation)
    seconds = step.seconds
    return event(
        "tool_call",
        ts,
        tool=tool,
        args={"command": action},
        output=step.observation,
        ok=None if step.observation is None else error is None,
        error=error,
        duration_ms=seconds * 1000 if seconds is not None and seconds >= 0 else None,
        files=_files(head, words, step.state),
    )


def _failure(tool: str, observation: str | None) -> str | None:
    if observation is None or tool in _VIEWERS:
        return None
    return next((error for marker, error in _FAILURES if marker in observation), None)


def _files(head: str, words: list[str], state: Json) -> list[str] | None:
    if head in ("open", "create") and len(words) > 1:
        return [words[1]]
    if head == "str_replace_editor" and len(words) > 2:
        return [words[2]]
    open_file = state.get("open_file")
    if head in ("edit", "insert", "append") and isinstance(open_file, str) and open_file != "n/a":
        return [open_file]
    return None


def _model_name(doc: Json) -> str | None:
    config = doc.get("replay_config")
    config = json_or_none(config) if isinstance(config, str) else config
    name = as_dict(as_dict(as_dict(config).get("agent")).get("model")).get("name")
    return name if isinstance(name, str) else None


def _spread(total: Any, n: int) -> list[int | None]:
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        return [None] * n
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def _llm_calls(stats: Json, n: int, model: str | None) -> list[Json]:
    """One llm_call per step, the totals spread evenly; none when no model was called."""
    api_calls = stats.get("api_calls")
    if not n or not isinstance(api_calls, int) or api_calls <= 0:
        return []
    cost = stats.get("instance_cost")
    per_cost = cost / n if isinstance(cost, int | float) and cost >= 0 else None
    sent = _spread(stats.get("tokens_sent"), n)
    received = _spread(stats.get("tokens_received"), n)
    return [
        {
            "model": model,
            "ok": True,
            "input_tokens": sent[i],
            "output_tokens": received[i],
            "cost_usd": per_cost,
        }
        for i in range(n)
    ]
