"""The lab's real nodes beside a hostile one, through the CLI as a user runs it: `check`,
`report` and a drill. Whatever the hostile node sends, it ends `probe-error` with the
reason, and the lab nodes are unaffected: every one of them is up, their samples keep
coming (gaps of at most 1.5 intervals) and the drill on them passes.

Run in the lab lock (`flock /tmp/clustertui-labtests.lock ...`): the drill applies a fault.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode, Kind
from tests.support.paths import LAB_FILE

pytestmark = pytest.mark.lab

INTERVAL = 1.0
HEADER = b"H evil 6.1.0 4096\n"


def _reply(*parts: bytes, repeat: bytes = b"", limit: int = 0) -> Callable[[Kind, str], AsyncIterator[bytes | None]]:
    """A probe reply: `parts`, then `repeat` up to `limit` bytes in all, then a hang."""

    async def reply(kind: Kind, command: str) -> AsyncIterator[bytes | None]:
        sent = 0
        for part in parts:
            yield part
            sent += len(part)
        while repeat and sent < limit:
            yield repeat
            sent += len(repeat)
        yield None

    return reply


LIES = [
    pytest.param(_reply(HEADER, repeat=b"y" * 99 + b"\n", limit=2 << 20), "no frame end", id="flood-without-frame-end"),
    pytest.param(
        _reply(b"H \x1b]0;owned\x07[/] 6.1 4096\n", b"F 1 5.0\nm 1000 600 40.0 0 0\nl [bold] 0.2 0.3\nE\n"),
        "'[bold]'", id="markup-and-osc-frame",
    ),
    pytest.param(_reply(HEADER, b"F 1 5.0\nc ", repeat=b"9" * 32768, limit=1 << 20), "64 KiB", id="1-MiB-line"),
]


@pytest.fixture
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's local fault records and audit log in the test's directory (never the user's)."""
    monkeypatch.setenv("CLUSTERTUI_FAULTS_DIR", str(tmp_path / "records"))
    monkeypatch.setenv("CLUSTERTUI_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return tmp_path


def _cluster(hostile: HostileNode, directory: Path) -> Path:
    # Its own role: the lab's services, drills and chaos roles never reach the hostile node.
    return write_cluster(directory / "c.yaml", [hostile.node_yaml(roles=("hostile",))], base=LAB_FILE)


@pytest.mark.parametrize(("lie", "why"), LIES)
def test_check_and_report_on_the_lab_beside_a_lying_node(
    lab, hostile: HostileNode, own_state: Path, lie: Callable[[Kind, str], AsyncIterator[bytes | None]], why: str
) -> None:
    hostile.behaviour.reply[Kind.PROBE] = lie
    cluster = _cluster(hostile, own_state)

    check = run_cli("check", str(cluster), "--json")
    assert "Traceback" not in check.stderr, check.stderr
    assert check.returncode == 1, check.stderr  # the hostile node is a failed check, nothing else
    nodes = {n["name"]: n for n in json.loads(check.stdout)["nodes"]}
    evil = nodes.pop("evil")
    assert evil["state"] == "probe-error"
    assert why in evil["detail"], evil
    assert {name: n["state"] for name, n in nodes.items()} == dict.fromkeys(nodes, "up")

    out = own_state / "report.json"
    report = run_cli("report", str(cluster), "--duration", "6s", "--interval", "1s", "-o", str(out))
    assert "Traceback" not in report.stderr, report.stderr
    assert not CONTROL.search(report.stdout + report.stderr)
    data = json.loads(out.read_text())
    assert not CONTROL.search(out.read_text())
    by_name = {n["name"]: n for n in data["nodes"]}
    evil = by_name.pop("evil")
    assert evil["state"] == "probe-error"
    assert not evil["samples"]  # not one of its lies became a sample
    for name, node in by_name.items():
        assert node["state"] == "up", name
        times = [s["t"] for s in node["samples"]]
        assert len(times) >= 5, (name, len(times))
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert max(gaps) <= 1.5 * INTERVAL, (name, gaps)


def test_a_drill_on_the_lab_passes_beside_a_lying_node(lab, hostile: HostileNode, own_state: Path) -> None:
    hostile.behaviour.reply[Kind.PROBE] = _reply(HEADER, repeat=b"z" * 99 + b"\n", limit=2 << 20)
    cluster = _cluster(hostile, own_state)
    out = own_state / "drill.json"
    drill = run_cli("drill", str(cluster), "web-node-loss", "--headless", "-o", str(out), timeout=180)
    assert "Traceback" not in drill.stderr, drill.stderr
    assert drill.returncode == 0, drill.stdout + drill.stderr
    result = json.loads(out.read_text())
    assert result["verdict"] == "passed", result
    assert not CONTROL.search(out.read_text())
