"""Schedules run inside a long-lived process (`clustertui serve --schedule`), on its monitor.

The same jobs and calendar as the installed kind (a systemd timer or a cron entry): a drill
or a scenario, every D inside a window, local time.  What differs is where it runs: on the
serving process's own monitor and connections (no new process, no key exchange), with its
result handed to `on_result` at once (the exporter shows it) and recorded in the history
with the origin `schedule`, like the installed kind's runs.

One run at a time, in start order: two faults of one controller never overlap.  A start that
passes while another run is still going is skipped (said on stderr), as systemd does not
start a oneshot service that is still active.  `stop` (SIGTERM) aborts the running drill,
which reverts its fault, and ends the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from clustertui.chaos import ChaosSession
from clustertui.drills.result import DrillResult
from clustertui.drills.session import DrillSession
from clustertui.engine.monitor import ClusterMonitor
from clustertui.gameday.record import ScenarioRecorder
from clustertui.gameday.session import GamedaySession
from clustertui.history import DrillRecorder
from clustertui.schedule.calendar import next_start
from clustertui.schedule.job import Job, Kind

#: The longest sleep before the next start is computed again: follows clock changes (NTP, DST).
RECHECK = 60.0
ORIGIN = "schedule"


class InProcessSchedule:
    def __init__(self, monitor: ClusterMonitor, jobs: Sequence[Job], stop: asyncio.Event,
                 on_result: Callable[[DrillResult], None], say: Callable[[str], None],
                 history: str | Path | None = None, record: bool = True,
                 now: Callable[[], datetime] = datetime.now, recheck: float = RECHECK) -> None:
        self.monitor = monitor
        self.cluster = monitor.cluster
        self.jobs = tuple(jobs)
        self.stop = stop
        self.on_result = on_result
        self.say = say
        self.history = history
        self.record = record
        self.now = now
        self.recheck = recheck  # the longest sleep before the clock is read again
        self.runs = 0

    def upcoming(self, after: datetime) -> list[tuple[datetime, Job]]:
        """Each job's next start after `after`, soonest first (ties in the order given)."""
        return sorted(((next_start(job.calendar, after), job) for job in self.jobs), key=lambda pair: pair[0])

    async def run(self) -> None:
        """Run each job at its starts until `stop` is set.  A job whose start came while
        another ran runs as soon as that one ends; starts of its own that a run of a job
        outlasted are skipped, and said."""
        first = self.now()
        due = [next_start(job.calendar, first) for job in self.jobs]
        while not self.stop.is_set():
            index = min(range(len(self.jobs)), key=lambda i: due[i])
            job, start = self.jobs[index], due[index]
            wait = (start - self.now()).total_seconds()
            if wait > 0:
                try:
                    await asyncio.wait_for(self.stop.wait(), min(wait, self.recheck))
                    return
                except TimeoutError:
                    continue  # not yet (or the clock moved): read it again
            self.say(f"schedule: {job.kind} {job.target}: starting (planned {start:%Y-%m-%d %H:%M})")
            await self.run_job(job)
            ended = self.now()
            due[index] = next_start(job.calendar, ended)
            if next_start(job.calendar, start) < ended and not self.stop.is_set():
                self.say(f"schedule: {job.kind} {job.target}: skipped the starts that came while it ran; "
                         f"next at {due[index]:%Y-%m-%d %H:%M}")

    async def run_job(self, job: Job) -> None:
        """One run of `job` on the monitor, its faults through a chaos session of its own."""
        self.runs += 1
        async with ChaosSession.open(self.cluster, pool=self.monitor.pool) as chaos:
            if job.kind is Kind.DRILL:
                drills = DrillSession.for_monitor(chaos, self.monitor, self._drill_recorder())
                result = await drills.run(drills.start(self.cluster.drills[job.target], lambda _progress: None,
                                                       self.stop))
                results = [result]
                verdict = str(result.verdict)
            else:
                days = GamedaySession.for_monitor(chaos, self.monitor, self._scenario_recorder())
                outcome = await days.run(days.start(self.cluster.scenarios[job.target], lambda _progress: None,
                                                    self.stop))
                results = outcome.drills
                verdict = str(outcome.verdict)
        for each in results:
            self.on_result(each)
        self.say(f"schedule: {job.kind} {job.target}: {verdict.upper()}")

    def _drill_recorder(self) -> DrillRecorder | None:
        return DrillRecorder(self.cluster, ORIGIN, self.history) if self.record else None

    def _scenario_recorder(self) -> ScenarioRecorder | None:
        return ScenarioRecorder(self.cluster, ORIGIN, self.history) if self.record else None
