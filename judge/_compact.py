"""Tool arguments without JSON's quoting noise, in a form ``redact`` still reads.

``{"command": "ls -R src"}`` becomes ``ls -R src``; ``{"origin": "JFK", "date":
"2024-05-20"}`` becomes ``origin=JFK, date=2024-05-20``; nested values keep their braces
(``flights=[{ date=2024-05-20, flight=HAT136}]``). Keys keep the client's order.

Strings are shown bare where nothing can be misread: a lone argument's value as it is,
newlines included, and other strings when they hold no separator or quote. Anything else
is JSON-quoted. Four rules keep ``redact``'s setting rules working: keys appear as
``key=value`` (``"key": "value"`` where the key is not a plain name); a brace is followed
by a space, so that ``outer={ token=...`` does not hide the inner key inside the outer
value; a lone argument loses its key only when the key is a plain name that ``redact``
does not treat as a secret's; and a secret's value is always JSON-quoted, so it is
masked whole.

Hand-written rather than PyYAML's flow style: this runs for every call of every session
and must cost microseconds, and YAML would fold, quote and escape differently from what
the redaction rules expect. Outputs are left as the tool printed them: rewriting JSON
outputs the same way saved 600 of 221,000 transcript tokens on the tau-bench chats
(outputs are cut to a head and tail anyway) for a quarter of a millisecond per session.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from judge.redact import redact

_PLAIN_KEY = re.compile(r"[A-Za-z_][\w.\-]*")
"""A key as ``redact``'s ``KEY=value`` rule reads it."""
_BARE_CHARS = r"""[^\s,;&=:{}\[\]"'\\]+"""
"""A string that needs no quotes: no whitespace, separator, bracket or quote. ``redact``
masks a bare value up to the first of these, so none may hide the rest of a secret."""
_BARE = re.compile(_BARE_CHARS)
_LITERALS = frozenset({"true", "false", "null"})
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_PLAIN, _SECRET, _ODD = 0, 1, 2


def compact_args(args: Any) -> str:
    """Arguments as ``key=value`` pairs; a lone string argument as its bare value."""
    if isinstance(args, dict):
        if len(args) == 1:
            ((key, value),) = args.items()
            if isinstance(value, str) and isinstance(key, str) and _key_form(key) == _PLAIN:
                return value if value and value == value.strip() else _quoted(value)
        return _pairs(args)
    if isinstance(args, str):
        return args
    return _flow(args)


def _pairs(mapping: dict[Any, Any]) -> str:
    return ", ".join([_pair(key, value) for key, value in mapping.items()])


def _pair(key: Any, value: Any) -> str:
    form = _key_form(key) if isinstance(key, str) else _ODD
    if form == _PLAIN:
        return f"{key}={_flow(value)}"
    if form == _SECRET and isinstance(value, str):
        return f"{key}={_quoted(value)}"
    if form == _SECRET:
        return f"{key}={_flow(value)}"
    shown = _quoted(value) if isinstance(value, str) else _flow(value)  # as in JSON: redact
    return f"{_quoted(str(key))}: {shown}"  # reads '"key": value' there


def _flow(value: Any) -> str:
    if isinstance(value, str):
        return value if _BARE.fullmatch(value) and value not in _LITERALS else _quoted(value)
    if isinstance(value, dict):  # the space stops the outer key's value at the brace
        return "{ " + _pairs(value) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join([_flow(item) for item in value]) + "]"
    return _quoted(value)


def _quoted(value: Any) -> str:
    try:
        return _ENCODE(value)
    except (TypeError, ValueError):  # circular or unencodable values
        return repr(value)


@lru_cache(maxsize=4096)
def _key_form(key: str) -> int:
    """How a key is shown: plain, plain naming a secret (``redact`` is the one judge of
    what is secret), or odd (not a name ``redact``'s ``KEY=value`` rule reads)."""
    if _PLAIN_KEY.fullmatch(key) is None:
        return _ODD
    probe = f"{key}=value"
    return _SECRET if redact(probe) != probe else _PLAIN
