"""Secrets out of text before anything leaves the process.

``redact`` replaces API keys, tokens, JWTs, private key blocks, passwords in URLs and the
values of secret-looking settings (``DB_PASSWORD=...``, ``"api_key": "..."``,
``X-Api-Key: ...``) with ``[REDACTED]``. It errs on the side of hiding: a false positive
costs the judge a few characters, a false negative leaks a credential to a third party.

It runs on every field of every transcript, so it is built for speed: a rule's regex
only runs when the text contains the rule's literal hint (a substring search), and the
rules for settings only look at the lines that contain a secret-sounding word.
"""

from __future__ import annotations

import re

MASK = "[REDACTED]"

# (hint, pattern, replacement): the pattern runs only when the hint is in the text. A key
# must not be the tail of a longer word ("risk-assessment-..." is no OpenAI key); the
# lookbehinds sit after the literal so the engine can still scan for it quickly.
_RULES: list[tuple[str, re.Pattern[str], str]] = [
    (
        "PRIVATE KEY-----",
        re.compile(
            r"-----BEGIN[A-Z ]*PRIVATE KEY-----"
            r"(?:[\w+/=\s:,.\-\\]*?-----END[A-Z ]*PRIVATE KEY-----|[\w+/=\s:,.\-\\]*)"
        ),
        MASK,
    ),
    # The body of a block whose BEGIN line was cut away (the tail of a long output). Both
    # patterns also take JSON-escaped newlines (``\\n``): a key inside a JSON string.
    (
        "PRIVATE KEY-----",
        re.compile(
            r"(?:[A-Za-z0-9+/=]{16,}[ \t]*(?:\r?\n|(?:\\r)?\\n))*[A-Za-z0-9+/=]*(?:\s|\\r|\\n)*"
            r"-----END[A-Z ]*PRIVATE KEY-----"
        ),
        MASK,
    ),
    ("sk-", re.compile(r"sk-(?<![A-Za-z0-9_]sk-)[A-Za-z0-9_\-]{20,}"), MASK),
    ("gh", re.compile(r"gh[pousr]_(?<![A-Za-z0-9_]gh._)[A-Za-z0-9]{20,}"), MASK),
    ("github_pat_", re.compile(r"github_pat_[A-Za-z0-9_]{20,}"), MASK),
    ("xox", re.compile(r"xox[abposr]-[A-Za-z0-9\-]{10,}"), MASK),
    ("AKIA", re.compile(r"AKIA[0-9A-Z]{16}"), MASK),
    ("ASIA", re.compile(r"ASIA[0-9A-Z]{16}"), MASK),
    ("AIza", re.compile(r"AIza[0-9A-Za-z_\-]{30,}"), MASK),
    # JWTs, and base64url JSON cut short: both start with '{"' encoded as "eyJ".
    ("eyJ", re.compile(r"eyJ[A-Za-z0-9_\-]{15,}(?:\.[A-Za-z0-9_\-]*){0,2}"), MASK),
    (
        "uthorization",
        re.compile(
            r"(?i)(\bauthorization[\"']?[ \t]*[:=][ \t]*[\"']?"
            r"(?:(?:bearer|basic|token|bot)[ \t]+)?)[^\s\"',;]+"
        ),
        rf"\1{MASK}",
    ),
    # Outside a header "Bearer" is often a plain word: only a long run after it is a token.
    ("earer", re.compile(r"(?i)(\bbearer[ \t]+)[A-Za-z0-9\-._~+/]{20,}=*"), rf"\1{MASK}"),
    ("://", re.compile(r"(://[^\s:/@]*:)[^\s@/]+(?=@)"), rf"\1{MASK}"),
]

# A key naming a secret contains one of these words, not followed by a letter:
# AWS_SECRET_ACCESS_KEY, DJANGO_SECRET_KEY, db_password, X-Api-Key; not max_tokens or
# tokenizer. It over-reaches on names like token_budget, which costs only a value.
_SECRET_WORD = re.compile(
    r"(?:secret|token|passw(?:or)?d|passphrase|api[_\-]?key|access[_\-]?key|private"
    r"|credentials?)(?![a-z])"
)
_VALUE = r"""("[^"\n]*"|'[^'\n]*'|[^\s&;,'"=][^\s&;,'"]*)"""
_SECRET_HINTS = ("secret", "token", "pass", "key", "private", "credential")
_SETTINGS = [
    re.compile(rf"(([A-Za-z_][\w.\-]*)[ \t]*=[ \t]*){_VALUE}"),  # KEY=value, a=b&password=c
    re.compile(rf"""(["']([\w.\-]+)["'][ \t]*:[ \t]*){_VALUE}"""),  # "key": "value"
    re.compile(r"^([ \t]*-?[ \t]*([A-Za-z_][\w.\-]*)[ \t]*:[ \t]+)(\S[^\n]*)"),  # key: value
]
_NUMBER = re.compile(r"[\d.]+")


def redact(text: str) -> str:
    """``text`` with every secret this module recognises replaced by ``[REDACTED]``."""
    for hint, pattern, replacement in _RULES:
        if hint in text:
            text = pattern.sub(replacement, text)
    return _redact_settings(text)


def _redact_settings(text: str) -> str:
    """Mask the values of secret-looking keys, visiting only lines that name one."""
    lower = text.lower()
    if not any(word in lower for word in _SECRET_HINTS):
        return text
    if len(lower) != len(text):  # a few non-ASCII letters change length when lowered
        lower = text.encode("ascii", "replace").decode("ascii").lower()
    starts = sorted({lower.rfind("\n", 0, m.start()) + 1 for m in _SECRET_WORD.finditer(lower)})
    if not starts:
        return text
    parts: list[str] = []
    done = 0
    for start in starts:
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        parts.append(text[done:start])
        parts.append(_redact_line(text[start:end]))
        done = end
    parts.append(text[done:])
    return "".join(parts)


def _redact_line(line: str) -> str:
    for pattern in _SETTINGS:
        line = pattern.sub(_mask_value, line)
    return line


def _mask_value(match: re.Match[str]) -> str:
    """Keep numbers (``max_token=4096``): no credential is a bare number."""
    value = match[3].strip("\"'")
    if not _SECRET_WORD.search(match[2].lower()) or _NUMBER.fullmatch(value) or value == MASK:
        return match[0]
    return f"{match[1]}{MASK}"
