"""One process of the simulated fleet: many SSH nodes on 127.0.0.0/8, answering the real probe.

The hostile node (tests/hostile/node.py) plays one node and runs the probe for real on this
machine; that costs a shell per frame, which is what the lab's nodes cost too, and it is why
neither can stand in for a thousand nodes.  This process serves a slice of a fleet instead:
one asyncssh listener per node address (127.1.x.y, a port of its own), the same client key
and command recognition as the hostile node (`kind_of`), and the probe's frames made up in
Python, in the probe's exact grammar (clustertui/probe/probe.awk), at the interval the
command asks for.  Nothing forks: one timer per interval writes each due stream's frame, the
streams spread evenly over SLOTS instants of the interval (real nodes start at random times).

The survey (chaos/facts.py) is answered with plausible facts; anything else (applying a
fault) is refused, as the hostile node refuses it.

Run by tests/support/fleet.py:  python -m tests.support.fleet_node WORKDIR FIRST COUNT
It writes WORKDIR/known_hosts.FIRST (one `[host]:port key` line per node), prints `ready`,
and serves until its stdin closes (the parent went away).
"""

from __future__ import annotations

import asyncio
import random
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from tests.hostile.node import Kind, kind_of, ssh_connection

#: Instants per interval at which frames go out: each stream has one, assigned in turn.
SLOTS = 20
_VARIABLE = re.compile(r"-v (?:'([a-z]+)=([^']*)'|([a-z]+)=([^\s'\"]*))")
_PROC = re.compile(r"^ctui_proc (\S+) ", re.MULTILINE)


def address(index: int) -> str:
    """Node `index`'s loopback address: 127.1.0.1, ..., 127.1.0.250, 127.1.1.1, ..."""
    if not 0 <= index < 256 * 250:
        raise ValueError(f"the simulated fleet has room for {256 * 250} nodes, not {index + 1}")
    return f"127.1.{index // 250}.{index % 250 + 1}"


@dataclass(frozen=True, slots=True)
class ProbeAsk:
    """What a probe command asks for, read from its `-v name=value` arguments (probe/plan.py)."""

    interval: float
    count: int
    procs: tuple[str, ...]
    ports: tuple[str, ...]
    units: tuple[str, ...]
    paths: tuple[str, ...]
    watch: bool

    @classmethod
    def of(cls, command: str) -> ProbeAsk:
        values: dict[str, str] = {}
        for match in _VARIABLE.finditer(command):
            key, value = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
            values.setdefault(key, value)
        return cls(
            interval=float(values.get("interval", "1")) or 1.0,
            count=int(values.get("count", "0")),
            procs=tuple(values.get("procs", "").split()),
            ports=tuple(values.get("ports", "").split()),
            units=tuple(values.get("units", "").split()),
            paths=tuple(values.get("paths", "/").split()),
            watch=values.get("watch") == "on",
        )


@dataclass
class SimulatedProbe:
    """One node's probe: a CPU random walk and steady memory, network and disk figures."""

    ask: ProbeAsk
    hostname: str
    rng: random.Random
    seq: int = 0
    uptime: float = 0.0
    cpu: float = 0.0
    cores: int = 4
    mem_total: int = 8 * 1024 * 1024  # kB
    mem_used: float = 40.0

    def __post_init__(self) -> None:
        self.uptime = self.rng.uniform(3600, 90 * 86400)
        self.cpu = self.rng.uniform(2, 60)
        self.mem_used = self.rng.uniform(20, 70)

    def header(self) -> bytes:
        return f"H {self.hostname} 6.1.0-simulated 4096\n".encode()

    def frame(self) -> bytes:
        """The next frame, as probe.awk prints it (the first has no rates)."""
        rng, ask = self.rng, self.ask
        self.seq += 1
        first = self.seq == 1
        self.uptime += ask.interval
        self.cpu = min(100.0, max(0.0, self.cpu + rng.uniform(-5, 5)))
        self.mem_used = min(95.0, max(5.0, self.mem_used + rng.uniform(-0.5, 0.5)))
        cpu = self.cpu
        out = [f"F {self.seq} {self.uptime:.2f}"]
        if first:
            out += ["c - - - - -", "k" + " -" * self.cores]
        else:
            out.append(f"c {cpu:.1f} {cpu * 0.7:.1f} {cpu * 0.25:.1f} {cpu * 0.05:.1f} 0.0")
            out.append("k " + " ".join(f"{min(100.0, cpu * rng.uniform(0.5, 1.5)):.1f}" for _ in range(self.cores)))
        available = int(self.mem_total * (100 - self.mem_used) / 100)
        out.append(f"m {self.mem_total} {available} {self.mem_used:.1f} 2097152 0")
        out.append(f"l {cpu / 25:.2f} {cpu / 30:.2f} {cpu / 35:.2f}")
        if not first:
            out.append(f"n eth0 {rng.uniform(1e3, 5e6):.0f} {rng.uniform(1e3, 5e6):.0f}")
        out.append(f"p {cpu / 20:.2f} 0.00 0.00")
        out += [f"d {path} 102687672 41075068 56353340" for path in ask.paths]
        out.append(f"r {180 + self.seq % 7}")
        out += [f"s P {name} 2" for name in ask.procs]
        out += [f"s L {port} 1" for port in ask.ports]
        out += [f"s U {unit} active" for unit in ask.units]
        if ask.watch:
            out.append("w on")
        out.append("E\n")
        return "\n".join(out).encode()

    @property
    def finished(self) -> bool:
        return 0 < self.ask.count <= self.seq


def survey(command: str, process: asyncssh.SSHServerProcess[bytes]) -> bytes:
    """Plausible facts for the chaos survey, with a `proc` line per process it asks about."""
    names = _PROC.findall(" ".join(shlex.split(command)))
    lines = [
        f"ssh {ssh_connection(process)}", "uid 0", f"now {int(asyncio.get_running_loop().time()) + 1_700_000_000}",
        "uptime 86400.00", "nproc 4", "memavail 4194304",
        *(f"tool {tool}" for tool in ("iptables", "nft", "tc", "ip", "unshare", "setsid", "nohup", "pgrep", "pkill",
                                      "dd", "fallocate", "df", "systemd-run", "systemctl")),
        "pid1 systemd", "fw nft", "netem yes", "route 127.0.0.0/8 dev lo",
        *(f"proc {name.strip(chr(39))} 100 101" for name in names), "end",
    ]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Clock:
    """One timer for every stream of one interval."""

    interval: float
    slots: list[dict[asyncssh.SSHServerProcess[bytes], SimulatedProbe]] = field(
        default_factory=lambda: [{} for _ in range(SLOTS)])
    turn: int = 0

    def add(self, process: asyncssh.SSHServerProcess[bytes], probe: SimulatedProbe) -> None:
        self.slots[self.turn % SLOTS][process] = probe
        self.turn += 1

    def remove(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        for slot in self.slots:
            slot.pop(process, None)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        step = self.interval / SLOTS
        due, k = loop.time(), 0
        while True:
            due += step
            k += 1
            if loop.time() - due > self.interval / 2:  # fell behind: skip, never burst (as the probe)
                due = loop.time()
            await asyncio.sleep(max(0.0, due - loop.time()))
            for process, probe in list(self.slots[k % SLOTS].items()):
                try:
                    process.stdout.write(probe.frame())
                    if probe.finished:
                        self.remove(process)
                        process.exit(0)
                except (asyncssh.Error, OSError, BrokenPipeError, ConnectionError):
                    self.remove(process)


class FleetSlice:
    """The nodes FIRST .. FIRST+COUNT-1 of a fleet, served on this event loop."""

    def __init__(self, workdir: Path, first: int, count: int) -> None:
        self.workdir = workdir
        self.first = first
        self.count = count
        self.clocks: dict[float, Clock] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.hostnames: dict[tuple[str, int], str] = {}

    async def start(self) -> list[str]:
        """Listen on every node address; returns the known_hosts lines."""
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        public = host_key.export_public_key().decode().strip()
        clients = asyncssh.import_authorized_keys((self.workdir / "id_ed25519.pub").read_text())
        lines = []
        for index in range(self.first, self.first + self.count):
            host = address(index)
            server = await asyncssh.create_server(
                asyncssh.SSHServer, host, 0, server_host_keys=[host_key], authorized_client_keys=clients,
                process_factory=self._serve, encoding=None, allow_scp=False, keepalive_interval=0,
            )
            port = server.sockets[0].getsockname()[1]
            self.hostnames[(host, port)] = f"node{index:05d}"
            lines.append(f"[{host}]:{port} {public}")
        return lines

    def clock(self, interval: float) -> Clock:
        clock = self.clocks.get(interval)
        if clock is None:
            clock = self.clocks[interval] = Clock(interval)
            task = asyncio.ensure_future(clock.run())
            self.tasks.add(task)
        return clock

    async def _serve(self, process: asyncssh.SSHServerProcess[bytes]) -> None:
        command = process.command or ""
        kind = kind_of(command)
        try:
            if kind is Kind.PROBE:
                await self._probe(process, command)
            elif kind is Kind.SURVEY:
                process.stdout.write(survey(command, process))
                process.exit(0)
            else:
                process.stdout.write(b"simulated node: this command is not run here\n")
                process.exit(1)
        except (asyncssh.Error, OSError, BrokenPipeError, ConnectionError):
            process.close()

    async def _probe(self, process: asyncssh.SSHServerProcess[bytes], command: str) -> None:
        sock = process.get_extra_info("sockname") or ("", 0)
        hostname = self.hostnames.get((sock[0], sock[1]), "node")
        probe = SimulatedProbe(ProbeAsk.of(command), hostname, random.Random(hostname))
        process.stdout.write(probe.header() + probe.frame())
        if probe.finished:
            process.exit(0)
            return
        clock = self.clock(probe.ask.interval)
        clock.add(process, probe)
        try:
            await process.stdin.read()  # until the controller closes the channel
        finally:
            clock.remove(process)
        process.exit(0)


async def serve(workdir: Path, first: int, count: int) -> None:
    fleet = FleetSlice(workdir, first, count)
    lines = await fleet.start()
    (workdir / f"known_hosts.{first}").write_text("\n".join(lines) + "\n")
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.read()  # the parent closed our stdin (or died): stop serving


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
