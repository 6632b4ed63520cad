"""Folding llm_calls into the LLM rollups (store/llm_rollup_parts.py), each session's
calls exactly once.

``roll_up`` claims the oldest sessions not rolled up yet (``FOR UPDATE SKIP LOCKED`` on
Postgres, so concurrent jobs take disjoint batches; SQLite has one writer at a time), adds
their calls to the hourly and the daily rows (``INSERT … SELECT … ON CONFLICT DO UPDATE
SET x = x + excluded.x``) and marks them rolled up, all in the caller's transaction. A
session still being stored is invisible until its commit and is taken by a later cycle.
Jobs adding to the same rows wait for each other; they take those rows in one order
(statement by statement, key by key), so they do not deadlock. ``unroll_session`` takes
a rolled-up session's calls back out before ingest replaces them, in ingest's
transaction. Callers commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    and_,
    any_,
    bindparam,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession as DbSession

from store.analytics import tune
from store.buckets import positions
from store.llm_rollup_parts import (
    CALL_GROUP,
    GRAINS,
    KEY,
    PARTS,
    Part,
    bucket_start,
    constant,
    group_of,
    stored_group,
)
from store.models import LlmCall, LlmRollupGroup, SessionRow

_GROUPS = cast(Table, LlmRollupGroup.__table__)


def _of_sessions(dialect: str) -> ColumnElement[bool]:
    """``session_pk`` among the bound ``pks`` (one array parameter on Postgres). Their
    range, ``first`` to ``last``, lets a large batch of consecutive sessions be read by a
    range scan of the session_pk index."""
    if dialect == "postgresql":
        among = LlmCall.session_pk == any_(bindparam("pks", type_=postgresql.ARRAY(BigInteger)))
    else:
        among = LlmCall.session_pk.in_(bindparam("pks", expanding=True))
    return and_(LlmCall.session_pk.between(bindparam("first"), bindparam("last")), among)


def _insert(dialect: str) -> Callable[[Any], Any]:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _new_groups(dialect: str) -> Any:
    """Register the groups of the calls of sessions ``:pks`` that are not known yet."""
    group = stored_group(CALL_GROUP)
    rows = select(*group.values()).where(_of_sessions(dialect)).distinct()
    return _insert(dialect)(_GROUPS).from_select(list(group), rows).on_conflict_do_nothing()


def _upsert(part: Part, grain: str, dialect: str, sign: int) -> Any:
    """Add ``sign`` times the calls of sessions ``:pks`` to the ``grain`` rows of ``part``.

    The calls are summed per project and dimensions first, then joined to their groups:
    the join sees a row per group, bucket and key instead of a row per call."""
    by_call = [*CALL_GROUP.values(), bucket_start(LlmCall.ts, grain, dialect), *part.keys.values()]
    values = [v if sign > 0 else -v for v in part.values.values()]
    summed = select(*by_call, *values).where(_of_sessions(dialect))
    if part.where is not None:
        summed = summed.where(part.where)
    sums = summed.group_by(*positions(len(by_call))).subquery()
    columns = list(sums.c)
    call = dict(zip(CALL_GROUP, columns[: len(CALL_GROUP)], strict=True))
    keys = [
        call["project_id"],
        constant(GRAINS[grain]),
        columns[len(CALL_GROUP)],
        _GROUPS.c.id,
        *map(constant, part.fixed.values()),
        *columns[len(CALL_GROUP) + 1 : len(by_call)],
    ]
    rows = select(*keys, *columns[len(by_call) :]).join_from(sums, _GROUPS, group_of(call))
    key = [*KEY, *part.fixed, *part.keys]
    # rows in key order: concurrent jobs lock the rows they share in the same order
    stmt = _insert(dialect)(part.table).from_select(
        [*key, *part.values], rows.order_by(*positions(len(keys)))
    )
    added = {name: part.table.c[name] + stmt.excluded[name] for name in part.values}
    return stmt.on_conflict_do_update(index_elements=key, set_=added)


async def apply_calls(db: DbSession, pks: Sequence[int], sign: int) -> None:
    """Add (``sign`` 1) or subtract (-1) the calls of sessions ``pks`` in every rollup."""
    if not pks:
        return
    dialect = db.get_bind().dialect.name
    await tune(db)  # large batches sort in memory
    bound = {"pks": list(pks), "first": min(pks), "last": max(pks)}
    await db.execute(_new_groups(dialect), bound)
    for grain in GRAINS:
        for part in PARTS:
            await db.execute(_upsert(part, grain, dialect, sign), bound)


async def roll_up(db: DbSession, batch: int) -> int:
    """Fold the calls of up to ``batch`` sessions not rolled up yet into the rollups and
    mark those sessions rolled up; answer how many."""
    pick = select(SessionRow.pk).where(~SessionRow.rolled_up).order_by(SessionRow.pk).limit(batch)
    if db.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    claim = (
        update(SessionRow)
        .where(~SessionRow.rolled_up, SessionRow.pk.in_(pick.scalar_subquery()))
        .values(rolled_up=True)
        .returning(SessionRow.pk)
    )
    pks = list((await db.scalars(claim)).all())
    await apply_calls(db, pks, 1)
    return len(pks)


async def unroll_session(db: DbSession, pk: int) -> None:
    """Before a session's calls change: if they were rolled up, take them back out and
    mark it not rolled up (its row stays locked until the caller's commit)."""
    rolled = await db.scalar(
        select(SessionRow.rolled_up).where(SessionRow.pk == pk).with_for_update()
    )
    if rolled:
        await apply_calls(db, [pk], -1)
        await db.execute(update(SessionRow).where(SessionRow.pk == pk).values(rolled_up=False))
