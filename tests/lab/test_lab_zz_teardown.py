"""`lab down` leaves nothing behind: after a full lab, a failed `up`, and hand-made debris.

Named ``zz`` so it runs after the other lab tests; the test brings the lab back up when it
ends so that tests collected after it (and a developer's reused lab) still have one.  One
test walks the three cases in a row: each starts from a lab that is down, so they share the
one ``lab up`` that restores the lab (the slow part: ~7 s).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clustertui.lab import LabError, lab_down, lab_up
from clustertui.lab import nodes as lab_nodes
from clustertui.lab.down import find_leftovers
from clustertui.lab.spec import RUNTIME_DIR

pytestmark = pytest.mark.lab

#: The lock lab test runs queue on (docs/lab.md): a process that only waits on it (``flock
#: /tmp/clustertui-labtests.lock pytest ...`` in another shell) names no part of the lab.
LAB_TESTS_LOCK = "/tmp/clustertui-labtests.lock"


def _independent_leftovers(state_dir: Path) -> list[str]:
    """Look for lab debris without the lab's own discovery code."""
    out: list[str] = []
    ns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    out += [f"netns {line}" for line in ns.splitlines() if line.startswith("ctui-")]
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    out += [f"link {line.split(':')[1].strip()}" for line in links.splitlines() if ": ctui-" in line]
    for ctrl in Path("/sys/fs/cgroup").iterdir():
        if (ctrl / "clustertui-lab").exists():
            out.append(f"cgroup {ctrl / 'clustertui-lab'}")
    if (Path("/sys/fs/cgroup") / "clustertui-lab").exists():
        out.append("cgroup v2 clustertui-lab")
    mounts = Path("/proc/self/mountinfo").read_text()
    out += [f"mount {line}" for line in mounts.splitlines() if "clustertui-lab" in line or str(state_dir) in line]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        named = cmd.replace(LAB_TESTS_LOCK, "")
        if state != "Z" and ("clustertui-lab" in named or str(state_dir) in named) and int(pid) != os.getpid():
            out.append(f"process {pid}: {cmd[:80]}")
    netns_dir = Path("/run/netns")
    if netns_dir.is_dir() and not os.listdir(netns_dir) and " /run/netns " in mounts:
        out.append("empty /run/netns bind mount (made by `ip netns add`)")
    rules = subprocess.run(["iptables", "-w", "-S"], capture_output=True, text=True).stdout
    out += [f"rule {r}" for r in rules.splitlines() if "clustertui-lab" in r]
    if state_dir.exists():
        out.append(f"state dir {state_dir}")
    if RUNTIME_DIR.exists():
        out.append(f"runtime dir {RUNTIME_DIR}")
    return out


def _assert_clean(state_dir: Path) -> None:
    assert find_leftovers(state_dir) == []
    assert _independent_leftovers(state_dir) == []


@pytest.fixture
def restore_lab(lab) -> Iterator[None]:
    """Exclusive use of the lab for the test, then bring it back up."""
    with lab.exclusive():
        built_by_tests = (RUNTIME_DIR / "built-by-tests").exists()
        try:
            yield
        finally:
            lab_up(lab.state_dir)
            if built_by_tests:
                (RUNTIME_DIR / "built-by-tests").write_text("restored by test_lab_zz_teardown\n")


def test_down_removes_everything_after_a_full_a_half_way_and_a_hand_made_lab(
    lab, restore_lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1. A full lab.
    rep = lab_down(lab.state_dir)
    assert rep.failures == []
    assert any(item.startswith("node web1") for item in rep.removed)
    _assert_clean(lab.state_dir)
    # Nothing there: down says so and succeeds.
    again = lab_down(lab.state_dir)
    assert not again.found_anything

    # 2. An `up` that dies after starting three nodes.
    real_launch = lab_nodes.launch_init
    started: list[str] = []

    def failing_launch(node, *args, **kwargs):  # type: ignore[no-untyped-def]
        if len(started) == 3:
            raise LabError("injected failure")
        started.append(node.name)
        return real_launch(node, *args, **kwargs)

    monkeypatch.setattr(lab_nodes, "launch_init", failing_launch)
    with pytest.raises(LabError, match="injected"):
        lab_up(lab.state_dir)
    monkeypatch.undo()
    assert len(find_leftovers(lab.state_dir)) > 5
    assert lab_down(lab.state_dir).failures == []
    _assert_clean(lab.state_dir)

    # 3. Debris made by hand with the lab's names: no state dir, no runtime dir.
    subprocess.run(["ip", "link", "add", "ctui-br0", "type", "bridge"], check=True)
    subprocess.run(["ip", "netns", "add", "ctui-web1"], check=True)
    subprocess.run(["ip", "link", "add", "ctui-web2", "type", "veth", "peer", "name", "eth0", "netns", "ctui-web1"], check=True)
    mem = Path("/sys/fs/cgroup/memory")
    if mem.is_dir():
        (mem / "clustertui-lab" / "web1").mkdir(parents=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", "ctui-web1", "sleep", "600"])
    try:
        deadline = time.monotonic() + 5
        while str(sleeper.pid) not in subprocess.run(
            ["ip", "netns", "pids", "ctui-web1"], capture_output=True, text=True
        ).stdout.split():
            assert time.monotonic() < deadline, "sleeper never entered the namespace"
            time.sleep(0.02)
        rep = lab_down(lab.state_dir)
        assert rep.failures == []
        assert sleeper.wait(timeout=5) != 0
        _assert_clean(lab.state_dir)
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
