"""``session-judge import``: the real CLI, straight into a database and against a live
service, on the real sessions of ../shared/data."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import app
from store.settings import Settings
from tests.conftest import SHARED_DATA, Api
from tests.server import serve

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} is absent (real sessions for importers)"
)


def _run(*args: str, db: str | None = None) -> Result:
    env = {"SESSION_JUDGE_DATABASE_URL": db} if db else {}
    return CliRunner().invoke(app, ["import", *args], env=env)


async def _import(*args: str, db: str | None = None) -> Result:
    """The CLI runs its own event loop, so off this test's loop, in a thread."""
    return await asyncio.to_thread(_run, *args, db=db)


def _counts(result: Result) -> tuple[int, int, int]:
    """(imported, duplicates, rejected) from the summary table's row."""
    for line in result.output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 3 and all(c.isdigit() for c in cells):
            return int(cells[0]), int(cells[1]), int(cells[2])
    raise AssertionError(result.output)


@pytest.fixture(scope="module")
def live(pg_url: str) -> Iterator[str]:
    with serve(Settings(database_url=pg_url)) as url:
        yield url


async def test_direct_import_stores_every_real_session_pending(pg_url: str, pg_api: Api) -> None:
    project = f"import-{uuid.uuid4().hex[:8]}"
    first = await _import(str(SHARED_DATA), "--direct", "--project", project, db=pg_url)
    assert first.exit_code == 0, first.output
    imported, duplicates, rejected = _counts(first)
    assert imported > 250
    assert duplicates == rejected == 0
    again = await _import(str(SHARED_DATA), "--direct", "--project", project, db=pg_url)
    assert again.exit_code == 0
    assert _counts(again) == (0, imported, 0)
    key = await pg_api.new_key("read", project=project)
    page = await pg_api.client.get("/v1/sessions", params={"limit": 500}, headers=pg_api.auth(key))
    items = page.json()["items"]
    assert len(items) == imported
    assert {s["judge_status"] for s in items} == {"pending"}


async def test_url_import_posts_batches_to_the_service(live: str, pg_api: Api) -> None:
    key = await pg_api.new_key("ingest", "read")
    folder = str(SHARED_DATA / "swe-agent")
    first = await _import(folder, "--format", "auto", "--url", live, "--key", key)
    assert first.exit_code == 0, first.output
    imported, _, _ = _counts(first)
    assert _counts(first) == (imported, 0, 0)
    assert imported >= 21
    again = await _import(folder, "--url", live, "--key", key)
    assert _counts(again) == (0, imported, 0)
    page = await pg_api.client.get("/v1/sessions", params={"limit": 500}, headers=pg_api.auth(key))
    assert {s["source"] for s in page.json()["items"]} == {"swe-agent"}


async def test_bad_files_are_rejected_with_reasons_and_exit_1(
    live: str, pg_api: Api, tmp_path: Path
) -> None:
    key = await pg_api.new_key("ingest")
    broken = tmp_path / "broken.json"
    broken.write_text('{"session_id": "b1", "events": [{"type": "x", "ts": "not a time"}]}')
    (tmp_path / "garbage.json").write_text("{not json")
    good = SHARED_DATA / "cline-sdk" / "messages" / "success.messages.json"
    result = await _import(
        str(broken), str(tmp_path / "garbage.json"), str(good), "--url", live, "--key", key
    )
    assert result.exit_code == 1, result.output
    assert _counts(result) == (1, 0, 2)
    assert "JSONDecodeError" in result.output
    assert "garbage.json" in result.output


def test_usage_errors_exit_2() -> None:
    assert _run(str(SHARED_DATA)).exit_code == 2
    assert _run(str(SHARED_DATA), "--direct").exit_code == 2
    assert _run(str(SHARED_DATA), "--format", "nope", "--direct").exit_code == 2
    assert _run("/no/such/path", "--url", "http://x", "--key", "k").exit_code == 2
