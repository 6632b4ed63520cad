"""How SWE-agent and mini-swe-agent exit statuses map to the canonical ending.

As documented in shared/data/README.md:

- ``submitted`` / ``Submitted`` → a completion event and end reason ``completed``;
  ``submitted (<reason>)`` is an autosubmit after the named failure: the same, plus the
  reason in ``attributes["autosubmit_reason"]``;
- ``exit_cost``, ``exit_context``, ``exit_total_execution_time``,
  ``exit_command_timeout``, ``LimitsExceeded`` → end reason ``timeout``;
- ``exit_forfeit`` → end reason ``user_closed``;
- ``exit_api``, ``exit_environment_error``, ``exit_error``, ``exit_format``, any other
  ``exit_*`` and exception names (mini-swe-agent) → an ``error`` event whose type is the
  status, and end reason ``error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from api.formats._common import Clock, Json, event
from rules import EndReason

_TIMEOUTS = frozenset(
    {
        "exit_cost",
        "exit_context",
        "exit_total_execution_time",
        "exit_command_timeout",
        "LimitsExceeded",
    }
)
_AUTOSUBMIT = re.compile(r"submitted\s*\((?P<reason>[^)]*)\)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Outcome:
    end_reason: EndReason | None
    completed: bool = False
    error_type: str | None = None
    autosubmit_reason: str | None = None


def outcome(status: object) -> Outcome:
    """The canonical ending for an exit status (None or empty: unknown)."""
    if not isinstance(status, str) or not status.strip():
        return Outcome(None)
    status = status.strip()
    autosubmit = _AUTOSUBMIT.fullmatch(status)
    if autosubmit:
        return Outcome("completed", completed=True, autosubmit_reason=autosubmit["reason"])
    if status.lower() == "submitted":
        return Outcome("completed", completed=True)
    if status in _TIMEOUTS:
        return Outcome("timeout")
    if status == "exit_forfeit":
        return Outcome("user_closed")
    return Outcome("error", error_type=status)


def append_ending(events: list[Json], info: dict[str, Any], clock: Clock) -> Outcome:
    """Add the events an exit status implies (a completion, or an error) and answer it."""
    result = outcome(info.get("exit_status"))
    if result.completed:
        events.append(event("completion", clock.tick(), text=info.get("submission") or None))
    if result.error_type:
        events.append(event("error", clock.tick(), error_type=result.error_type))
    return result
