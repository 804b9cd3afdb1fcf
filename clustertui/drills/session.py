"""`DrillSession`: running drills inside a chaos session, for the CLI and the TUI alike.

A drill runs on a monitor and through the operator's `ChaosSession` (so its fault counts as
the session's own, and is reverted with the session's if everything else fails).  This
module owns what happens around a run: a stop event the operator can set, a runner that
broke still giving an `aborted` verdict, and the HTML and JSON reports saved where the
user can find them.  It imports no Textual.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from clustertui.chaos import ChaosSession
from clustertui.chaos.audit import state_dir
from clustertui.config import Cluster, Drill
from clustertui.config.notify import NotifyEvent
from clustertui.drills.export import RENDERERS
from clustertui.drills.result import ABORTED, DrillResult
from clustertui.drills.runner import DrillRunner, Progress
from clustertui.engine.monitor import ClusterMonitor
from clustertui.report.writer import save_run_reports

RunnerFactory = Callable[[Drill, Callable[[Progress], None], asyncio.Event], DrillRunner]
#: Records a finished run somewhere (the history, clustertui/history): returns its id, raises
#: with a one-line message when it cannot.
Recorder = Callable[[DrillResult, Drill], int]


@dataclass
class DrillRun:
    """A drill started in a session: its runner while it runs, its result and report after."""

    drill: Drill
    runner: DrillRunner
    stop: asyncio.Event
    started: float = field(default_factory=time.time)
    result: DrillResult | None = None
    report: Path | None = None  # the HTML report (the JSON one sits next to it)
    report_error: str = ""
    history_id: int | None = None  # the run's id in the history, once recorded
    history_error: str = ""  # why it was not recorded

    @property
    def running(self) -> bool:
        return self.result is None


def aborted_result(cluster: Cluster, drill: Drill, started: float, reason: str) -> DrillResult:
    """The verdict of a drill that could not give one itself (its runner broke, or the app
    ended before it ran)."""
    return DrillResult(drill=drill.name, cluster=cluster.name, description=drill.description, verdict=ABORTED,
                       reason=reason, started=started, ended=time.time(), fault_kind=drill.fault.kind)


class DrillSession:
    def __init__(
        self, chaos: ChaosSession, new_runner: RunnerFactory, reports_dir: Path | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        """`recorder`: where each finished run is recorded (None: nowhere, `--no-history`)."""
        self.chaos = chaos
        self.cluster = chaos.cluster
        self.new_runner = new_runner
        self.reports_dir = reports_dir or state_dir() / "drills"
        self.recorder = recorder

    @classmethod
    def for_monitor(cls, chaos: ChaosSession, monitor: ClusterMonitor,
                    recorder: Recorder | None = None) -> DrillSession:
        """Drills on `monitor`, their faults through `chaos`, their runs to `recorder`."""

        def new_runner(drill: Drill, on_change: Callable[[Progress], None], stop: asyncio.Event) -> DrillRunner:
            return DrillRunner(chaos.cluster, drill, monitor, chaos, on_change=on_change, stop=stop)

        return cls(chaos, new_runner, recorder=recorder)

    @property
    def drills(self) -> Mapping[str, Drill]:
        return self.cluster.drills

    def start(self, drill: Drill, on_change: Callable[[Progress], None], stop: asyncio.Event | None = None) -> DrillRun:
        """A run ready to go (`run` it); `stop` set by the operator aborts it, which reverts."""
        stop = stop or asyncio.Event()
        return DrillRun(drill, self.new_runner(drill, on_change, stop), stop)

    async def run(self, run: DrillRun) -> DrillResult:
        """Run the drill to its verdict; a runner that broke gives `aborted`, with why."""
        try:
            result = await run.runner.run()
        except Exception as exc:  # the runner itself broke; it reverted in its finally
            result = aborted_result(self.cluster, run.drill, run.started, f"the drill broke: {exc}")
        await self.record(run, result)
        run.result = result
        self._notify(result)
        return result

    async def record(self, run: DrillRun, result: DrillResult) -> None:
        """Hand the result to the recorder; a failure is kept in `history_error`."""
        if self.recorder is not None:
            run.history_id, run.history_error = await in_history(self.recorder, result, run.drill)

    def _notify(self, result: DrillResult) -> None:
        """The verdict to the webhooks (`abort` for an aborted run, `drill` otherwise)."""
        self.chaos.chaos.notifier.verdict(NotifyEvent.DRILL, result.drill, str(result.verdict), result.reason,
                                          node=result.target, availability=result.availability)

    async def save(self, run: DrillRun) -> None:
        """Write a finished run's HTML and JSON reports to the reports directory: its
        `report`, or why not in `report_error`."""
        assert run.result is not None
        try:
            run.report = await asyncio.to_thread(self.save_report, run.result)
        except OSError as exc:
            run.report_error = f"not saved: {exc}"

    def save_report(self, result: DrillResult) -> Path:
        """Write the drill's HTML and JSON reports; returns the HTML one's path."""
        return save_run_reports(self.reports_dir, result.drill, result.started, RENDERERS, result)


async def in_history(record: Callable[..., int], *args: object) -> tuple[int | None, str]:
    """Record a finished run (in a thread: SQLite may wait for a lock): its history id, or
    why not -- never lost and never fatal to the run (a drill's or a game day's)."""
    try:
        return await asyncio.to_thread(record, *args), ""
    except Exception as exc:  # HistoryError, or the disk
        return None, f"not recorded in the history: {exc}"
