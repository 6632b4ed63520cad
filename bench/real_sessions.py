"""Real sessions from public projects: import speed, and the rules against the labels.

Run: ``.venv/bin/python bench/real_sessions.py [data folder]`` from the project root (the
folder defaults to ``../shared/data``). Prints markdown tables:

1. per source folder: sessions, events, rejected units, import time, events per second
   (``load_path(folder)`` with format ``auto``, timed once, including file reads);
2. the termination evidence ``rules.compute_metrics`` finds, against each label (SWE-agent
   and mini-swe-agent exit status, OpenHands error / resolver success, Cline SDK status,
   tau-bench reward);
3. the loop signals of solved against unsolved sessions (SWE-bench ``resolved`` from
   mini-swe-agent's resolved.json; tau-bench ``reward``).
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean

import orjson

# Run as a script, this file's folder heads sys.path; the project root takes its place.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from api.formats import load_path  # noqa: E402
from rules import Session, SessionMetrics, compute_metrics  # noqa: E402

_DEFAULT_DATA = _HERE.parent.parent / "shared" / "data"
_TERMINATIONS = ("completed", "abandoned", "errored", "timed_out", None)


@dataclass
class _Scored:
    source: str
    session: Session
    metrics: SessionMetrics


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = list(header)
    lines = [_row(*head), _row(*("---" for _ in head))]
    lines.extend(_row(*cells) for cells in rows)
    return "\n".join(lines)


def _import(data: Path) -> tuple[list[_Scored], list[list[object]]]:
    scored: list[_Scored] = []
    rows: list[list[object]] = []
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        start = time.perf_counter()
        items = list(load_path(folder))
        seconds = time.perf_counter() - start
        sessions = [i.session for i in items if i.session is not None]
        events = sum(len(s.events) for s in sessions)
        rejected = sum(1 for i in items if i.error)
        rate = f"{events / seconds:,.0f}" if seconds else "-"
        rows.append([folder.name, len(sessions), events, rejected, f"{seconds:.3f}", rate])
        scored.extend(_Scored(folder.name, s, compute_metrics(s)) for s in sessions)
    return scored, rows


def _resolved(data: Path) -> dict[str, bool]:
    path = data / "mini-swe-agent" / "resolved.json"
    return dict(orjson.loads(path.read_bytes())) if path.is_file() else {}


def _label(item: _Scored, resolved: dict[str, bool]) -> str:
    """A short name for the label the data carries for this session."""
    label = item.session.attributes.get("label") or {}
    if not label:
        return "no label"
    if "reward" in label:
        return f"reward {label['reward']}"
    if "status" in label:
        return f"status {label['status']}"
    if "success" in label:
        return f"resolver success {label['success']}"
    if "error" in label:
        error = label["error"] or "none"
        return "error: max iterations" if "maximum iteration" in error else f"error: {error}"
    status = f"exit {label.get('exit_status')}"
    instance = label.get("instance_id")
    if item.source == "mini-swe-agent" and instance in resolved:
        status += ", resolved" if resolved[instance] else ", unresolved"
    return status


def _termination_table(scored: list[_Scored], resolved: dict[str, bool]) -> str:
    counts: dict[tuple[str, str], Counter[str | None]] = defaultdict(Counter)
    for item in scored:
        key = (item.source, _label(item, resolved))
        counts[key][item.metrics.termination_evidence.termination] += 1
    rows = [
        [source, label, sum(c.values()), *(c[t] for t in _TERMINATIONS)]
        for (source, label), c in sorted(counts.items())
    ]
    header = ("source", "label", "n", *(str(t or "none") for t in _TERMINATIONS))
    return _table(header, rows)


def _outcome(item: _Scored, resolved: dict[str, bool]) -> str | None:
    label = item.session.attributes.get("label") or {}
    if item.source == "mini-swe-agent" and label.get("instance_id") in resolved:
        return "SWE-bench resolved" if resolved[label["instance_id"]] else "SWE-bench unresolved"
    if item.source == "tau-bench" and "reward" in label:
        return "tau-bench reward 1" if label["reward"] == 1.0 else "tau-bench reward 0"
    return None


def _loops_table(scored: list[_Scored], resolved: dict[str, bool]) -> str:
    groups: dict[str, list[SessionMetrics]] = defaultdict(list)
    for item in scored:
        outcome = _outcome(item, resolved)
        if outcome is not None:
            groups[outcome].append(item.metrics)
    rows = [
        [
            name,
            len(group),
            f"{sum(m.loops.stuck for m in group) / len(group):.0%}",
            f"{fmean(m.loops.identical_tool_calls for m in group):.2f}",
            f"{fmean(m.loops.identical_failing_tool_calls for m in group):.2f}",
            f"{fmean(m.loops.longest_identical_streak for m in group):.2f}",
            f"{fmean(m.tool_calls for m in group):.1f}",
            f"{fmean(m.tool_errors for m in group):.1f}",
        ]
        for name, group in sorted(groups.items())
    ]
    header = (
        "sessions",
        "n",
        "stuck",
        "mean identical tool calls",
        "mean identical failing",
        "mean longest streak",
        "mean tool calls",
        "mean tool errors",
    )
    return _table(header, rows)


def main(data: Path) -> None:
    if not data.is_dir():
        sys.exit(f"no data folder at {data}")
    scored, rows = _import(data)
    resolved = _resolved(data)
    header = ("source", "sessions", "events", "rejected", "import s", "events/s")
    print("## Import\n")
    print(_table(header, rows))
    print("\n## Termination evidence against the labels\n")
    print(_termination_table(scored, resolved))
    print("\n## Loop signals, solved against unsolved\n")
    print(_loops_table(scored, resolved))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else _DEFAULT_DATA)
