"""NodeSession.set_interval hands over from the running probe to one with the new interval,
without a gap when the interval gets shorter; the remote probe is faked here (the lab test,
tests/integration/test_monitor_interval.py, runs the real one)."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from clustertui.probe.plan import ProbePlan
from clustertui.probe.sample import CpuBreakdown, NodeSample
from clustertui.transport import session as session_module
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.session import NodeSession
from clustertui.transport.ssh import SSHTarget


def frame(interval: float, cpu: float | None) -> NodeSample:
    return NodeSample(
        t=0.0, uptime=interval, cpu=None if cpu is None else CpuBreakdown(cpu, cpu, 0, 0, 0), cores=(), cpu_count=1,
        load1=0.1, load5=0.1, load15=0.1, mem_total=1, mem_available=1, mem_percent=10.0, swap_total=0,
        swap_used=0, net=(), disks=(), psi_cpu=None, psi_io=None, psi_memory=None, processes=1,
    )


class Sink:
    def __init__(self) -> None:
        self.samples: list[NodeSample] = []

    def node_state(self, node: str, state, detail: str) -> None:
        pass

    def node_sample(self, node: str, sample: NodeSample) -> None:
        self.samples.append(sample)


@pytest.fixture
def fake_probes(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Each probe: its interval (`uptime` of its frames says which), frames as the real one
    sends them (the first without a CPU rate, at once; then one per interval), until cancelled."""
    started: list[dict] = []

    async def run_probe(conn, command: str, plan, on_sample, interval: float | None = None, on_watch=None) -> None:
        interval = float(command.split("interval=")[1].split("'")[0].split()[0])
        record = {"interval": interval, "cancelled": False}
        started.append(record)
        try:
            on_sample(frame(interval, None), None)
            for i in itertools.count():
                await asyncio.sleep(interval)
                on_sample(frame(interval, float(i)), None)
        except asyncio.CancelledError:
            record["cancelled"] = True
            raise

    monkeypatch.setattr(session_module, "run_probe", run_probe)
    return started


async def streaming(interval: float) -> tuple[NodeSession, Sink, asyncio.Task]:
    sink = Sink()
    session = NodeSession(SSHTarget(name="n", host="127.0.0.1"), ProbePlan(), interval, sink, ConnectionPool())
    task = asyncio.create_task(session._stream(None))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    return session, sink, task


async def test_shorter_interval_hands_over_without_a_frame_lacking_rates(fake_probes) -> None:
    session, sink, task = await streaming(0.3)
    try:
        await asyncio.sleep(0.35)  # the first frame (no rate) and one with a rate
        session.set_interval(0.05)
        await asyncio.sleep(0.3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    intervals = [s.uptime for s in sink.samples]
    assert [s.cpu is None for s in sink.samples].count(True) == 1 and sink.samples[0].cpu is None
    assert intervals[:2] == [0.3, 0.3] and set(intervals[2:]) == {0.05} and len(intervals) >= 6, intervals
    assert [p["interval"] for p in fake_probes] == [0.3, 0.05]
    assert fake_probes[0]["cancelled"]  # the old probe was stopped once the new one took over


async def test_longer_interval_takes_over_at_once(fake_probes) -> None:
    session, sink, task = await streaming(0.05)
    try:
        await asyncio.sleep(0.12)
        session.set_interval(5.0)
        await asyncio.sleep(0.15)  # the old probe must not keep sampling every 50 ms
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    after = [s for s in sink.samples if s.uptime == 5.0]
    assert len(after) == 1 and after[0].cpu is None  # the one frame without a rate
    assert sink.samples[-1].uptime == 5.0 and fake_probes[0]["cancelled"]


async def test_several_changes_in_a_row_leave_one_probe(fake_probes) -> None:
    session, sink, task = await streaming(0.2)
    try:
        await asyncio.sleep(0.05)
        for interval in (0.1, 0.05, 0.02):
            session.set_interval(interval)
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [p["interval"] for p in fake_probes] == [0.2, 0.1, 0.05, 0.02]
    assert all(p["cancelled"] for p in fake_probes)  # the three old ones taken over, the last by the end
    assert sink.samples[-1].uptime == 0.02 and all(s.cpu is not None for s in sink.samples[1:])
