"""Every bound of probe/limits.py holds: at the bound a frame parses, past it the node is a
ProbeError that names the bound; the channel's frame cutting is linear whatever the packets."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clustertui.probe.errors import ProbeError
from clustertui.probe.limits import MAX_CORES, MAX_FRAME, MAX_LINE, MAX_NUMBER, MAX_RECORDS
from clustertui.probe.parse import FRAME_END, parse_frame, split_header
from clustertui.transport.channel import FrameBuffer
from tests.support.probe import GOOD, PLAN


def _with(line: str, replacement: str) -> str:
    assert line in GOOD
    return GOOD.replace(line, replacement)


@pytest.mark.parametrize(
    ("line", "replacement", "reason"),
    [
        ("m 1000 600", "m " + "9" * 400 + " 600", "not a count"),
        ("m 1000 600", f"m {MAX_NUMBER + 1} 600", "out of range"),
        ("r 50", "r -50", "not a count"),
        ("r 50", "r \u0663", "not a count"),  # ARABIC-INDIC DIGIT THREE: int() would take it
        ("r 50", "r \u00b3", "not a count"),  # SUPERSCRIPT THREE: isdigit() is true, int() fails
        ("l 0.10 0.20 0.30", "l 1e300 0.20 0.30", "out of range"),
        ("l 0.10 0.20 0.30", "l 1_0 0.20 0.30", "ASCII"),
        ("l 0.10 0.20 0.30", "l -0.5 0.20 0.30", "out of range"),
        ("n eth0 1000 2000", "n eth0 " + "1" * 400 + " 2000", "ASCII characters"),
        ("d / 100 40 60", "d / 100 -40 60", "not a count"),
        ("s L 80 1", "s L 99999 1", "port out of range"),
        ("s P nginx 3", "s P nginx 3.5", "not a count"),
        ("F 7 100.50", "F 7 nan", "out of range"),
    ],
)
def test_numbers_out_of_bounds_are_probe_errors(line: str, replacement: str, reason: str) -> None:
    with pytest.raises(ProbeError, match=reason):
        parse_frame(_with(line, replacement), PLAN, 1.0)


def test_the_largest_numbers_allowed_parse() -> None:
    sample = parse_frame(_with("m 1000 600", f"m {MAX_NUMBER} {MAX_NUMBER}"), PLAN, 1.0)
    assert sample.mem_total == MAX_NUMBER * 1024
    assert float(sample.mem_total) > 0  # arithmetic on it works: no OverflowError


def test_cores_at_and_over_the_bound() -> None:
    at = parse_frame(_with("k 30.0 20.0", "k" + " 100.0" * MAX_CORES), PLAN, 1.0)
    assert at.cpu_count == MAX_CORES
    with pytest.raises(ProbeError, match="cores, over the limit"):
        parse_frame(_with("k 30.0 20.0", "k" + " 1" * (MAX_CORES + 1)), PLAN, 1.0)


def test_a_line_over_the_bound() -> None:
    with pytest.raises(ProbeError, match=r"line of .* over the limit"):
        parse_frame(_with("x f-0123abcd", "x " + "a" * MAX_LINE), PLAN, 1.0)


def test_records_at_and_over_the_bound() -> None:
    nets = "".join(f"n veth{i} 1 2\n" for i in range(MAX_RECORDS - 12))
    at = parse_frame(GOOD.replace("n eth0 1000 2000\n", nets), PLAN, 1.0)
    assert len(at.net) == MAX_RECORDS - 12
    too_many = "".join(f"n veth{i} 1 2\n" for i in range(MAX_RECORDS + 1))
    with pytest.raises(ProbeError, match="records"):
        parse_frame(GOOD.replace("n eth0 1000 2000\n", too_many), PLAN, 1.0)


def test_a_frame_over_the_bound() -> None:
    faults = "".join(f"x f-{i:08x}{'z' * 200}\n" for i in range(MAX_FRAME // 200))
    with pytest.raises(ProbeError, match=r"frame of .* over the limit"):
        parse_frame(GOOD.replace("x f-0123abcd\n", faults), PLAN, 1.0)


@pytest.mark.parametrize(
    "header",
    ["H host 6.1 \u00b2", "H host 6.1 0", "H host 6.1 -4096", "H " + "h" * 300 + " 6.1 4096", "H host 6.1", "H " + "x " * 10_000],
)
def test_a_malformed_header_is_a_probe_error(header: str) -> None:
    with pytest.raises(ProbeError, match="malformed header"):
        split_header(header + "\n" + GOOD)


# -- the channel's frame cutting ----------------------------------------------------------


def test_frames_split_across_packets_at_every_point() -> None:
    stream = "H host 6.1 4096\n" + GOOD + GOOD
    for cut in range(1, len(stream)):
        buffer = FrameBuffer()
        frames = buffer.feed(stream[:cut]) + buffer.feed(stream[cut:])
        assert "".join(frames) == stream and len(frames) == 2, cut
        assert buffer.rest() == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(GOOD) * 3), max_size=12), st.text(max_size=50))
def test_any_packet_boundaries_give_the_same_frames(cuts: list[int], tail: str) -> None:
    stream = GOOD * 3 + tail.replace("\nE\n", "")
    points = sorted({min(c, len(stream)) for c in cuts} | {0, len(stream)})
    buffer = FrameBuffer()
    frames = [f for a, b in itertools.pairwise(points) for f in buffer.feed(stream[a:b])]
    assert frames == [GOOD] * 3
    assert buffer.rest() == stream[len(GOOD) * 3 :]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("FEHckmlnx 0123456789.-\n\u00b3\x1b["), max_size=200), max_size=30))
def test_garbage_packets_only_ever_raise_probe_error(packets: list[str]) -> None:
    buffer = FrameBuffer()
    try:
        for packet in packets:
            for chunk in buffer.feed(packet):
                _info, body = split_header(chunk)
                parse_frame(body, PLAN, 1.0)
    except ProbeError:
        pass


def _flood_seconds(size: int, packet: int = 100) -> float:
    """CPU time to feed `size` characters without a frame end, in `packet`-sized packets."""
    buffer = FrameBuffer()
    data = "x" * (packet - 1) + "\n"
    started = time.process_time()
    try:
        for _ in range(size // packet):
            buffer.feed(data)
    except ProbeError:
        pass
    return time.process_time() - started


def test_a_flood_without_frame_end_is_cut_at_the_bound_in_linear_time() -> None:
    buffer = FrameBuffer()
    with pytest.raises(ProbeError, match="no frame end in 512 KiB"):
        for _ in range(MAX_FRAME // 100 + 1):
            buffer.feed("x" * 99 + "\n")
    # The old buffer (join + find over everything pending, per packet) took 4.6 s for 1 MiB
    # of 100-byte packets; linear cutting takes milliseconds. Generous bounds: shared CPUs.
    assert _flood_seconds(MAX_FRAME) < 0.5
    small, large = _flood_seconds(MAX_FRAME // 8), _flood_seconds(MAX_FRAME)
    assert large < 8 * small * 4 + 0.05  # 8x the input: about 8x the time, never 64x


def test_a_frame_in_one_byte_packets() -> None:
    buffer = FrameBuffer()
    frames = [f for ch in GOOD for f in buffer.feed(ch)]
    assert frames == [GOOD]
    assert FRAME_END.endswith("\n")


def test_a_line_without_newline_is_cut_at_the_line_bound() -> None:
    buffer = FrameBuffer()
    buffer.feed("H host 6.1 4096\nF 1 5.0\nc ")
    with pytest.raises(ProbeError, match="a line of over 64 KiB"):
        for _ in range(MAX_LINE // 1000 + 1):
            buffer.feed("1" * 1000)


def test_frame_rate_allows_the_probe_and_a_stall_but_not_a_flood(monkeypatch: pytest.MonkeyPatch) -> None:
    from clustertui.probe.limits import FRAME_START, MAX_FRAME_BURST
    from clustertui.transport import channel

    now = [1000.0]
    monkeypatch.setattr(channel.time, "monotonic", lambda: now[0])
    rate = channel.FrameRate(interval=1.0)
    for _ in range(FRAME_START):  # header and first frames at once
        rate.take()
    for _ in range(3600):  # an hour of one frame per interval, with jitter
        now[0] += 0.9
        rate.take()
    for _ in range(MAX_FRAME_BURST - 2):  # frames queued behind a network stall arrive at once
        rate.take()
    with pytest.raises(ProbeError, match="faster than one per interval"):
        for _ in range(MAX_FRAME_BURST):
            rate.take()
