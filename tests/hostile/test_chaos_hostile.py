"""Chaos against a node whose survey lies: halt, status and revert work per node, names read
from a node's ledger never reach a shell, and one odd node never stops the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode, Kind, replace_line

CHAOS = {"enabled": True, "allow_roles": ["web"], "max_faulted_nodes": 1, "default_ttl": "60s"}
#: A service whose process runs on this machine, so the survey's honest part is plausible.
SERVICES = {"sshd": {"roles": ["web"], "process": "sshd"}}

LYING_SURVEY_LINES = [
    pytest.param(b"nproc", "nproc ³".encode(), id="nproc-superscript"),
    pytest.param(b"uid", "uid ²".encode(), id="uid-superscript"),
    pytest.param(b"ssh", "ssh a b c ²".encode(), id="ssh-superscript-port"),
    pytest.param(b"nproc", b"proc", id="bare-proc"),
]


@pytest.mark.parametrize(("prefix", "line"), LYING_SURVEY_LINES)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("status",), id="status"),
        pytest.param(("status", "--json"), id="status-json"),
        pytest.param(("revert", "--all"), id="halt"),  # per node: the others are reverted
        pytest.param(("list",), id="list"),  # the chaos session surveys each node on its own
    ],
)
def test_a_lying_survey_never_gives_a_traceback(
    hostile: HostileNode, tmp_path: Path, prefix: bytes, line: bytes, command: tuple[str, ...]
) -> None:
    hostile.behaviour.survey = replace_line(prefix, line)
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], chaos=CHAOS, services=SERVICES)
    result = run_cli("chaos", str(cluster), *command)
    assert "Traceback" not in result.stderr, result.stderr
    out = result.stdout + result.stderr
    assert "evil" in out  # the node and what is wrong with it
    assert not CONTROL.search(out)
    if command[0] != "list":  # the node answered garbage: its ledger is unread, a failure (exit 1)
        assert result.returncode == 1, out
        assert "survey" in out and ("line" in out or "incomplete" in out), out


CORRUPT_NAMES = [
    pytest.param(b"f-$(touch${IFS}/tmp/ctui-pwned)x.timer", id="command-substitution"),
    pytest.param(b"f-*.applying", id="glob"),
    pytest.param(b"f-1a2b3c4d;reboot.json", id="semicolon"),
    pytest.param(b"f-\x1b]0;owned\x07.json", id="osc"),
]


@pytest.mark.parametrize("name", CORRUPT_NAMES)
def test_ledger_names_from_a_node_never_reach_a_shell(hostile: HostileNode, tmp_path: Path, name: bytes) -> None:
    def with_corrupt_entry(survey: bytes) -> bytes:
        return survey.rstrip(b"\n") + b"\nfile " + name + b" {}\n"

    hostile.behaviour.survey = with_corrupt_entry
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], chaos=CHAOS, services=SERVICES)
    result = run_cli("chaos", str(cluster), "revert", "--all")
    assert "Traceback" not in result.stderr, result.stderr
    sent = [c for c in hostile.commands if c and "uid %s" not in c and "exec awk" not in c]
    assert not any(name.decode(errors="replace")[2:8] in c for c in sent), sent
    out = result.stdout + result.stderr
    assert "corrupt" in out.lower()
    assert not CONTROL.search(out)


def test_a_ledger_record_of_the_wrong_type_is_a_corrupt_entry(hostile: HostileNode, tmp_path: Path) -> None:
    record = b'{"id": "f-1a2b3c4d", "kind": "kill", "node": "evil", "ttl": "60", "applied_at": "x"}'

    def with_bad_record(survey: bytes) -> bytes:
        return survey.rstrip(b"\n") + b"\nfile f-1a2b3c4d.json " + record + b"\n"

    hostile.behaviour.survey = with_bad_record
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], chaos=CHAOS, services=SERVICES)
    result = run_cli("chaos", str(cluster), "status")
    assert "Traceback" not in result.stderr, result.stderr
    assert "corrupt" in (result.stdout + result.stderr).lower()


def test_status_of_a_node_with_no_services(hostile: HostileNode, tmp_path: Path) -> None:
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], chaos=CHAOS)
    result = run_cli("chaos", str(cluster), "status")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0


def test_the_harness_never_runs_fault_commands_here(hostile: HostileNode) -> None:
    """The default for anything but probe and survey is a refusal: a hostile-node test can
    never apply a fault to the machine the suite runs on."""
    assert hostile.behaviour.reply == {}
    assert Kind.OTHER not in hostile.behaviour.reply
