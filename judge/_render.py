"""Transcript items: client text redacted once, then cut to each level's limits.

Client text is queued in a ``Batch`` as windows a margin wider than the widest level
keeps of it, so a later cut never halves a secret into pieces too short to be recognised.
All windows are cleaned together, with one ``redact`` call on a joined text, because
per-field calls would cost more than the rest of the rendering; each level then only
cuts the cleaned windows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from judge._events import Draft, Group, Limits, draft, group_events
from judge._header import header
from rules.model import Session
from rules.schemas import SessionMetrics

_MARGIN = 128
"""Characters cleaned beyond a cut, more than any secret pattern needs to match."""
_ALIGN = 4096
"""How far a tail window reaches back for whitespace, so that it starts no secret halfway."""
_SEPARATOR = "\n\x00\n"
_SHORT_CHARS = 200
_SUMMARY_TOOLS = 4


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


@dataclass(frozen=True, slots=True)
class _Field:
    first: int
    windows: int
    kind: str
    length: int
    label: str


class Batch:
    """Client text of every line: queued, cleaned in a single pass, cut per level."""

    def __init__(self, widest: Limits) -> None:
        self._widest = widest
        self._windows: list[str] = []
        self._fields: list[_Field] = []

    def add(self, text: str, kind: str, label: str = "") -> int:
        """Queue ``text``, a field of ``kind`` (a ``Limits`` name); returns its reference.

        ``label`` goes before the text, and goes with it when a level keeps none of it.
        """
        text = text.replace("\x00", "\ufffd")
        keep = getattr(self._widest, kind)
        if len(text) <= keep + 2 * _MARGIN:
            windows = [text]
        else:
            tail = _run_start(text, len(text) - (keep - keep // 2 + _MARGIN))
            windows = [text[: keep // 2 + _MARGIN], text[tail:]]
        self._fields.append(_Field(len(self._windows), len(windows), kind, len(text), label))
        self._windows.extend(windows)
        return len(self._fields) - 1

    def clean(self, clean: Callable[[str], str]) -> None:
        cleaned = clean(_SEPARATOR.join(self._windows)).split(_SEPARATOR)
        if len(cleaned) != len(self._windows):  # a rule spanned a separator: one by one
            cleaned = [clean(window) for window in self._windows]
        self._windows = cleaned

    def values(self, limits: Limits) -> list[str]:
        """Every field cut to the limits of one level, in the order they were added."""
        return [self._value(field, getattr(limits, field.kind)) for field in self._fields]

    def _value(self, field: _Field, limit: int) -> str:
        if limit <= 0:
            return ""
        head = self._windows[field.first]
        if field.windows == 2:
            text = _cut(head, self._windows[field.first + 1], limit, field.length - limit)
        elif len(head) > limit:
            text = _cut(head, head, limit, len(head) - limit)
        else:
            text = head
        return field.label + text


def _run_start(text: str, at: int) -> int:
    """Where the whitespace-free run through ``at`` starts, if that is near enough.

    Secrets are such runs: a window starting inside one would show its end without the
    prefix (``sk-``, ``eyJ``) that gives it away.
    """
    low = max(0, at - _ALIGN)
    space = max(text.rfind(" ", low, at), text.rfind("\n", low, at), text.rfind("\t", low, at))
    return at if space < 0 else space + 1


def _cut(head: str, tail: str, limit: int, gone: int) -> str:
    half = limit // 2
    return f"{head[:half]}…[{gone:,} chars cut]…{tail[len(tail) - (limit - half) :]}"


class Prepared:
    """A session grouped, drafted and cleaned once; ``items`` renders it at any level."""

    def __init__(
        self, session: Session, metrics: SessionMetrics, widest: Limits, clean: Callable[[str], str]
    ) -> None:
        self._groups = group_events(session.events)
        self._batch = Batch(widest)
        self._header = self._batch.add(header(session, metrics), "header")
        self._drafts = [draft(group, self._batch) for group in self._groups]
        self._batch.clean(clean)

    def items(self, limits: Limits) -> tuple[str, list[Item]]:
        values = self._batch.values(limits)
        pairs = zip(self._groups, self._drafts, strict=True)
        return values[self._header], [_item(g, d, tool, values) for g, (d, tool) in pairs]


def _item(group: Group, parts: Draft, tool: int | None, values: list[str]) -> Item:
    text = "".join(p if isinstance(p, str) else values[p] for p in parts).replace("\n", "\n  ")
    return Item(
        index=group.index,
        must_keep=group.must_keep,
        text=text,
        kind=group.kind,
        tool=None if tool is None else values[tool],
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
