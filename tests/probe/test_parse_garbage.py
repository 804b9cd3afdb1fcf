"""Whatever a node prints, the parser raises ProbeError or returns a frame: never a crash."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clustertui.probe.errors import ProbeError
from clustertui.probe.parse import derive_sample, parse_frame, split_header
from clustertui.probe.plan import ProbePlan, ServiceCheck

GOOD = """F 7
u 100.50
c 10 0 5 100 1 0 0 0 0 0
k 0 5 0 2 50 1 0 0 0 0 0
k 1 5 0 3 50 0 0 0 0 0 0
m 1000 400 600 10 100 20 5 0 0 50 30
l 0.10 0.20 0.30 1/50
n eth0 1000 2000
d / 100 40 60
r 50
s P nginx 3
s L 0050 1
E
"""
PLAN = ProbePlan(services=(ServiceCheck("nginx", process="nginx", port=80),))


def test_a_good_frame_parses() -> None:
    frame = parse_frame(GOOD)
    sample = derive_sample(PLAN, None, frame, time.time())
    assert frame.seq == 7 and sample.cpu_count == 2
    assert sample.mem_total == 1000 * 1024 and sample.mem_percent == pytest.approx(40.0)
    assert sample.services["nginx"].up


def test_missing_memavailable_without_zoneinfo_falls_back_to_free_plus_cached() -> None:
    frame = parse_frame(GOOD.replace("m 1000 400 600", "m 1000 400 -"))
    sample = derive_sample(PLAN, None, frame, time.time())
    assert sample.mem_available == (400 + 100) * 1024  # psutil's fallback: free + cached


lines = st.sampled_from(GOOD.splitlines())
mutations = st.one_of(
    st.text(max_size=40),
    lines,
    lines.map(lambda line: line + " 99"),
    lines.map(lambda line: line.replace("1", "-")),
    lines.map(lambda line: line.split(" ")[0] + " x y z"),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(mutations, max_size=20))
def test_mutated_frames_never_crash(body: list[str]) -> None:
    text = "F 1\n" + "\n".join(body) + "\nE\n"
    try:
        frame = parse_frame(text)
    except ProbeError:
        return
    derive_sample(PLAN, frame, frame, time.time())
    derive_sample(PLAN, parse_frame(GOOD), frame, time.time())
    derive_sample(PLAN, frame, parse_frame(GOOD), time.time())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_crashes(text: str) -> None:
    try:
        _info, body = split_header(text)
        parse_frame(body)
    except ProbeError:
        pass
