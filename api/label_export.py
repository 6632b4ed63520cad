"""The labels export: one JSON line per labelled session, a dataset for offline
evaluation or few-shot examples. Read a page of sessions at a time, each page in a
short transaction of its own, so a long download holds no connection while it streams."""

from __future__ import annotations

from collections.abc import AsyncIterator

from api.review_bundle import session_bundle
from api.state import AppState
from store.labels import labelled_session_pks
from store.models import SessionRow
from store.prompt_pins import current_prompt

PAGE = 50


async def export_lines(state: AppState, project_id: int) -> AsyncIterator[bytes]:
    async with state.sessions() as db:
        prompt = await current_prompt(db, project_id, state.settings.prompt)
    after = 0
    while True:
        async with state.sessions() as db:
            pks = await labelled_session_pks(db, project_id, after, PAGE)
            lines = []
            for pk in pks:
                row = await db.get(SessionRow, pk)
                if row is not None:
                    bundle = await session_bundle(db, state, row, prompt)
                    lines.append(bundle.model_dump_json().encode() + b"\n")
        if lines:
            yield b"".join(lines)
        if len(pks) < PAGE:
            return
        after = pks[-1]
