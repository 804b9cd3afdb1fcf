"""Durations, ranges and ${VAR} expansion on their own."""

from __future__ import annotations

import pytest

from clustertui.config import parse_duration
from clustertui.config.expand import expand_env
from clustertui.config.ranges import expand_range


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("5s", 5.0),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("1d", 86400.0),
        ("1d12h", 129600.0),
        ("1m30s", 90.0),
        ("1.5s", 1.5),
        (".5s", 0.5),
        (" 5s ", 5.0),
        ("0s", 0.0),
        ("7", 7.0),
        (3, 3.0),
        (0.5, 0.5),
    ],
)
def test_parse_duration(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5 seconds", "5x", "-5s", "s", "1e3s", "5S", "nan", "inf", -1, float("nan"), True, None, [1]])
def test_parse_duration_rejects(bad: object) -> None:
    with pytest.raises(ValueError, match="expected a duration like 250ms, 5s, 2m, 1h or 1d"):
        parse_duration(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("web1", ["web1"]),
        ("web[1-3]", ["web1", "web2", "web3"]),
        ("web[01-03]", ["web01", "web02", "web03"]),
        ("web[8-10]", ["web8", "web9", "web10"]),
        ("web[08-10]", ["web08", "web09", "web10"]),
        ("web[001-002].example.internal", ["web001.example.internal", "web002.example.internal"]),
        ("198.18.0.[11-13]", ["198.18.0.11", "198.18.0.12", "198.18.0.13"]),
        ("[5-5]x", ["5x"]),
        ("n[0-1]", ["n0", "n1"]),
        ("web[01-03,07]", ["web01", "web02", "web03", "web07"]),
        ("web[1,2]", ["web1", "web2"]),
        ("web[7,1-2]", ["web7", "web1", "web2"]),
        ("n[1-9/4]", ["n1", "n5", "n9"]),
        ("rack[1-2]-web[1-2]", ["rack1-web1", "rack1-web2", "rack2-web1", "rack2-web2"]),
        ("10.0.[1-2].[5,9]", ["10.0.1.5", "10.0.1.9", "10.0.2.5", "10.0.2.9"]),
    ],
)
def test_expand_range(text: str, names: list[str]) -> None:
    assert expand_range(text) == names


def test_range_limit() -> None:
    assert len(expand_range("n[1-10000]")) == 10000
    with pytest.raises(ValueError, match="at most 10000 items, found 10001"):
        expand_range("n[0-10000]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("web[3-1]", r"START <= END, found \[3-1\]"),
        ("web[1-]", "expected a range like"),
        ("web[a-c]", "expected a range like"),
        ("web[1,]", "expected a range like"),
        ("web[]", "expected a range like"),
        ("web[1-3,2]", "found 'web2' more than once"),
        ("n[1-5/0]", "step of at least 1"),
        ("a[1-200]b[1-200]", "at most 10000 items, found 40000"),
        ("web[1-2", "expected a range like"),
        ("web1-2]", "expected a range like"),
        ("web[[1-2]]", "expected a range like"),
        ("n[1-9999999999]", "expected a range like"),
    ],
)
def test_expand_range_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        expand_range(text)


def test_expand_env() -> None:
    env = {"A": "alpha", "EMPTY": ""}
    assert expand_env("x-${A}-y", env) == "x-alpha-y"
    assert expand_env("${B:-beta}", env) == "beta"
    assert expand_env("${EMPTY:-dflt}", env) == "dflt"
    assert expand_env("${EMPTY}", env) == ""
    assert expand_env("${B:-}", env) == ""
    assert expand_env("$${A} $HOME $(id) $", env) == "${A} $HOME $(id) $"
    with pytest.raises(ValueError, match="expected environment variable B to be set"):
        expand_env("${B}", env)
    with pytest.raises(ValueError, match=r"expected \$\{NAME\} or"):
        expand_env("${1A}", env)
