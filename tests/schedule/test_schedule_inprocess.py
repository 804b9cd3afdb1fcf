"""`serve --schedule`: the in-process loop runs each job at its starts, one run at a time,
says which starts a long run made it skip, and ends when stopped.  The clock is scripted
(each reading 20 s later than the last), so no test waits for a minute to turn."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from clustertui.schedule.inprocess import InProcessSchedule
from clustertui.schedule.job import Job, Kind


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=20)
        return self.at


class Recording(InProcessSchedule):
    def __init__(self, *args, long_run: timedelta = timedelta(), stop_after: int = 3, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.long_run, self.stop_after = long_run, stop_after
        self.started: list[tuple[str, str]] = []

    async def run_job(self, job: Job) -> None:
        self.started.append((job.target, f"{self.now.at:%H:%M}"))  # type: ignore[attr-defined]
        self.now.at += self.long_run  # type: ignore[attr-defined]
        if len(self.started) == self.stop_after:
            self.stop.set()


def job(target: str, every: float) -> Job:
    return Job(Path("/x/c.yaml"), "c", target, Kind.DRILL, every, env={})


async def test_runs_each_job_at_its_starts_until_stopped() -> None:
    said: list[str] = []
    monitor = SimpleNamespace(cluster=SimpleNamespace(name="c"))
    loop = Recording(monitor, [job("a", 60), job("b", 120)], asyncio.Event(), lambda _r: None, said.append,
                     now=Clock(datetime(2026, 5, 1, 10, 0, 30)), stop_after=3, recheck=0.01)
    await asyncio.wait_for(loop.run(), timeout=10)
    # a and b are both due at 10:02: a first (the order given), b right after it, late.
    assert loop.started == [("a", "10:01"), ("a", "10:02"), ("b", "10:02")]
    assert said[0] == "schedule: drill a: starting (planned 2026-05-01 10:01)"
    assert not any("skipped" in line for line in said)


async def test_a_long_run_skips_the_starts_it_covered() -> None:
    said: list[str] = []
    monitor = SimpleNamespace(cluster=SimpleNamespace(name="c"))
    loop = Recording(monitor, [job("a", 60)], asyncio.Event(), lambda _r: None, said.append,
                     now=Clock(datetime(2026, 5, 1, 10, 0, 50)), long_run=timedelta(minutes=3), stop_after=2, recheck=0.01)
    await asyncio.wait_for(loop.run(), timeout=10)
    assert [target for target, _ in loop.started] == ["a", "a"]
    assert loop.started[1][1] >= "10:04"  # the next start after the run ended, not the missed 10:02..10:04
    assert any(line.startswith("schedule: drill a: skipped the starts that came while it ran; next at ")
               for line in said), said


async def test_stop_ends_the_wait_at_once() -> None:
    stop = asyncio.Event()
    monitor = SimpleNamespace(cluster=SimpleNamespace(name="c"))
    loop = InProcessSchedule(monitor, [job("a", 86400)], stop, lambda _r: None, lambda _l: None)
    task = asyncio.create_task(loop.run())
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=2)
    assert loop.runs == 0
