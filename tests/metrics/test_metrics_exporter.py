"""The exporter in the TUI's live source: attached when the monitor starts, scraped from
another thread while the loop runs, and its port closed when the source stops."""

from __future__ import annotations

import asyncio
import socket
import urllib.request

from clustertui.config import Cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.metrics.address import ListenAddress
from clustertui.metrics.exporter import Exporter
from clustertui.tui.source import MonitorSource


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return str(answer.read().decode())


async def test_the_live_source_exports_while_it_runs(tmp_path) -> None:
    cluster = Cluster.model_validate({
        "name": "tui", "type": "single-node", "interval": "500ms",
        "ssh": {"user": "root", "known_hosts": str(tmp_path / "kh"), "connect_timeout": "1s"},
        "nodes": [{"name": "n1", "host": "127.0.0.1", "port": _closed_port()}],
        "source": tmp_path / "tui.yaml",
    })
    exporter = Exporter.listen(ListenAddress("127.0.0.1", 0))
    before = await asyncio.to_thread(_get, exporter.url)
    assert "clustertui_nodes" not in before and "process_cpu_seconds_total" in before  # not attached yet
    source = MonitorSource(ClusterMonitor(cluster), exporter)
    await source.start()
    try:
        text = await asyncio.to_thread(_get, exporter.url)
        assert 'clustertui_nodes{cluster="tui"} 1.0' in text
        assert 'clustertui_node_up{cluster="tui",node="n1"} 0.0' in text
    finally:
        await source.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", exporter.port)) != 0  # nothing listens any more
