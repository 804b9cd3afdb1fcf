"""A node whose freeze mark lies: status, list, apply, check and the webhooks show its reason
and its freezer escaped and bounded, the node stays frozen (fail safe), and its answer to a
freeze reaches a notification as one escaped line."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode, Kind
from tests.support.receiver import receiver

CHAOS = {"enabled": True, "allow_roles": ["web"], "max_faulted_nodes": 1, "default_ttl": "60s"}
SERVICES = {"sshd": {"roles": ["web"], "process": "sshd"}}

MARKS = [
    pytest.param(b'0 0 {"reason":"\\u001b]0;owned\\u0007[bold red]x[/] <!channel>","by":"\\u001b[31mroot"}',
                 id="escapes-in-json"),
    pytest.param(b"0 0 \x1b]0;owned\x07 [link=file:///etc/passwd]x[/link]", id="raw-escapes"),
    pytest.param(b"0 0 " + b"[" * 3000, id="deep"),
    pytest.param(b"\xff\xfe 0 {}", id="not-utf8"),
]


def with_mark(mark: bytes):
    def mutate(survey: bytes) -> bytes:
        return survey.replace(b"\nend", b"\nfreeze " + mark + b"\nend")

    return mutate


@pytest.mark.parametrize("mark", MARKS)
@pytest.mark.parametrize("command", [("status",), ("status", "--json"), ("list",),
                                     ("apply", "kill", "--node", "evil", "--service", "sshd", "--yes")])
def test_a_lying_freeze_mark_is_shown_escaped_and_still_freezes(
    hostile: HostileNode, tmp_path: Path, mark: bytes, command: tuple[str, ...]
) -> None:
    hostile.behaviour.survey = with_mark(mark)
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], chaos=CHAOS, services=SERVICES)
    result = run_cli("chaos", str(cluster), *command)
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out
    assert not CONTROL.search(out), out
    # Bytes that are not UTF-8 make the whole survey unreadable: the node is probe-error,
    # which refuses faults as well.
    assert "frozen" in out or (mark.startswith(b"\xff") and "survey could not be read" in out), out
    if command[0] == "apply":
        assert result.returncode == 3, out
        assert not any("ctui_refuse()" in c for c in hostile.commands), "refused before any apply was sent"
    if command == ("status", "--json") and not mark.startswith(b"\xff"):
        assert set(json.loads(result.stdout)["frozen"]) == {"evil"}


def test_a_nodes_answer_to_a_freeze_reaches_the_webhook_escaped(hostile: HostileNode, tmp_path: Path) -> None:
    async def lie(kind: Kind, command: str) -> AsyncIterator[bytes | None]:
        yield b"\x1b]0;owned\x07<!channel> [bold]frozen[/] & more\n"

    hostile.behaviour.other = lie
    with receiver() as got:
        cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], chaos=CHAOS, services=SERVICES,
                                notify={"chat": {"url": got.url, "format": "slack"}, "ops": {"url": got.url}})
        result = run_cli("chaos", str(cluster), "freeze", "--reason", "test")
        posts = got.wait_for(2)
    out = result.stdout + result.stderr
    assert result.returncode == 3 and "NOT frozen" in out and not CONTROL.search(out), out
    slack = next(p for p in posts if set(p) == {"text"})
    plain = next(p for p in posts if "event" in p)
    assert "&lt;!channel&gt;" in slack["text"] and "<" not in slack["text"] and "\x1b" not in slack["text"]
    assert not CONTROL.search(json.dumps(plain, ensure_ascii=False))
    assert "\x1b" not in plain["nodes"]["evil"] and "owned" in plain["nodes"]["evil"]
