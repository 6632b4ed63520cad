"""What the offline judge reads from the events themselves, beyond the rules' metrics.

Three signals, each chosen because it says something about helpfulness in any agent
session, not because it fitted one labelled data set (see ``bench/offline_judge.py``):

- *effort*: the agent's actions (tool calls and assistant messages). Sessions that take
  many more actions than usual are more often ones where the agent struggled;
- *failures at the end*: the share of failed calls among the last tool calls, i.e. the
  agent stopped while its tools were still failing;
- *verified at the end*: a coding agent's last test run passed and nothing failed after
  it. Only test runners are recognised (pytest, ``npm test``, ``go test``, …), so this is
  silent for agents that do not run tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rules.model import Event, EventType

_TAIL_CALLS = 5
"""Tool calls that count as "the end" for failures."""
_VERIFY_WINDOW = 8
"""Tool calls at the end searched for the last test run."""
_TEST_RUNNER = re.compile(
    r"\b(pytest|py\.test|unittest|runtests(\.py)?|tox|nox|jest|vitest|mocha|rspec|phpunit"
    r"|go test|cargo test|(npm|yarn|pnpm)( run)? test|make test|bin/test|gradle test"
    r"|mvn test|ctest|dotnet test)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SessionSignals:
    actions: int
    """Tool calls and assistant messages."""
    tail_failure_share: float
    """Failed share of the last few tool calls; 0.0 without tool calls."""
    verified_at_end: bool
    """The last test run near the end passed, and no tool call failed after it."""


def read_signals(events: Sequence[Event]) -> SessionSignals:
    tools = [e for e in events if e.type == EventType.TOOL_CALL]
    messages = sum(1 for e in events if e.type == EventType.ASSISTANT_MESSAGE)
    tail = tools[-_TAIL_CALLS:]
    share = sum(call.failed for call in tail) / len(tail) if tail else 0.0
    return SessionSignals(len(tools) + messages, share, _verified_at_end(tools))


def _verified_at_end(tools: Sequence[Event]) -> bool:
    window = tools[-_VERIFY_WINDOW:]
    for i in range(len(window) - 1, -1, -1):
        if _TEST_RUNNER.search(str(window[i].args or "")):
            return not any(call.failed for call in window[i:])
    return False
