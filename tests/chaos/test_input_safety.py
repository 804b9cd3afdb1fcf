"""Input safety: every parameter is validated, and every remote value is quoted.

A payload with shell metacharacters goes into every parameter of every fault kind (and into
the node name, the TTL and fault ids): each is refused with InvalidInput before any command
exists.  Values that do reach a node (names, paths, the operator's name in the record) go
through `shlex.quote`, which the property test checks against a real sh.  The lab test in
test_cli_lab.py then sends the payloads through the real CLI and looks for the canary.
"""

from __future__ import annotations

import subprocess

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clustertui.chaos import CATALOG, InvalidInput, parse_params, validate
from clustertui.chaos.catalog import ttl_seconds
from clustertui.chaos.planner import FaultRequest, check_request
from clustertui.chaos.shell import cmd, q
from clustertui.cli.durations import DURATION
from clustertui.config import load_cluster
from tests.support.clusters import PAYLOADS
from tests.support.paths import LAB_FILE

NODES = ("lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3")
#: A valid value of each parameter, so that one parameter at a time can be made hostile.
VALID = {
    "service": "nginx", "port": 80, "proto": "tcp", "direction": "in", "backend": "auto",
    "peers": "web2", "mode": "all", "percent": 10, "delay": "100ms", "jitter": "10ms", "cores": 1, "mb": 8,
    "path": "/tmp",
}


@pytest.fixture(scope="module")
def cluster():
    return load_cluster(LAB_FILE, check_files=False)


def _valid_params(kind: str) -> dict:
    params = {p.name: VALID[p.name] for p in CATALOG[kind].params}
    if kind == "disk-fill":
        params.pop("percent")
    if kind == "block-port":
        params.pop("service")
    return params


@pytest.mark.parametrize("kind", list(CATALOG))
@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_parameter_refuses_metacharacters(cluster, kind: str, payload: str) -> None:
    node = "web1"
    check_request(cluster, FaultRequest(kind, node, _valid_params(kind)))  # the baseline is valid
    for param in CATALOG[kind].params:
        params = {**_valid_params(kind), param.name: payload}
        with pytest.raises(InvalidInput) as caught:
            check_request(cluster, FaultRequest(kind, node, params))
        assert "\n" not in str(caught.value).strip("'\"")  # one line for the CLI


@pytest.mark.parametrize("payload", PAYLOADS)
def test_node_ttl_and_fault_ids_refuse_metacharacters(cluster, payload: str) -> None:
    with pytest.raises(InvalidInput):
        check_request(cluster, FaultRequest("cpu-hog", payload, {}))
    with pytest.raises(InvalidInput):
        check_request(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=payload))  # type: ignore[arg-type]
    with pytest.raises(click.BadParameter):  # a TTL typed as text is parsed where it is typed
        DURATION.convert(payload, None, None)
    with pytest.raises(InvalidInput):
        validate.fault_id(payload)


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("block-port", {"port": 0}, "port: expected an integer from 1 to 65535"),
        ("block-port", {"port": "0x50"}, "port: expected an integer"),
        ("block-port", {"port": 80, "proto": "icmp"}, "proto: expected one of tcp, udp"),
        ("block-port", {}, "needs a port"),
        ("block-port", {"port": 80, "cores": 2}, "block-port takes no 'cores'"),
        ("loss", {}, "loss needs percent"),
        ("loss", {"percent": "101"}, "at most 100"),
        ("loss", {"percent": "1e2"}, "percent: expected a number"),
        ("loss", {"percent": "0.125"}, "at most two decimals"),
        ("loss", {"percent": 5, "peers": "web9"}, "no node called web9"),
        ("partition", {"peers": "web1"}, "cannot be its own peer"),
        ("latency", {"delay": "10ms", "jitter": "20ms"}, "jitter must be less than delay"),
        ("latency", {"delay": "2h"}, "delay: expected a duration"),
        ("disk-fill", {"path": "/tmp"}, "exactly one of mb and percent"),
        ("disk-fill", {"path": "/tmp/../etc", "mb": 1}, "normalised path"),
        ("disk-fill", {"path": "tmp", "mb": 1}, "absolute path"),
        ("disk-fill", {"path": "/proc/sys", "mb": 1}, "kernel or device filesystem"),
        ("disk-fill", {"path": "/tmp", "percent": 101}, "from 1 to 100"),
        ("cpu-hog", {"cores": -1}, "cores: expected an integer"),
        ("mem-hog", {"mb": "8M"}, "mb: expected an integer"),
        ("kill", {}, "kill needs service"),
        ("kill", {"service": "redis"}, "does not run on web1"),
    ],
)
def test_bad_values_say_why(cluster, kind: str, params: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_request(cluster, FaultRequest(kind, "web1", params))


def test_defaults_and_conversions(cluster) -> None:
    checked = check_request(cluster, FaultRequest("block-port", "web1", {"service": "nginx"}, ttl=90.0))
    assert checked.params["port"] == 80 and checked.params["proto"] == "tcp" and checked.params["direction"] == "in"
    assert checked.ttl == 90.0
    assert check_request(cluster, FaultRequest("cpu-hog", "web1", {})).ttl == cluster.chaos.default_ttl
    assert parse_params("partition", {"peers": "web2, web3,web2"}, NODES)["peers"] == ("web2", "web3")
    assert parse_params("loss", {"percent": "12.5"}, NODES)["percent"] == 12.5
    with pytest.raises(InvalidInput, match="ttl: expected a TTL from 1s to 24h, found 90000s"):
        ttl_seconds(25 * 3600.0)
    with pytest.raises(InvalidInput, match="ttl: expected a TTL from 1s to 24h"):
        check_request(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=0.5))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=80))
def test_quoting_survives_a_real_shell(text: str) -> None:
    """Whatever the text, `q` makes it one word that sh hands back byte for byte."""
    result = subprocess.run(["sh", "-c", f"printf '%s' {q(text)}"], capture_output=True, timeout=5)
    assert result.stdout.decode("utf-8", "surrogateescape") == text
    argv = subprocess.run(["sh", "-c", cmd("printf", "%s|", text, text)], capture_output=True, timeout=5)
    assert argv.stdout.decode("utf-8", "surrogateescape") == f"{text}|{text}|"
