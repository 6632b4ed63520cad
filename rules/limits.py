"""Size limits applied to a parsed submission before validation.

Long strings are truncated with a marker (never rejected); NUL characters, which no
database stores in text, become U+FFFD; nesting deeper than the limit is refused with the
path of the offending field, so the client knows what to fix.
"""

from __future__ import annotations

from typing import Any

TRUNCATION_MARKER = "…[truncated {n} chars]"


class NestingTooDeep(ValueError):
    def __init__(self, path: tuple[str | int, ...], limit: int) -> None:
        super().__init__(f"nesting deeper than {limit} levels")
        self.path = path
        self.limit = limit


def truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[:max_chars] + TRUNCATION_MARKER.format(n=len(text) - max_chars)


def _clean(text: str, max_chars: int) -> str:
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return truncate(text, max_chars) if len(text) > max_chars else text


def enforce_limits(
    doc: Any, *, max_chars: int, max_depth: int, path: tuple[str | int, ...] = ()
) -> Any:
    """Return ``doc`` with every string cut to ``max_chars``; raise past ``max_depth``."""
    if isinstance(doc, str):
        return _clean(doc, max_chars)
    if len(path) > max_depth:
        raise NestingTooDeep(path, max_depth)
    if isinstance(doc, dict):
        return {
            _clean(k, max_chars): enforce_limits(
                v, max_chars=max_chars, max_depth=max_depth, path=(*path, k)
            )
            for k, v in doc.items()
        }
    if isinstance(doc, list):
        return [
            enforce_limits(v, max_chars=max_chars, max_depth=max_depth, path=(*path, i))
            for i, v in enumerate(doc)
        ]
    return doc
