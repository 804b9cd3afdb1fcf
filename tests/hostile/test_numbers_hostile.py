"""Numbers that break arithmetic (issue 9, defect 6) through the public interface: a node
whose probe reports absurd numbers is `probe-error` with the reason in `check`, and
`report` refuses a duration whose history would not fit in memory before it connects."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode, replace_line


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        pytest.param(b"m " + b"9" * 400 + b" 1000 3.3 0 0", "not a count", id="400-digit-memtotal"),
        pytest.param(b"m 9007199254740993 1000 3.3 0 0", "count out of range", id="memtotal-over-2^53"),
        pytest.param(b"m -1 1000 3.3 0 0", "not a count", id="negative-memtotal"),
        pytest.param("m \u0661\u0660\u0660\u0660 1000 3.3 0 0".encode(), "not a count", id="arabic-indic-digits"),
        pytest.param(b"l 1e300 0.1 0.1", "out of range", id="load-1e300"),
        pytest.param(b"l 1_000 0.1 0.1", "ASCII", id="load-with-underscore"),
        pytest.param(b"k" + b" 1.0" * 9000, "cores, over the limit", id="9000-cores"),
    ],
)
def test_absurd_numbers_make_the_node_a_probe_error(hostile: HostileNode, tmp_path: Path, line: bytes, reason: str) -> None:
    """As the user reads it (test_check_hostile.py checks the JSON state): the node's state
    and the bound it broke, on one line, no traceback."""
    hostile.behaviour.frame = replace_line(line[:2], line)
    result = run_cli("check", str(write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()])))
    out = result.stdout + result.stderr
    assert "Traceback" not in out and result.returncode == 1, out
    assert any("probe-error" in row and reason in row for row in out.splitlines()), out
    assert not CONTROL.search(out)


def test_report_refuses_a_duration_whose_history_does_not_fit(hostile: HostileNode, tmp_path: Path) -> None:
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()])
    started = time.monotonic()
    result = run_cli("report", str(cluster), "--duration", "100000h", "-o", str(tmp_path / "r.json"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--duration 100000h of 1 node every 1s needs" in lines[0]
    assert "over the cap of 256 MiB: record at most 1553h at this interval, or use a longer --interval" in lines[0]
    assert time.monotonic() - started < 30
    assert not hostile.commands  # refused before connecting
    assert not (tmp_path / "r.json").exists()
