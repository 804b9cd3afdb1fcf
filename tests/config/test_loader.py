"""Good files: what load_cluster builds from them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pydantic
import pytest

from clustertui.config import Cluster, ConfigError, SSHSettings, load_cluster

Write = Callable[..., Path]
SAMPLES = Path(__file__).parents[2] / "sample_clusters"


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_sample_clusters_load_offline(path: Path) -> None:
    cluster = load_cluster(path, check_files=False)
    assert cluster.nodes
    assert cluster.source == path.absolute()


def test_lab_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/sre")
    cluster = load_cluster(SAMPLES / "lab.yaml", check_files=False)
    assert cluster.name == "lab" and cluster.type == "majority" and cluster.interval == 1.0
    assert [n.name for n in cluster.nodes] == ["lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3"]
    assert [n.host for n in cluster.nodes][:3] == ["198.18.0.2", "198.18.0.3", "198.18.0.11"]
    assert cluster.ssh.identity == Path("/home/sre/.local/state/clustertui/lab/id_ed25519")
    assert cluster.ssh.connect_timeout == 5.0
    assert cluster.node("db2").ssh.user == "root"
    assert [s.name for s in cluster.services_on(cluster.node("lb1"))] == ["haproxy", "keepalived"]
    assert cluster.endpoints["redis-primary"].tcp == "198.18.0.21:6379"
    assert cluster.chaos.enabled and cluster.chaos.default_ttl == 60.0


def test_defaults(write: Write) -> None:
    cluster = load_cluster(write("name: one\ntype: single-node\nnodes: [{name: box1}]\n"))
    node = cluster.node("box1")
    assert node.host == "box1" and node.port == 22 and node.roles == [] and node.labels == {}
    assert cluster.interval == 1.0
    assert cluster.ssh == SSHSettings()
    assert cluster.ssh.known_hosts is None and cluster.ssh.trust_on_first_use is False
    assert (cluster.ssh.connect_timeout, cluster.ssh.keepalive_interval) == (5.0, 10.0)
    assert cluster.chaos.enabled is False and cluster.chaos.max_faulted_nodes == 1 and cluster.chaos.quorum_guard
    assert cluster.services == {} and cluster.endpoints == {} and cluster.drills == {}


def test_node_lookup_and_services_on(write: Write) -> None:
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            nodes:
              - {name: "web[1-2]", roles: [web]}
              - {name: db1, roles: [db, backup]}
            services:
              nginx: {roles: [web], systemd: nginx.service}
              postgres: {roles: [db], process: postgres, port: 5432}
              restic: {roles: [backup, web], process: restic}
            """
        )
    )
    assert [s.name for s in cluster.services_on(cluster.node("web2"))] == ["nginx", "restic"]
    assert [s.name for s in cluster.services_on(cluster.node("db1"))] == ["postgres", "restic"]
    with pytest.raises(KeyError):
        cluster.node("web3")


def test_ranges_zip_and_keep_padding(write: Write) -> None:
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            nodes:
              - {name: "web[08-11]", host: "web[08-11].example.internal"}
              - {name: "db[1-3]", host: "198.51.100.[21-23]", port: 2222}
            """
        )
    )
    assert [(n.name, n.host) for n in cluster.nodes[:4]] == [
        ("web08", "web08.example.internal"),
        ("web09", "web09.example.internal"),
        ("web10", "web10.example.internal"),
        ("web11", "web11.example.internal"),
    ]
    assert [(n.name, n.host, n.port) for n in cluster.nodes[4:]] == [
        ("db1", "198.51.100.21", 2222),
        ("db2", "198.51.100.22", 2222),
        ("db3", "198.51.100.23", 2222),
    ]


def test_error_in_a_later_range_entry_names_its_own_line(write: Write) -> None:
    path = write(
        """
        name: c
        type: majority
        nodes:
          - {name: "web[1-3]"}
          - name: "db[1-2]"
            host: "db[1-2].example.internal"
            port: 0
        """
    )
    with pytest.raises(ConfigError, match=r":7: nodes\[1\]\.port: expected an integer from 1 to 65535, found 0$"):
        load_cluster(path)


def test_same_host_different_ports_is_fine(write: Write) -> None:
    cluster = load_cluster(
        write("name: c\ntype: majority\nnodes: [{name: a, host: h1, port: 2201}, {name: b, host: h1, port: 2202}]\n")
    )
    assert [n.port for n in cluster.nodes] == [2201, 2202]


def test_per_node_ssh_override_merges(write: Write, tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "db_key").write_text("key")
    (tmp_path / "keys" / "main_key").write_text("key")
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            ssh: {user: ops, port: 2200, identity: keys/main_key, connect_timeout: 3s, become: sudo}
            nodes:
              - {name: web1}
              - {name: db1, ssh: {user: postgres, identity: keys/db_key, trust_on_first_use: true}}
              - {name: db2, ssh: {port: 2022}}
              - {name: db3, port: 2023, ssh: {port: 2999}}
            """
        )
    )
    web1, db1, db2, db3 = cluster.nodes
    assert (web1.ssh.user, web1.port, web1.ssh.identity) == ("ops", 2200, tmp_path / "keys" / "main_key")
    assert (db1.ssh.user, db1.port, db1.ssh.identity) == ("postgres", 2200, tmp_path / "keys" / "db_key")
    assert db1.ssh.trust_on_first_use and not web1.ssh.trust_on_first_use
    assert db1.ssh.connect_timeout == 3.0 and db1.ssh.become == "sudo"
    assert (db2.port, db2.ssh.port, db2.ssh.user) == (2022, 2022, "ops")
    assert (db3.port, db3.ssh.port) == (2023, 2023)  # the node's own port wins over its ssh.port
    assert cluster.ssh.user == "ops" and cluster.ssh.port == 2200


def test_env_expansion(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CT_DB_HOST", "db.example.internal")
    monkeypatch.setenv("CT_EMPTY", "")
    monkeypatch.delenv("CT_UNSET", raising=False)
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            ssh: {user: "${CT_UNSET:-deploy}", proxy_jump: "${CT_EMPTY:-bastion.example.internal}"}
            nodes:
              - {name: db1, host: "${CT_DB_HOST}", roles: [db]}
            services:
              app: {roles: [db], process: app, stop: "kill $(cat /run/app.pid) $${HOME}"}
            """
        )
    )
    assert cluster.node("db1").host == "db.example.internal"
    assert cluster.ssh.user == "deploy"
    assert cluster.ssh.proxy_jump == "bastion.example.internal"
    assert cluster.services["app"].stop == "kill $(cat /run/app.pid) ${HOME}"


def test_tilde_and_relative_paths(write: Write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            ssh: {identity: ~/.ssh/id_ed25519, known_hosts: known_hosts, config: /etc/ssh/ssh_config}
            nodes: [{name: a}]
            """,
            name="sub/cluster.yaml",
        ),
        check_files=False,
    )
    assert cluster.ssh.identity == tmp_path / "home" / ".ssh" / "id_ed25519"
    assert cluster.ssh.known_hosts == tmp_path / "sub" / "known_hosts"
    assert cluster.ssh.config == Path("/etc/ssh/ssh_config")


def test_check_files_false_skips_file_checks(write: Write) -> None:
    path = write("name: c\ntype: majority\nssh: {identity: /nonexistent/key, known_hosts: /nonexistent/kh}\nnodes: [{name: a}]\n")
    assert load_cluster(path, check_files=False).ssh.identity == Path("/nonexistent/key")
    with pytest.raises(ConfigError, match=r":3: ssh\.identity: "):
        load_cluster(path)


def test_missing_known_hosts_is_fine_with_trust_on_first_use(write: Write) -> None:
    path = write(
        "name: c\ntype: majority\nssh: {known_hosts: /nonexistent/kh, trust_on_first_use: true}\nnodes: [{name: a}]\n"
    )
    assert load_cluster(path).ssh.trust_on_first_use


def test_durations_everywhere(write: Write) -> None:
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            interval: 250ms
            ssh: {connect_timeout: 2, keepalive_interval: 0}
            nodes: [{name: a, roles: [web]}]
            services: {nginx: {roles: [web], port: 80}}
            endpoints: {vip: {http: "https://203.0.113.10/", timeout: 1.5s}}
            chaos: {default_ttl: 1m30s}
            drills:
              d:
                fault: {kind: kill, service: nginx}
                target: {role: web}
                hold: 2m
                traffic: [{tcp: "203.0.113.10:80", timeout: 100ms}]
                expect: {detect_within: 5s, recover_within: 1h}
            """
        )
    )
    assert cluster.interval == 0.25
    assert (cluster.ssh.connect_timeout, cluster.ssh.keepalive_interval) == (2.0, 0.0)
    assert cluster.endpoints["vip"].timeout == 1.5
    assert cluster.chaos.default_ttl == 90.0
    drill = cluster.drills["d"]
    assert (drill.hold, drill.traffic[0].timeout) == (120.0, 0.1)
    assert (drill.expect.detect_within, drill.expect.recover_within, drill.expect.failover_within) == (5.0, 3600.0, None)


def test_drill_schema(write: Write) -> None:
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            nodes: [{name: "redis[1-3]", roles: [redis]}]
            services: {redis: {roles: [redis], process: redis-server, port: 6379}}
            drills:
              primary-loss:
                description: kill the primary
                traffic:
                  - {command: "redis-cli ping", rate: 2}
                  - {http: "http://203.0.113.5/"}
                steady_state: {min_success: 1, services: {redis: 3}, quorum: false}
                fault: {kind: block-port, service: redis, params: {direction: in, seconds: 5}}
                target: {primary: {command: "redis-cli -p 26379 sentinel get-master-addr-by-name mymaster", node: redis2}}
                expect: {availability: 0.9, failover_within: 15s}
            """
        )
    )
    drill = cluster.drills["primary-loss"]
    assert drill.name == "primary-loss" and drill.description == "kill the primary"
    assert drill.traffic[0].command == "redis-cli ping" and drill.traffic[0].rate == 2.0
    assert drill.traffic[1].rate == 10.0 and drill.traffic[1].expect_status == 200
    assert drill.steady_state.services == {"redis": 3} and drill.steady_state.quorum is False
    assert drill.fault.params == {"direction": "in", "seconds": 5}
    assert drill.target.primary is not None and drill.target.primary.node == "redis2"
    assert drill.target.pick == "one" and drill.hold == 30.0
    assert drill.expect.availability == 0.9


@pytest.mark.parametrize(
    ("drill", "message"),
    [
        ("{fault: {kind: kill}, target: {node: a}}", r"drills\.d\.fault: expected a service for a 'kill' fault"),
        ("{fault: {kind: cpu-hog}, target: {node: a, pick: random}}", r"drills\.d\.target: expected pick only with role"),
        ("{fault: {kind: cpu-hog}, target: {role: nope}}", r"drills\.d\.target\.role: expected a role that some node has"),
        ("{fault: {kind: cpu-hog}, target: {}}", r"drills\.d\.target: expected exactly one of node, role, primary, found none"),
        ("{fault: {kind: block-port, service: web}, target: {node: a}}", r"drills\.d\.fault: expected a port for 'block-port'"),
        ("{fault: {kind: cpu-hog}, target: {node: a}, expect: {availability: 1.5}}", r"drills\.d\.expect\.availability: expected a number from 0 to 1"),
        ("{fault: {kind: cpu-hog}, target: {node: a}, expect: {availability: 0.9}}", r"drills\.d: expected traffic to measure"),
        ("{fault: {kind: cpu-hog}, target: {node: a}, steady_state: {services: {db: 1}}}", r"drills\.d\.steady_state\.services\.db: expected a service defined"),
        ("{fault: {kind: cpu-hog}, target: {node: a}, traffic: [{http: 'x', tcp: 'a:1'}]}", r"drills\.d\.traffic\[0\]\.http: expected an http"),
        ("{fault: {kind: cpu-hog}, target: {node: a}, traffic: [{rate: 0, command: ls}]}", r"drills\.d\.traffic\[0\]\.rate: expected a positive number"),
        ("{fault: {kind: cpu-hog, params: {x: [1]}}, target: {node: a}}", r"drills\.d\.fault\.params\.x: expected a string, number or boolean"),
    ],
)
def test_drill_errors(write: Write, drill: str, message: str) -> None:
    path = write(
        f"name: c\ntype: majority\nnodes: [{{name: a, roles: [web]}}]\n"
        f"services: {{web: {{roles: [web], process: nginx}}}}\ndrills:\n  d: {drill}\n"
    )
    with pytest.raises(ConfigError, match=r"cluster\.yaml:\d+: " + message):
        load_cluster(path)


def test_models_are_frozen(write: Write) -> None:
    cluster = load_cluster(write("name: c\ntype: majority\nnodes: [{name: a}]\n"))
    with pytest.raises(pydantic.ValidationError):
        cluster.name = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        cluster.nodes[0].host = "b"  # type: ignore[misc]
    assert isinstance(cluster, Cluster)


def test_anchors_and_extension_keys(write: Write) -> None:
    cluster = load_cluster(
        write(
            """
            x-web: &web {roles: [web], labels: {tier: front}}
            name: c
            type: majority
            nodes:
              - {<<: *web, name: web1}
              - {<<: *web, name: web2, host: 198.51.100.2}
            """
        )
    )
    assert [(n.name, n.roles, n.labels) for n in cluster.nodes] == [
        ("web1", ["web"], {"tier": "front"}),
        ("web2", ["web"], {"tier": "front"}),
    ]


def test_labels_take_numbers_and_booleans(write: Write) -> None:
    cluster = load_cluster(write("name: c\ntype: majority\nnodes: [{name: a, labels: {rack: 3, ssd: true, zone: b}}]\n"))
    assert cluster.node("a").labels == {"rack": "3", "ssd": "true", "zone": "b"}


@pytest.mark.parametrize(
    "host", ["198.51.100.7", "2001:db8::7", "web-1.example.internal", "db_1.internal", "localhost", "fe80::1%eth0"]
)
def test_good_hosts(write: Write, host: str) -> None:
    assert load_cluster(write(f"name: c\ntype: majority\nnodes: [{{name: a, host: '{host}'}}]\n")).nodes[0].host == host


@pytest.mark.parametrize(
    "host", ["198.51.100.300", "-web", "web..internal", "web`id`", "a b", "$(reboot)", "web.", "::g", "a" * 64]
)
def test_bad_hosts(write: Write, host: str) -> None:
    with pytest.raises(ConfigError, match=r"nodes\[0\]\.host: expected a hostname or IP address"):
        load_cluster(write(f"name: c\ntype: majority\nnodes: [{{name: a, host: '{host}'}}]\n"))


def test_error_attributes(write: Write) -> None:
    path = write("name: c\ntype: majority\nnodes:\n  - {name: a, port: 0}\n")
    with pytest.raises(ConfigError) as caught:
        load_cluster(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (path, 4, "nodes[0].port")
    assert caught.value.message == "expected an integer from 1 to 65535, found 0"
