"""The probe in tests: the real program run on this machine, and a good frame to break."""

from __future__ import annotations

import subprocess

from clustertui.probe.parse import FRAME_END, split_header
from clustertui.probe.plan import ProbePlan, ServiceCheck

GOOD = """F 7 100.50
c 25.0 20.0 4.0 1.0 0.0
k 30.0 20.0
m 1000 600 40.0 2000 500
l 0.10 0.20 0.30
n eth0 1000 2000
p 1.50 0.00 -
d / 100 40 60
r 50
s P nginx 3
s L 80 1
x f-0123abcd
E
"""
PLAN = ProbePlan(services=(ServiceCheck("nginx", process="nginx", port=80),))


def run_probe(plan: ProbePlan, interval: float, count: int, env: dict[str, str] | None = None) -> list[str]:
    output = subprocess.run(
        ["sh", "-c", plan.command(interval, count)], capture_output=True, text=True, timeout=30, check=True, env=env
    ).stdout
    info, body = split_header(output)
    assert info is not None and info.kernel
    return [frame + FRAME_END for frame in body.split(FRAME_END) if frame.strip()]
