"""`check` with `source: {prometheus: URL}`: the figures' source is asked once beside the
probe, and every node it cannot speak for is named with why, without delaying anything."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from clustertui.probe.promql import Queries
from tests.support.cli import run_cli
from tests.support.prometheus_api import Figures, PrometheusSim, serve

FILE = """
name: p
type: majority
ssh: {{connect_timeout: 2s}}
nodes:
  - {{name: web1, host: 127.0.0.1, port: 1}}
  - {{name: web2, host: 127.0.0.2, port: 1}}
source: {{prometheus: "{url}", timeout: 1s}}
"""


def write(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(FILE.format(url=url))
    return path


async def test_check_names_the_nodes_without_figures(tmp_path: Path) -> None:
    sim = PrometheusSim(Queries("", "instance", 60.0), {"127.0.0.1:9100": Figures()})
    async with serve(sim) as url:
        result = await asyncio.to_thread(run_cli, "check", "--json", str(write(tmp_path, url)))
    assert result.returncode == 1 and result.stderr == ""
    metrics = json.loads(result.stdout)["metrics"]
    assert metrics == {"source": url, "ok": False,
                       "missing": {"web2": f'prometheus {url}: no series with instance="127.0.0.2:PORT"'}}


async def test_check_with_prometheus_down_says_so_once_per_node(tmp_path: Path) -> None:
    result = await asyncio.to_thread(run_cli, "check", str(write(tmp_path, "http://127.0.0.1:1")))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "figures from http://127.0.0.1:1: 0/2 nodes" in result.stdout
    assert "web2: prometheus http://127.0.0.1:1: connection refused" in result.stdout
    assert "2 node(s) without figures" in result.stdout
