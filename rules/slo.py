"""SLOs and multi-window, multi-burn-rate alerts (Google SRE Workbook, "Alerting on SLOs").

An objective says what share of calls must be good (``target``, e.g. 0.99) over a
``period``; its error budget is ``1 - target``. A call is bad when it failed (error-rate
kinds) or took longer than ``latency_threshold_ms`` (latency). The burn rate of a window
is its bad ratio divided by the budget: 1 spends the budget exactly over the period.

Each alert row pairs a short and a long window and fires only when both burn at least
the row's rate, so an alert needs a sustained burn and clears soon after it stops. The
caller counts calls per group (provider, model, tool) for every window returned by
:func:`required_windows`; this module only does the arithmetic and reads the config.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

Severity = Literal["page", "ticket"]
ObjectiveKind = Literal["llm_error_rate", "tool_error_rate", "latency"]

# --- durations ---------------------------------------------------------------------------

_FORMAT_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
"""Units :func:`format_duration` writes, largest first (weeks are read, not written)."""
_UNITS = {"w": timedelta(weeks=1)} | {u: timedelta(seconds=s) for u, s in _FORMAT_UNITS.items()}
_DURATION = re.compile(r"(?:\d+[wdhms])+")
_DURATION_PART = re.compile(r"(\d+)([wdhms])")
_DURATION_HELP = 'durations are written like "30s", "5m", "1h", "3d", "1w" or "1h30m"'


def parse_duration(text: str) -> timedelta:
    """Parse a positive duration such as ``"5m"``, ``"6h"``, ``"30d"`` or ``"1h30m"``."""
    compact = text.strip()
    if not _DURATION.fullmatch(compact):
        raise ValueError(f"invalid duration {text!r}: {_DURATION_HELP}")
    duration = sum(
        (int(n) * _UNITS[unit] for n, unit in _DURATION_PART.findall(compact)), timedelta()
    )
    if duration <= timedelta():
        raise ValueError(f"duration {text!r} must be positive")
    return duration


def format_duration(duration: timedelta) -> str:
    """The inverse of :func:`parse_duration` in days, hours, minutes and seconds, largest
    first: ``"30d"``, ``"1h30m"``."""
    seconds = int(duration.total_seconds())
    if seconds <= 0 or seconds != duration.total_seconds():
        raise ValueError(f"cannot format {duration!r} as a positive whole number of seconds")
    parts = []
    for unit, size in _FORMAT_UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _coerce_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        if value <= timedelta():
            raise ValueError(f"duration {value} must be positive")
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"invalid duration {value!r}: {_DURATION_HELP}")


Duration = Annotated[
    timedelta,
    BeforeValidator(_coerce_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
"""A positive timedelta, written in config as ``"5m"``, ``"1h"``, ``"3d"``."""


# --- configuration -----------------------------------------------------------------------


class _Config(BaseModel):
    """Config models reject unknown keys so that a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class BurnWindow(_Config):
    """One alert row: fires when both windows burn at least ``burn_rate``."""

    short: Duration
    long: Duration
    burn_rate: float = Field(gt=0)
    severity: Severity

    @model_validator(mode="after")
    def _short_before_long(self) -> Self:
        if self.short >= self.long:
            raise ValueError(
                f"short window {format_duration(self.short)} must be shorter than "
                f"long window {format_duration(self.long)}"
            )
        return self


DEFAULT_WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow(
        short=timedelta(minutes=5), long=timedelta(hours=1), burn_rate=14.4, severity="page"
    ),
    BurnWindow(short=timedelta(minutes=30), long=timedelta(hours=6), burn_rate=6, severity="page"),
    BurnWindow(short=timedelta(hours=6), long=timedelta(days=3), burn_rate=1, severity="ticket"),
)
"""The Workbook's table: 2 %, 5 % and 10 % of a 30-day budget spent."""


class Objective(_Config):
    """One SLO, evaluated separately for every (provider, model, tool) group."""

    name: str = Field(min_length=1)
    kind: ObjectiveKind
    target: float = Field(gt=0, lt=1)
    period: Duration = timedelta(days=30)
    latency_threshold_ms: float | None = Field(default=None, gt=0)
    windows: list[BurnWindow] = Field(default_factory=lambda: list(DEFAULT_WINDOWS), min_length=1)
    min_calls: int = Field(default=10, ge=0)

    @model_validator(mode="after")
    def _threshold_matches_kind(self) -> Self:
        if self.kind == "latency" and self.latency_threshold_ms is None:
            raise ValueError(f"objective {self.name!r}: kind latency needs latency_threshold_ms")
        if self.kind != "latency" and self.latency_threshold_ms is not None:
            raise ValueError(
                f"objective {self.name!r}: latency_threshold_ms only applies to kind latency"
            )
        return self

    @model_validator(mode="after")
    def _windows_within_period(self) -> Self:
        for window in self.windows:
            if window.long > self.period:
                raise ValueError(
                    f"objective {self.name!r}: window {format_duration(window.long)} is longer "
                    f"than the period {format_duration(self.period)}"
                )
        return self


class Mute(_Config):
    """Silences matching alerts; a field left out (None) matches anything.

    ``objective`` is an objective's ``name``. Without ``until`` the mute is permanent;
    a naive ``until`` is taken as UTC.
    """

    objective: str | None = None
    provider: str | None = None
    model: str | None = None
    tool: str | None = None
    until: datetime | None = None
    reason: str | None = None

    @field_validator("until")
    @classmethod
    def _until_in_utc(cls, value: datetime | None) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


class SloConfig(_Config):
    """Everything that decides what alerts and how loudly."""

    objectives: list[Objective]
    recommended_models: list[str] = Field(default_factory=list)
    mutes: list[Mute] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names_resolve(self) -> Self:
        names = [objective.name for objective in self.objectives]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"objective names must be unique, repeated: {duplicates}")
        for mute in self.mutes:
            if mute.objective is not None and mute.objective not in names:
                raise ValueError(f"mute names unknown objective {mute.objective!r}; have {names}")
        return self


class SloConfigError(ValueError):
    """The SLO config could not be read; the message says where and why."""


def load_slo_config(text: str) -> SloConfig:
    """Parse and validate an SLO config written in YAML (see ``deploy/slo.yaml``)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SloConfigError(f"SLO config is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SloConfigError("SLO config must be a YAML mapping with an 'objectives' key")
    try:
        return SloConfig.model_validate(data)
    except ValidationError as exc:
        raise SloConfigError(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    lines = [f"invalid SLO config ({exc.error_count()} error(s)):"]
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def required_windows(objective: Objective) -> list[timedelta]:
    """Every window the caller must count for ``objective``, shortest first: the short and
    long window of each row, and the period (for the remaining budget)."""
    windows = {objective.period}
    for row in objective.windows:
        windows |= {row.short, row.long}
    return sorted(windows)


# --- evaluation --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Calls in one window of one group: how many in all, and how many were bad."""

    bad: int
    total: int

    def __post_init__(self) -> None:
        _check_counts(self.bad, self.total)


def _check_counts(bad: int, total: int) -> None:
    if total < 0 or not 0 <= bad <= total:
        raise ValueError(f"need 0 <= bad <= total, got bad={bad}, total={total}")


def burn_rate(bad: int, total: int, target: float) -> float:
    """How fast the window spends the error budget: ``(bad / total) / (1 - target)``;
    0 when there were no calls."""
    if not 0 < target < 1:
        raise ValueError(f"target must be between 0 and 1 exclusive, got {target}")
    _check_counts(bad, total)
    if total == 0:
        return 0.0
    return (bad / total) / (1.0 - target)


@dataclass(frozen=True, slots=True)
class RowResult:
    """One alert row evaluated: the burn rates of both windows and whether it fires."""

    window: BurnWindow
    firing: bool
    short_burn: float
    long_burn: float


def evaluate_row(
    window: BurnWindow,
    short: WindowCounts,
    long: WindowCounts,
    min_calls: int,
    target: float,
) -> RowResult:
    """Fire when both windows burn at least ``window.burn_rate``, the long window saw at
    least ``min_calls`` calls, and the short window at least one bad call."""
    short_burn = burn_rate(short.bad, short.total, target)
    long_burn = burn_rate(long.bad, long.total, target)
    firing = (
        short.bad >= 1
        and long.total >= min_calls
        and _reaches(short_burn, window.burn_rate)
        and _reaches(long_burn, window.burn_rate)
    )
    return RowResult(window=window, firing=firing, short_burn=short_burn, long_burn=long_burn)


def _reaches(burn: float, threshold: float) -> bool:
    """``burn >= threshold``, also when rounding in ``1 - target`` puts a burn that is
    exactly at the threshold a hair below it (0.144 / (1 - 0.99) is 14.3999…)."""
    return burn >= threshold or math.isclose(burn, threshold, rel_tol=1e-9)


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    """One objective evaluated for one group.

    ``severity`` is that of the most severe firing row after paging rules (None when
    nothing fires); ``downgraded`` says a page row fired but the group may not page.
    ``budget_remaining`` is the share of the period's error budget left (negative when
    overspent).
    """

    objective: str
    severity: Severity | None
    downgraded: bool
    rows: list[RowResult]
    burn_rates: dict[timedelta, float]
    budget_remaining: float

    @property
    def firing(self) -> bool:
        return self.severity is not None


def may_page(*, gateway: bool, model: str | None, recommended_models: Iterable[str]) -> bool:
    """Only a recommended model called through the vendor's gateway may page."""
    return gateway and model is not None and model in set(recommended_models)


def evaluate_objective(
    objective: Objective,
    counts_by_window: Mapping[timedelta, WindowCounts],
    *,
    gateway: bool,
    model: str | None,
    recommended_models: Iterable[str],
) -> ObjectiveResult:
    """Evaluate every alert row of ``objective`` for one group.

    ``counts_by_window`` must hold every window of :func:`required_windows`. A firing page
    row counts as a ticket unless the group may page (see :func:`may_page`).
    """
    counts = _counts_for(objective, counts_by_window)
    rows = [
        evaluate_row(
            row, counts[row.short], counts[row.long], objective.min_calls, objective.target
        )
        for row in objective.windows
    ]
    fired = {row.window.severity for row in rows if row.firing}
    paging = may_page(gateway=gateway, model=model, recommended_models=recommended_models)
    severity: Severity | None = None
    if fired:
        severity = "page" if "page" in fired and paging else "ticket"
    period = counts[objective.period]
    return ObjectiveResult(
        objective=objective.name,
        severity=severity,
        downgraded="page" in fired and not paging,
        rows=rows,
        burn_rates={
            window: burn_rate(c.bad, c.total, objective.target) for window, c in counts.items()
        },
        budget_remaining=1.0 - burn_rate(period.bad, period.total, objective.target),
    )


def _counts_for(
    objective: Objective, counts_by_window: Mapping[timedelta, WindowCounts]
) -> dict[timedelta, WindowCounts]:
    windows = required_windows(objective)
    missing = [format_duration(w) for w in windows if w not in counts_by_window]
    if missing:
        raise ValueError(
            f"objective {objective.name!r}: no counts for windows {missing}; "
            "count every window in required_windows(objective)"
        )
    return {window: counts_by_window[window] for window in windows}


def is_muted(
    mutes: Iterable[Mute],
    objective: str,
    provider: str | None,
    model: str | None,
    tool: str | None,
    now: datetime,
) -> bool:
    """Whether any mute still in force at ``now`` (naive: UTC) matches this objective name
    and group."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    group = (objective, provider, model, tool)
    return any(_mute_matches(mute, group, now) for mute in mutes)


def _mute_matches(mute: Mute, group: tuple[str | None, ...], now: datetime) -> bool:
    if mute.until is not None and now >= mute.until:
        return False
    wanted = (mute.objective, mute.provider, mute.model, mute.tool)
    return all(w is None or w == value for w, value in zip(wanted, group, strict=True))
