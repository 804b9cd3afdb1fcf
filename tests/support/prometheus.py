"""Debian's `prometheus`, started by a test to scrape one target on 127.0.0.1.

A temporary config (1 s scrape interval) and storage directory, a free 127.0.0.1 port, and
a bounded wait for `/-/ready`.  The process is always stopped (SIGTERM, then SIGKILL) when
the `with` ends, whether the test passed or not.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.waiting import wait_for

BINARY = "/usr/bin/prometheus"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Prometheus:
    url: str

    def query(self, expr: str) -> list[dict]:
        """The instant vector of `expr` ([{"metric": {...}, "value": [t, "v"]}, ...])."""
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
        with urllib.request.urlopen(address, timeout=5) as answer:
            body = json.load(answer)
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def value(self, expr: str) -> float | None:
        """The value of a query that returns one series; None while it returns none."""
        result = self.query(expr)
        assert len(result) <= 1, result
        return float(result[0]["value"][1]) if result else None


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@contextmanager
def prometheus_scraping(target: str, workdir: Path) -> Iterator[Prometheus]:
    """A Prometheus scraping `target` (HOST:PORT of a /metrics) every second."""
    if shutil.which(BINARY) is None:
        raise AssertionError("prometheus is not installed: `clustertui lab deps --install` (Debian's prometheus)")
    config = workdir / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: clustertui\n    static_configs: [{{targets: ['{target}']}}]\n"
    )
    port = free_port()
    log = (workdir / "prometheus.log").open("w")
    process = subprocess.Popen(
        [BINARY, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: (process.poll() is None and _ready(url)) or process.poll() is not None, timeout=60, step=0.2,
                 what="prometheus to be ready")
        if process.poll() is not None:
            raise AssertionError(f"prometheus exited {process.returncode}: {(workdir / 'prometheus.log').read_text()[-2000:]}")
        yield Prometheus(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
