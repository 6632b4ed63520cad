"""Loop and progress signals over the tool calls of a session.

Only ``tool_call`` events take part. A call's *signature* is its tool name plus its
arguments as canonical JSON, so ``{"a": 1, "b": 2}`` and ``{"b": 2, "a": 1}`` are the same
call. Everything here is one linear pass over the events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rules.model import Event
from rules.schemas import LoopSignals, LoopThresholds

_TOOL_CALL = "tool_call"
_MIN_OSCILLATION = 4
"""An alternation shorter than this (A B A) is ordinary back and forth, not a loop."""

# One encoder for all calls: ``json.dumps`` with options builds a new one every time.
_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical_args(args: Any) -> str:
    """Arguments as canonical JSON; ``repr`` for what JSON cannot sort or encode."""
    try:
        return _CANONICAL_JSON.encode(args)
    except (TypeError, ValueError):  # mixed key types, circular references
        return repr(args)


def tool_signature(event: Event) -> str:
    """The identity of a tool call: tool name and canonical arguments."""
    return f"{event.tool or ''}\x00{canonical_args(event.args)}"


def failure_text(event: Event) -> str:
    """The error a failed tool call reported: ``error``, else ``error_type``, else ``""``."""
    return event.error or event.error_type or ""


class _Tracker:
    """Running state of the loop pass; one ``add`` per tool call, in order."""

    __slots__ = (
        "best_oscillation",
        "best_streak",
        "files",
        "identical",
        "identical_failing",
        "oscillation",
        "prev",
        "prev2",
        "seen",
        "seen_failures",
        "streak",
        "tools",
    )

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.seen_failures: set[tuple[str, str]] = set()
        self.files: set[str] = set()
        self.tools: set[str] = set()
        self.identical = 0
        self.identical_failing = 0
        self.prev: str | None = None
        self.prev2: str | None = None
        self.streak = 0
        self.best_streak = 0
        self.oscillation = 0
        self.best_oscillation = 0

    def add(self, event: Event) -> None:
        signature = tool_signature(event)
        if signature in self.seen:
            self.identical += 1
        else:
            self.seen.add(signature)
        if event.failed:
            failure = (signature, failure_text(event))
            if failure in self.seen_failures:
                self.identical_failing += 1
            else:
                self.seen_failures.add(failure)
        if event.tool:
            self.tools.add(event.tool)
        if event.files:
            self.files.update(event.files)
        self._advance_runs(signature)

    def _advance_runs(self, signature: str) -> None:
        """Extend the identical streak and the A B A B run that end at this call."""
        prev = self.prev
        if signature == prev:
            self.streak += 1
            self.oscillation = 2
        else:
            self.streak = 1
            # An alternation grows when this call repeats the one two places back;
            # otherwise the longest alternation ending here is the last two calls.
            if signature == self.prev2:
                self.oscillation += 1
            else:
                self.oscillation = 1 if prev is None else 2
        self.best_streak = max(self.best_streak, self.streak)
        self.best_oscillation = max(self.best_oscillation, self.oscillation)
        self.prev2, self.prev = prev, signature

    def signals(self, thresholds: LoopThresholds) -> LoopSignals:
        oscillation = self.best_oscillation if self.best_oscillation >= _MIN_OSCILLATION else 0
        stuck = (
            self.best_streak >= thresholds.identical_streak
            or self.identical_failing >= thresholds.identical_failing
            or oscillation >= thresholds.oscillation
        )
        return LoopSignals(
            identical_tool_calls=self.identical,
            identical_failing_tool_calls=self.identical_failing,
            longest_identical_streak=self.best_streak,
            oscillation_run=oscillation,
            unique_files=len(self.files),
            unique_tools=len(self.tools),
            repeat_ratio=self.identical / len(self.seen) if self.seen else 0.0,
            stuck=stuck,
        )


def loop_signals(events: Sequence[Event], thresholds: LoopThresholds | None = None) -> LoopSignals:
    """Loop signals of the tool calls among ``events`` (taken in the order given).

    ``unique_tools`` counts distinct tool names; a call without a name adds none.
    """
    tracker = _Tracker()
    for event in events:
        if event.type == _TOOL_CALL:
            tracker.add(event)
    return tracker.signals(thresholds or LoopThresholds())
