"""The RESP reader: replies as Redis sends them, however they are cut into packets, and
bounded whatever a server sends."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clustertui.managers.resp import RespError, RespReader, encode
from clustertui.managers.state import Garbage

# SENTINEL MASTER, ROLE of a master and of a replica, an error, a null: as Redis 7 answers.
REPLIES = (
    b"*6\r\n$4\r\nname\r\n$8\r\nmymaster\r\n$2\r\nip\r\n$11\r\n198.18.0.21\r\n$4\r\nport\r\n$4\r\n6379\r\n"
    b"*3\r\n$6\r\nmaster\r\n:3092\r\n*1\r\n*3\r\n$11\r\n198.18.0.22\r\n$4\r\n6379\r\n$4\r\n3092\r\n"
    b"*5\r\n$5\r\nslave\r\n$11\r\n198.18.0.21\r\n:6379\r\n$9\r\nconnected\r\n:3092\r\n"
    b"-ERR No such master with that name\r\n"
    b"$-1\r\n+OK 3 usable Sentinels. Quorum and failover authorization can be reached\r\n"
    b"*0\r\n"
)
PARSED = [
    ["name", "mymaster", "ip", "198.18.0.21", "port", "6379"],
    ["master", 3092, [["198.18.0.22", "6379", "3092"]]],
    ["slave", "198.18.0.21", 6379, "connected", 3092],
    RespError("ERR No such master with that name"),
    None,
    "OK 3 usable Sentinels. Quorum and failover authorization can be reached",
    [],
]


def test_whole_replies_parse() -> None:
    reader = RespReader()
    reader.feed(REPLIES)
    assert reader.replies == PARSED


@given(st.lists(st.integers(min_value=1, max_value=len(REPLIES) - 1), unique=True))
def test_any_cut_into_packets_gives_the_same_replies(cuts: list[int]) -> None:
    reader = RespReader()
    bounds = [0, *sorted(cuts), len(REPLIES)]
    for start, end in itertools.pairwise(bounds):
        reader.feed(REPLIES[start:end])
    assert reader.replies == PARSED


def test_byte_by_byte_is_linear() -> None:
    """A server that trickles one byte per packet costs time linear in what it sends."""
    data = b"+" + b"a" * 16000 + b"\r\n"
    for size in (1, 4):
        reader = RespReader()
        started = time.perf_counter()
        for i in range(0, len(data) * size, size):
            reader.feed((data * size)[i:i + size])
        elapsed = time.perf_counter() - started
        assert elapsed < 1.0, elapsed  # quadratic rescanning would take minutes at 64 KB
    bulk = RespReader()
    payload = b"$60000\r\n" + b"b" * 60000 + b"\r\n"
    started = time.perf_counter()
    for i in range(len(payload)):
        bulk.feed(payload[i:i + 1])
    assert bulk.replies == ["b" * 60000] and time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"*1\r\n" * 5 + b":1\r\n", "nested over 4 deep"),
        (b"$70000\r\n", "a RESP bulk string of 70000 bytes"),
        (b"*10001\r\n", "a RESP array of 10001 items"),
        (b"$3\r\nabcX\r\n", "bulk string not followed by CRLF"),
        (b"?what\r\n", "not a RESP reply"),
        (b":12a\r\n", "is not an integer"),
        (b"\r\n", "an empty RESP line"),
        (b"+" + b"x" * 17000, "a RESP line of over 16 KiB"),
    ],
)
def test_bounds(data: bytes, reason: str) -> None:
    with pytest.raises(Garbage, match=reason):
        RespReader().feed(data)


def test_encode_is_a_resp_array_of_bulk_strings() -> None:
    assert encode("SENTINEL", "MASTER", "mymaster") == b"*3\r\n$8\r\nSENTINEL\r\n$6\r\nMASTER\r\n$8\r\nmymaster\r\n"
