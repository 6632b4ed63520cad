"""``session-judge import``: sessions from files on disk, in batches, with a progress bar.

Each path is read by the converters of :mod:`api.formats` (``auto`` recognises each file's
format from its content); sessions go to a :class:`~api.import_sinks.Sink` a batch at a
time, and the run ends with a summary: imported, duplicates, rejected with reasons.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.formats import ImportItem, load_path
from api.import_sinks import DirectSink, HttpSink, ImportFailed, Sink, wire
from store.settings import Settings

SHOWN_REJECTIONS = 50


@dataclass
class Summary:
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def add(self, origin: str, status: str, reason: str | None) -> None:
        if status == "created":
            self.imported += 1
        elif status == "duplicate":
            self.duplicates += 1
        else:
            self.rejected.append((origin, reason or "rejected"))


def _items(paths: Iterable[Path], fmt: str) -> Iterator[ImportItem]:
    for path in paths:
        try:
            yield from load_path(path, fmt)
        except FileNotFoundError:
            yield ImportItem(f"{path}#0", error="no such file or folder")


class _DistinctIds:
    """Files of one import that claim one session id with different content (Cline's
    compaction snapshots of a session do) stay apart: the later become ``<id>@<file>``,
    the claimed id kept in ``attributes["original_session_id"]``. Deterministic, so a
    second import of the same paths finds the same ids (duplicates)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, str]] = {}

    def __call__(self, item: ImportItem) -> ImportItem:
        if item.session is None:
            return item
        session, file = item.session, item.origin.rsplit("#", 1)[0]
        digest = hashlib.sha256(
            orjson.dumps(wire(session), option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        first_file, first_digest = self._seen.setdefault(session.session_id, (file, digest))
        if file == first_file or digest == first_digest:
            return item
        renamed = f"{session.session_id[:190]}@{Path(file).name[:60]}"
        attributes = {**session.attributes, "original_session_id": session.session_id}
        update = {"session_id": renamed, "attributes": attributes}
        return ImportItem(item.origin, session.model_copy(update=update))


def _batches(items: Iterator[ImportItem], size: int) -> Iterator[list[ImportItem]]:
    batch: list[ImportItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _submit(sink: Sink, batch: list[ImportItem], summary: Summary) -> None:
    sessions = [(i.origin, i.session) for i in batch if i.session is not None]
    for item in batch:
        if item.session is None:
            summary.add(item.origin, "rejected", item.error)
    if sessions:
        results = await sink.submit([s for _, s in sessions])
        for (origin, session), (status, reason) in zip(sessions, results, strict=True):
            summary.add(f"{origin} ({session.session_id})", status, reason)


async def run_import(
    sink: Sink, paths: list[Path], fmt: str, console: Console, batch_size: int = 100
) -> Summary:
    """Import every session under ``paths`` into ``sink``; answer the summary."""
    summary = Summary()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("reading", total=None)
        try:
            items = map(_DistinctIds(), _items(paths, fmt))
            for batch in _batches(items, batch_size):
                await _submit(sink, batch, summary)
                done = summary.imported + summary.duplicates + len(summary.rejected)
                progress.update(task, description=f"{done} sessions", advance=len(batch))
        finally:
            await sink.close()
    return summary


def render(summary: Summary, console: Console) -> None:
    totals = Table(title="import")
    totals.add_column("imported", justify="right")
    totals.add_column("duplicates", justify="right")
    totals.add_column("rejected", justify="right")
    totals.add_row(str(summary.imported), str(summary.duplicates), str(len(summary.rejected)))
    console.print(totals)
    if not summary.rejected:
        return
    # one line each, never wrapped: file names stay whole for whoever greps the output
    for origin, reason in summary.rejected[:SHOWN_REJECTIONS]:
        console.print(f"rejected {origin}: {reason}", soft_wrap=True, markup=False)
    if len(summary.rejected) > SHOWN_REJECTIONS:
        console.print(f"… and {len(summary.rejected) - SHOWN_REJECTIONS} more")


def import_from_cli(
    paths: list[Path], fmt: str, *, url: str | None, key: str | None, project: str | None,
    direct: bool, console: Console,
) -> int:  # fmt: skip
    """The ``import`` command: 0 when nothing was rejected, 1 otherwise, 2 on bad usage."""
    if (direct and (url or not project)) or (not direct and not (url and key)):
        console.print("[red]give --url and --key, or --direct with --project[/red]")
        return 2
    sink: Sink = DirectSink(Settings(), project or "") if direct else HttpSink(url or "", key or "")
    try:
        summary = asyncio.run(run_import(sink, paths, fmt, console))
    except ImportFailed as exc:
        console.print(f"[red]import stopped: {exc}[/red]")
        return 2
    render(summary, console)
    return 1 if summary.rejected else 0
