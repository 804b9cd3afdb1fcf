"""Halt on the lab beside a lying node: the lab's real faults are reverted and verified
whatever the hostile node prints, and the hostile node's outcome is listed with its reason.

Run in the lab lock (`flock /tmp/clustertui-labtests.lock ...`): a real fault is applied.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode, replace_line
from tests.support.nodes import leftovers, sh
from tests.support.paths import LAB_FILE

pytestmark = pytest.mark.lab


@pytest.fixture
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's local fault records and audit log in the test's directory (never the user's)."""
    monkeypatch.setenv("CLUSTERTUI_FAULTS_DIR", str(tmp_path / "records"))
    monkeypatch.setenv("CLUSTERTUI_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return tmp_path


@pytest.mark.parametrize(
    ("prefix", "line", "reason"),
    [
        pytest.param(b"nproc", "nproc ³".encode(), "nproc is not a number: \\xb3", id="nproc-superscript"),
        pytest.param(b"end", b"", "the survey is incomplete (no end line)", id="cut-short"),
    ],
)
def test_halt_reverts_the_lab_whatever_a_lying_node_prints(
    lab, hostile: HostileNode, own_state: Path, prefix: bytes, line: bytes, reason: str
) -> None:
    cluster = write_cluster(own_state / "c.yaml", [hostile.node_yaml()], base=LAB_FILE)
    applied = run_cli("chaos", str(cluster), "apply", "kill", "--node", "web1", "--service", "nginx",
                      "--ttl", "120s", "--yes")
    assert applied.returncode == 0, applied.stderr
    fault = applied.stdout.strip()
    try:
        assert not sh(lab, "web1", "pgrep -x nginx").strip(), "the fault took: nginx is down on web1"
        hostile.behaviour.survey = replace_line(prefix, line)  # from now on, evil lies
        halt = run_cli("chaos", str(cluster), "revert", "--all")
        out = halt.stdout + halt.stderr
        assert "Traceback" not in out and not CONTROL.search(out), out
        assert f"{fault} on web1: reverted and verified" in halt.stdout, out
        assert "web1: 1 reverted" in halt.stderr, out
        assert "evil: NOT reverted, ledger not read (probe-error: its survey could not be read: " in halt.stderr, out
        assert reason in halt.stderr, out
        assert halt.returncode == 1, out  # a node could not be reverted
        assert sh(lab, "web1", "pgrep -x nginx").strip(), "the revert verified: nginx runs again on web1"
        assert leftovers(lab, "web1", fault) == []
    finally:
        hostile.behaviour.survey = lambda data: data
        if leftovers(lab, "web1", fault):  # the halt did not revert it (a failed assertion)
            run_cli("chaos", str(cluster), "revert", fault)


async def test_tui_halt_reverts_the_lab_whatever_a_lying_node_prints(lab, hostile: HostileNode, own_state: Path) -> None:
    """The TUI's `H` (Pilot) beside the same lying node: web1's real fault is reverted and
    verified, the lying node's outcome is notified with its reason, the app keeps running."""
    from clustertui.config import load_cluster
    from clustertui.tui.launch import build_app
    from clustertui.tui.themes import BUILTIN_DIR, ThemeCatalog

    cluster = write_cluster(own_state / "c.yaml", [hostile.node_yaml()], base=LAB_FILE)
    applied = run_cli("chaos", str(cluster), "apply", "kill", "--node", "web1", "--service", "nginx",
                      "--ttl", "120s", "--yes")
    assert applied.returncode == 0, applied.stderr
    fault = applied.stdout.strip()
    hostile.behaviour.survey = replace_line(b"uid", "uid ²".encode())
    app = build_app(load_cluster(cluster), catalog=ThemeCatalog.load((BUILTIN_DIR,)), interval=1.0)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(1.0)
            await pilot.press("H", "y")
            deadline = time.monotonic() + 60

            def notes() -> list[str]:
                return [str(note.message) for note in app._notifications]

            while not any("evil: NOT reverted" in note for note in notes()):
                assert time.monotonic() < deadline, notes()
                await pilot.pause(0.2)
            assert any("uid is not a number: \\xb2" in note for note in notes()), notes()
            assert any("1 fault reverted" in note for note in notes()), notes()
            assert sh(lab, "web1", "pgrep -x nginx").strip(), "the revert verified: nginx runs again on web1"
            assert leftovers(lab, "web1", fault) == []
            assert app.is_running
    finally:
        hostile.behaviour.survey = lambda data: data
        if leftovers(lab, "web1", fault):  # the halt did not revert it (a failed assertion)
            run_cli("chaos", str(cluster), "revert", fault)
        run_cli("chaos", str(cluster), "thaw")  # H also froze every node (chaos.freeze_on_halt)
