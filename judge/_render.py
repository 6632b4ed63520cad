"""Transcript items: a session grouped, drafted and cleaned once, then rendered per level.

Events that frame the session (its first and last few lines, and everything the user
said) are cut to a level's ``ends`` limits; the events in between to its tighter
``middle`` limits: the judge reads what was asked and how it ended most closely.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from judge._batch import Batch, Limits
from judge._dedupe import repeated
from judge._events import Context, Draft, draft, shown_text
from judge._groups import Group, group_events
from judge._header import header
from judge._wrappers import wrappers
from rules.model import EventType, Session
from rules.schemas import SessionMetrics

_SHORT_CHARS = 200
_SUMMARY_TOOLS = 4
_FIRST, _LAST = 1, 4
"""How many lines at the start and at the end of a session frame it."""
_FROM_USER = frozenset({EventType.USER_MESSAGE.value, EventType.FEEDBACK.value})


@dataclass(frozen=True, slots=True)
class Level:
    """Limits for the events that frame the session and for those in its middle."""

    ends: Limits
    middle: Limits


@dataclass(frozen=True, slots=True)
class Item:
    """One numbered line (or block) of the transcript and the events it stands for."""

    index: int
    must_keep: bool
    text: str
    kind: str
    tool: str | None
    repeats: int
    absorbed: int


class Prepared:
    """A session grouped, drafted and cleaned once; ``items`` renders it at any level."""

    def __init__(
        self, session: Session, metrics: SessionMetrics, widest: Limits, clean: Callable[[str], str]
    ) -> None:
        self._groups = group_events(session.events)
        calls = [g.event for g in self._groups if g.event.type == EventType.TOOL_CALL]
        wrapping = wrappers(text for event in calls if (text := shown_text(event)))
        self._batch = Batch(widest)
        self._header = self._batch.add(header(session, metrics, wrapping), "header")
        context = Context(repeated(self._groups), frozenset(wrapping))
        self._drafts = [draft(group, self._batch, context) for group in self._groups]
        self._batch.clean(clean)
        last = len(self._groups) - _LAST
        self._framing = [
            k < _FIRST or k >= last or group.event.type in _FROM_USER
            for k, group in enumerate(self._groups)
        ]

    def items(self, level: Level) -> tuple[str, list[Item]]:
        items = [
            self._item(group, parts, tool, level.ends if framing else level.middle)
            for group, (parts, tool), framing in zip(
                self._groups, self._drafts, self._framing, strict=True
            )
        ]
        return self._batch.value(self._header, level.ends), items

    def _item(self, group: Group, parts: Draft, tool: int | None, limits: Limits) -> Item:
        """The item's text, its lines after the first indented by a space.

        So only our own lines start with ``[12]`` (text cannot pose as an event), and the
        review page can tell where an event ends. One space costs almost no tokens: it
        merges into the word after it.
        """
        value = self._batch.value
        text = "".join(p if isinstance(p, str) else value(p, limits) for p in parts)
        return Item(
            index=group.index,
            must_keep=group.must_keep,
            text=text.replace("\n", "\n "),
            kind=group.kind,
            tool=None if tool is None else value(tool, limits),
            repeats=group.repeats,
            absorbed=group.absorbed,
        )


def one_line(item: Item) -> str:
    """The head of an item on one line, for must-keep events the budget cannot afford."""
    short = " ".join(item.text[: 2 * _SHORT_CHARS].split())
    if len(short) > _SHORT_CHARS or len(item.text) > 2 * _SHORT_CHARS:
        return short[:_SHORT_CHARS] + "…"
    return short


def summary(gap: Sequence[Item]) -> str:
    """One line counting the events of omitted items, by type and, for calls, by tool."""
    kinds: Counter[str] = Counter()
    tools: Counter[str] = Counter()
    for item in gap:
        kinds[item.kind] += item.repeats
        kinds["llm_call"] += item.absorbed
        if item.tool is not None:
            tools[item.tool] += item.repeats
    parts = []
    for kind, n in kinds.most_common():
        if n and kind == "tool_call":
            more = ", …" if len(tools) > _SUMMARY_TOOLS else ""
            top = ", ".join(f"{t} {c}" for t, c in tools.most_common(_SUMMARY_TOOLS))
            parts.append(f"{n} {kind} ({top}{more})")
        elif n:
            parts.append(f"{n} {kind}")
    return f"… {sum(kinds.values())} events omitted: {', '.join(parts)} …"
