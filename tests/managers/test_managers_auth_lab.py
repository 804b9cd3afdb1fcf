"""On the lab: a password-protected redis read with AUTH (a second, real redis started with
`requirepass` on a spare port of db1, removed after), the password never on the node's
command lines and never in clustertui's output; and HAProxy's CSV stats page (:8404) read
over HTTP by the controller, agreeing with the stats socket."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.support.cli import at_once, run_cli
from tests.support.nodes import sh
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

PORT = 6390  # a spare port on db1 (the lab's redis is on 6379)
PIDFILE = "/tmp/ctui-auth-test-redis.pid"
ENV = "CTUI_TEST_REDIS_PASSWORD"


@pytest.fixture
def protected_redis(lab) -> Iterator[str]:
    """A redis with a password on db1:6390; its config (and password) through stdin, not argv."""
    password = secrets.token_hex(12)
    config = (f"port {PORT}\nbind 127.0.0.1\nrequirepass {password}\ndaemonize yes\nsave \"\"\nappendonly no\n"
              f"dir /tmp\npidfile {PIDFILE}\n")
    lab.node_exec("db1", ["redis-server", "-"], input=config, check=True)
    try:
        wait_for(lambda: "PONG" in sh(lab, "db1", f"redis-cli -p {PORT} ping 2>&1") or
                 "NOAUTH" in sh(lab, "db1", f"redis-cli -p {PORT} ping 2>&1"), 10, what="the second redis")
        yield password
    finally:
        sh(lab, "db1", f"kill $(cat {PIDFILE}) 2>/dev/null; rm -f {PIDFILE}")
        wait_for(lambda: not sh(lab, "db1", f"redis-cli -p {PORT} ping 2>/dev/null").strip(), 10,
                 what="the second redis to stop")


def cluster_file(lab, tmp_path: Path) -> Path:
    yaml = YAML()
    doc = yaml.load(Path(lab.cluster_file).read_text())
    doc["managers"] = {
        "auth": {"kind": "redis-sentinel", "nodes": ["db1"], "masters": ["mymaster"], "redis_ports": [PORT],
                 "password_env": ENV},
        "page": {"kind": "haproxy", "roles": ["lb"], "stats_url": "http://{host}:8404/;csv"},
        "socket": {"kind": "haproxy", "roles": ["lb"]},
    }
    for key in ("drills", "scenarios"):  # they may name managers of the lab's file
        doc.pop(key, None)
    path = tmp_path / "lab-auth.yaml"
    with path.open("w") as out:
        yaml.dump(doc, out)
    return path


def check(path: Path, env: dict[str, str]) -> tuple[dict[str, dict], str]:
    result = run_cli("check", str(path), "--json", env=env)
    assert "Traceback" not in result.stderr, result.stderr
    data = json.loads(result.stdout)
    return {m["name"]: m for m in data["managers"]["managers"]}, result.stdout + result.stderr


def test_a_password_protected_redis_and_the_stats_page(lab, protected_redis, tmp_path: Path) -> None:
    path = cluster_file(lab, tmp_path)
    seen: list[str] = []
    done = threading.Event()

    def watch_ps() -> None:  # the node's command lines while clustertui reads
        while not done.is_set():
            seen.append(sh(lab, "db1", "ps -eo args"))

    watcher = threading.Thread(target=watch_ps)
    watcher.start()
    try:
        (views, output), (wrong, wrong_output), (unset, _) = at_once(  # three independent reads
            lambda: check(path, {ENV: protected_redis}), lambda: check(path, {ENV: "not-" + protected_redis}),
            lambda: check(path, {ENV: ""}))
    finally:
        done.set()
        watcher.join()
    (redis,) = views["auth"]["redis"]
    assert (redis["node"], redis["port"], redis["state"], redis["role"]) == ("db1", PORT, "ok", "master")
    assert all(r["state"] == "ok" for r in views["auth"]["reads"])  # the lab's sentinel has no password: AUTH is ignored
    (failed,) = [r for r in wrong["auth"]["reads"] if r["state"] != "ok"]
    assert failed["state"] == "auth-failed" and f"port {PORT} refused the password" in failed["reason"]
    # No password to give: every read of the manager says so (one password serves redis and sentinel).
    assert {(r["state"], r["reason"]) for r in unset["auth"]["reads"]} == {
        ("auth-failed", f"password_env: ${ENV} is not set")}
    assert protected_redis not in output + wrong_output
    assert len(seen) > 1 and not any(protected_redis in lines for lines in seen)
    # The stats page says what the socket says.
    page = {(b["node"], s["server"]): (s["status"], s["node"]) for b in views["page"]["balancers"] for s in b["servers"]}
    socket = {(b["node"], s["server"]): (s["status"], s["node"]) for b in views["socket"]["balancers"]
              for s in b["servers"]}
    assert all(r["state"] == "ok" for r in views["page"]["reads"]) and len(page) == 6
    assert page == socket
