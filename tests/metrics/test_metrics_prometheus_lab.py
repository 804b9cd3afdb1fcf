"""A real Prometheus (Debian's) scrapes `clustertui serve` on the lab: its queries return every
node up with nginx up on web2, then, after a kill fault on web2's nginx, that service down and
the fault counted, and after the revert nginx up again.  Prometheus and serve are always
stopped, and the fault always reverted."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest

from tests.support.cli import run_cli
from tests.support.paths import REPO
from tests.support.prometheus import prometheus_scraping
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

NGINX_WEB2 = 'clustertui_service_up{cluster="lab",node="web2",service="nginx"}'


def test_prometheus_scrapes_serve_on_the_lab(lab, tmp_path) -> None:
    nodes = len(lab.spec.names)
    serve = subprocess.Popen(
        [sys.executable, "-m", "clustertui", "serve", str(lab.cluster_file), "--metrics", "127.0.0.1:0"],
        cwd=REPO, stderr=subprocess.PIPE, text=True,
    )
    fault = None
    try:
        url = serve.stderr.readline().split()[-1]  # serving metrics on http://127.0.0.1:PORT/metrics
        target = url.removeprefix("http://").removesuffix("/metrics")
        with prometheus_scraping(target, tmp_path) as prom:
            wait_for(lambda: prom.value('sum(clustertui_node_up{cluster="lab"})') == nodes, timeout=60, step=0.5,
                     what=f"Prometheus to see all {nodes} lab nodes up")
            assert prom.value(f'up{{instance="{target}"}}') == 1
            by_node = {r["metric"]["node"]: float(r["value"][1]) for r in prom.query("clustertui_node_memory_total_bytes")}
            assert set(by_node) == set(lab.spec.names) and all(v > 0 for v in by_node.values()), by_node
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
        serve.send_signal(signal.SIGTERM)
        try:
            code = serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
            raise
    assert code == 0, serve.stderr.read()[-2000:]


def _scrape(url: str) -> dict[tuple[str, tuple], float]:
    import urllib.request

    from prometheus_client.openmetrics.parser import text_string_to_metric_families

    request = urllib.request.Request(url, headers={"Accept": "application/openmetrics-text"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        text = answer.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_serve_runs_a_scheduled_drill_and_exports_its_verdict(lab, tmp_path) -> None:
    """`--schedule NAME=1m`: at the next minute serve runs the drill on its own monitor (the
    lab's must-fail drill, 4 s of fault), records it with origin `schedule` and exports it."""
    history = tmp_path / "history.sqlite"
    serve = subprocess.Popen(
        [sys.executable, "-m", "clustertui", "serve", str(lab.cluster_file), "--metrics", "127.0.0.1:0",
         "--schedule", "web1-direct-no-redundancy=1m", "--history", str(history)],
        cwd=REPO, stderr=subprocess.PIPE, text=True,
    )
    drill = (("cluster", "lab"), ("drill", "web1-direct-no-redundancy"))
    try:
        url = serve.stderr.readline().split()[-1]
        seen: dict = {}

        def exported() -> bool:
            seen.update(_scrape(url))
            return ("clustertui_drill_verdict", (*drill, ("verdict", "failed"))) in seen

        wait_for(exported, timeout=120, step=1, what="the scheduled drill's verdict to be exported")
        assert seen[("clustertui_drill_verdict", (*drill, ("verdict", "failed")))] == 1
        assert seen[("clustertui_drill_verdict", (*drill, ("verdict", "passed")))] == 0
        assert seen[("clustertui_drill_availability_ratio", drill)] < 0.95
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            code = serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
            raise
    lines = serve.stderr.read().splitlines()
    assert code == 0, lines[-20:]
    assert "schedule: drill web1-direct-no-redundancy: FAILED" in lines, lines
    listed = run_cli("history", "show", str(lab.cluster_file), "web1-direct-no-redundancy", "--json",
                     "--history", str(history))
    assert re.search(r'"origin":\s*"schedule"', listed.stdout), listed.stdout[-2000:]
