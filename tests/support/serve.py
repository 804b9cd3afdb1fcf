"""`clustertui serve` as a test runs it: started in a fresh interpreter, its metrics URL read
from its first stderr line, and always stopped with SIGTERM (SIGKILL only if that hangs)."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client.openmetrics.parser import text_string_to_metric_families

from tests.support.paths import REPO


@dataclass
class Served:
    url: str  # http://127.0.0.1:PORT/metrics
    code: int | None = None  # serve's exit code, once stopped
    stderr: list[str] = field(default_factory=list)  # its lines after the first, once stopped

    @property
    def target(self) -> str:
        """HOST:PORT, as a scrape config names it."""
        return self.url.removeprefix("http://").removesuffix("/metrics")

    def scrape(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample, asked for as OpenMetrics: (name, sorted labels) -> value."""
        request = urllib.request.Request(self.url, headers={"Accept": "application/openmetrics-text"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.headers["Content-Type"].startswith("application/openmetrics-text")
            text = answer.read().decode()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}


@contextmanager
def serving(*args: str, stop_timeout: float = 60) -> Iterator[Served]:
    """`clustertui serve ARGS --metrics 127.0.0.1:0` while the block runs."""
    process = subprocess.Popen([sys.executable, "-m", "clustertui", "serve", *args, "--metrics", "127.0.0.1:0"],
                               cwd=REPO, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()
    served = Served(first.split()[-1] if first.startswith("serving metrics on ") else "")
    try:
        assert served.url, f"serve did not start: {first}{process.stderr.read()[-2000:] if process.poll() is not None else ''}"
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            served.code = process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            served.stderr = process.stderr.read().splitlines()
