"""A drill stopped by its stop condition, in the TUI: the live panel says it is reverting,
the verdict says ABORTED with the condition and when it tripped, the saved report too.

The runner walks the drill as FakeRunner does, but its fault is judged by the real stop
evaluator on failing traffic, and its result comes from the real verdict: the panel shows
what the product computes, not a string the test wrote."""

from __future__ import annotations

import asyncio
import json
import time
from functools import partial
from types import SimpleNamespace

import pytest

from clustertui.chaos import ChaosSession
from clustertui.drills.result import ProbeRecord
from clustertui.drills.session import DrillSession
from clustertui.drills.stops import StopEvaluator, TrafficBucket
from clustertui.drills.traffic import Request
from clustertui.drills.verdict import RunState, verdict
from clustertui.tui.widgets.drill_panel import DrillPanel
from tests.support.waiting import until
from tests.tui.fakes import FakeRunner

pytestmark = pytest.mark.usefixtures("lab_keys_at_home")


class StoppedRunner(FakeRunner):
    """Steady traffic, then a fault under which every request fails until `abort_when` trips."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.looked = asyncio.Event()  # set by the test once it has read the live panel

    async def run(self):  # type: ignore[override]
        started = time.time()
        state = RunState(started=started, steady_success=1.0, target="web2")
        probe = self.probes[0]
        self._phase("steady", self.seconds)
        probe.requests += [Request(started + i / 100, True, 2.0) for i in range(20)]  # before the fault
        await self._hold(self.seconds)
        state.plan = SimpleNamespace(id="f-5700abcd", summary="kill nginx on web2", apply_script="pkill -KILL -x nginx",
                                     revert_script="nginx")
        self.progress.target, self.progress.fault_id = "web2", "f-5700abcd"
        state.applying = time.time()
        state.t_fault = state.applying + 0.05
        self._phase("fault", self.drill.hold)
        evaluator = StopEvaluator(self.drill.abort_when, "web2", state.applying)
        breach = None
        for i in range(1, 100):
            now = state.applying + i * 0.1
            failed = [Request(now - 0.05, False, 1.0, "connection refused")] * 2
            probe.requests += failed
            breach = evaluator.on_bucket(TrafficBucket(now, 2, 0, (1.0, 1.0)))
            if breach is not None:
                break
        assert breach is not None
        self.progress.errors.append(f"{breach.reason()}; reverting")
        self._phase("reverting")
        await asyncio.wait_for(self.looked.wait(), 30)  # the test reads the live panel meanwhile
        state.t_revert, state.breach = breach.t + 0.3, breach
        self._phase("recovery", self.seconds)
        state.ended = state.t_revert + self.seconds
        result = verdict(self.cluster, self.drill, state, [ProbeRecord(probe.label, tuple(probe.requests))], [],
                         time.time())
        self.progress.verdict = result.verdict
        return result


async def test_the_panel_shows_the_stop_condition_live_and_in_the_verdict(make_app, lab_cluster, fake_chaos,
                                                                          tmp_path) -> None:
    assert lab_cluster.drills["web-node-loss"].abort_when, "lab.yaml's web-node-loss arms a stop condition"
    session = DrillSession(ChaosSession(lab_cluster, fake_chaos), partial(StoppedRunner, lab_cluster, seconds=0.2),
                           reports_dir=tmp_path / "drills")  # type: ignore[arg-type]
    app = make_app(link=session, start_drill="web-node-loss")
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: app.drill_run is not None and app.drill_run.runner.progress.phase == "reverting")
        live = str(app.screen_stack[0].query_one(DrillPanel).render())
        assert "stop condition availability_below=0.5,over=1s at +1.0 s" in live and "reverting" in live
        assert " stop if  availability_below=0.5,over=1s" in live  # what is armed, while it runs
        app.drill_run.runner.looked.set()
        await until(pilot, lambda: app.drill_result is not None and app.drill_run.report is not None)
        final = str(app.screen_stack[0].query_one(DrillPanel).render())
        assert " ABORTED " in final
        assert ("why: stop condition availability_below=0.5,over=1s at +1.0 s (availability 0.00 over the "
                "last 1s: 0 of 20 requests ok)") in final
        assert "availability 0.0%" in final  # the fault window it had is measured
        saved = json.loads(app.drill_run.report.with_suffix(".json").read_text())
        assert saved["verdict"] == "aborted" and saved["stop"]["condition"] == "availability_below=0.5,over=1s"
        await pilot.press("q")
    assert app.drill_result.exit_code == 3
