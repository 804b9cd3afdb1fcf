"""Health checks of the lab's services, from the controller (the bridge address).

These are what ``lab up`` waits for and what ``lab status`` shows: a check passes when the
service does its job for a client — an SSH login with the lab key, an HTTP 200 with the
right body, a Redis PING, a replica whose link to the primary is up, a Sentinel that knows
the master and sees its two peers.  HTTP never goes through a proxy from the environment.
"""

from __future__ import annotations

import functools
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

from . import netns, nodes
from .proc import clean_env
from .spec import LabSpec, NodeSpec, StatePaths

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Check:
    """One thing that must answer.  ``node`` is None for lab-wide checks (the VIP)."""

    node: str | None
    service: str
    probe: Callable[[], CheckResult]
    #: Seconds between polls while waiting, when the probe costs more than a connect (a
    #: command run inside the node); None: the waiter's own interval.
    every: float | None = None

    @property
    def label(self) -> str:
        return f"{self.node}/{self.service}" if self.node else self.service


# --- primitives -----------------------------------------------------------------------


def http_get(url: str, timeout: float = 1.0) -> tuple[int, str]:
    """(status, body) of a GET, status 0 with the reason when it could not connect."""
    try:
        with _NO_PROXY.open(url, timeout=timeout) as resp:
            return resp.status, resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (OSError, urllib.error.URLError) as exc:
        return 0, str(getattr(exc, "reason", exc))


def etcd_status(address: str, port: int = 2379, timeout: float = 1.0) -> dict[str, object]:
    """One etcd member's own status (``POST /v3/maintenance/status``, etcd's JSON gateway).

    Its ``header.member_id`` is the member, ``leader`` the member it follows (``"0"``: none);
    uint64 fields are JSON strings.  Raises OSError or ValueError when it does not answer.
    """
    req = urllib.request.Request(f"http://{address}:{port}/v3/maintenance/status", data=b"{}", method="POST")
    with _NO_PROXY.open(req, timeout=timeout) as resp:
        data = json.loads(resp.read(65536))
    if not isinstance(data, dict):
        raise ValueError(f"etcd status is not an object: {data!r:.60}")
    return data


def redis_command(host: str, port: int, *args: str, timeout: float = 1.0) -> object:
    """Send one command in RESP and return the decoded reply (str, int, list, None).

    A deliberately tiny client: the lab only needs PING, INFO and SENTINEL MASTER, and the
    product must not grow a Redis dependency for its test bed.  Errors come back as
    ``RuntimeError``.
    """
    payload = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(payload.encode())
        fh = sock.makefile("rb")
        return _parse(fh)


def _parse(fh: BinaryIO) -> object:
    line = fh.readline()
    if not line:
        raise ConnectionError("connection closed")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n").decode()
    if kind == b"+":
        return rest
    if kind == b"-":
        raise RuntimeError(rest)
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = fh.read(n + 2)
        return data[:-2].decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_parse(fh) for _ in range(n)]
    raise ConnectionError(f"unexpected reply {line!r}")


def redis_info(host: str, port: int, section: str) -> dict[str, str]:
    text = redis_command(host, port, "INFO", section)
    out: dict[str, str] = {}
    for line in str(text).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key] = value
    return out


def process_running(node: NodeSpec, comm: str) -> bool:
    """A process named ``comm`` runs in the node (its network namespace)."""
    for pid in nodes.pids_in_netns(node.netns):
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8") as fh:
                if fh.read().strip() == comm:
                    return True
        except OSError:
            continue
    return False


def vip_holder(spec: LabSpec) -> str | None:
    """Name of the lb node that holds the VIP now (None if nobody does)."""
    for node in spec.with_role("lb"):
        if spec.vip in netns.node_addresses(node):
            return node.name
    return None


def etcd_leader(spec: LabSpec) -> str | None:
    """Name of the db node whose etcd member is the leader, by its own status (None if none)."""

    def is_leader(node: NodeSpec) -> bool:
        try:
            status = etcd_status(node.address, spec.etcd_client_port)
        except (OSError, ValueError):
            return False
        header = status.get("header")
        member = header.get("member_id") if isinstance(header, dict) else None
        return member is not None and str(member) == str(status.get("leader"))

    dbs = spec.with_role("db")
    with ThreadPoolExecutor(max_workers=len(dbs) or 1) as pool:
        leaders = [n.name for n, lead in zip(dbs, pool.map(is_leader, dbs), strict=True) if lead]
    return leaders[0] if len(leaders) == 1 else None


# --- per-service checks ---------------------------------------------------------------


def _safe(fn: Callable[[], CheckResult]) -> Callable[[], CheckResult]:
    def wrapped() -> CheckResult:
        try:
            return fn()
        except Exception as exc:
            return CheckResult(False, f"{type(exc).__name__}: {exc}")

    return wrapped


def check_ssh(paths: StatePaths, node: NodeSpec) -> CheckResult:
    from .sshd import ssh_argv

    res = subprocess.run(
        ssh_argv(paths, node.address, ["true"], connect_timeout=2),
        capture_output=True,
        text=True,
        timeout=8,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
    )
    if res.returncode == 0:
        return CheckResult(True, "login ok")
    return CheckResult(False, (res.stderr.strip().splitlines() or [f"ssh exit {res.returncode}"])[-1])


def check_http(url: str, expect_body: str | None = None) -> CheckResult:
    status, body = http_get(url)
    if status != 200:
        return CheckResult(False, f"{url}: {status or body}")
    if expect_body is not None and body.strip() != expect_body:
        return CheckResult(False, f"{url}: body {body.strip()!r}, expected {expect_body!r}")
    first = body.strip().splitlines()[0][:40] if body.strip() else ""
    return CheckResult(True, f"200 {first}".rstrip())


def check_redis(node: NodeSpec) -> CheckResult:
    if redis_command(node.address, 6379, "PING") != "PONG":
        return CheckResult(False, "no PONG")
    info = redis_info(node.address, 6379, "replication")
    role = info.get("role", "?")
    if role == "slave":
        link = info.get("master_link_status", "?")
        if link != "up":
            return CheckResult(False, f"replica of {info.get('master_host')}: link {link}")
        return CheckResult(True, f"replica of {info.get('master_host')}, link up")
    return CheckResult(True, f"{role}, {info.get('connected_slaves', '0')} replicas")


def check_sentinel(node: NodeSpec, spec: LabSpec) -> CheckResult:
    reply = redis_command(node.address, 26379, "SENTINEL", "MASTER", spec.redis_master_name)
    if not isinstance(reply, list):
        return CheckResult(False, f"unexpected reply {reply!r}")
    fields = dict(zip(reply[::2], reply[1::2], strict=False))  # an odd last item is dropped
    others = int(fields.get("num-other-sentinels", 0))
    want = len(spec.with_role("db")) - 1
    flags = fields.get("flags", "")
    if others < want:
        return CheckResult(False, f"sees {others}/{want} other sentinels")
    if "down" in str(flags):
        return CheckResult(False, f"master {fields.get('ip')} flags {flags}")
    return CheckResult(True, f"master {fields.get('ip')}, {others} peers")


def check_etcd(node: NodeSpec, spec: LabSpec) -> CheckResult:
    """etcd's own /health (a read through raft: true only with a leader and a quorum)."""
    status, body = http_get(f"http://{node.address}:{spec.etcd_client_port}/health")
    if status != 200 or '"health":"true"' not in body.replace(" ", ""):
        return CheckResult(False, f"/health: {status or ''} {body.strip()[:60]}".strip())
    own = etcd_status(node.address, spec.etcd_client_port)
    header = own.get("header")
    member = header.get("member_id") if isinstance(header, dict) else None
    role = "leader" if str(member) == str(own.get("leader")) else "follower"
    return CheckResult(True, f"{role}, raft term {own.get('raftTerm', '?')}")


def check_haproxy(node: NodeSpec, spec: LabSpec) -> CheckResult:
    """The frontend answers and HAProxy's own health checks see every web node UP.

    Waiting for the backends too means a drill that starts right after ``lab up`` does not
    see servers still climbing from their initial check failures (``rise 2``).
    """
    res = check_http(f"http://{node.address}/lb-health")
    if not res.ok:
        return res
    status, body = http_get(f"http://{node.address}:8404/;csv")
    if status != 200:
        return CheckResult(False, f"stats :8404: {status or body}")
    states = {}
    for line in body.splitlines():
        cols = line.split(",")
        if len(cols) > 17 and cols[0] == "web_nodes" and cols[1] not in ("FRONTEND", "BACKEND"):
            states[cols[1]] = cols[17]
    webs = [w.name for w in spec.with_role("web")]
    down = [w for w in webs if not states.get(w, "").startswith("UP")]
    if down:
        return CheckResult(False, "backends not UP: " + ", ".join(f"{w}={states.get(w, '?')}" for w in down))
    return CheckResult(True, f"{len(webs)}/{len(webs)} backends UP")


def check_process(node: NodeSpec, comm: str) -> CheckResult:
    return CheckResult(True, "running") if process_running(node, comm) else CheckResult(False, "not running")


def check_vip(spec: LabSpec) -> CheckResult:
    res = check_http(f"http://{spec.vip}/health")
    if not res.ok:
        return res
    holder = vip_holder(spec)
    return CheckResult(True, f"{res.detail} via {holder or '?'}")


def check_prometheus(spec: LabSpec) -> CheckResult:
    """The lab's Prometheus answers and its last scrape of every node_exporter succeeded."""
    status, body = http_get(f"{spec.prometheus_url}/api/v1/query?query=sum(up)", timeout=1.0)
    if status != 200:
        return CheckResult(False, f"{spec.prometheus_url}: {status or body}")
    try:
        up = int(float(json.loads(body)["data"]["result"][0]["value"][1]))
    except (ValueError, LookupError, TypeError):
        up = 0  # no target scraped yet: an empty vector
    total = len(spec.nodes)
    return CheckResult(up == total, f"{up}/{total} node_exporters scraped")


def lab_checks(spec: LabSpec, paths: StatePaths) -> list[Check]:
    """Every check of the lab, node by node, then the VIP (and the HA cluster's address)."""
    from . import ha_checks  # it builds on this module's primitives
    out: list[Check] = []
    for node in spec.nodes:
        n = node  # bind for the lambdas
        out.append(Check(n.name, "sshd", _safe(functools.partial(check_ssh, paths, n))))
        for svc in n.services[1:]:
            if svc.name == "node-exporter":
                probe = lambda n=n: check_http(f"http://{n.address}:9100/metrics")  # noqa: E731
            elif svc.name == "haproxy":
                probe = lambda n=n: check_haproxy(n, spec)  # noqa: E731
            elif svc.name == "keepalived":
                probe = lambda n=n: check_process(n, "keepalived")  # noqa: E731
            elif svc.name == "nginx":
                probe = lambda n=n: check_http(f"http://{n.address}/health", n.name)  # noqa: E731
            elif svc.name == "redis":
                probe = lambda n=n: check_redis(n)  # noqa: E731
            elif svc.name == "sentinel":
                probe = lambda n=n: check_sentinel(n, spec)  # noqa: E731
            elif svc.name == "etcd":
                probe = lambda n=n: check_etcd(n, spec)  # noqa: E731
            elif svc.name == "corosync":
                probe = lambda n=n: ha_checks.check_corosync(n, spec)  # noqa: E731
            elif svc.name == "pacemaker":
                probe = lambda n=n: ha_checks.check_pacemaker(n, spec)  # noqa: E731
            else:  # pragma: no cover
                continue
            # Corosync's and Pacemaker's checks run their tools inside the node: poll slower.
            every = 0.5 if svc.name in ("corosync", "pacemaker") else None
            out.append(Check(n.name, svc.name, _safe(probe), every))
    out.append(Check(None, "vip", _safe(lambda: check_vip(spec))))
    out.append(Check(None, "prometheus", _safe(lambda: check_prometheus(spec))))
    if spec.with_role("ha"):
        out.append(Check(None, "ha-vip", _safe(lambda: ha_checks.check_ha_vip(spec)), 0.25))
    return out


def run_once(checks: Sequence[Check], workers: int = 16) -> list[CheckResult]:
    """Run every check once, concurrently; results in the order of ``checks``."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda c: c.probe(), checks))


def wait_until_ok(
    checks: Sequence[Check],
    deadline: float,
    on_pass: Callable[[Check, CheckResult, float], None] | None = None,
    interval: float = 0.1,
    workers: int = 16,
) -> dict[str, CheckResult]:
    """Poll every check until it passes or ``deadline`` (monotonic) passes.

    Each check polls in its own thread so one slow service never delays the others.
    Returns label → last result; ``on_pass`` is called once per check when it passes.
    """
    start = time.monotonic()

    def poll(check: Check) -> CheckResult:
        while True:
            res = check.probe()
            if res.ok:
                if on_pass:
                    on_pass(check, res, time.monotonic() - start)
                return res
            pause = check.every or interval
            if time.monotonic() + pause > deadline:
                return res
            time.sleep(pause)

    with ThreadPoolExecutor(max_workers=max(workers, len(checks))) as pool:
        results = list(pool.map(poll, checks))
    return {c.label: r for c, r in zip(checks, results, strict=True)}
