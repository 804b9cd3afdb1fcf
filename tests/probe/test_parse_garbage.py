"""Whatever a node prints, the parser raises ProbeError or returns a sample: never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clustertui.probe.errors import ProbeError
from clustertui.probe.parse import parse_frame, split_header
from tests.support.probe import GOOD, PLAN


def test_a_good_frame_parses() -> None:
    sample = parse_frame(GOOD, PLAN, 1.0)
    assert sample.cpu is not None and sample.cpu.percent == 25.0 and sample.cpu.iowait == 1.0
    assert sample.cores == (30.0, 20.0) and sample.cpu_count == 2
    assert sample.mem_total == 1000 * 1024 and sample.mem_percent == 40.0
    assert sample.swap_used == 500 * 1024
    assert sample.rx_bps == 1000 and sample.psi_cpu == 1.5 and sample.psi_memory is None
    assert sample.disks[0].percent == 40.0
    assert sample.services["nginx"].up and sample.faults == ("f-0123abcd",)


def test_first_frame_has_no_rates_but_knows_its_cores() -> None:
    first = GOOD.replace("c 25.0 20.0 4.0 1.0 0.0", "c - - - - -").replace("k 30.0 20.0", "k - -")
    sample = parse_frame(first, PLAN, 1.0)
    assert sample.cpu is None and sample.cores == () and sample.cpu_count == 2


@pytest.mark.parametrize(
    ("line", "replacement"),
    [
        ("c 25.0 20.0 4.0 1.0 0.0", "c 250.0 20.0 4.0 1.0 0.0"),  # a percentage over 100
        ("c 25.0 20.0 4.0 1.0 0.0", "c nan 20.0 4.0 1.0 0.0"),
        ("m 1000 600 40.0 2000 500", "m -5 600 40.0 2000 500"),
        ("n eth0 1000 2000", "n eth0 inf 2000"),
        ("r 50", "r lots"),
        ("s P nginx 3", "s Q nginx 3"),
        ("l 0.10 0.20 0.30", "l 0.10"),
        ("E", "EOF"),
    ],
)
def test_lies_are_probe_errors(line: str, replacement: str) -> None:
    with pytest.raises(ProbeError):
        parse_frame(GOOD.replace(line, replacement), PLAN, 1.0)


lines = st.sampled_from(GOOD.splitlines()[1:-1])
mutations = st.one_of(
    st.text(max_size=40),
    lines,
    lines.map(lambda line: line + " 99"),
    lines.map(lambda line: line.replace("1", "-")),
    lines.map(lambda line: line.replace("0", "9e999")),
    lines.map(lambda line: line.split(" ")[0] + " x y z"),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(mutations, max_size=20))
def test_mutated_frames_never_crash(body: list[str]) -> None:
    try:
        parse_frame("F 1 5.0\n" + "\n".join(body) + "\nE\n", PLAN, 1.0)
    except ProbeError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_random_text_never_crashes(text: str) -> None:
    try:
        _info, body = split_header(text)
        parse_frame(body, PLAN, 1.0)
    except ProbeError:
        pass
