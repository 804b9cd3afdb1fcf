"""Every bad cluster file gives exactly one line: FILE:LINE: field.path: expected ..., found ..."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustertui.config import ConfigError, load_cluster

BAD = Path(__file__).parent / "bad"

# file name -> the error text after "FILE:" (the line number onwards).
EXPECTED = {
    "syntax_error.yaml": "4: (yaml): expected valid YAML, found an error: expected ',' or ']', but got '<scalar>' "
    "(while parsing a flow sequence at line 3)",
    "mapping_in_scalar.yaml": "3: (yaml): expected valid YAML, found an error: mapping values are not allowed here",
    "unknown_key.yaml": "3: intreval: unknown field, did you mean 'interval'?",
    "unknown_nested_key.yaml": "5: nodes[0].hots: unknown field, did you mean 'host'?",
    "unknown_key_no_guess.yaml": "7: chaos.zzz: unknown field, expected one of: enabled, allow_roles, allow_nodes, "
    "max_faulted_nodes, default_ttl, quorum_guard, freeze_on_halt, freeze_on_halt_for, lease",
    "nodes_not_a_list.yaml": "3: nodes: expected a list, found a mapping",
    "port_as_string.yaml": "4: nodes[0].port: expected an integer from 1 to 65535, found '22'",
    "port_zero.yaml": "5: nodes[1].port: expected an integer from 1 to 65535, found 0",
    "port_70000.yaml": "8: nodes[2].port: expected an integer from 1 to 65535, found 70000",
    "range_reversed.yaml": "4: nodes[0].name: expected a range with START <= END, found [3-1] in 'web[3-1]'",
    "range_length_mismatch.yaml": "4: nodes[0].host: expected a host range of 3 to match name 'web[1-3]', "
    "found a range of 2 in '198.18.0.[11-12]'",
    "range_malformed.yaml": "4: nodes[0].name: expected a range like [1-3], [01-10] or [1-3,7], found 'web[1-]'",
    "range_too_large.yaml": "4: nodes[0].name: expected a range of at most 10000 items, found 20000 in 'web[1-20000]'",
    "range_repeats.yaml": "4: nodes[0].name: expected each name once, found 'web2' more than once in 'web[1-3,2]'",
    "host_range_single_name.yaml": "4: nodes[0].host: expected a single host for node 'web', "
    "found a range of 3 in '198.18.0.[11-13]'",
    "name_range_single_host.yaml": "4: nodes[0].host: expected a host range of 3 to match name 'web[1-3]', "
    "found a single host in '198.18.0.11'",
    "duplicate_node_name.yaml": "5: nodes[1].name: expected a unique node name, found 'web2', "
    "which nodes[0] at line 4 already defines",
    "duplicate_address.yaml": "5: nodes[1].host: expected a unique host and port per node, found 198.18.0.12 port 22 "
    "for node 'db1', which node 'web2' (nodes[0] at line 4) already uses",
    "service_role_nobody_has.yaml": "7: services.redis.roles[0]: expected a role that some node has (web), found 'db'",
    "service_without_check.yaml": "6: services.nginx: expected at least one of systemd, process, port or http "
    "to check the service by, found none",
    "service_bad_name.yaml": "6: services[\"nginx;reboot\"]: expected a service name (letters, digits, '_', '.' or '-', "
    "starting with a letter or digit), found 'nginx;reboot'",
    "process_semicolon.yaml": "6: services.nginx.process: expected a process name as in /proc/PID/comm: at most "
    "15 characters, no '/', only letters, digits and _.:@+- (the kernel truncates comm to 15), found 'nginx;reboot'",
    "process_too_long.yaml": "8: services.controller.process: expected a process name as in /proc/PID/comm: at most "
    "15 characters, no '/', only letters, digits and _.:@+- (the kernel truncates comm to 15), "
    "found 'kube-controller-manager' (23 characters)",
    "systemd_bad_unit.yaml": "6: services.nginx.systemd: expected a systemd unit name like nginx.service "
    "(letters, digits, '@', '_', '.', ':', '-'), found 'nginx service'",
    "http_not_http.yaml": "6: services.nginx.http: expected an http:// or https:// URL "
    "(where \"{host}\" stands for the node's host), found 'ftp://{host}/health'",
    "host_shell_metachar.yaml": "5: nodes[0].host: expected a hostname or IP address (or a range of them), "
    "found 'web1.example.internal;reboot'",
    "identity_missing.yaml": "5: ssh.identity: expected a readable private key file, "
    "found no such file: /nonexistent/clustertui-test/id_ed25519",
    "identity_is_directory.yaml": "6: nodes[0].ssh.identity: expected a readable private key file, found a directory: /",
    "known_hosts_missing.yaml": "4: ssh.known_hosts: expected an existing known_hosts file (or trust_on_first_use: true), "
    "found no such file: /nonexistent/clustertui-test/known_hosts",
    "empty.yaml": "0: (file): expected a mapping of cluster settings, found an empty file",
    "comments_only.yaml": "0: (file): expected a mapping of cluster settings, found an empty file",
    "binary.yaml": "4: (file): expected a YAML text file, found binary data (a NUL byte)",
    "nul_byte.yaml": "1: (file): expected a YAML text file, found binary data (a NUL byte)",
    "latin1.yaml": "1: (file): expected UTF-8 text, found byte 0xe9",
    "top_level_list.yaml": "1: (file): expected a mapping of cluster settings, found a list",
    "top_level_scalar.yaml": "1: (file): expected a mapping of cluster settings, found 'just a string'",
    "unset_env.yaml": "5: ssh.identity: expected environment variable CLUSTERTUI_TEST_UNSET to be set, found it unset "
    "(write ${CLUSTERTUI_TEST_UNSET:-default} for a default)",
    "bad_env_syntax.yaml": "5: nodes[0].host: expected ${NAME} or ${NAME:-default}, found '${CLUSTERTUI_TEST_HOST'",
    "bad_duration.yaml": "4: ssh.connect_timeout: expected a positive duration like 250ms, 5s, 2m, 1h or 1d, "
    "at most 10m, found '5 seconds'",
    "negative_duration.yaml": "6: chaos.default_ttl: expected a positive duration like 250ms, 5s, 2m, 1h or 1d, at most 7d, found -5",
    "zero_duration.yaml": "6: chaos.default_ttl: expected a positive duration like 250ms, 5s, 2m, 1h or 1d, at most 7d, found '0s'",
    "interval_too_small.yaml": "3: interval: expected a duration from 100ms to 1h, like 500ms, 1s or 5s, found '50ms'",
    "ttl_over_cap.yaml": "6: chaos.default_ttl: expected a TTL from 1s to 24h, found 172800s",
    "ttl_under_a_second.yaml": "6: chaos.default_ttl: expected a TTL from 1s to 24h, found 0.5s",
    "lease_too_short.yaml": "6: chaos.lease: expected a lease from 3s to 5m, found 1s",
    "lease_not_under_ttl.yaml": "5: chaos: expected a lease shorter than default_ttl (30s), found 30s",
    "drill_hold_over_cap.yaml": "9: drills.long.hold: expected a hold of at most 86370s (the fault's TTL is the hold "
    "plus 30s, and a TTL is at most 24h), found 86400s",
    "bad_cluster_type.yaml": "2: type: expected one of 'majority', 'shared-disk' or 'single-node', found 'quorum'",
    "missing_name.yaml": "1: name: expected a value (this field is required), found none",
    "no_nodes.yaml": "3: nodes: expected at least one node (under nodes: or from import:), found none",
    "chaos_unknown_role.yaml": "8: chaos.allow_roles[1]: expected a role that some node has (web, db), found 'lb'",
    "chaos_unknown_node.yaml": "7: chaos.allow_nodes[1]: expected a node name (web1, web2), found 'web3'",
    "endpoint_http_and_tcp.yaml": "6: endpoints.vip: expected exactly one of http, tcp, found http and tcp",
    "endpoint_bad_tcp.yaml": "6: endpoints.vip.tcp: expected \"host:port\" with a port from 1 to 65535, "
    "found '198.18.0.100'",
    "duplicate_yaml_key.yaml": "6: ssh.user: expected each key once in a mapping, found 'user' again (first at line 4)",
    "drill_unknown_service.yaml": "9: drills.web-node-loss.fault.service: expected a service defined under services: "
    "(nginx), found 'apache'",
    "drill_unknown_target_node.yaml": "11: drills.web-node-loss.target.node: expected a node name (web1, web2, web3), "
    "found 'web9'",
    "drill_bad_fault_kind.yaml": "7: drills.meteor.fault.kind: expected one of 'kill', 'stop', 'start', 'pause', "
    "'block-port', 'partition', 'loss', 'latency', 'cpu-hog', 'mem-hog' or 'disk-fill', found 'meteor'",
    "drill_two_targets.yaml": "8: drills.cpu.target: expected exactly one of node, role, primary, found node and role",
    "drill_abort_unknown_node.yaml": "16: drills.loss.abort_when[1].node_down: expected 'other', 'any' or a node name "
    "(web1, web2, web3), found 'web9'",
    "drill_abort_metric_unknown_node.yaml": "15: drills.loss.abort_when[0].node: expected 'other', 'any' or a node "
    "name (web1, web2, web3), found 'db1'",
    "drill_abort_unknown_service.yaml": "15: drills.loss.abort_when[0].service_down: expected a service defined under "
    "services: (nginx), found 'apache'",
    "drill_abort_unknown_endpoint.yaml": "15: drills.loss.abort_when[0].endpoint_down: expected 'any' or an endpoint "
    "defined under endpoints: (vip), found 'web-vip'",
    "drill_abort_unknown_metric.yaml": "15: drills.loss.abort_when[0].cpu_abov: unknown field, did you mean 'cpu_above'?",
    "drill_expect_unknown_manager.yaml": "17: drills.loss.expect.managers.lbb: expected a manager defined under "
    "managers: (lb, vip), found 'lbb'",
    "drill_expect_wrong_kind.yaml": "17: drills.loss.expect.managers.vip.down_within: expected down_within only for a "
    "manager of kind haproxy, found it for vip of kind keepalived",
    "drill_expect_manager_empty.yaml": "17: drills.loss.expect.managers.lb: expected at least one of down_within, "
    "up_within, moves_within, promotes_within, found none",
    "drill_abort_bad_threshold.yaml": "15: drills.loss.abort_when[0].availability_below: expected a number above 0, "
    "at most 1 (no availability is below 0), found 1.5",
    "drill_abort_bad_percent.yaml": "15: drills.loss.abort_when[0].memory_above: expected a percentage from 0 to "
    "below 100 (no value is above 100), found 120",
    "drill_abort_bad_latency.yaml": "15: drills.loss.abort_when[0].p99_above: expected a positive duration like 250ms "
    "or 1s, at most 10m, found 'fast'",
    "drill_abort_bad_window.yaml": "15: drills.loss.abort_when[0].over: expected a duration from 100ms to 10m, like "
    "500ms, 1s or 5s, found '50ms'",
    "drill_abort_two_conditions.yaml": "15: drills.loss.abort_when[0]: expected exactly one condition "
    "(availability_below, p99_above, quorum_lost, node_down, service_down, endpoint_down, cpu_above, memory_above, "
    "psi_above, command_fails), found availability_below and quorum_lost",
    "drill_abort_no_condition.yaml": "15: drills.loss.abort_when[0]: expected exactly one condition "
    "(availability_below, p99_above, quorum_lost, node_down, service_down, endpoint_down, cpu_above, memory_above, "
    "psi_above, command_fails), found none",
    "drill_abort_modifier_mismatch.yaml": "15: drills.loss.abort_when[0]: expected over only with availability_below "
    "or p99_above or cpu_above or memory_above or psi_above, found it with quorum_lost",
    "drill_abort_needs_traffic.yaml": "10: drills.loss: expected traffic to measure abort_when availability_below "
    "against, found no traffic",
    "become_su.yaml": "4: ssh.become: expected one of 'sudo', found 'su'",
    "tagged_value.yaml": "4: (yaml): expected plain YAML values, found the tag '!vault' here",
    "set_tag.yaml": "3: (yaml): expected plain YAML values, found the tag '!!set' here",
    "tag_value_mismatch.yaml": "3: (yaml): expected plain YAML values, found the tag '!!int' here",
    "complex_key.yaml": "3: (yaml): expected plain keys (names), found a list as a key",
    "import_missing.yaml": f"4: import.ansible: expected a readable file, found no such file "
    f"({BAD / 'no-such-inventory.ini'})",
    "bad_label.yaml": "5: nodes[0].labels.zone: expected a label value (a string or a number), found a list",
    "proxy_jump_bad.yaml": "4: ssh.proxy_jump: expected a jump host like \"bastion.example.internal\" or "
    "\"user@bastion:2222\", found 'bastion; id'",
    "scenario_unknown_drill.yaml": "16: scenarios.gameday.steps[2].drill: expected a drill defined under drills: "
    "(web-node-loss), found 'lb-failover'",
    "scenario_unknown_scenario.yaml": "9: scenarios.gameday.steps[1].scenario: expected a scenario defined under "
    "scenarios: (gameday), found 'night'",
    "scenario_ramp_past_guard.yaml": "15: scenarios.widen.steps[0].ramp.to: expected at most "
    "chaos.max_faulted_nodes (2) nodes at once, found to: 3",
    "scenario_ramp_past_role.yaml": "18: scenarios.widen.steps[0].ramp.to: expected at most the 3 node(s) of role "
    "'web', found to: 4",
    "scenario_cycle.yaml": "19: scenarios.afternoon.steps[1].scenario: expected a scenario that does not include "
    "itself, found a cycle: morning -> afternoon -> morning",
    "scenario_bad_wait.yaml": "8: scenarios.gameday.steps[0].wait: expected a positive duration like 250ms, 5s, 2m, "
    "1h or 1d, at most 7d, found '5 minutes'",
    "scenario_abort_unknown_node.yaml": "9: scenarios.gameday.abort_when[1].node_down: expected 'other', 'any' or "
    "a node name (web1, web2, web3), found 'web9'",
    "scenario_two_kinds.yaml": "14: scenarios.gameday.steps[0]: expected exactly one of drill, fault, wait, check, "
    "pause, parallel, ramp, scenario, found drill and wait",
}


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLUSTERTUI_TEST_UNSET", raising=False)
    path = BAD / name
    with pytest.raises(ConfigError) as caught:
        load_cluster(path)
    error = caught.value
    assert str(error) == f"{path}:{EXPECTED[name]}"
    assert "\n" not in str(error)
    assert error.path == path
    assert str(error.line) == EXPECTED[name].split(":")[0]
    assert EXPECTED[name].split(": ")[1] == error.field


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_cluster(str(path))
    assert str(caught.value) == f"{path}:0: (file): expected a readable file, found no such file"


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_cluster(tmp_path)
    assert str(caught.value) == f"{tmp_path}:0: (file): expected a cluster file, found a directory"


def test_special_file() -> None:
    with pytest.raises(ConfigError, match=r"^/dev/null:0: \(file\): expected a regular file, found a special file"):
        load_cluster("/dev/null")


def test_deep_nesting_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 2000 + "]" * 2000 + "\n")
    with pytest.raises(ConfigError, match=r"deep\.yaml:1: \(yaml\): expected a YAML document nested"):
        load_cluster(path)


def test_alias_bomb_is_bounded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match=r"bomb\.yaml:\d+: a\d\[\d+\].*expected at most 200000 values"):
        load_cluster(path)


def test_first_error_in_file_order_wins(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("nodes: [{name: web1, port: 0}]\nname: lab\ntype: nope\n")
    with pytest.raises(ConfigError, match=r"two\.yaml:1: nodes\[0\]\.port: "):
        load_cluster(path)
