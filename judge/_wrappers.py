"""Lines that wrap most of a session's tool outputs, stated once instead of every time.

mini-swe-agent puts ``<returncode>0</returncode>`` and ``<output>`` before every output
and ``</output>`` after it; OpenHands ends its outputs with the working directory. Such a
line says nothing the call line does not, yet fills the head or tail an output is cut to.
A wrapper is a tag or a bracketed note (``<output>``, ``[Jupyter current working
directory: /workspace]``) among the first or last two lines of at least half of a
session's outputs (and of at least four): it is removed from the edges of every output,
and the header lists it. Content is never taken for a wrapper, however often it recurs:
outputs that all start with the same lines of the same file keep them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_EDGE = 2
_MIN_OUTPUTS = 4
_MAX_CHARS = 200
_MARKUP = re.compile(r"\s*(?:<[^<>]*>(?:[^<>]*</[^<>]*>)?|\[[^\[\]]*\]|\([^()]*\))\s*")
"""A tag (``<output>``, ``<returncode>0</returncode>``) or a note in brackets or parentheses."""


def wrappers(outputs: Iterable[str]) -> tuple[str, ...]:
    """The lines that wrap at least half of ``outputs``, most frequent first."""
    seen: Counter[str] = Counter()
    total = 0
    for output in outputs:
        head, _, tail = _edges(output)
        seen.update({line for line in (*head, *tail) if _MARKUP.fullmatch(line)})
        total += 1
    if total < _MIN_OUTPUTS:
        return ()
    return tuple(
        line
        for line, n in seen.most_common()
        if n >= max(_MIN_OUTPUTS, total / 2) and len(line) <= _MAX_CHARS
    )


def unwrap(output: str, lines: frozenset[str]) -> str:
    """``output`` without the wrapper ``lines`` among its first and last two lines."""
    if not lines:
        return output
    head, body, tail = _edges(output)
    kept = [line for line in head if line not in lines]
    kept += body
    kept += [line for line in tail if line not in lines]
    return "\n".join(kept).strip()


def _edges(output: str) -> tuple[list[str], list[str], list[str]]:
    """The first two lines, the lines between, the last two (none twice).

    Splits only near the ends, so a long output costs no more than a short one.
    """
    parts = output.split("\n", _EDGE)
    head = parts[:_EDGE]
    if len(parts) <= _EDGE:
        return head, [], []
    rest = parts[_EDGE].rsplit("\n", _EDGE)
    if len(rest) <= _EDGE:
        return head, [], rest
    return head, [rest[0]], rest[1:]
