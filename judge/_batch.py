"""Client text queued, redacted once, then cut to each level's limits.

Client text is queued as windows a margin wider than the widest level keeps of it, so a
later cut never halves a secret into pieces too short to be recognised. All windows are
cleaned together, with one ``redact`` call on a joined text, because per-field calls
would cost more than the rest of the rendering; each level then only cuts the cleaned
windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

_MARGIN = 128
"""Characters cleaned beyond a cut, more than any secret pattern needs to match."""
_ALIGN = 4096
"""How far a tail window reaches back for whitespace, so that it starts no secret halfway."""
_SEPARATOR = "\n\x00\n"
_MIN_CUT = 40
"""A text this little over its limit is kept whole: the cut marker would cost as much."""


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

    def value(self, ref: int, limits: Limits) -> str:
        """The field ``ref`` cut to ``limits``, its label before it."""
        field = self._fields[ref]
        limit = getattr(limits, field.kind)
        if limit <= 0:
            return ""
        head = self._windows[field.first]
        if field.windows == 2:
            text = _cut(head, self._windows[field.first + 1], limit, field.length - limit)
        elif len(head) > limit + _MIN_CUT:
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
    return f"{head[:half]}…[{gone} chars cut]…{tail[len(tail) - (limit - half) :]}"
