"""Events as transcript lines: identical calls grouped, one drafting rule per event type.

A draft is a list of parts: our own text (``str``) and references (``int``) to client
text queued in a ``Batch``, which redacts and cuts it before the line is assembled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rules.loops import canonical_args, failure_text
from rules.model import KNOWN_EVENT_TYPES, Event, EventType

if TYPE_CHECKING:
    from judge._render import Batch

Draft = list[str | int]
_TOOL_CALL = EventType.TOOL_CALL.value
_LLM_CALL = EventType.LLM_CALL.value
_MUST_KEEP = frozenset(
    {
        EventType.USER_MESSAGE.value,
        EventType.ASSISTANT_MESSAGE.value,
        EventType.COMPLETION.value,
        EventType.ERROR.value,
        EventType.FEEDBACK.value,
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Characters of client text kept per kind of field at one level of shrinking."""

    message: int
    output: int
    failed_output: int
    error: int
    args: int
    name: int = 80
    header: int = 1 << 30


@dataclass(slots=True)
class Group:
    """An event, or a run of identical tool calls shown as its first one with a count."""

    index: int
    event: Event
    signature: tuple[str | None, str, bool, str] | None = None
    """Tool, canonical arguments, failed, error: what makes two tool calls identical."""
    repeats: int = 1
    absorbed: int = 0
    """Successful llm_calls between the calls of a run, folded into it."""

    @property
    def kind(self) -> str:
        return self.event.type if self.event.type in KNOWN_EVENT_TYPES else "other"

    @property
    def must_keep(self) -> bool:
        event = self.event
        return event.type in _MUST_KEEP or (event.type in (_TOOL_CALL, _LLM_CALL) and event.failed)


def group_events(events: Sequence[Event]) -> list[Group]:
    """Collapse runs of identical tool calls (same tool, arguments and outcome).

    Successful llm_calls between two calls of a run are the agent deciding to call again,
    so they do not break the run; anything else does.
    """
    groups: list[Group] = []
    run: Group | None = None
    held: list[Group] = []
    for index, event in enumerate(events):
        if event.type == _TOOL_CALL:
            signature = (event.tool, canonical_args(event.args), event.failed, failure_text(event))
            if run is not None and run.signature == signature:
                run.repeats += 1
                run.absorbed += len(held)
                held.clear()
                continue
            run = Group(index, event, signature)
            groups.extend(held)
            groups.append(run)
        elif event.type == _LLM_CALL and not event.failed and run is not None:
            held.append(Group(index, event))
            continue
        else:
            run = None
            groups.extend(held)
            groups.append(Group(index, event))
        held.clear()
    groups.extend(held)
    return groups


def draft(group: Group, batch: Batch) -> tuple[Draft, int | None]:
    """The line of ``group`` and the reference of its tool name, if it is a tool call."""
    event, prefix = group.event, f"[{group.index}] "
    if event.type == _TOOL_CALL:
        tool = batch.add(event.tool or "?", "name")
        return [prefix, *_tool_call(group, tool, batch)], tool
    drafter = _DRAFTERS.get(event.type, _other)
    return [prefix, *drafter(event, batch)], None


def _tool_call(group: Group, tool: int, batch: Batch) -> Draft:
    event = group.event
    parts: Draft = ["tool_call ", tool]
    if event.args is not None and group.signature is not None:
        parts += [" ", batch.add(group.signature[1], "args")]
    parts += _outcome(event, failure_text(event), batch)
    if group.repeats > 1:
        parts.append(f" ×{group.repeats}")
    if event.output:
        kind = "failed_output" if event.failed else "output"
        parts.append(batch.add(event.output, kind, label="\noutput: "))
    return parts


def _outcome(event: Event, error: str, batch: Batch) -> Draft:
    if not event.failed:
        return [" ok"]
    return [" failed: ", batch.add(error or "no error given", "error")]


def _llm_call(event: Event, batch: Batch) -> Draft:
    name = "/".join(part for part in (event.provider, event.model) if part) or "?"
    error = ": ".join(part for part in (event.error_type, event.error_message) if part)
    parts: Draft = ["llm_call ", batch.add(name, "name"), *_outcome(event, error, batch)]
    if event.latency_ms is not None:
        parts.append(f" {duration(event.latency_ms)}")
    return parts


def _text(label: str) -> Callable[[Event, Batch], Draft]:
    def drafter(event: Event, batch: Batch) -> Draft:
        return [f"{label}: ", batch.add(event.text or "", "message")]

    return drafter


def _error(event: Event, batch: Batch) -> Draft:
    text = ": ".join(part for part in (event.error_type, event.message) if part)
    return ["error: ", batch.add(text, "error")]


def _feedback(event: Event, batch: Batch) -> Draft:
    comment: Draft = [batch.add(event.comment, "message", label=": ")] if event.comment else []
    return [f"feedback {event.rating or 'without rating'}", *comment]


def _condensed(event: Event, batch: Batch) -> Draft:
    return [f"context_condensed {event.tokens_before}→{event.tokens_after} tokens"]


def _skill(event: Event, batch: Batch) -> Draft:
    return ["skill_chosen ", batch.add(event.skill or "?", "name")]


def _knowledge(event: Event, batch: Batch) -> Draft:
    size = f" {event.chars} chars" if event.chars is not None else ""
    return ["knowledge_used ", batch.add(event.name or "?", "name"), size]


def _other(event: Event, batch: Batch) -> Draft:
    payload = event.text or (canonical_args(event.attributes) if event.attributes else "")
    return [batch.add(event.type, "name"), " ", batch.add(payload, "args")]


_DRAFTERS: dict[str, Callable[[Event, Batch], Draft]] = {
    EventType.USER_MESSAGE.value: _text("user"),
    EventType.ASSISTANT_MESSAGE.value: _text("assistant"),
    EventType.COMPLETION.value: _text("completion"),
    _LLM_CALL: _llm_call,
    EventType.ERROR.value: _error,
    EventType.FEEDBACK.value: _feedback,
    EventType.CONTEXT_CONDENSED.value: _condensed,
    EventType.SKILL_CHOSEN.value: _skill,
    EventType.KNOWLEDGE_USED.value: _knowledge,
}


def duration(ms: float) -> str:
    """``850ms``, ``3.2s``, ``14m03s`` or ``2h05m``."""
    if ms < 1000:
        return f"{ms:.0f}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"
