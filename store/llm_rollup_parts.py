"""What the LLM rollups hold, defined once for the job that writes them and the dashboard
that reads them: a ``Part`` per rollup table says how calls are counted into its rows.

Rows are keyed by project, grain, the bucket's start and a provider/model/tool group of
the project (``LlmRollupGroup``). Cost is summed in whole nano-dollars: integer sums are exact in
any order, so a rollup adds up to the same figure as the raw rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    Table,
    and_,
    case,
    func,
    literal_column,
    null,
)
from sqlalchemy import cast as sql_cast

from store.histogram import bin_sql
from store.models import LlmCall, LlmRollup, LlmRollupBin, LlmRollupError, LlmRollupGroup

GRAINS = {"hour": 1, "day": 2}
"""The stored code of each grain."""
METRICS = {"latency": 1, "ttft": 2}
"""The stored code of each histogram's metric."""
DIMENSIONS: dict[str, Any] = {
    "provider": LlmCall.provider,
    "model": LlmCall.model,
    "tool": LlmCall.tool,
}
CALL_GROUP: dict[str, Any] = {"project_id": LlmCall.project_id, **DIMENSIONS}
"""What picks a call's group."""
NULL_BITS = {"provider": 1, "model": 2, "tool": 4}
"""The bit of ``LlmRollupGroup.nulls`` that says the dimension is NULL (it holds '')."""
KEY = ["project_id", "grain", "bucket_start", "group_id"]
"""The key every rollup table starts with."""
UNKNOWN = "unknown"
"""The error type of failed calls that named none."""
NANOS = 1e9


@dataclass(frozen=True, slots=True)
class Part:
    """Calls ``where`` (all if None) counted into the rows of ``table`` that have the
    ``fixed`` column values, per group, bucket and ``keys`` (its further key columns,
    computed from a call), as ``values`` (its other columns, which add up)."""

    kind: str
    table: Table
    keys: dict[str, ColumnElement[Any]]
    values: dict[str, ColumnElement[Any]]
    where: ColumnElement[bool] | None = None
    fixed: dict[str, int] = field(default_factory=dict)


def constant(value: int) -> ColumnElement[Any]:
    """A constant written into the statement, not bound, like the grouping keys' other
    constants (Postgres matches a GROUP BY expression to its SELECT twin only if their
    parameters are the same)."""
    return literal_column(str(value))


def cost_nanos(cost_usd: Any) -> ColumnElement[int]:
    """A call's cost in whole nano-dollars, rounded half up alike on every backend."""
    return sql_cast(func.floor(cost_usd * NANOS + 0.5), BigInteger)


def _bins(metric: str, value: Any) -> Part:
    return Part(
        metric,
        cast(Table, LlmRollupBin.__table__),
        {"bin": bin_sql(value)},
        {"count": func.count()},
        value.is_not(None),
        {"metric": METRICS[metric]},
    )


PARTS = [
    Part(
        "calls",
        cast(Table, LlmRollup.__table__),
        {},
        {
            "calls": func.count(),
            "errors": func.count().filter(LlmCall.ok.is_(False)),
            "input_tokens": func.sum(LlmCall.input_tokens),
            "output_tokens": func.sum(LlmCall.output_tokens),
            "cost_nanos": func.sum(cost_nanos(LlmCall.cost_usd)),
        },
    ),
    Part(
        "errors",
        cast(Table, LlmRollupError.__table__),
        {"error_type": func.coalesce(func.nullif(LlmCall.error_type, ""), UNKNOWN)},
        {"count": func.count()},
        LlmCall.ok.is_(False),
    ),
    *(_bins(metric, value) for metric, value in (("latency", LlmCall.latency_ms),
                                                  ("ttft", LlmCall.ttft_ms))),
]  # fmt: skip


def stored_group(call: Mapping[str, Any]) -> dict[str, Any]:
    """The project, provider, model, tool and nulls of a call's ``LlmRollupGroup``, given
    the call's ``project_id`` and dimensions."""
    bits = [case((call[name].is_(None), bit), else_=0) for name, bit in NULL_BITS.items()]
    return {
        "project_id": call["project_id"],
        **{name: func.coalesce(call[name], "") for name in DIMENSIONS},
        "nulls": bits[0] + bits[1] + bits[2],
    }


def group_of(call: Mapping[str, Any]) -> ColumnElement[bool]:
    """Joins a call (or calls grouped by project and dimensions) to its ``LlmRollupGroup``."""
    group = cast(Table, LlmRollupGroup.__table__)
    return and_(*(group.c[name] == value for name, value in stored_group(call).items()))


def read_dimension(name: str) -> ColumnElement[Any]:
    """A group's dimension as the calls had it: NULL where its bit is set."""
    is_null = LlmRollupGroup.nulls.op("&")(NULL_BITS[name]) != 0
    return case((is_null, null()), else_=getattr(LlmRollupGroup, name))


def bucket_start(ts: Any, grain: str, dialect: str) -> ColumnElement[Any]:
    """The UTC hour or day holding ``ts``, as the column stores it (text on SQLite)."""
    if dialect == "postgresql":
        return func.date_trunc(literal_column(f"'{grain}'"), ts, literal_column("'UTC'"))
    length, rest = (13, ":00:00.000000") if grain == "hour" else (10, " 00:00:00.000000")
    head = func.substr(ts, literal_column("1"), literal_column(str(length)), type_=String)
    return head + literal_column(f"'{rest}'", String)
