"""``lab up``: build the lab and return only when every service answers.

Order matters and is cheap to get wrong:

1. prerequisites (root, packages) — fail fast with how to fix;
2. if a lab is already up and every check passes, stop there (idempotent, ~1 s);
   if only part of one is there, tear it down first (rebuilding is quicker and surer than
   guessing what a half-built lab lacks);
3. state files (keys, configs), LXCFS, bridge, firewall rule if needed;
4. per node: cgroup, netns + veth, then the init launched *inside* the cgroup;
5. wait for every check in parallel (a deadline, not a sleep).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import cgroups, checks, configs, down, firewall, ha, lxcfs, netns, nodes, prometheus, sshd
from .deps import missing_prerequisites
from .locking import operation_lock
from .proc import LabError, MissingPrerequisite, write_file
from .spec import DEFAULT_SPEC, LabSpec, RuntimePaths, StatePaths, default_state_dir

Progress = Callable[[str], None]

#: Overall budget of ``lab up``; the checks get whatever is left of it.
UP_TIMEOUT = 30.0


@dataclass
class LabReport:
    """What ``lab up`` did: whether it was already up, step timings, node init pids."""

    state_dir: Path
    already_up: bool = False
    steps: list[tuple[str, float]] = field(default_factory=list)
    total: float = 0.0
    init_pids: dict[str, int] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)
    rebuilt_from_partial: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "state_dir": str(self.state_dir),
            "already_up": self.already_up,
            "rebuilt_from_partial": self.rebuilt_from_partial,
            "steps": [{"step": s, "seconds": round(t, 3)} for s, t in self.steps],
            "total_seconds": round(self.total, 3),
            "init_pids": self.init_pids,
            "checks": self.checks,
        }


def lab_present(spec: LabSpec = DEFAULT_SPEC) -> bool:
    """Any trace of a lab on this host (namespaces, links, runtime dir, cgroups)."""
    return bool(
        netns.list_lab_netns()
        or netns.list_lab_links()
        or RuntimePaths().root.exists()
        or cgroups.lab_cgroup_dirs()
    )


def _quick_healthy(spec: LabSpec, paths: StatePaths) -> bool:
    """One pass of every check: the lab is complete and answers with *these* keys."""
    if not paths.user_key.exists() or sorted(netns.list_lab_netns()) != sorted(n.netns for n in spec.nodes):
        return False
    if not lxcfs.healthy(RuntimePaths()):
        return False
    all_checks = checks.lab_checks(spec, paths)
    return all(r.ok for r in checks.run_once(all_checks))


def _dead_nodes(spec: LabSpec, paths: StatePaths) -> dict[str, str]:
    """Nodes whose init is gone, with the last line of their init.log (usually why)."""
    out: dict[str, str] = {}
    for node in spec.nodes:
        if nodes.node_init_pid(node.name, spec) is None:
            try:
                lines = (paths.node_log_dir(node.name) / "init.log").read_text().strip().splitlines()
            except OSError:
                lines = []
            out[node.name] = lines[-1] if lines else "no init.log"
    return out


def lab_up(
    state_dir: Path | None = None,
    progress: Progress | None = None,
    spec: LabSpec = DEFAULT_SPEC,
    timeout: float = UP_TIMEOUT,
) -> LabReport:
    """Build the lab (or confirm it is up) and wait until every service answers.

    Raises :class:`MissingPrerequisite` (not root, package missing) before touching
    anything, and :class:`LabError` if the lab could not be built or did not become healthy
    within ``timeout``; in that case what was built stays for inspection (logs under
    ``<state>/nodes/*/log``) and ``lab down`` removes it.
    """
    missing = missing_prerequisites()
    if missing:
        raise MissingPrerequisite(missing)
    with operation_lock():
        return _lab_up(state_dir, progress, spec, timeout)


def _lab_up(state_dir: Path | None, progress: Progress | None, spec: LabSpec, timeout: float) -> LabReport:
    say = progress or (lambda _msg: None)
    paths = StatePaths(state_dir or default_state_dir())
    rt = RuntimePaths()
    report = LabReport(state_dir=paths.root)
    t0 = time.monotonic()
    deadline = t0 + timeout
    last = t0

    def step(name: str) -> None:
        nonlocal last
        now = time.monotonic()
        report.steps.append((name, now - last))
        say(f"  {name:<34} {now - last:5.2f}s")
        last = now

    if lab_present(spec):
        if _quick_healthy(spec, paths):
            report.already_up = True
            found = nodes.find_inits([n.netns for n in spec.nodes])
            report.init_pids = {n.name: found[n.netns] for n in spec.nodes if n.netns in found}
            step("lab already up and healthy")
            report.total = time.monotonic() - t0
            return report
        say("  a partial or unhealthy lab is present: removing it first")
        down.lab_down(paths.root, spec=spec)
        report.rebuilt_from_partial = True
        step("removed the previous lab")

    netns.require_free(spec)

    # State directory.  Keys already there (a previous failed up) are kept; `down` removes
    # them, so a fresh lab gets fresh keys and a fresh known_hosts.
    paths.root.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.root, 0o700)
    write_file(paths.marker, "made by `clustertui lab up`; `clustertui lab down` removes this directory\n")
    for node in spec.nodes:
        paths.node_log_dir(node.name).mkdir(parents=True, exist_ok=True)
    sshd.write_keys(spec, paths)
    rt.root.mkdir(parents=True, exist_ok=True)
    write_file(rt.state_pointer, str(paths.root) + "\n")
    # The HA nodes' CIB names the shared disk's loop device: attach it first.
    ha_device = ha.create_disk(spec, rt) if spec.with_role("ha") else None
    for node in spec.nodes:
        configs.write_node_files(spec, node, paths, ha_device)
    write_file(paths.hosts, configs.hosts_file(spec))
    step("keys, configs" + (f", shared disk {ha_device}" if ha_device else ""))

    lxcfs.start(rt)
    step("lxcfs")

    netns.create_bridge(spec)
    added = firewall.allow_bridge(spec)
    write_file(rt.firewall_record, json.dumps(added) + "\n")
    step("bridge" + (" + FORWARD accept rule" if added else ""))

    prometheus.start(spec, paths)  # on the bridge address; up by the time the nodes are
    step("prometheus")

    layout = cgroups.detect_layout()
    for node in spec.nodes:
        cgroups.create_node_cgroup(layout, node.name, node.memory_limit)
        netns.create_node_net(spec, node)
    step(f"cgroups v{layout.version}, namespaces, veths")

    # Backends first: HAProxy's first health checks then find nginx already up.
    for node in sorted(spec.nodes, key=lambda n: n.has_role("lb")):
        nd = paths.node_dir(node.name)
        nodes.launch_init(
            node, layout, nd / "init.sh", nd, rt.lxcfs_mount, paths.node_log_dir(node.name) / "init.log"
        )
    report.init_pids = nodes.wait_for_inits(spec, spec.names)
    for name, pid in report.init_pids.items():
        write_file(paths.init_pid_file(name), f"{pid}\n")
    step("node inits started")

    all_checks = checks.lab_checks(spec, paths)
    expected: dict[str, int] = {}
    for c in all_checks:
        expected[c.service] = expected.get(c.service, 0) + 1
    passed: dict[str, int] = {}
    lock = threading.Lock()
    waited_from = time.monotonic()

    def on_pass(check: checks.Check, _res: checks.CheckResult, _at: float) -> None:
        # One line per service once it answers everywhere (threads call this).
        with lock:
            passed[check.service] = passed.get(check.service, 0) + 1
            if passed[check.service] == expected[check.service]:
                where = f"on {expected[check.service]} nodes" if check.node else ""
                say(f"    {check.service} answers {where}".rstrip() + f" (+{time.monotonic() - waited_from:.2f}s)")

    results = checks.wait_until_ok(all_checks, deadline, on_pass)
    report.checks = {label: r.detail for label, r in results.items()}
    failed = {label: r.detail for label, r in results.items() if not r.ok}
    step("every service answers" if not failed else f"{len(failed)} checks failed")
    report.total = time.monotonic() - t0
    if failed:
        dead = _dead_nodes(spec, paths)
        lines = "; ".join(
            [f"{n}: init died: {why}" for n, why in dead.items()]
            + [f"{k}: {v}" for k, v in sorted(failed.items()) if k.split("/")[0] not in dead]
        )
        raise LabError(
            f"the lab did not become healthy within {timeout:.0f}s: {lines} "
            f"(logs in {paths.root}/nodes/*/log; `clustertui lab down` removes it)"
        )
    write_file(paths.lab_json, json.dumps(report.to_dict(), indent=2) + "\n")
    return report
