"""Reading foreign files from disk and handing them to the converters (the only I/O here).

- A folder is walked recursively, in name order. A folder holding ``ui_messages.json`` is
  one Kilo / Roo / Cline task (one item). Files ending ``.json``, ``.jsonl`` or ``.traj``
  are read; anything else (licences, READMEs, patches) is passed over, and so, in a walk,
  are JSON files that hold no sessions (labels such as resolved.json, predictions): given
  explicitly, such a file yields one error item. With an explicit ``fmt`` every such
  file is converted in that format, without looking at its content.
- A ``.jsonl`` file yields one item per row; a JSON document one item per session unit
  (tau-bench's list: one per element; canonical ``{"sessions": [...]}``: one per session).
- A Cline SDK ``X.messages.json`` is read with its manifest ``X.json`` when that exists;
  in a walk the manifest is not read again on its own.

Every item says where it came from (``path#index``); a unit that fails to convert yields
an item with the error and the rest carry on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson

from api.formats import (
    canonical,
    cline_sdk,
    kilo,
    mini_swe_agent,
    openai_messages,
    openhands,
    swe_agent,
)
from api.formats.detect import kilo_flavor, sniff
from rules import Session

FORMATS = (
    "canonical",
    "kilo",
    "cline",
    "roo",
    "cline-sdk",
    "openhands",
    "swe-agent",
    "mini-swe-agent",
    "openai-messages",
)
UI_MESSAGES = "ui_messages.json"
_TASK_FILES = frozenset({UI_MESSAGES, "api_conversation_history.json", "task_metadata.json"})
_SUFFIXES = (".traj.json", ".messages.json", ".jsonl", ".json", ".traj")
_MAX_ERROR = 500


class Converter(Protocol):
    """A converter of one parsed unit; ``name`` (the file's name) helps name the session."""

    def __call__(self, doc: Any, *, name: str) -> list[Session]: ...


_CONVERTERS: dict[str, Converter] = {
    "canonical": canonical.convert,
    "openhands": openhands.convert,
    "swe-agent": swe_agent.convert,
    "mini-swe-agent": mini_swe_agent.convert,
    "openai-messages": openai_messages.convert,
}
_UNITS: dict[str, Callable[[Any], list[Any]]] = {
    "canonical": canonical.units,
    "openai-messages": openai_messages.units,
}


@dataclass(frozen=True, slots=True)
class ImportItem:
    """One imported session, or why a unit of a file could not be imported."""

    origin: str
    session: Session | None = None
    error: str | None = None


class UnknownFormatError(ValueError):
    """The content is not a session format this module knows."""


def detect_format(path: Path) -> str:
    """The format of a file or task folder, recognised from its content."""
    path = Path(path)
    if path.is_dir() or path.name in _TASK_FILES:
        folder = path if path.is_dir() else path.parent
        if not (folder / UI_MESSAGES).is_file():
            raise UnknownFormatError(f"{path}: a folder without {UI_MESSAGES}; load_path walks it")
        return kilo_flavor(_read(folder / UI_MESSAGES))
    doc = _first_row(path) if path.suffix == ".jsonl" else _read(path)
    found = sniff(doc)
    if found is None:
        raise UnknownFormatError(f"{path}: not a session format this importer knows")
    return found


def load_path(path: Path, fmt: str = "auto") -> Iterator[ImportItem]:
    """Import every session under ``path`` (a file or a folder), one item per unit."""
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of auto, {', '.join(FORMATS)}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    if path.is_dir():
        yield from _walk(path, fmt)
    elif path.name in _TASK_FILES:
        yield from _load_task(path.parent, fmt)
    else:
        yield from _load_file(path, fmt, walking=False)


def _walk(folder: Path, fmt: str) -> Iterator[ImportItem]:
    if (folder / UI_MESSAGES).is_file():
        yield from _load_task(folder, fmt)
        return
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            yield from _walk(child, fmt)
        elif child.name.endswith((".json", ".jsonl", ".traj")) and not _is_paired_manifest(child):
            yield from _load_file(child, fmt, walking=True)


def _name(path: Path) -> str:
    for suffix in _SUFFIXES:
        if path.name.endswith(suffix):
            return path.name.removesuffix(suffix)
    return path.stem


def _is_paired_manifest(path: Path) -> bool:
    return not path.name.endswith(".messages.json") and (
        path.with_name(f"{_name(path)}.messages.json").is_file()
    )


def _read(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def _first_row(path: Path) -> Any:
    with path.open("rb") as lines:
        return next((orjson.loads(line) for line in lines if line.strip()), None)


def _failed(origin: str, exc: Exception) -> ImportItem:
    return ImportItem(origin, error=f"{type(exc).__name__}: {exc}"[:_MAX_ERROR])


def _load_task(folder: Path, fmt: str) -> Iterator[ImportItem]:
    origin = f"{folder}#0"
    try:
        ui = _read(folder / UI_MESSAGES)
        optional = [folder / n for n in ("api_conversation_history.json", "task_metadata.json")]
        api, metadata = (_read(p) if p.is_file() else None for p in optional)
        flavor = fmt if fmt in kilo.SOURCES else kilo_flavor(ui)
        source = kilo.SOURCES[flavor]
        sessions = kilo.convert(ui, api, task_id=folder.name, source=source, metadata=metadata)
    except Exception as exc:  # one bad task must not stop the import
        yield _failed(origin, exc)
        return
    yield from (ImportItem(origin, session=s) for s in sessions)


def _load_file(path: Path, fmt: str, *, walking: bool) -> Iterator[ImportItem]:
    try:
        docs = _rows(path) if path.suffix == ".jsonl" else [_read(path)]
    except (OSError, orjson.JSONDecodeError) as exc:
        yield _failed(f"{path}#0", exc)
        return
    found = fmt if fmt != "auto" else sniff(next((d for d in docs if d is not None), None))
    if found is None:
        if not walking:
            yield ImportItem(f"{path}#0", error="not a session format this importer knows")
        return
    index = 0
    for doc in docs:
        for unit in _UNITS.get(found, lambda d: [d])(doc):
            yield from _convert(f"{path}#{index}", found, unit, path)
            index += 1


def _rows(path: Path) -> list[Any]:
    """The rows of a JSONL file; a row that is not JSON becomes None (and an error item)."""
    rows: list[Any] = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            try:
                rows.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                rows.append(None)
    return rows


def _convert(origin: str, fmt: str, unit: Any, path: Path) -> Iterator[ImportItem]:
    try:
        sessions = _dispatch(fmt, unit, path)
    except Exception as exc:  # one bad unit must not stop the rest
        yield _failed(origin, exc)
        return
    yield from (ImportItem(origin, session=s) for s in sessions)


def _dispatch(fmt: str, unit: Any, path: Path) -> list[Session]:
    if unit is None:
        raise ValueError("not a JSON row")
    if fmt in kilo.SOURCES:
        return kilo.convert(unit, task_id=_name(path), source=kilo.SOURCES[fmt])
    if fmt == "cline-sdk":
        return _cline_sdk(unit, path)
    return _CONVERTERS[fmt](unit, name=_name(path))


def _cline_sdk(doc: Any, path: Path) -> list[Session]:
    """A messages document with its manifest, or a manifest with its messages, if any."""
    if cline_sdk.is_manifest(doc):
        messages = path.with_name(f"{_name(path)}.messages.json")
        return cline_sdk.convert(_read(messages) if messages.is_file() else None, doc)
    manifest = path.with_name(f"{_name(path)}.json")
    paired = path.name.endswith(".messages.json") and manifest.is_file()
    return cline_sdk.convert(doc, _read(manifest) if paired else None)
