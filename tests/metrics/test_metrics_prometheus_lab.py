"""`clustertui serve` on the lab.  A real Prometheus (Debian's) scrapes it: its queries return
every node up with nginx up on web2, then, after a kill fault on web2's nginx, that service
down and the fault counted, and after the revert nginx up again.  And serve runs a scheduled
drill on its own monitor, records it and exports its verdict.  Prometheus and serve are
always stopped, and the fault always reverted."""

from __future__ import annotations

import re
import time

import pytest

from clustertui.config import load_cluster
from tests.support.cli import run_cli
from tests.support.clusters import with_drill_hold, write_cluster
from tests.support.prometheus import prometheus_scraping
from tests.support.serve import serving
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

NGINX_WEB2 = 'clustertui_service_up{cluster="lab",node="web2",service="nginx"}'


def test_prometheus_scrapes_serve_on_the_lab(lab, tmp_path) -> None:
    names = {node.name for node in load_cluster(lab.cluster_file).nodes}  # lab.yaml's, not ha1-3
    nodes = len(names)
    fault = None
    try:
        with serving(str(lab.cluster_file)) as served, prometheus_scraping(served.target, tmp_path) as prom:
            wait_for(lambda: prom.value('sum(clustertui_node_up{cluster="lab"})') == nodes, timeout=60, step=0.5,
                     what=f"Prometheus to see all {nodes} lab nodes up")
            assert prom.value(f'up{{instance="{served.target}"}}') == 1
            by_node = {r["metric"]["node"]: float(r["value"][1]) for r in prom.query("clustertui_node_memory_total_bytes")}
            assert set(by_node) == names and all(v > 0 for v in by_node.values()), by_node
            wait_for(lambda: prom.value(NGINX_WEB2) == 1, timeout=30, step=0.5, what="nginx up on web2")

            applied = run_cli("chaos", str(lab.cluster_file), "apply", "kill", "--node", "web2", "--service", "nginx",
                              "--ttl", "60s", "--yes")
            assert applied.returncode == 0, applied.stderr
            fault = applied.stdout.strip()
            wait_for(lambda: prom.value(NGINX_WEB2) == 0, timeout=30, step=0.5, what="Prometheus to see nginx down on web2")
            wait_for(lambda: prom.value('clustertui_node_faults_active{node="web2"}') == 1, timeout=30, step=0.5,
                     what="the fault counted on web2")
            assert prom.value('clustertui_service_nodes_up{service="nginx"}') == 2

            reverted = run_cli("chaos", str(lab.cluster_file), "revert", fault)
            assert reverted.returncode == 0, reverted.stderr
            fault = None
            wait_for(lambda: prom.value(NGINX_WEB2) == 1, timeout=30, step=0.5, what="nginx up again on web2")
    finally:
        if fault is not None:
            run_cli("chaos", str(lab.cluster_file), "revert", fault)
    assert served.code == 0, served.stderr[-20:]


def a_minute_in(seconds: float) -> str:
    """A POSIX TZ whose local clock (schedules run on local time) reaches a whole minute
    `seconds` from now, not at the host's next minute, up to 60 s away."""
    return f"CTT-00:00:{int((60 - seconds - time.time() % 60) % 60):02d}"


def test_serve_runs_a_scheduled_drill_and_exports_its_verdict(lab, tmp_path, monkeypatch) -> None:
    """`--schedule NAME=1m`: at the next minute of its local time (set 8 s ahead by TZ) serve
    runs the drill on its own monitor (the lab's must-fail drill, here held 2 s instead of
    4 s: the schedule and the export are what is tested, not the drill's figures), records it
    with origin `schedule` and exports it."""
    monkeypatch.setenv("TZ", a_minute_in(8))
    history = tmp_path / "history.sqlite"
    cluster = with_drill_hold(write_cluster(tmp_path / "lab.yaml", keep_drills=True), "web1-direct-no-redundancy", "2s")
    drill = (("cluster", "lab"), ("drill", "web1-direct-no-redundancy"))
    seen: dict = {}
    with serving(str(cluster), "--schedule", "web1-direct-no-redundancy=1m", "--history", str(history)) as served:

        def exported() -> bool:
            seen.update(served.scrape())
            return ("clustertui_drill_verdict", (*drill, ("verdict", "failed"))) in seen

        wait_for(exported, timeout=120, step=1, what="the scheduled drill's verdict to be exported")
    assert seen[("clustertui_drill_verdict", (*drill, ("verdict", "failed")))] == 1
    assert seen[("clustertui_drill_verdict", (*drill, ("verdict", "passed")))] == 0
    assert seen[("clustertui_drill_availability_ratio", drill)] < 0.95
    assert served.code == 0, served.stderr[-20:]
    assert "schedule: drill web1-direct-no-redundancy: FAILED" in served.stderr, served.stderr
    listed = run_cli("history", "show", str(cluster), "web1-direct-no-redundancy", "--json",
                     "--history", str(history))
    assert re.search(r'"origin":\s*"schedule"', listed.stdout), listed.stdout[-2000:]
