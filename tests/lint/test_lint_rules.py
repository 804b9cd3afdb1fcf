"""`clustertui check --lint --offline`: each rule fires on a file crafted to break it, at the
line that breaks it, and stays quiet on the fixed file; `lint.allow` accepts a finding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import LAB_FILE, REPO

#: A small cluster with no single point of failure the lint can see (no network is used).
GOOD = """\
name: good
type: majority
ssh: {user: root}
nodes:
  - {name: "lb[1-2]", host: "127.0.1.[1-2]", roles: [lb]}
  - {name: "web[1-3]", host: "127.0.1.[11-13]", roles: [web]}
services:
  haproxy: {roles: [lb], process: haproxy, port: 80, http: "http://{host}:8404/health"}
  nginx: {roles: [web], process: nginx, port: 8080, http: "http://{host}:8080/health"}
endpoints:
  vip: {http: "http://127.0.1.100/health"}
chaos: {enabled: true, allow_roles: [web]}
drills:
  web-loss:
    traffic: [{http: "http://127.0.1.100/health"}]
    fault: {kind: kill, service: nginx}
    target: {role: web}
"""

#: rule -> (text replaced, replacement, the line the finding must name, its item)
BREAKS = {
    "single-node-role": ('{name: "web[1-3]", host: "127.0.1.[11-13]"', '{name: "web1", host: "127.0.1.11"', 6, "web"),
    "even-voters": ('"web[1-3]", host: "127.0.1.[11-13]"', '"web[1-4]", host: "127.0.1.[11-14]"', 2, None),
    "endpoint-no-redundancy": ('vip: {http: "http://127.0.1.100/health"}', 'vip: {http: "http://127.0.1.12/health"}',
                               11, "vip"),
    "port-without-health-check": (', http: "http://{host}:8080/health"}', "}", 9, "nginx"),
    "service-without-drill": ("endpoints:", '  api: {roles: [web], port: 9000, http: "http://{host}:9000/h"}\n'
                              "endpoints:", 10, "api"),
    "chaos-without-quorum-guard": ("allow_roles: [web]}", "allow_roles: [web], quorum_guard: false}", 12, None),
    "drill-bypasses-lb": ('traffic: [{http: "http://127.0.1.100/health"}]',
                          'traffic: [{http: "http://127.0.1.100/health"}, {http: "http://127.0.1.11:8080/health"}]',
                          15, "web-loss"),
}


def lint(path: Path, *extra: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "clustertui", "check", "--lint", "--offline", "--json", str(path), *extra],
        capture_output=True, text=True, cwd=REPO, timeout=60, check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_the_good_file_has_no_finding(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    code, report = lint(path)
    assert (code, report["ok"], report["findings"], report["live"]) == (0, True, [], False)


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_fires_on_its_broken_file_and_nowhere_else(tmp_path: Path, rule: str) -> None:
    old, new, line, item = BREAKS[rule]
    assert GOOD.count(old) == 1
    path = tmp_path / f"{rule}.yaml"
    path.write_text(GOOD.replace(old, new))
    code, report = lint(path)
    assert code == 1 and report["ok"] is False
    assert [(f["rule"], f["line"], f["item"]) for f in report["findings"]] == [(rule, line, item)]
    finding = report["findings"][0]
    assert finding["file"] == str(path) and finding["why"] and finding["allowed"] is False


def test_text_output_names_file_line_and_why(tmp_path: Path) -> None:
    path = tmp_path / "bypass.yaml"
    old, new, line, _ = BREAKS["drill-bypasses-lb"]
    path.write_text(GOOD.replace(old, new))
    result = subprocess.run([sys.executable, "-m", "clustertui", "check", "--lint", "--offline", str(path)],
                            capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"{path}:{line}: drill-bypasses-lb: drill web-loss sends traffic straight to node web1 "
                        "(127.0.1.11), bypassing the load balancer")
    assert lines[1].startswith("    why: it measures one node")
    assert lines[-1] == f"{path}: 1 finding(s), 0 accepted in lint.allow (file only, --offline)"


def test_an_allowance_accepts_its_finding_and_an_unneeded_one_is_named(tmp_path: Path) -> None:
    old, new, _, _ = BREAKS["drill-bypasses-lb"]
    allow = ("lint:\n  allow:\n    - {rule: drill-bypasses-lb, item: web-loss, reason: on purpose}\n"
             "    - {rule: even-voters, reason: not needed}\n")
    path = tmp_path / "allowed.yaml"
    path.write_text(GOOD.replace(old, new) + allow)
    code, report = lint(path)
    assert code == 0 and report["ok"] is True
    assert [(f["rule"], f["allowed"], f["reason"]) for f in report["findings"]] == [
        ("drill-bypasses-lb", True, "on purpose")]
    assert report["unused_allows"] == [{"index": 1, "rule": "even-voters", "item": None, "reason": "not needed"}]


def test_an_allowance_for_another_item_accepts_nothing(tmp_path: Path) -> None:
    old, new, _, _ = BREAKS["drill-bypasses-lb"]
    path = tmp_path / "other.yaml"
    path.write_text(GOOD.replace(old, new) + "lint: {allow: [{rule: drill-bypasses-lb, item: x, reason: r}]}\n")
    code, report = lint(path)
    assert code == 1 and report["findings"][0]["allowed"] is False


@pytest.mark.parametrize(("allow", "message"), [
    ("{rule: no-such-rule, reason: r}", "lint.allow[0].rule: expected"),
    ("{rule: even-voters}", "lint.allow[0].reason"),
    ("{rule: even-voters, reason: '  '}", "lint.allow[0].reason: expected a reason"),
])
def test_a_bad_allowance_is_a_file_error_with_its_line(tmp_path: Path, allow: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD + f"lint:\n  allow:\n    - {allow}\n")
    result = subprocess.run([sys.executable, "-m", "clustertui", "check", "--lint", "--offline", str(path)],
                            capture_output=True, text=True, cwd=REPO, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"clustertui: error: {path}:20: {message}"), result.stderr


def test_the_lab_file_passes_but_for_what_it_accepts_on_purpose() -> None:
    code, report = lint(LAB_FILE)
    assert code == 0, report
    assert report["unused_allows"] == []
    assert sorted((f["rule"], f["item"]) for f in report["findings"]) == [
        ("drill-bypasses-lb", "web1-direct-no-redundancy"),
        ("endpoint-no-redundancy", "redis-primary"),
        ("even-voters", None),
        ("port-without-health-check", "redis"),
        ("port-without-health-check", "sentinel"),
        ("service-without-drill", "sentinel"),
    ]


def test_a_lab_copy_with_one_db_node_is_flagged(tmp_path: Path) -> None:
    text = LAB_FILE.read_text()
    old = '{name: "db[1-3]", host: "198.18.0.[21-23]", roles: [db]}'
    assert text.count(old) == 1
    path = tmp_path / "lab-one-db.yaml"
    path.write_text(text.replace(old, '{name: db1, host: 198.18.0.21, roles: [db]}'))
    code, report = lint(path)
    assert code == 1
    failing = [(f["rule"], f["line"], f["item"]) for f in report["findings"] if not f["allowed"]]
    assert failing == [("single-node-role", 15, "db")]
    why = next(f["why"] for f in report["findings"] if f["rule"] == "single-node-role")
    assert why == "when db1 fails, what db does stops with it: services redis, sentinel, etcd stop"
