"""`check` against a node whose probe lies: no traceback, node text shown as data, no
control byte from the node in the output, and the lie named in the node's state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode, replace_line

OSC_TITLE = b"\x1b]0;owned\x07"
CSI_CLEAR = b"\x1b[2J\x1b[H"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"H [/] [/] 4096", id="closing-markup-tags"),
        pytest.param(b"H [bold]host[/bold] [red]6.1[/red] 4096", id="markup-tags"),
        pytest.param(b"H " + OSC_TITLE + b"host " + CSI_CLEAR + b"6.1 4096", id="osc-and-csi"),
        pytest.param(b"H h\xff\xfeost 6.1\xc3 4096", id="invalid-utf8"),
    ],
)
def test_node_text_is_data_in_check(hostile: HostileNode, tmp_path: Path, header: bytes) -> None:
    hostile.behaviour.frame = replace_line(b"H ", header)
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()])
    result = run_cli("check", str(cluster))
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert not CONTROL.search(result.stdout + result.stderr)
    if b"[" in header:  # the kernel (a column; the hostname is not) literally, control bytes as U+FFFD
        assert CONTROL.sub("\ufffd", header.split()[2].decode()) in result.stdout.replace("\n", "")


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"m " + b"9" * 400 + b" 1000 3.3 0 0", id="400-digit-memtotal"),
        pytest.param(b"l 1e309 nan -inf", id="load-inf-nan"),
        pytest.param("r ³".encode(), id="superscript-digit"),
        pytest.param(b"c 1" + b" 2" * 200_000, id="huge-cpu-record"),
    ],
)
def test_numbers_that_break_arithmetic(hostile: HostileNode, tmp_path: Path, line: bytes) -> None:
    hostile.behaviour.frame = replace_line(line[:2], line)
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()])
    result = run_cli("check", str(cluster), "--json")
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stderr
    node = json.loads(result.stdout)["nodes"][0]
    assert node["state"] == "probe-error"
    assert node["detail"]
