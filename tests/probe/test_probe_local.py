"""The real probe program, run here on this machine's /proc, checked against psutil."""

from __future__ import annotations

import itertools
import os
import signal
import statistics
import subprocess
import time

import psutil
import pytest

from clustertui.probe.parse import parse_frame
from clustertui.probe.plan import ProbePlan, ServiceCheck
from tests.support.probe import run_probe


def test_probe_agrees_with_psutil_on_cpu_and_memory() -> None:
    """Read psutil right as each frame arrives, so both measure the same window."""
    plan = ProbePlan()
    probe = subprocess.Popen(["sh", "-c", plan.command(2.0, 2)], stdout=subprocess.PIPE, text=True)
    frames, readings, lines = [], [], []
    assert probe.stdout is not None
    for line in probe.stdout:
        lines.append(line)
        if line == "E\n":
            readings.append((psutil.cpu_times(), psutil.virtual_memory()))
            frames.append("".join(lines))
            lines = []
    probe.wait(timeout=10)
    sample = parse_frame(frames[1], plan, time.time())
    (cpu_before, _), (cpu_after, psutil_mem) = readings
    delta = psutil._cpu_times_deltas(cpu_before, cpu_after)
    psutil_cpu = psutil._cpu_busy_time(delta) / psutil._cpu_tot_time(delta) * 100
    assert sample.cpu is not None
    assert sample.cpu_count == psutil.cpu_count()
    assert abs(sample.cpu.percent - psutil_cpu) <= 1.0
    assert sample.mem_total == psutil_mem.total
    assert abs(sample.mem_percent - psutil_mem.percent) <= 1.0
    assert len(sample.cores) == psutil.cpu_count()


@pytest.mark.parametrize("with_ss", [True, False], ids=["ss", "no-ss-fallback"])
def test_probe_sees_a_process_and_its_listening_port(unused_tcp_port: int, with_ss: bool, tmp_path) -> None:
    import os
    import shutil
    import socket

    env = None
    if not with_ss:  # a node without iproute2: the probe reads /proc/net/tcp itself
        for tool in ("sh", "awk", "cat", "sleep", "df", "getconf"):
            os.symlink(shutil.which(tool), tmp_path / tool)
        env = {"PATH": str(tmp_path)}
    with socket.socket() as server:
        server.bind(("127.0.0.1", unused_tcp_port))
        server.listen()
        plan = ProbePlan(services=(ServiceCheck("me", process=psutil.Process().name()[:15], port=unused_tcp_port),))
        (frame,) = run_probe(plan, interval=0.2, count=1, env=env)
        sample = parse_frame(frame, plan, time.time())
    service = sample.services["me"]
    assert service.process_count and service.process_count >= 1
    assert service.listening is True
    assert service.up
    plan_absent = ProbePlan(services=(ServiceCheck("ghost", process="no-such-proc", port=1),))
    (frame,) = run_probe(plan_absent, interval=0.2, count=1, env=env)
    ghost = parse_frame(frame, plan_absent, time.time()).services["ghost"]
    assert ghost.process_count == 0 and ghost.listening is False and not ghost.up


def _gaps(frames: list[str]) -> list[float]:
    uptimes = [parse_frame(frame, ProbePlan(), 0.0).uptime for frame in frames]
    return [b - a for a, b in itertools.pairwise(uptimes)]


def test_probe_paces_frames_at_the_interval() -> None:
    started = time.monotonic()
    frames = run_probe(ProbePlan(), interval=0.25, count=7)
    elapsed = time.monotonic() - started
    assert len(frames) == 7
    gaps = _gaps(frames)
    # The probe keeps to a schedule: a frame late under load shortens the next wait, but no
    # frame comes under half an interval after the last (uptime counts in 10 ms steps), and
    # a busy machine may stall one frame, not the pace.
    assert min(gaps) >= 0.25 / 2 - 0.01, gaps
    assert 0.2 <= statistics.median(gaps) <= 0.3, gaps
    assert elapsed < 10


def test_a_stalled_probe_skips_the_missed_slots_instead_of_bursting() -> None:
    """Stopped for more than two intervals, the probe resumes on its schedule; the slots it
    missed are dropped, never sent back to back."""
    probe = subprocess.Popen(
        ["sh", "-c", ProbePlan().command(0.25, 6)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert probe.stdout is not None
    output = [probe.stdout.readline()]  # the header
    lines: list[str] = []
    frames: list[str] = []
    try:
        for line in probe.stdout:
            lines.append(line)
            if line == "E\n":
                frames.append("".join(lines))
                lines = []
                if len(frames) == 2:
                    os.killpg(probe.pid, signal.SIGSTOP)
                    time.sleep(0.7)
                    os.killpg(probe.pid, signal.SIGCONT)
        probe.wait(timeout=10)
    finally:
        if probe.poll() is None:
            os.killpg(probe.pid, signal.SIGKILL)
            probe.wait()
    assert output[0].startswith("H "), output
    assert len(frames) == 6
    gaps = _gaps(frames)
    assert max(gaps) >= 0.6, gaps  # the stall shows
    assert min(gaps) >= 0.25 / 2 - 0.01, gaps


@pytest.mark.parametrize("path", ["/tmp; rm -rf /", "relative", "/a b"])
def test_plan_rejects_paths_that_could_reach_a_shell(path: str) -> None:
    with pytest.raises(ValueError):
        ProbePlan(paths=(path,))
