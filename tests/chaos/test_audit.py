"""The audit log: append-only JSON lines, whole lines even with concurrent writers.

(What the CLI writes into it for each action is checked against the lab in
test_cli_lab.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clustertui.chaos import AuditLog
from clustertui.chaos.audit import default_audit_path


def test_records_carry_who_when_what(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "deep" / "audit.jsonl")
    record = log.append("apply", "lab", node="web1", fault="f-0123abcd", kind="cpu-hog", params={"cores": 1},
                        commands={"apply": ["x"]}, result="applied and verified", revert_result=None)
    for key in ("time", "user", "host", "action", "cluster", "node", "fault", "params", "commands", "result", "revert_result"):
        assert key in record
    assert log.read() == [record]
    log.append("revert", "lab", node="web1", fault="f-0123abcd", result="reverted and verified", revert_result="ok")
    lines = log.path.read_text().splitlines()
    assert json.loads(lines[0]) == record  # earlier lines are never rewritten
    assert json.loads(lines[1])["action"] == "revert"
    assert (log.path.stat().st_mode & 0o777) == 0o600


def test_env_overrides_the_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERTUI_AUDIT_LOG", str(tmp_path / "x.jsonl"))
    assert default_audit_path() == tmp_path / "x.jsonl"
    monkeypatch.delenv("CLUSTERTUI_AUDIT_LOG")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_audit_path() == tmp_path / "state" / "clustertui" / "audit.jsonl"


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = (
        "import sys; from pathlib import Path; from clustertui.chaos import AuditLog\n"
        "log = AuditLog(Path(sys.argv[1]))\n"
        "for i in range(200): log.append('apply', 'lab', node=sys.argv[2], result='x' * 5000, n=i)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", writer, str(path), f"w{i}"]) for i in range(4)]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 800
    for name in ("w0", "w1", "w2", "w3"):
        assert [r["n"] for r in records if r["node"] == name] == list(range(200))

