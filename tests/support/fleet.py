"""A simulated fleet of N SSH nodes on 127.0.0.0/8, served by a few processes of its own.

The controller under test runs in the calling process; the fleet runs in child processes
(tests/support/fleet_node.py), so that the controller's CPU is its own process's times and
none of the fleet's.  Node i listens on 127.1.(i // 250).(i % 250 + 1), a port of its own;
every node takes the same client key, each serving process has one host key, and the
cluster file lists every node with a known_hosts line of its own, as a real fleet has.
Nothing listens on or connects to any address outside 127.0.0.0/8.

Used by bench/fleet.py (1,000 to 5,000 nodes) and tests/integration/test_fleet.py (50).
"""

from __future__ import annotations

import os
import resource
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from ruamel.yaml import YAML

from tests.hostile.node import KeyFiles, client_identity
from tests.support.fleet_node import address

REPO = Path(__file__).resolve().parents[2]
#: Services every node runs: the probe watches their processes and ports, as on a real fleet.
ROLES = {"web": {"nginx": 80}, "db": {"postgres": 5432}}
#: Nodes per serving process: each serves its slice's listeners and connections (two file
#: descriptors a node) on one event loop.
PER_PROCESS = 1250


def raise_nofile(needed: int) -> None:
    """Raise this process's soft limit on open files toward its hard limit (the children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


@dataclass
class Fleet(KeyFiles):
    size: int
    processes: int = 0  # 0: one per PER_PROCESS nodes
    _children: list[subprocess.Popen[str]] = field(default_factory=list)


    def start(self, timeout: float = 300.0) -> Fleet:
        """Start the serving processes; returns once every node listens."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        client_identity(self.identity)
        raise_nofile(2 * self.size + 1024)
        count = self.processes or max(1, -(-self.size // PER_PROCESS))
        share = -(-self.size // count)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        firsts = range(0, self.size, share)
        for first in firsts:
            self._children.append(subprocess.Popen(
                [sys.executable, "-m", "tests.support.fleet_node", str(self.workdir), str(first),
                 str(min(share, self.size - first))],
                cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            ))
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as waiting:
            for child in self._children:
                assert child.stdout is not None
                waiting.register(child.stdout, selectors.EVENT_READ, child)
            ready = 0
            while ready < len(self._children):
                left = deadline - time.monotonic()
                events = waiting.select(max(0.0, left))
                if not events or left <= 0:
                    self.stop()
                    raise RuntimeError(f"the simulated fleet did not start within {timeout:g} s")
                for key, _ in events:
                    line = key.fileobj.readline()  # type: ignore[union-attr]
                    if line.strip() != "ready":
                        self.stop()
                        raise RuntimeError(f"a fleet process failed to start: {line!r}")
                    waiting.unregister(key.fileobj)
                    ready += 1
        self.known_hosts.write_text("".join((self.workdir / f"known_hosts.{first}").read_text() for first in firsts))
        return self

    def stop(self) -> None:
        for child in self._children:
            if child.stdin is not None:
                child.stdin.close()
        for child in self._children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if child.stdout is not None:
                child.stdout.close()
        self._children.clear()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def cpu_seconds(self) -> float:
        """User + system CPU of the serving processes so far (not the controller's)."""
        total = 0.0
        for child in self._children:
            times = psutil.Process(child.pid).cpu_times()
            total += times.user + times.system
        return total

    def endpoints(self) -> list[tuple[str, int]]:
        """(address, port) of every node, in node order."""
        found: dict[str, int] = {}
        for line in self.known_hosts.read_text().splitlines():
            host, _, port = line.split()[0].strip("[").partition("]:")
            found[host] = int(port)
        return [(address(i), found[address(i)]) for i in range(self.size)]

    def cluster_file(self, path: Path, interval: str = "1s", **extra: object) -> Path:
        """A cluster file for the whole fleet: nodes alternate web and db roles."""
        roles = list(ROLES)
        nodes = [
            {"name": f"node{i:05d}", "host": host, "port": port, "roles": [roles[i % len(roles)]]}
            for i, (host, port) in enumerate(self.endpoints())
        ]
        services = {
            name: {"roles": [role], "process": name, "port": port}
            for role, running in ROLES.items() for name, port in running.items()
        }
        doc: dict[str, object] = {
            "name": f"fleet{self.size}",
            "type": "majority",
            "interval": interval,
            "ssh": {"user": "root", "identity": str(self.identity), "known_hosts": str(self.known_hosts),
                    "connect_timeout": "30s"},
            "nodes": nodes,
            "services": services,
            **extra,
        }
        with path.open("w") as out:
            YAML().dump(doc, out)
        return path
