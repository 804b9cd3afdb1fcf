"""The game day runner on scripted drills: gating (a step that does not pass skips the rest),
parallel groups that start their faults together or not at all, ramps that stop at the first
level that fails, pauses, checks and the operator's stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.drills.result import Verdict
from clustertui.gameday.runner import ScenarioRunner
from tests.support.gameday import CLUSTER, DrillLog, FakeMonitor, scripted_runners


@pytest.fixture
def cluster(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text(CLUSTER)
    return load_cluster(path)


def runner(cluster, name: str, script=lambda drill, target: Verdict.PASSED, log: DrillLog | None = None,
           monitor=None, **options) -> tuple[ScenarioRunner, DrillLog]:
    log = log or DrillLog()
    made = ScenarioRunner(cluster, cluster.scenarios[name], monitor or FakeMonitor(cluster), None,  # type: ignore[arg-type]
                          new_drill_runner=scripted_runners(cluster, script, log), **options)
    return made, log


def verdicts(result) -> list[str]:
    return [step.shown for step in result.steps]


async def test_every_step_passes_in_order(cluster) -> None:
    scenario, log = runner(cluster, "abc")
    result = await scenario.run()
    assert result.verdict is Verdict.PASSED and result.exit_code == 0 and result.reason == ""
    assert verdicts(result) == ["passed"] * 3
    assert [drill for drill, _ in log.of("start")] == ["a", "b", "c"]
    assert [d.drill for d in result.drills] == ["a", "b", "c"]
    starts = [step.started for step in result.steps]
    assert starts == sorted(starts) and all(s.ended >= s.started for s in result.steps)


async def test_a_failed_step_skips_every_later_step(cluster) -> None:
    scenario, log = runner(cluster, "abc", script=lambda drill, _t: Verdict.FAILED if drill == "b" else Verdict.PASSED)
    result = await scenario.run()
    assert verdicts(result) == ["passed", "failed", "skipped"]
    assert result.verdict is Verdict.FAILED and result.exit_code == 1
    assert result.reason == "step 2 (drill b) failed: availability: expected >= 95.0%, measured 40.0%"
    assert result.steps[2].reason == "skipped: step 2 failed" and result.steps[2].started is None
    assert [drill for drill, _ in log.of("start")] == ["a", "b"]  # c never started


async def test_an_aborted_step_gives_exit_3(cluster) -> None:
    scenario, _ = runner(cluster, "abc", script=lambda drill, _t: Verdict.ABORTED if drill == "a" else Verdict.PASSED)
    result = await scenario.run()
    assert verdicts(result) == ["aborted", "skipped", "skipped"] and result.exit_code == 3
    assert "steady state does not hold" in result.reason


async def test_a_referenced_scenario_runs_in_place_labelled(cluster) -> None:
    scenario, log = runner(cluster, "nested")
    assert [s.label for s in scenario.steps] == ["warm > wait 0.01s", "warm > drill a", "drill c"]
    result = await scenario.run()
    assert verdicts(result) == ["passed"] * 3 and [d for d, _ in log.of("start")] == ["a", "c"]


async def test_a_parallel_group_injects_together(cluster) -> None:
    scenario, log = runner(cluster, "together")
    result = await scenario.run()
    assert verdicts(result) == ["passed", "passed"]
    kinds = [what for what, drill, _ in log.events if drill in ("a", "b")]
    assert kinds[:2] == ["start", "start"] and kinds[2:4] == ["fault", "fault"]  # both steady before either fault
    assert len(result.steps[0].drills) == 2 and len(result.steps[0].notes) == 3


async def test_a_part_that_aborts_before_its_fault_stops_the_others_injecting(cluster) -> None:
    scenario, log = runner(cluster, "together",
                           script=lambda drill, _t: Verdict.ABORTED if drill == "a" else Verdict.PASSED)
    result = await scenario.run()
    assert verdicts(result) == ["aborted", "skipped"]
    assert log.of("fault") == []  # b waited at the start line and never injected
    notes = result.steps[0].notes
    assert notes[0].startswith("drill a: aborted (steady state does not hold")
    assert notes[1] == ("drill b: aborted (another part of the parallel group ended before its fault; "
                        "none was injected)")
    assert notes[2] == "wait 0.01s: passed"


async def test_a_ramp_widens_until_the_first_failed_level(cluster) -> None:
    scenario, log = runner(cluster, "ramp",
                           script=lambda _d, target: Verdict.FAILED if target == "web2" else Verdict.PASSED)
    result = await scenario.run()
    assert verdicts(result) == ["failed", "skipped"]
    faults = log.of("fault")
    assert faults[0] == ("a", "web1") and sorted(faults[1:]) == [("a", "web1"), ("a", "web2")]  # never level 3
    ramp = result.steps[0]
    assert ramp.notes[0] == "1 node(s) (web1): passed"
    assert ramp.notes[1].startswith("2 node(s) (web1, web2): failed")
    assert ramp.reason.startswith("held up to 1 node(s); at 2 node(s): a on web2: failed")
    assert [d.target for d in ramp.drills] == ["web1", "web1", "web2"]


async def test_a_ramp_that_holds_passes_every_level(cluster) -> None:
    scenario, log = runner(cluster, "ramp")
    result = await scenario.run()
    assert verdicts(result) == ["passed", "passed"]
    assert len(result.steps[0].notes) == 3 and len(log.of("fault")) == 1 + 2 + 3 + 1


async def test_a_headless_pause_continues_with_auto_continue(cluster) -> None:
    scenario, _ = runner(cluster, "paused", auto_continue=True)
    result = await scenario.run()
    assert verdicts(result) == ["passed", "passed"]
    assert result.steps[0].notes == ("continued without the operator (--yes)",)


async def test_a_pause_waits_for_the_operator(cluster) -> None:
    scenario, log = runner(cluster, "paused")
    task = asyncio.create_task(scenario.run())
    for _ in range(100):
        await asyncio.sleep(0.01)
        if scenario.progress.paused is not None:
            break
    assert scenario.progress.paused == "look at the dashboards" and log.events == []
    assert scenario.resume()
    result = await task
    assert verdicts(result) == ["passed", "passed"] and not scenario.resume()


async def test_stopping_at_a_pause_skips_the_rest(cluster) -> None:
    stop = asyncio.Event()
    scenario, log = runner(cluster, "paused", stop=stop)
    task = asyncio.create_task(scenario.run())
    await asyncio.sleep(0.05)
    stop.set()
    result = await task
    assert verdicts(result) == ["aborted", "skipped"] and result.exit_code == 3
    assert result.steps[1].reason == "skipped: step 1 aborted" and log.events == []


async def test_stopping_mid_drill_aborts_it_and_skips_the_rest(cluster) -> None:
    stop = asyncio.Event()
    log = DrillLog()
    scenario = ScenarioRunner(cluster, cluster.scenarios["abc"], FakeMonitor(cluster), None,  # type: ignore[arg-type]
                              new_drill_runner=scripted_runners(cluster, lambda *_: Verdict.PASSED, log, seconds=5),
                              stop=stop)
    task = asyncio.create_task(scenario.run())
    await asyncio.sleep(0.1)
    stop.set()
    result = await asyncio.wait_for(task, 5)
    assert verdicts(result) == ["aborted", "skipped", "skipped"]
    assert result.steps[0].reason == "interrupted by the operator"


async def test_a_check_that_never_holds_fails_after_its_time(cluster) -> None:
    monitor = FakeMonitor(cluster)
    monitor.up = 1  # 1 of 3: no majority
    scenario, log = runner(cluster, "checked", monitor=monitor)
    result = await scenario.run()
    assert verdicts(result) == ["failed", "skipped"] and log.events == []
    assert result.steps[0].reason == "after 0.3s: 1/3 up · QUORUM LOST (needs 2)"


async def test_a_check_passes_as_soon_as_it_holds(cluster) -> None:
    scenario, _ = runner(cluster, "checked")
    result = await scenario.run()
    assert verdicts(result) == ["passed", "passed"]
    assert result.steps[0].ended - result.steps[0].started < 0.3


async def test_a_stop_condition_trips_during_a_wait_and_skips_the_rest(cluster) -> None:
    monitor = FakeMonitor(cluster)
    scenario, log = runner(cluster, "guarded", monitor=monitor)
    assert scenario.progress.stop_conditions == ("quorum_lost",)
    task = asyncio.create_task(scenario.run())
    await asyncio.sleep(0.3)
    monitor.up = 1  # two of three nodes lost: no majority
    result = await asyncio.wait_for(task, 3)  # well before the wait's 5 s
    assert verdicts(result) == ["aborted", "skipped"] and result.exit_code == 3 and log.events == []
    reason = result.steps[0].reason
    assert reason.startswith("stop condition quorum_lost at +0.") and "QUORUM LOST" in reason
    assert result.reason == f"step 1 (wait 5s) aborted: {reason}"
    assert result.stop_conditions == ("quorum_lost",)


async def test_each_drill_judges_the_scenarios_stop_conditions_beside_its_own(cluster) -> None:
    seen: list[tuple[str, ...]] = []
    log = DrillLog()
    new = scripted_runners(cluster, lambda *_: Verdict.PASSED, log)

    def spy(drill, on_change, stop, ready):
        seen.append(tuple(condition.text() for condition in drill.abort_when))
        return new(drill, on_change, stop, ready)

    scenario = ScenarioRunner(cluster, cluster.scenarios["guarded"].model_copy(update={"steps": cluster.scenarios["guarded"].steps[1:]}),
                              FakeMonitor(cluster), None, new_drill_runner=spy)  # type: ignore[arg-type]
    result = await scenario.run()
    assert verdicts(result) == ["passed"] and seen == [("quorum_lost",)]
