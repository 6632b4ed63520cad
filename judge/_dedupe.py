"""Client text repeated verbatim across events: shown once, referred to elsewhere.

Agents repeat themselves (the same apology twice, the same file read twice), and some
report a result twice (the diff a submit command printed is also the completion). A long
text seen before is shown as ``(same as [12])``.
"""

from __future__ import annotations

from collections.abc import Sequence

from judge._events import shown_text
from judge._groups import Group

_MIN_CHARS = 64
"""Shorter texts cost about as much as the reference that would replace them."""


def repeated(groups: Sequence[Group]) -> dict[int, int]:
    """For each event whose long text another event shows, the index of that event.

    The text is shown at its first must-keep occurrence (the completion rather than the
    tool output before it that it repeats), else at its first.
    """
    owners: dict[str, tuple[int, bool]] = {}
    texts: list[tuple[int, str]] = []
    for group in groups:
        text = shown_text(group.event)
        if len(text) < _MIN_CHARS:
            continue
        owner = owners.get(text)
        if owner is None or (group.must_keep and not owner[1]):
            owners[text] = (group.index, group.must_keep)
        texts.append((group.index, text))
    return {index: owners[text][0] for index, text in texts if owners[text][0] != index}
