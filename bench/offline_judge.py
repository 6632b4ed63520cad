"""How well the offline judge agrees with the labels of real sessions.

Termination against exit statuses (SWE-agent, mini-swe-agent, OpenHands), helpfulness
against SWE-bench ``resolved`` (mini-swe-agent) and tau-bench ``reward``: accuracy and
ROC AUC of ``offline_helpfulness_score``.

The event signals of the score (``judge.offline_signals``) were chosen on the SWE-bench
sessions and one half of tau-bench (``dev``: the first byte of the SHA-256 of the session
id is even); the other half (``held out``) is reported on its own. Its figures were
printed beside the dev half's while exploring, but the choice followed the dev half.

    .venv/bin/python -m bench.offline_judge [data folder]
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from api.formats.exit_status import outcome  # noqa: E402
from bench.real_sessions import _DEFAULT_DATA, _import, _outcome, _resolved, _Scored, _table  # noqa: E402
from judge import offline_helpfulness_score, offline_verdict  # noqa: E402

_END_TO_TERMINATION = {
    "completed": "completed",
    "timeout": "timed_out",
    "error": "errored",
    "user_closed": "abandoned",
}


_SOLVED = {
    "SWE-bench resolved": ("SWE-bench", True),
    "SWE-bench unresolved": ("SWE-bench", False),
    "tau-bench reward 1": ("tau-bench", True),
    "tau-bench reward 0": ("tau-bench", False),
}


def expected_termination(item: _Scored) -> str | None:
    """The termination the data's own label implies, where it has one."""
    label = item.session.attributes.get("label") or {}
    if "exit_status" in label:
        end = outcome(label["exit_status"]).end_reason
        return _END_TO_TERMINATION.get(end) if end else None
    if item.source == "openhands" and "error" in label:
        error = label["error"] or ""
        if "maximum iteration" in error:
            return "timed_out"
        return "errored" if error else "completed"
    return None


def roc_auc(scores: list[tuple[float, bool]]) -> float:
    """Probability that a positive outranks a negative (Mann-Whitney U), ties half."""
    positives = [s for s, y in scores if y]
    negatives = [s for s, y in scores if not y]
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def termination_rows(scored: list[_Scored]) -> list[list[object]]:
    per_source: dict[str, Counter[str]] = {}
    for item in scored:
        expected = expected_termination(item)
        if expected is None:
            continue
        got = offline_verdict(item.metrics, [], item.session.events).termination
        tally = per_source.setdefault(item.source, Counter())
        tally["n"] += 1
        tally["agree"] += got == expected
    return [[s, t["n"], f"{t['agree'] / t['n']:.1%}"] for s, t in sorted(per_source.items())]


def _half(session_id: str) -> str:
    """A fixed split that does not depend on order or on the labels."""
    return "dev" if hashlib.sha256(session_id.encode()).digest()[0] % 2 == 0 else "held out"


def helpfulness_rows(scored: list[_Scored], resolved: dict[str, bool]) -> list[list[object]]:
    groups: dict[str, list[tuple[float, bool, str]]] = {}
    for item in scored:
        name = _outcome(item, resolved)
        if name is None:
            continue
        dataset, positive = _SOLVED[name]
        events = item.session.events
        score = offline_helpfulness_score(item.metrics, [], events)
        label = offline_verdict(item.metrics, [], events).helpfulness
        groups.setdefault(dataset, []).append((score, positive, label))
        if dataset == "tau-bench":
            half = f"{dataset} {_half(item.session.session_id)}"
            groups.setdefault(half, []).append((score, positive, label))
    rows: list[list[object]] = []
    for dataset, items in sorted(groups.items()):
        correct = sum((label == "helpful") == positive for _, positive, label in items)
        positives = sum(positive for _, positive, _ in items)
        auc = roc_auc([(score, positive) for score, positive, _ in items])
        rows.append([dataset, len(items), positives, f"{correct / len(items):.1%}", f"{auc:.3f}"])
    return rows


def main(data: Path) -> None:
    scored, _ = _import(data)
    resolved = _resolved(data)
    print("## Offline judge: termination against exit statuses\n")
    print(_table(("source", "labelled sessions", "agreement"), termination_rows(scored)))
    print("\n## Offline judge: helpfulness against task success\n")
    header = ("dataset", "sessions", "solved", "accuracy (helpful = solved)", "ROC AUC of score")
    print(_table(header, helpfulness_rows(scored, resolved)))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else _DEFAULT_DATA)
