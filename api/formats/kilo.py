"""Kilo Code / Roo Code / Cline task history (a task folder) → a canonical session.

A task folder holds ``ui_messages.json`` (``ClineMessage[]``: ``{ts (epoch ms), type:
"ask"|"say", ask, say, text, …}``), optionally ``api_conversation_history.json`` (tool
arguments and results, see :mod:`api.formats.kilo_tools`) and ``task_metadata.json``
(Cline: ``model_usage`` gives provider, model and mode over time; ``gateway`` is true
for the vendors' own providers, ``kilocode`` and ``cline``). Kilo and Roo open a task with
``say: "text"`` carrying the task, Cline with ``say: "task"``; either first message →
user_message. Then, by ``say``/``ask``:

- ``text`` → assistant_message; ``reasoning`` → a ``reasoning`` event (unknown type);
  ``user_feedback``, ``user_feedback_diff`` → user_message; ``followup`` → assistant_message
  (the question);
- ``api_req_started`` → llm_call (tokensIn/Out, cacheReads, cost; ``streamingFailedMessage``
  or a ``cancelReason`` other than ``user_cancelled`` → failed, error_type = the reason; a
  user's cancel is kept in the call's attributes, not counted as an API failure);
  ``api_req_failed``, ``error_retry``, ``api_req_retry_delayed`` → the call failed (error
  type from its message) plus an ``error`` event of that name; a retry after it is a new
  llm_call attempt, which takes the token counts;
- ``tool`` (JSON with the UI tool name and path), ``command``, ``use_mcp_server``,
  ``browser_action_launch``, ``browser_action`` → tool_call, ``diff_error`` → a failed
  ``apply_diff`` call (see :mod:`api.formats.kilo_tools`); ``command_output``,
  ``mcp_server_response``, ``browser_action_result``, ``codebase_search_result``,
  ``subtask_result`` → output of the latest tool call;
- ``error``, ``condense_context_error``, ``rooignore_error``, ``clineignore_error``,
  ``mistake_limit_reached``, ``payment_required_prompt``, ``invalid_model`` → error events
  of that type (``error`` refined: a missing tool parameter is ``invalid_model_output``);
- ``condense_context`` / ``sliding_window_truncation`` → context_condensed;
- ``completion_result`` → completion;
- anything else → counted in ``attributes["unmapped"]``.

Ending, from the last message that says something (resume asks and checkpoints skipped):
a completion → ``completed``; an unanswered failure ask (api_req_failed,
mistake_limit_reached, …) → ``error``; ``auto_approval_max_req_reached`` → ``timeout``;
else a trailing ``resume_task`` / ``resume_completed_task`` or a user-cancelled request →
``user_closed``; else unknown.
"""

from __future__ import annotations

from typing import Any

from api.formats._common import Json, as_dict, as_list, build_session, json_or_none
from api.formats.kilo_messages import ERROR_ASKS, SILENT, MessageReader, kind_of
from api.formats.kilo_tools import ToolCalls
from rules import EndReason, Session

SOURCES = {"kilo": "kilocode", "roo": "roo-code", "cline": "cline"}


def convert(
    ui_messages: list[Any],
    api_history: list[Any] | None = None,
    *,
    task_id: str,
    source: str = "kilocode",
    metadata: Json | None = None,
) -> list[Session]:
    """One session from a task folder's parsed files; ``task_id`` is the folder name."""
    messages = [as_dict(m) for m in ui_messages]
    usage = as_list(as_dict(metadata).get("model_usage"))
    task = MessageReader(ToolCalls(api_history), usage)
    for index, message in enumerate(messages):
        task.add(message, first=index == 0)
    return [
        build_session(
            session_id=task_id,
            source=source,
            mode=as_dict(usage[-1]).get("mode") if usage else None,
            events=task.events,
            clock=task.clock,
            end_reason=_ending(messages),
            attributes={"unmapped": task.unmapped, "task_metadata": metadata},
        )
    ]


def _ending(messages: list[Json]) -> EndReason | None:
    """How the task ended, from its last messages (see the module doc)."""
    kinds = [kind_of(m) for m in messages]
    last = next((i for i in reversed(range(len(kinds))) if kinds[i] not in SILENT), None)
    final = kinds[last] if last is not None else None
    if final == "completion_result":
        return "completed"
    if final in ERROR_ASKS:
        return "error"
    if final == "auto_approval_max_req_reached":
        return "timeout"
    if kinds and kinds[-1] in ("resume_task", "resume_completed_task"):
        return "user_closed"
    if final == "api_req_started" and last is not None:
        request = as_dict(json_or_none(messages[last].get("text")))
        return "user_closed" if request.get("cancelReason") == "user_cancelled" else None
    return None
