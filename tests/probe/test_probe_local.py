"""The real probe program, run here on this machine's /proc, checked against psutil."""

from __future__ import annotations

import itertools
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


def test_probe_paces_frames_at_the_interval() -> None:
    started = time.monotonic()
    frames = run_probe(ProbePlan(), interval=0.25, count=5)
    elapsed = time.monotonic() - started
    assert len(frames) == 5
    uptimes = [parse_frame(frame, ProbePlan(), 0.0).uptime for frame in frames]
    gaps = [b - a for a, b in itertools.pairwise(uptimes)]
    # The probe keeps to a schedule (a frame late under load makes the next one early), so
    # the pace shows in the whole span; no two frames come back to back.
    assert 0.8 <= sum(gaps) <= 1.4 and min(gaps) >= 0.05, gaps
    assert elapsed < 5


@pytest.mark.parametrize("path", ["/tmp; rm -rf /", "relative", "/a b"])
def test_plan_rejects_paths_that_could_reach_a_shell(path: str) -> None:
    with pytest.raises(ValueError):
        ProbePlan(paths=(path,))
