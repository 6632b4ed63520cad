"""rules.slo: burn-rate arithmetic, multi-window alert rows, paging rules, mutes, config."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from rules.slo import (
    DEFAULT_WINDOWS,
    BurnWindow,
    Mute,
    Objective,
    RowResult,
    SloConfigError,
    WindowCounts,
    burn_rate,
    evaluate_objective,
    evaluate_row,
    format_duration,
    is_muted,
    load_slo_config,
    parse_duration,
    required_windows,
)

DEPLOY_SLO = Path(__file__).resolve().parent.parent / "deploy" / "slo.yaml"
MINUTE = timedelta(minutes=1)
PAGE_5M_1H, PAGE_30M_6H, TICKET_6H_3D = DEFAULT_WINDOWS
RECOMMENDED = ["claude-sonnet-4", "gpt-5"]


def _objective(target: float = 0.99, **overrides: object) -> Objective:
    return Objective.model_validate(
        {"name": "llm_error_rate", "kind": "llm_error_rate", "target": target, **overrides}
    )


def _traffic(
    objective: Objective, calls_per_minute: int, incident: timedelta, error_ratio: float
) -> dict[timedelta, WindowCounts]:
    """Counts for every window under steady traffic where the last ``incident`` had
    ``error_ratio`` of calls fail and everything before it succeeded."""
    counts = {}
    for window in required_windows(objective):
        total = calls_per_minute * int(window / MINUTE)
        bad = round(calls_per_minute * int(min(window, incident) / MINUTE) * error_ratio)
        counts[window] = WindowCounts(bad=bad, total=total)
    return counts


def _firing_rows(rows: Iterable[RowResult]) -> list[tuple[timedelta, timedelta]]:
    return [(row.window.short, row.window.long) for row in rows if row.firing]


# --- burn rate ---------------------------------------------------------------------------


def test_burn_rate_is_bad_ratio_over_error_budget() -> None:
    assert burn_rate(1, 100, 0.99) == pytest.approx(1.0)
    assert burn_rate(2, 100, 0.999) == pytest.approx(20.0)


def test_burn_rate_without_calls_is_zero() -> None:
    assert burn_rate(0, 0, 0.99) == 0.0


@pytest.mark.parametrize(("bad", "total", "target"), [(2, 1, 0.99), (-1, 1, 0.99), (0, 1, 1.0)])
def test_burn_rate_rejects_impossible_inputs(bad: int, total: int, target: float) -> None:
    with pytest.raises(ValueError, match=r"need 0 <= bad|target must be"):
        burn_rate(bad, total, target)


def test_window_counts_reject_more_bad_than_total() -> None:
    with pytest.raises(ValueError, match="bad <= total"):
        WindowCounts(bad=5, total=4)


# --- one alert row -----------------------------------------------------------------------


def test_five_minute_total_outage_fires_the_fast_page_row() -> None:
    # 100 calls in 5 minutes, all failing; the hour saw 1200 calls, 100 of them bad.
    result = evaluate_row(
        PAGE_5M_1H, WindowCounts(100, 100), WindowCounts(100, 1200), min_calls=10, target=0.999
    )
    assert result.firing
    assert result.short_burn == pytest.approx(1000)
    assert result.long_burn == pytest.approx(1000 / 12)


def test_total_outage_against_99_percent_pages_after_the_workbooks_8_64_minutes() -> None:
    # Detection time = (1 - SLO) / error ratio * long window * burn rate = 8.64 minutes:
    # after 5 minutes the hour burns only 8.3x, after 9 minutes 15x.
    five_minutes = evaluate_row(
        PAGE_5M_1H, WindowCounts(100, 100), WindowCounts(100, 1200), min_calls=10, target=0.99
    )
    nine_minutes = evaluate_row(
        PAGE_5M_1H, WindowCounts(100, 100), WindowCounts(180, 1200), min_calls=10, target=0.99
    )
    assert not five_minutes.firing
    assert five_minutes.long_burn == pytest.approx(100 / 12)
    assert nine_minutes.firing


def test_one_failure_in_a_quiet_hour_does_not_fire_below_min_calls() -> None:
    # 3 calls in the hour, the last one (in the last 5 minutes) failed: both windows burn
    # far above 14.4, but 3 calls are fewer than min_calls.
    quiet = evaluate_row(
        PAGE_5M_1H, WindowCounts(1, 1), WindowCounts(1, 3), min_calls=10, target=0.99
    )
    assert quiet.short_burn >= 14.4
    assert quiet.long_burn >= 14.4
    assert not quiet.firing
    busy = evaluate_row(
        PAGE_5M_1H, WindowCounts(1, 1), WindowCounts(10, 30), min_calls=10, target=0.99
    )
    assert busy.firing


def test_row_stops_firing_once_the_short_window_recovers() -> None:
    # The hour still shows the burn, but the last 5 minutes were clean.
    result = evaluate_row(
        PAGE_5M_1H, WindowCounts(0, 100), WindowCounts(300, 1200), min_calls=10, target=0.99
    )
    assert result.long_burn >= 14.4
    assert not result.firing


def test_row_does_not_fire_on_a_short_spike_alone() -> None:
    result = evaluate_row(
        PAGE_5M_1H, WindowCounts(50, 100), WindowCounts(50, 1200), min_calls=10, target=0.99
    )
    assert result.short_burn >= 14.4
    assert not result.firing


def test_row_fires_at_exactly_the_burn_rate_despite_float_rounding() -> None:
    # 0.144 / (1 - 0.99) evaluates to 14.399999999999999 in floating point.
    result = evaluate_row(
        PAGE_5M_1H, WindowCounts(144, 1000), WindowCounts(144, 1000), min_calls=10, target=0.99
    )
    assert result.firing


# --- one objective for one group ---------------------------------------------------------


def test_required_windows_are_the_distinct_row_windows_and_the_period() -> None:
    minutes = [w / MINUTE for w in required_windows(_objective())]
    assert minutes == [5, 30, 60, 360, 3 * 24 * 60, 30 * 24 * 60]


def test_outage_pages_for_a_recommended_model_through_the_gateway() -> None:
    objective = _objective(target=0.999)
    counts = _traffic(objective, calls_per_minute=20, incident=5 * MINUTE, error_ratio=1.0)
    assert counts[5 * MINUTE] == WindowCounts(100, 100)
    assert counts[60 * MINUTE] == WindowCounts(100, 1200)

    result = evaluate_objective(
        objective, counts, gateway=True, model="gpt-5", recommended_models=RECOMMENDED
    )
    assert result.severity == "page"
    assert result.firing
    assert not result.downgraded
    assert (PAGE_5M_1H.short, PAGE_5M_1H.long) in _firing_rows(result.rows)


@pytest.mark.parametrize(
    ("gateway", "model"),
    [(True, "llama-3-8b"), (False, "gpt-5"), (True, None)],
    ids=["not-recommended", "not-through-gateway", "unknown-model"],
)
def test_outage_only_opens_a_ticket_for_groups_that_may_not_page(
    gateway: bool, model: str | None
) -> None:
    objective = _objective(target=0.999)
    counts = _traffic(objective, calls_per_minute=20, incident=5 * MINUTE, error_ratio=1.0)
    result = evaluate_objective(
        objective, counts, gateway=gateway, model=model, recommended_models=RECOMMENDED
    )
    assert result.severity == "ticket"
    assert result.downgraded


def test_two_percent_errors_for_six_hours_against_three_nines_fires_every_row() -> None:
    # Burn 20 in every window within the incident: the 30m/6h 6x row fires, and so do
    # the 5m/1h 14.4x row (20 >= 14.4) and the 6h/3d 1x ticket row (3 days burn 20/12).
    objective = _objective(target=0.999)
    counts = _traffic(objective, calls_per_minute=50, incident=timedelta(hours=6), error_ratio=0.02)
    result = evaluate_objective(
        objective, counts, gateway=True, model="claude-sonnet-4", recommended_models=RECOMMENDED
    )
    by_window = {(row.window.short, row.window.long): row for row in result.rows}
    slow_page = by_window[(PAGE_30M_6H.short, PAGE_30M_6H.long)]
    assert slow_page.firing
    assert slow_page.short_burn == pytest.approx(20)
    assert slow_page.long_burn == pytest.approx(20)
    assert all(row.firing for row in result.rows)
    assert result.burn_rates[timedelta(days=3)] == pytest.approx(20 / 12)
    assert result.severity == "page"
    assert result.budget_remaining == pytest.approx(1 - 20 / 120)


def test_only_the_ticket_row_firing_gives_a_ticket_that_is_not_a_downgrade() -> None:
    # 1.2 % errors against 0.99 for 3 days: burn 1.2, below both page rows.
    objective = _objective(target=0.99)
    counts = _traffic(
        objective, calls_per_minute=500, incident=timedelta(days=3), error_ratio=0.012
    )
    result = evaluate_objective(
        objective, counts, gateway=True, model="gpt-5", recommended_models=RECOMMENDED
    )
    assert _firing_rows(result.rows) == [(TICKET_6H_3D.short, TICKET_6H_3D.long)]
    assert result.severity == "ticket"
    assert not result.downgraded


def test_quiet_group_fires_nothing() -> None:
    objective = _objective()
    counts = {window: WindowCounts(0, 0) for window in required_windows(objective)}
    counts[5 * MINUTE] = WindowCounts(1, 1)
    counts[60 * MINUTE] = WindowCounts(1, 3)
    result = evaluate_objective(
        objective, counts, gateway=True, model="gpt-5", recommended_models=RECOMMENDED
    )
    assert result.severity is None
    assert not result.firing
    assert result.budget_remaining == 1.0


@pytest.mark.parametrize(
    ("bad", "total", "remaining"),
    [(0, 1000, 1.0), (5, 1000, 0.5), (10, 1000, 0.0), (20, 1000, -1.0)],
)
def test_budget_remaining_is_the_unspent_share_of_the_period_budget(
    bad: int, total: int, remaining: float
) -> None:
    objective = _objective(target=0.99)
    counts = {window: WindowCounts(0, 100) for window in required_windows(objective)}
    counts[objective.period] = WindowCounts(bad, total)
    result = evaluate_objective(objective, counts, gateway=False, model=None, recommended_models=[])
    assert result.budget_remaining == pytest.approx(remaining)


def test_evaluate_objective_names_the_windows_it_has_no_counts_for() -> None:
    objective = _objective()
    counts = {timedelta(minutes=5): WindowCounts(0, 0)}
    with pytest.raises(
        ValueError, match=r"no counts for windows \['30m', '1h', '6h', '3d', '30d'\]"
    ):
        evaluate_objective(objective, counts, gateway=True, model="gpt-5", recommended_models=[])


# --- mutes -------------------------------------------------------------------------------

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_mute_with_only_some_fields_matches_any_value_of_the_others() -> None:
    mutes = [Mute(provider="openai")]
    assert is_muted(mutes, "llm_error_rate", "openai", "gpt-5", "chat", NOW)
    assert is_muted(mutes, "llm_latency", "openai", None, None, NOW)
    assert not is_muted(mutes, "llm_error_rate", "anthropic", "gpt-5", "chat", NOW)


def test_mute_on_a_field_does_not_match_a_group_without_it() -> None:
    assert not is_muted([Mute(tool="chat")], "tool_error_rate", None, None, None, NOW)


def test_mute_must_match_every_field_it_sets() -> None:
    mutes = [Mute(objective="llm_error_rate", model="gpt-5")]
    assert is_muted(mutes, "llm_error_rate", "openai", "gpt-5", None, NOW)
    assert not is_muted(mutes, "llm_latency", "openai", "gpt-5", None, NOW)
    assert not is_muted(mutes, "llm_error_rate", "openai", "gpt-4o", None, NOW)


def test_mute_ends_at_until() -> None:
    mutes = [Mute(model="gpt-5", until=NOW)]
    assert is_muted(mutes, "x", None, "gpt-5", None, NOW - timedelta(seconds=1))
    assert not is_muted(mutes, "x", None, "gpt-5", None, NOW)


def test_naive_times_are_taken_as_utc() -> None:
    mute = Mute(until=datetime(2026, 11, 21, 12, 0))  # noqa: DTZ001 - naive on purpose
    assert mute.until == NOW
    assert is_muted([mute], "x", None, None, None, datetime(2026, 11, 21, 11, 0))  # noqa: DTZ001


def test_no_mutes_mute_nothing() -> None:
    assert not is_muted([], "llm_error_rate", "openai", "gpt-5", "chat", NOW)


# --- durations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        ("3d", timedelta(days=3)),
        ("30d", timedelta(days=30)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        (" 6h ", timedelta(hours=6)),
    ],
)
def test_parse_duration_reads_number_and_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "m", "5 m", "5min", "-5m", "1.5h", "PT5M"])
def test_parse_duration_rejects_other_spellings_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="durations are written like"):
        parse_duration(text)


def test_parse_duration_rejects_zero() -> None:
    with pytest.raises(ValueError, match="positive"):
        parse_duration("0m")


@pytest.mark.parametrize(
    ("duration", "text"),
    [(timedelta(days=30), "30d"), (timedelta(minutes=90), "1h30m"), (timedelta(weeks=1), "7d")],
)
def test_format_duration_writes_largest_units_first(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text
    assert parse_duration(text) == duration


# --- config ------------------------------------------------------------------------------


def test_shipped_config_loads_with_the_documented_objectives() -> None:
    config = load_slo_config(DEPLOY_SLO.read_text())
    by_name = {objective.name: objective for objective in config.objectives}
    assert {name: o.kind for name, o in by_name.items()} == {
        "llm_error_rate": "llm_error_rate",
        "tool_error_rate": "tool_error_rate",
        "llm_latency": "latency",
    }
    assert by_name["llm_error_rate"].target == 0.999  # a 5-minute outage must page
    assert by_name["tool_error_rate"].target == 0.95
    assert by_name["llm_latency"].target == 0.95
    assert by_name["llm_latency"].latency_threshold_ms == 30000
    for objective in config.objectives:
        assert objective.windows == list(DEFAULT_WINDOWS)
        assert objective.min_calls == (200 if objective.name == "llm_error_rate" else 10)
        assert objective.period == timedelta(days=30)
    assert config.recommended_models == ["claude-sonnet-4", "gpt-5"]
    assert config.mutes == []


def test_config_defaults_windows_period_and_min_calls() -> None:
    config = load_slo_config("objectives:\n  - {name: errors, kind: llm_error_rate, target: 0.9}\n")
    objective = config.objectives[0]
    assert objective.windows == list(DEFAULT_WINDOWS)
    assert objective.period == timedelta(days=30)
    assert objective.min_calls == 10
    assert config.recommended_models == []


def test_default_windows_are_the_workbook_table() -> None:
    table = [(w.short, w.long, w.burn_rate, w.severity) for w in DEFAULT_WINDOWS]
    assert table == [
        (timedelta(minutes=5), timedelta(hours=1), 14.4, "page"),
        (timedelta(minutes=30), timedelta(hours=6), 6, "page"),
        (timedelta(hours=6), timedelta(days=3), 1, "ticket"),
    ]


def test_config_reads_mutes_with_until() -> None:
    config = load_slo_config(
        "objectives: [{name: errors, kind: llm_error_rate, target: 0.99}]\n"
        "mutes:\n"
        "  - {objective: errors, provider: openai, until: 2026-12-01T00:00:00Z, reason: incident}\n"
    )
    assert config.mutes[0].until == datetime(2026, 12, 1, tzinfo=UTC)
    assert is_muted(config.mutes, "errors", "openai", "gpt-5", None, NOW)


def test_config_survives_a_round_trip_through_json_and_yaml() -> None:
    config = load_slo_config(DEPLOY_SLO.read_text())
    dumped = yaml.safe_dump(config.model_dump(mode="json"))
    assert "short: 5m" in dumped
    assert load_slo_config(dumped) == config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("objectives: [", "not valid YAML"),
        ("", "must be a YAML mapping"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("recommended_models: []\n", "objectives: Field required"),
        (
            "objectives: [{name: lat, kind: latency, target: 0.95}]",
            "objectives.0: objective 'lat': kind latency needs latency_threshold_ms",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9, latency_threshold_ms: 5}]",
            "latency_threshold_ms only applies to kind latency",
        ),
        ("objectives: [{name: e, kind: llm_error_rate, target: 1}]", "objectives.0.target"),
        ("objectives: [{name: e, kind: cost, target: 0.9}]", "objectives.0.kind"),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9, period: 30}]",
            "objectives.0.period: invalid duration 30: durations are written like",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9, period: 1d}]",
            "window 3d is longer than the period 1d",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9,"
            " windows: [{short: 1h, long: 5m, burn_rate: 2, severity: page}]}]",
            "short window 1h must be shorter than long window 5m",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9,"
            " windows: [{short: 5m, long: 1h, burn_rate: 2, severity: email}]}]",
            "objectives.0.windows.0.severity",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9, windows: []}]",
            "objectives.0.windows",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9, burn-rate: 3}]",
            "objectives.0.burn-rate: Extra inputs are not permitted",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9},"
            " {name: e, kind: latency, target: 0.9, latency_threshold_ms: 10}]",
            "objective names must be unique, repeated: ['e']",
        ),
        (
            "objectives: [{name: e, kind: llm_error_rate, target: 0.9}]\n"
            "mutes: [{objective: errors}]",
            "mute names unknown objective 'errors'",
        ),
    ],
)
def test_invalid_config_says_where_and_why(text: str, message: str) -> None:
    with pytest.raises(SloConfigError) as caught:
        load_slo_config(text)
    assert message in str(caught.value)


def test_config_objects_can_be_built_in_code_with_timedeltas() -> None:
    window = BurnWindow(
        short=timedelta(minutes=1), long=timedelta(minutes=12), burn_rate=2, severity="ticket"
    )
    objective = Objective(name="fast", kind="llm_error_rate", target=0.9, windows=[window])
    assert required_windows(objective) == [
        timedelta(minutes=1),
        timedelta(minutes=12),
        timedelta(days=30),
    ]
