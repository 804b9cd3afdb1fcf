"""`chaos apply --hold --abort-when COND`: bad conditions are one line and exit 2, before
anything connects (the nodes here are closed ports on 127.0.0.0/8 that nothing reaches), and
nothing is written to the audit log.  The lab test of a condition that trips is in
tests/drills/test_stops_lab.py."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess]


@pytest.mark.parametrize(("conditions", "message"), [
    (["node_down=web9"], "--abort-when 'node_down=web9': node_down: expected 'other', 'any' or a node name "
                         "(web1, web2, web3), found 'web9'"),
    (["service_down=apache"], "--abort-when 'service_down=apache': service_down: expected a service defined under "
                              "services: (nginx), found 'apache'"),
    (["endpoint_down=web-vip"], "--abort-when 'endpoint_down=web-vip': endpoint_down: expected 'any' or an endpoint "
                                "defined under endpoints: (vip), found 'web-vip'"),
    (["cpu_above=95,node=db1"], "--abort-when 'cpu_above=95,node=db1': node: expected 'other', 'any' or a node name "
                                "(web1, web2, web3), found 'db1'"),
    (["quorum_lost", "disk_above=90"], "--abort-when 'disk_above=90': disk_above: unknown field, did you mean "
                                       "'psi_above'?"),
    (["memory_above=-1"], "--abort-when 'memory_above=-1': memory_above: expected a percentage from 0 to below 100 "
                          "(no value is above 100), found -1"),
    (["availability_below=0.5,over=1s"], "--abort-when 'availability_below=0.5,over=1s': availability_below is "
     "measured on a drill's traffic, and chaos apply --hold sends none (use endpoint_down or command_fails)"),
])
def test_a_bad_condition_is_one_line_and_exit_2(run: Run, closed_cluster: Path, tmp_path: Path, conditions: list[str],
                                                 message: str) -> None:
    audit = tmp_path / "audit.jsonl"
    args = [arg for condition in conditions for arg in ("--abort-when", condition)]
    done = run("chaos", str(closed_cluster), "apply", "kill", "--node", "web1", "--service", "nginx", "--hold", "--yes", *args,
               env={"CLUSTERTUI_AUDIT_LOG": str(audit)})
    assert (done.returncode, done.stderr) == (2, f"clustertui: error: {message}\n")
    assert not audit.exists()


def test_abort_when_needs_hold(run: Run, closed_cluster: Path) -> None:
    done = run("chaos", str(closed_cluster), "apply", "kill", "--node", "web1", "--service", "nginx", "--yes",
               "--abort-when", "quorum_lost")
    assert done.returncode == 2
    assert done.stderr == ("clustertui: error: --abort-when needs --hold (without it nothing watches the fault after "
                           "the command ends)\n")
