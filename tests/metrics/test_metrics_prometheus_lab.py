"""A real Prometheus (Debian's) scrapes `clustertui serve` on the lab: its queries return every
node up with nginx up on web2, then, after a kill fault on web2's nginx, that service down and
the fault counted, and after the revert nginx up again.  Prometheus and serve are always
stopped, and the fault always reverted."""

from __future__ import annotations

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
