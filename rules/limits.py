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


def enforce_limits(doc: Any, *, max_chars: int, max_depth: int) -> Any:
    """Cut every string of freshly parsed JSON to ``max_chars`` (in place); raise past
    ``max_depth`` levels of nesting, naming the path."""
    if isinstance(doc, str):
        return _clean(doc, max_chars)
    if not _walk(doc, max_chars, max_depth):
        raise NestingTooDeep(_deepest_path(doc, max_depth), max_depth)
    return doc


def _walk(node: Any, max_chars: int, depth_left: int) -> bool:
    """Fix strings below ``node``; False when nesting runs deeper than allowed."""
    if depth_left < 0:
        return False
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                if len(value) > max_chars or "\x00" in value:
                    node[key] = _clean(value, max_chars)
            elif isinstance(value, dict | list) and not _walk(value, max_chars, depth_left - 1):
                return False
        if any(len(k) > max_chars or "\x00" in k for k in node):
            cleaned = {_clean(k, max_chars): v for k, v in node.items()}
            node.clear()
            node.update(cleaned)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str):
                if len(value) > max_chars or "\x00" in value:
                    node[index] = _clean(value, max_chars)
            elif isinstance(value, dict | list) and not _walk(value, max_chars, depth_left - 1):
                return False
    return True


def _deepest_path(node: Any, max_depth: int) -> tuple[str | int, ...]:
    """The path to the first place nesting passes ``max_depth`` (only on the error path)."""
    path: list[str | int] = []
    while len(path) <= max_depth:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        child = next(
            (
                (k, v)
                for k, v in items
                if isinstance(v, dict | list) and _too_deep(v, max_depth - len(path) - 1)
            ),
            None,
        )
        if child is None:
            break
        path.append(child[0])
        node = child[1]
    return tuple(path)


def _too_deep(node: Any, depth_left: int) -> bool:
    if depth_left < 0:
        return True
    children = node.values() if isinstance(node, dict) else node
    return any(isinstance(c, dict | list) and _too_deep(c, depth_left - 1) for c in children)
