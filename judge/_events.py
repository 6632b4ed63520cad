"""Transcript lines of event groups: one drafting rule per event type.

A draft is a list of parts: our own text (``str``) and references (``int``) to client
text queued in a ``Batch``, which redacts and cuts it before the line is assembled.

A call reads ``[12] call TOOL ARGS`` with `` FAILED: error`` and `` ×N`` where so, and
its output on the next line after ``→``; messages read ``[3] user: text``. Arguments
lose JSON's quoting (``judge._compact``), outputs lose the wrappers the session puts
around all of them (``judge._wrappers``), and a long text that another event shows
already becomes ``(same as [j])`` (``judge._dedupe``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from judge._batch import Batch
from judge._compact import compact_args
from judge._groups import LLM_CALL, TOOL_CALL, Group
from judge._wrappers import unwrap
from rules.loops import failure_text
from rules.model import Event, EventType

Draft = list[str | int]
Drafter = Callable[[Event, Batch, int | None], Draft]
_MESSAGES = frozenset(
    {
        EventType.USER_MESSAGE.value,
        EventType.ASSISTANT_MESSAGE.value,
        EventType.COMPLETION.value,
    }
)
_EDGE_CHARS = 60
"""Characters of a failed output's head and tail that survive the tightest level's cut."""
FAILED = "FAILED"
OUTPUT = "\n→ "


@dataclass(frozen=True, slots=True)
class Context:
    """What drafting one event needs to know of the others."""

    same: dict[int, int]
    """Event index → index of an event that shows the same long text."""
    wrappers: frozenset[str]
    """Lines removed from the edges of every output (see ``judge._wrappers``)."""


def shown_text(event: Event) -> str:
    """The long text of an event, the one ``same`` can stand for: a message or an output."""
    if event.type == TOOL_CALL:
        return (event.output or "").strip()
    return (event.text or "").strip() if event.type in _MESSAGES else ""


def draft(group: Group, batch: Batch, context: Context) -> tuple[Draft, int | None]:
    """The line of ``group`` and the reference of its tool name, if it is a tool call."""
    event, prefix = group.event, f"[{group.index}] "
    same = context.same.get(group.index)
    if event.type == TOOL_CALL:
        tool = batch.add(event.tool or "?", "name")
        return [prefix, *_tool_call(group, tool, batch, same, context.wrappers)], tool
    drafter = _DRAFTERS.get(event.type, _other)
    return [prefix, *drafter(event, batch, same)], None


def _tool_call(
    group: Group, tool: int, batch: Batch, same: int | None, wrappers: frozenset[str]
) -> Draft:
    """``call TOOL ARGS``, `` FAILED: error`` and `` ×N`` if so, then ``→ output``.

    An error that the output repeats where no cut can hide it is shown once, in the output.
    """
    event = group.event
    parts: Draft = ["call ", tool]
    if event.args is not None and event.args != {}:
        parts += [" ", batch.add(compact_args(event.args), "args")]
    output = shown_text(event)
    error = failure_text(event).strip()
    if event.failed and (not error or _repeats(output, error)):
        parts.append(f" {FAILED}")
    elif event.failed:
        parts += [f" {FAILED}: ", batch.add(error, "error")]
        output = "" if output in error else output
    if group.repeats > 1:
        parts.append(f" ×{group.repeats}")
    if output and same is not None:
        parts.append(f"{OUTPUT}{_same(same)}")
    elif output := unwrap(output, wrappers):
        kind = "failed_output" if event.failed else "output"
        parts.append(batch.add(output, kind, label=OUTPUT))
    return parts


def _repeats(output: str, error: str) -> bool:
    """Whether ``output`` shows ``error`` in full at any level: is it, or starts or ends with
    it, and the error is shorter than the head or tail of the tightest cut."""
    if output == error:
        return True
    return len(error) <= _EDGE_CHARS and (output.startswith(error) or output.endswith(error))


def _same(index: int) -> str:
    return f"(same as [{index}])"


def _llm_call(event: Event, batch: Batch, same: int | None) -> Draft:
    name = "/".join(part for part in (event.provider, event.model) if part) or "?"
    error = ": ".join(part for part in (event.error_type, event.error_message) if part)
    parts: Draft = ["llm_call ", batch.add(name, "name")]
    if event.failed:
        parts += [f" {FAILED}: ", batch.add(error or "no error given", "error")]
    if event.latency_ms is not None:
        parts.append(f" {duration(event.latency_ms)}")
    return parts


def _text(label: str) -> Drafter:
    def drafter(event: Event, batch: Batch, same: int | None) -> Draft:
        if same is not None:
            return [f"{label}: {_same(same)}"]
        return [f"{label}: ", batch.add(shown_text(event), "message")]

    return drafter


def _error(event: Event, batch: Batch, same: int | None) -> Draft:
    text = ": ".join(part for part in (event.error_type, event.message) if part)
    return ["error: ", batch.add(text, "error")]


def _feedback(event: Event, batch: Batch, same: int | None) -> Draft:
    comment: Draft = [batch.add(event.comment, "message", label=": ")] if event.comment else []
    return [f"feedback {event.rating or 'without rating'}", *comment]


def _condensed(event: Event, batch: Batch, same: int | None) -> Draft:
    return [f"context_condensed {event.tokens_before}→{event.tokens_after} tokens"]


def _skill(event: Event, batch: Batch, same: int | None) -> Draft:
    return ["skill_chosen ", batch.add(event.skill or "?", "name")]


def _knowledge(event: Event, batch: Batch, same: int | None) -> Draft:
    size = f" {event.chars} chars" if event.chars is not None else ""
    return ["knowledge_used ", batch.add(event.name or "?", "name"), size]


def _other(event: Event, batch: Batch, same: int | None) -> Draft:
    payload = event.text or (compact_args(event.attributes) if event.attributes else "")
    return [batch.add(event.type, "name"), " ", batch.add(payload, "args")]


_DRAFTERS: dict[str, Drafter] = {
    EventType.USER_MESSAGE.value: _text("user"),
    EventType.ASSISTANT_MESSAGE.value: _text("assistant"),
    EventType.COMPLETION.value: _text("completion"),
    LLM_CALL: _llm_call,
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
