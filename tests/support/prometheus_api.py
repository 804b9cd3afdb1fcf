"""A simulated Prometheus HTTP API on 127.0.0.1 that answers the feed's queries for any
number of node_exporter instances, with the failures a real server can have (slow, down,
errors, no series for some instances, other labels).

It recognises the exact queries of `clustertui.probe.promql.Queries` (the feed asks nothing
else) and answers each like Prometheus would: a vector (or matrix) of the aggregated series.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from clustertui.probe.promql import Queries
from tests.support.servers import tcp_server


@dataclass
class Figures:
    """One instance's state, in node_exporter's terms."""

    busy: float = 25.0  # CPU busy %, spread as user
    iowait: float = 5.0
    cores: int = 2
    mem_total: int = 8 * 1024**3
    mem_available: int = 6 * 1024**3
    swap_total: int = 1024**3
    swap_free: int = 1024**3
    load: tuple[float, float, float] = (0.5, 0.4, 0.3)
    rx: float = 1000.0
    tx: float = 500.0
    up: float = 1.0


@dataclass
class PrometheusSim:
    """`instances`: instance label -> figures; `labels`: extra labels per instance."""

    queries: Queries
    instances: dict[str, Figures]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    delay: float = 0.0
    fail: str | None = None  # an API error message to answer with (HTTP 400)
    requests: list[str] = field(default_factory=list)

    def _metric(self, instance: str, **extra: str) -> dict[str, str]:
        group = self.queries.label
        base = {"instance": instance, "job": "node", **self.labels.get(instance, {})}
        return {**({group: base[group]} if group in base else {}), **extra}

    def vector(self, key: str) -> list[dict[str, Any]]:
        out: list[tuple[dict[str, str], float]] = []
        for inst, f in self.instances.items():
            if key == "up":
                out.append((self._metric(inst), f.up))
            elif key == "cpu":
                user = f.busy * f.cores / 100
                io = f.iowait * f.cores / 100
                for mode, value in (("user", user), ("iowait", io), ("idle", f.cores - user - io), ("system", 0.0)):
                    out.append((self._metric(inst, mode=mode), value))
            elif key == "cores":
                out += [(self._metric(inst, cpu=str(i)), f.busy / 100) for i in range(f.cores)]
            elif key == "memory":
                for name, value in (("MemTotal", f.mem_total), ("MemAvailable", f.mem_available),
                                    ("SwapTotal", f.swap_total), ("SwapFree", f.swap_free)):
                    out.append((self._metric(inst, __name__=f"node_memory_{name}_bytes"), value))
            elif key == "load":
                out += [(self._metric(inst, __name__=f"node_load{n}"), v) for n, v in zip((1, 5, 15), f.load, strict=True)]
            elif key in ("rx", "tx"):
                out.append((self._metric(inst, device="eth0"), f.rx if key == "rx" else f.tx))
        return [{"metric": metric, "value": [0, repr(float(value))]} for metric, value in out]

    def matrix(self, key: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        times = []
        t = start
        while t <= end and len(times) < 11_000:
            times.append(t)
            t += step
        out = []
        for inst, f in self.instances.items():
            value = {"cpu": f.busy, "mem": 100 * (1 - f.mem_available / f.mem_total), "load1": f.load[0],
                     "rx": f.rx, "tx": f.tx}[key]
            out.append({"metric": self._metric(inst), "values": [[t, repr(float(value))] for t in times]})
        return out

    def answer(self, target: str) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(target)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query = params.get("query", "")
        self.requests.append(query)
        if self.fail:
            return 400, {"status": "error", "errorType": "bad_data", "error": self.fail}
        if parts.path.endswith("/query"):
            keys = {q: k for k, q in self.queries.instant().items()}
            if query not in keys:
                return 400, {"status": "error", "error": f"unexpected query {query}"}
            return 200, {"status": "success", "data": {"resultType": "vector", "result": self.vector(keys[query])}}
        keys = {q: k for k, q in self.queries.history().items()}
        if query not in keys:
            return 400, {"status": "error", "error": f"unexpected query {query}"}
        result = self.matrix(keys[query], float(params["start"]), float(params["end"]), float(params["step"]))
        return 200, {"status": "success", "data": {"resultType": "matrix", "result": result}}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode()
            if self.delay:
                await asyncio.sleep(self.delay)
            status, body = self.answer(target)
            data = json.dumps(body).encode()
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                         "Connection: close\r\n\r\n".encode() + data)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serve(sim: PrometheusSim) -> AsyncIterator[str]:
    """Run `sim` on 127.0.0.1; yields its base URL."""
    async with tcp_server(sim.handle) as port:
        yield f"http://127.0.0.1:{port}"
