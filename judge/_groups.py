"""Events grouped into transcript items: runs of identical calls, llm_calls left unlisted.

Successful llm_calls get no line of their own (the header sums them up): they sit
between every two steps of a coding agent and say only which model answered and how
fast. Each is counted on the item after it, so a summary of omitted events still counts
it. The session's last event always gets a line, whatever it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rules.loops import canonical_args, failure_text
from rules.model import KNOWN_EVENT_TYPES, Event, EventType

TOOL_CALL = EventType.TOOL_CALL.value
LLM_CALL = EventType.LLM_CALL.value
_MUST_KEEP = frozenset(
    {
        EventType.USER_MESSAGE.value,
        EventType.ASSISTANT_MESSAGE.value,
        EventType.COMPLETION.value,
        EventType.ERROR.value,
        EventType.FEEDBACK.value,
    }
)


@dataclass(slots=True)
class Group:
    """An event, or a run of identical tool calls shown as its first one with a count."""

    index: int
    event: Event
    signature: tuple[str | None, str, bool, str] | None = None
    """Tool, canonical arguments, failed, error: what makes two tool calls identical."""
    repeats: int = 1
    absorbed: int = 0
    """Successful llm_calls shown by no line, counted here: those before the group's
    first event and those between the calls of a run."""

    @property
    def kind(self) -> str:
        return self.event.type if self.event.type in KNOWN_EVENT_TYPES else "other"

    @property
    def must_keep(self) -> bool:
        event = self.event
        return event.type in _MUST_KEEP or (event.type in (TOOL_CALL, LLM_CALL) and event.failed)


def hidden(event: Event) -> bool:
    """Whether the event gets no line unless it is the last: a successful llm_call."""
    return event.type == LLM_CALL and not event.failed


def group_events(events: Sequence[Event]) -> list[Group]:
    """Collapse runs of identical tool calls (same tool, arguments and outcome).

    Hidden llm_calls do not break a run: between two calls they are the agent deciding
    to call again. Anything shown does.
    """
    groups: list[Group] = []
    run: Group | None = None
    pending = 0
    last = len(events) - 1
    for index, event in enumerate(events):
        if hidden(event) and index != last:
            pending += 1
            continue
        if event.type == TOOL_CALL:
            signature = (event.tool, canonical_args(event.args), event.failed, failure_text(event))
            if run is not None and run.signature == signature:
                run.repeats += 1
                run.absorbed += pending
                pending = 0
                continue
            run = Group(index, event, signature, absorbed=pending)
            groups.append(run)
        else:
            run = None
            groups.append(Group(index, event, absorbed=pending))
        pending = 0
    return groups
