"""The lab's Prometheus server: Debian's `prometheus`, on the host, scraping every node.

It listens on the bridge address (198.18.0.1:9090), where the controller and the nodes
reach it and nothing outside the lab does, scrapes each node's node_exporter every second
(`source: {prometheus: ...}` of sample_clusters/lab-prometheus.yaml reads it) and keeps its
storage in the lab's state directory, so `lab down` removes it with the rest.  Each target
carries a `node` label with the node's name, so a cluster file can map series to nodes by
label (`node_label: node`) or by address alike.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .proc import clean_env, terminate, write_file
from .spec import LabSpec, StatePaths


def config(spec: LabSpec) -> str:
    """prometheus.yml: one job, one target per node with its name as the `node` label."""
    targets = "".join(
        f"      - targets: ['{node.address}:9100']\n        labels: {{node: {node.name}}}\n" for node in spec.nodes
    )
    return (
        "# Written by `clustertui lab up`; `clustertui lab down` removes it.\n"
        "global:\n"
        f"  scrape_interval: {spec.scrape_interval}\n"
        f"  scrape_timeout: {spec.scrape_interval}\n"
        "scrape_configs:\n"
        "  - job_name: node\n"
        "    static_configs:\n" + targets
    )


def start(spec: LabSpec, paths: StatePaths) -> None:
    """Start the server in the background; `lab up`'s checks wait for its first scrapes."""
    stop(spec)
    home = paths.prometheus_dir
    (home / "data").mkdir(parents=True, exist_ok=True)
    write_file(home / "prometheus.yml", config(spec))
    argv = [
        "prometheus",
        f"--config.file={home / 'prometheus.yml'}",
        f"--storage.tsdb.path={home / 'data'}",
        "--storage.tsdb.retention.time=1d",
        f"--web.listen-address={spec.bridge_address}:{spec.prometheus_port}",
        "--log.level=warn",
    ]
    with open(home / "prometheus.log", "ab") as log:
        # In its own session, it outlives this process; `stop` finds it in /proc.
        subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=clean_env(),
                         cwd=home, start_new_session=True)


def _listen_flag(spec: LabSpec) -> bytes:
    return f"--web.listen-address={spec.bridge_address}:{spec.prometheus_port}".encode()


def pids(spec: LabSpec) -> list[int]:
    """The lab's Prometheus processes: a `prometheus` listening on the lab's address (found
    by scanning /proc, so a server whose pid file is gone is found too)."""
    flag = _listen_flag(spec)
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if os.path.basename(argv[0]) == b"prometheus" and flag in argv and state != "Z":
            out.append(int(entry))
    return sorted(out)


def stop(spec: LabSpec) -> list[str]:
    """Stop the lab's Prometheus (TERM, then KILL after 3 s); return what was stopped."""
    return [f"prometheus pid {pid}" for pid in terminate(lambda: pids(spec))]
