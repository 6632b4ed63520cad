"""Spans filed under their trace id before the trace named its session move to that session.

A trace whose spans carry no session id (``gen_ai.conversation.id``, ``session.id``) is
filed under its trace id; when a later span of the same trace names the session (often
only the root ``invoke_agent`` span does), the events filed so far are adopted by it.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.close_open import drop_open
from store.models import OpenSession, OpenSessionEvent


async def _open_pks(db: DbSession, project_id: int, session_ids: set[str]) -> dict[str, int]:
    rows = await db.execute(
        select(OpenSession.session_id, OpenSession.pk)
        .where(OpenSession.project_id == project_id, OpenSession.session_id.in_(session_ids))
        .order_by(OpenSession.session_id)
        .with_for_update()
    )
    return {sid: pk for sid, pk in rows}


async def adopt(db: DbSession, project_id: int, moves: dict[str, str]) -> int:
    """Move the open sessions named by the keys of ``moves`` (trace ids) into the sessions
    named by its values; answer how many moved."""
    aliases = await _open_pks(db, project_id, set(moves))
    if not aliases:
        return 0
    targets = await _open_pks(db, project_id, {moves[a] for a in aliases})
    for alias, pk in aliases.items():
        target = moves[alias]
        if target in targets:
            await _merge_into(db, pk, targets[target])
        else:
            await db.execute(
                update(OpenSession).where(OpenSession.pk == pk).values(session_id=target)
            )
            targets[target] = pk
    return len(aliases)


async def _merge_into(db: DbSession, source: int, target: int) -> None:
    """Events of ``source`` not already in ``target`` (by key) move over; ``source`` goes."""
    known = select(OpenSessionEvent.event_key).where(
        OpenSessionEvent.open_pk == target, OpenSessionEvent.event_key.is_not(None)
    )
    await db.execute(
        update(OpenSessionEvent)
        .where(
            OpenSessionEvent.open_pk == source,
            OpenSessionEvent.event_key.is_(None) | OpenSessionEvent.event_key.not_in(known),
        )
        .values(open_pk=target)
    )
    await drop_open(db, [source])
    count = (
        select(func.count())
        .select_from(OpenSessionEvent)
        .where(OpenSessionEvent.open_pk == target)
        .scalar_subquery()
    )
    await db.execute(update(OpenSession).where(OpenSession.pk == target).values(event_count=count))
