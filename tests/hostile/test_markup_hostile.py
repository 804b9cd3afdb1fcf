"""Node text is data on every CLI output: a node whose ledger holds markup and terminal
control (in a fault's summary, kind and operator) and whose probe reports them (hostname,
kernel, service state) never has them interpreted: no crash, the text shown literally, no
control byte in the output, piped or not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.cluster import CONTROL, run_cli, write_cluster
from tests.hostile.node import HostileNode

OSC_TITLE = "\x1b]0;owned\x07"
CSI_CLEAR = "\x1b[2J\x1b[H"
HOSTILE_TEXTS = [
    pytest.param("[/]", id="closing-tag"),
    pytest.param("[bold]loud[/bold] [link=http://x]y[/link]", id="markup"),
    pytest.param(f"{OSC_TITLE}t{CSI_CLEAR}c", id="osc-csi"),
    pytest.param("a\x00b\x9bc\u2028d", id="nul-c1-separator"),
]
CHAOS = {"enabled": True, "allow_roles": ["web"], "max_faulted_nodes": 1, "default_ttl": "60s"}
SERVICES = {"sshd": {"roles": ["web"], "process": "sshd"}}


def shown(text: str) -> str:
    """How `text` must appear: literally, each control character as U+FFFD."""
    return CONTROL.sub("\ufffd", text).replace("\u2028", "\ufffd")


def ledger_with(text: str) -> bytes:
    record = {
        "id": "f-1a2b3c4d", "kind": "kill", "cluster": "hostile", "node": "evil", "host": "127.0.0.1",
        "summary": f"summary {text}", "params": {}, "ttl": 60.0, "applied_at": 1.0, "by": f"op{text}@x",
        "timer": "detached", "revert": "true", "version": 1,
    }
    return b"file f-1a2b3c4d.json " + json.dumps(record).encode() + b"\n"


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
@pytest.mark.parametrize("command", [("status",), ("list",)])
def test_ledger_text_is_data_in_chaos_output(
    hostile: HostileNode, tmp_path: Path, text: str, command: tuple[str, ...]
) -> None:
    hostile.behaviour.survey = lambda survey: survey.rstrip(b"\n") + b"\n" + ledger_with(text)
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], chaos=CHAOS, services=SERVICES)
    result = run_cli("chaos", str(cluster), *command)
    out = result.stdout + result.stderr
    assert "Traceback" not in out, out
    assert not CONTROL.search(out), out
    assert "\u2028" not in out
    if command == ("status",):
        assert shown(f"summary {text}") in out, out
