"""Node-side safety (issue 9, defects 9 and 10) at the script level: the service's owner
in the cluster file and in the generated commands, and each latency fault's own qdisc
handles.  The latency fault cannot be applied on this host's lab (no sch_netem: it is
refused before any change), so its handles are tested here, by running the generated
undo against a stand-in `tc` that shows another fault's qdisc."""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from clustertui.chaos import FaultRequest, plan_fault
from clustertui.chaos.faults.latency import handles
from clustertui.chaos.nodelock import lock_script
from clustertui.chaos.shell import HELPERS
from clustertui.config import load_cluster
from tests.support.cli import run_cli
from tests.support.paths import LAB_FILE
from tests.support.planning import FACTS, plan, survey


@pytest.fixture(scope="module")
def cluster():
    return load_cluster(LAB_FILE, check_files=False)


def with_nginx(tmp_path: Path, extra: str) -> Path:
    text = LAB_FILE.read_text().replace(
        'nginx: {roles: [web], process: nginx,', f"nginx: {{roles: [web], process: nginx, {extra}"
    )
    path = tmp_path / "owner.yaml"
    path.write_text(text)
    return path


# -- defect 9: the service's owner -----------------------------------------------------------


def test_owner_defaults_to_root_or_the_units_user(cluster) -> None:
    nginx = cluster.services["nginx"]
    assert nginx.user is None and nginx.owner == "root"
    assert nginx.model_copy(update={"systemd": "nginx.service"}).owner == "@nginx.service"
    assert nginx.model_copy(update={"systemd": "nginx.service", "user": "www-data"}).owner == "www-data"


def test_a_user_is_read_from_the_cluster_file(tmp_path: Path) -> None:
    cluster = load_cluster(with_nginx(tmp_path, "user: www-data,"), check_files=False)
    assert cluster.services["nginx"].owner == "www-data"
    assert load_cluster(with_nginx(tmp_path, "user: 33,"), check_files=False).services["nginx"].owner == "33"


@pytest.mark.parametrize("bad", ["'x; reboot'", "Root", "'-u'", "''", "'a b'"])
def test_a_bad_user_is_one_line_with_file_and_line(tmp_path: Path, bad: str) -> None:
    path = with_nginx(tmp_path, f"user: {bad},")
    result = run_cli("check", "--offline", str(path))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"clustertui: error: {path}:") and "user" in lines[0], lines
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["kill", "stop", "start", "pause"])
def test_process_faults_match_the_service_by_name_and_owner(cluster, kind: str) -> None:
    facts = replace(FACTS, processes={"nginx": ()}) if kind == "start" else FACTS
    p = plan(cluster, kind, facts)
    script = "\n".join([*p.steps.apply, *p.steps.undo, *(c.test for c in p.steps.verify + p.steps.verify_revert)])
    assert "pkill" not in script and "pgrep" not in script, "only the helpers find processes, by owner"
    for step in ("ctui_running", "ctui_none", "ctui_family", "ctui_all_paused", "ctui_none_paused"):
        for line in script.splitlines():
            if step + " " in line:
                assert f"{step} nginx root" in line, line


def test_the_helpers_find_only_the_owners_processes(tmp_path: Path) -> None:
    """ctui_live against a stand-in pgrep that answers by uid: another user's pid is never
    the service's, and an owner the node does not know finds nothing."""
    fake = tmp_path / "pgrep"
    fake.write_text('#!/bin/sh\n[ "$1" = -u ] || exit 1\ncase $2 in 0) echo $PPID ;; 65534) echo 1 ;; esac\n')
    fake.chmod(0o755)
    script = HELPERS + '\nprintf "%s|" "$(ctui_live nginx root)" "$(ctui_live nginx nobody)" "$(ctui_live nginx no-such-user)"'
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=10,
                         env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}).stdout
    root, nobody, unknown, _ = out.split("|")
    assert root.strip().isdigit() and nobody.strip() == "1" and unknown == ""


# -- defect 10: own qdisc handles, and the lock script ---------------------------------------


def test_every_fault_has_its_own_valid_qdisc_handles() -> None:
    seen = set()
    for _ in range(5000):
        fault_id = "f-" + secrets.token_hex(4)
        root, netem = handles(fault_id)
        assert root != netem
        for handle in (root, netem):
            major = int(handle.rstrip(":"), 16)
            assert 0 < major < 0xFFFF
        seen.add(root)
    assert len(seen) > 4000, "handles spread over the id's bits"
    for edge in ("f-00000000", "f-ffffffff", "f-0000ffff", "f-ffff0000", "f-12341234"):
        root, netem = handles(edge)
        assert root != netem and "ffff:" not in (root, netem) and "0:" not in (root, netem)


def latency_plan(cluster, fault_id: str):
    return plan_fault(cluster, FaultRequest("latency", "web1", {"delay": "100ms"}, ttl=30), survey(), fault_id=fault_id)


def run_undo(tmp_path: Path, p, shown: str) -> str:
    """Run the plan's undo with a `tc` that shows `shown`; returns the tc calls."""
    fake = tmp_path / "tc"
    calls = tmp_path / "calls"
    fake.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1 $2" = "qdisc show" ] && printf "%s\\n" "{shown}"\nexit 0\n')
    fake.chmod(0o755)
    calls.write_text("")
    subprocess.run(["sh", "-c", "\n".join(p.steps.undo)], timeout=10, check=True,
                   env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"})
    return calls.read_text()


def test_a_second_latency_faults_revert_leaves_the_firsts_qdisc(cluster, tmp_path: Path) -> None:
    first, second = latency_plan(cluster, "f-1a2b3c4d"), latency_plan(cluster, "f-5e6f7a8b")
    first_root, _ = handles(first.id)
    assert first_root in "\n".join(first.steps.apply) and handles(second.id)[0] not in "\n".join(first.steps.apply)
    shown = f"qdisc prio {first_root} root refcnt 2 bands 4"
    assert "qdisc del" not in run_undo(tmp_path, second, shown), "the second fault's rollback deleted the first's qdisc"
    assert "qdisc del dev eth0 root" in run_undo(tmp_path, first, shown)


def test_the_precheck_refuses_a_handle_in_use(cluster) -> None:
    p = latency_plan(cluster, "f-1a2b3c4d")
    root, netem = handles(p.id)
    (in_use,) = [c for c in p.steps.precheck if "already in use" in c.problem]
    assert root in in_use.test and netem in in_use.test


def test_the_lock_script_is_valid_sh_and_waits_with_a_timeout() -> None:
    script = lock_script("0123456789abcdef", wait=7)
    assert subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True).returncode == 0
    assert "flock -n 9" in script and "ctui_n=70" in script and "exec cat >/dev/null" in script
