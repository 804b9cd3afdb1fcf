"""The regression rule (docs/history.md) on synthetic series: each flag, its thresholds on
both sides, and what never counts (aborted runs, noise below the floor)."""

from __future__ import annotations

import itertools

import pytest

from clustertui.history import Figures, RunKind, RunSummary
from clustertui.history.regression import flags, judge

_ids = itertools.count(1)


def run(verdict: str = "passed", failover: float | None = 1.0, detect: float | None = 0.5,
        recover: float | None = 0.6, availability: float | None = 1.0) -> RunSummary:
    i = next(_ids)
    return RunSummary(
        id=i, kind=RunKind.DRILL, cluster="lab", name="web-node-loss", verdict=verdict, reason="", started=1e9 + i,
        ended=1e9 + i + 20, figures=Figures(availability, 0.0, detect, failover, recover), target="web1",
        fault_kind="kill", service="nginx", role="web", origin="cli", tool_version="0.1.0", cluster_hash="h",
        parent=None,
    )


def kinds(current: RunSummary, before: list[RunSummary]) -> list[str]:
    return [flag.kind for flag in judge(current, before)]


def test_a_steady_series_has_no_flag() -> None:
    series = [run(failover=f) for f in (1.0, 1.1, 0.9, 1.2, 1.0, 1.05)]
    assert flags(series) == {}


def test_failover_above_one_and_a_half_times_the_median_of_the_last_five_passing() -> None:
    base = [run(failover=f) for f in (9.0, 1.0, 1.2, 0.8, 1.0, 1.1)]  # 9.0 is out of the last five
    assert kinds(run(failover=1.45), base) == []
    slow = run(failover=2.2)
    [flag] = judge(slow, base)
    assert flag.kind == "slower-failover" and "2.20 s > 1.5 x 1.00 s" in flag.text and "last 5 passing" in flag.text


def test_the_absolute_floor_keeps_small_times_from_flagging() -> None:
    # healthy lab runs of web-node-loss measured 0.15 s and 0.91 s: detection lands anywhere in a 1 s interval
    base = [run(failover=0.2) for _ in range(5)]
    assert kinds(run(failover=0.91), base) == []  # 4.5x, but within an interval
    assert kinds(run(failover=1.2), base) == []  # exactly one interval slower
    assert kinds(run(failover=1.3), base) == ["slower-failover"]


def test_one_earlier_run_is_not_a_baseline() -> None:
    assert kinds(run(failover=4.0), [run(failover=0.2)]) == []
    assert kinds(run(failover=4.0), [run(failover=0.2), run(failover=0.3)]) == ["slower-failover"]


def test_detect_and_recover_follow_the_same_rule() -> None:
    base = [run() for _ in range(3)]
    assert kinds(run(detect=1.8, recover=2.0), base) == ["slower-detect", "slower-recover"]


def test_a_pass_turned_fail_is_flagged_and_aborted_runs_are_skipped() -> None:
    before = [run(), run(verdict="aborted", failover=None, availability=None)]
    assert kinds(run(verdict="failed"), before) == ["pass-to-fail"]
    assert kinds(run(verdict="failed"), [run(verdict="failed")]) == []  # still failing: not a new regression
    assert kinds(run(verdict="aborted", failover=9.0, availability=0.0), before) == []


def test_failed_runs_are_not_a_baseline() -> None:
    before = [run(verdict="failed", failover=10.0), run(verdict="failed", failover=10.0)]
    assert kinds(run(failover=12.0), before) == []  # no passing run to compare with


def test_availability_more_than_five_points_below_the_run_before() -> None:
    assert kinds(run(availability=0.951), [run(availability=1.0)]) == []
    assert kinds(run(availability=0.949), [run(availability=1.0)]) == ["availability-drop"]
    # compared with the last run that measured one, passing or not
    assert kinds(run(availability=0.80), [run(availability=1.0), run(verdict="failed", availability=0.82)]) == []


def test_no_failover_after_runs_that_failed_over() -> None:
    assert kinds(run(verdict="failed", failover=None), [run(), run()]) == ["pass-to-fail", "no-failover"]


def test_flags_judge_each_run_against_the_runs_before_it_only() -> None:
    series = [run(failover=1.0), run(failover=1.0), run(failover=3.0), run(failover=1.0)]
    assert {i: [f.kind for f in fs] for i, fs in flags(series).items()} == {series[2].id: ["slower-failover"]}


@pytest.mark.parametrize("failover", [1.49, 1.5])
def test_exactly_one_and_a_half_times_is_not_flagged(failover: float) -> None:
    base = [run(failover=1.0) for _ in range(5)]
    assert kinds(run(failover=failover), base) == []
