"""Every real file in shared/data imports without a rejection, the same way twice."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from api.formats import ImportItem, load_path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared data not found at {DATA} (clone the repo next to shared/)"
)


@pytest.fixture(scope="module")
def items() -> list[ImportItem]:
    return list(load_path(DATA))


def test_no_rejections(items: list[ImportItem]) -> None:
    assert [(i.origin, i.error) for i in items if i.error] == []
    sources = Counter(i.session.source for i in items if i.session)
    assert sources == {
        "openai-messages": 200,
        "mini-swe-agent": 25,
        "swe-agent": 22,
        "openhands": 9,
        "cline": 4,
    }


def test_reimport_is_identical(items: list[ImportItem]) -> None:
    again = list(load_path(DATA))
    assert [i.origin for i in again] == [i.origin for i in items]
    for first, second in zip(items, again, strict=True):
        assert first.session is not None
        assert second.session is not None
        assert first.session.model_dump() == second.session.model_dump()
