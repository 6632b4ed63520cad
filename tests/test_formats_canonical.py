"""Canonical session files: one object, {"sessions": [...]}, JSONL; bad units stand alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from api.formats import FORMATS, UnknownFormatError, detect_format, load_path


def _doc(session_id: str) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "source": "kilocode",
        "end_reason": "completed",
        "org": "acme",
        "events": [
            {"type": "user_message", "ts": "2026-11-21T10:00:00Z", "text": "Add a retry"},
            {"type": "completion", "ts": 1795341603000, "text": "Done."},
        ],
    }


def test_single_object(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_bytes(orjson.dumps(_doc("s-1")))
    assert detect_format(path) == "canonical"
    (item,) = load_path(path)
    assert item.origin == f"{path}#0"
    assert item.session is not None
    assert item.session.attributes == {"org": "acme"}
    assert [e.type for e in item.session.events] == ["user_message", "completion"]


def test_sessions_list_with_a_bad_one(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    bad = {"session_id": "", "events": []}
    path.write_bytes(orjson.dumps({"sessions": [_doc("a"), bad, _doc("b")]}))
    items = list(load_path(path))
    assert [i.session.session_id if i.session else None for i in items] == ["a", None, "b"]
    assert items[1].error is not None
    assert items[1].error.startswith("ValidationError")


def test_jsonl_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    rows = [orjson.dumps(_doc("r1")), b"{not json", b"", orjson.dumps(_doc("r2"))]
    path.write_bytes(b"\n".join(rows))
    items = list(load_path(path, "canonical"))
    assert [i.origin.rsplit("#", 1)[1] for i in items] == ["0", "1", "2"]
    assert [i.error is None for i in items] == [True, False, True]


def test_unknown_content(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_bytes(orjson.dumps({"astropy__astropy-14182": False}))
    with pytest.raises(UnknownFormatError):
        detect_format(path)
    (item,) = load_path(path)  # given explicitly: one error item
    assert item.session is None
    assert item.error is not None
    assert list(load_path(tmp_path)) == []  # in a walk: passed over
    with pytest.raises(ValueError, match="unknown format"):
        list(load_path(path, "nope"))
    assert "canonical" in FORMATS
