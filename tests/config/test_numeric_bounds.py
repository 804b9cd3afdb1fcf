"""Every number a cluster file holds has a documented bound (docs/cluster-file.md, "Bounds"):
a 400-digit value, or one just past the bound, is one FILE:LINE error naming the field,
never a traceback; a value at the bound loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from clustertui.config import ConfigError, load_cluster

HUGE = "9" * 400
BASE = """name: x
type: majority
interval: {interval}
ssh: {{connect_timeout: {connect_timeout}, keepalive_interval: {keepalive_interval}}}
nodes:
  - {{name: a, host: 127.0.0.1, port: {port}, roles: [web]}}
services:
  s: {{roles: [web], port: 22}}
endpoints:
  vip: {{tcp: "127.0.0.1:80", timeout: {endpoint_timeout}}}
chaos: {{enabled: true, allow_roles: [web], max_faulted_nodes: {max_faulted_nodes}, default_ttl: {default_ttl}}}
drills:
  d:
    traffic: [{{tcp: "127.0.0.1:80", rate: {rate}, timeout: {traffic_timeout}}}]
    steady_state: {{services: {{s: {replicas}}}, min_success: {min_success}}}
    fault: {{kind: cpu-hog, params: {{cores: {param}}}}}
    target: {{node: a}}
    hold: {hold}
    expect: {{detect_within: {detect_within}, availability: {availability}}}
"""
GOOD = {
    "interval": "1s", "connect_timeout": "5s", "keepalive_interval": "10s", "port": 22,
    "endpoint_timeout": "2s", "max_faulted_nodes": 1, "default_ttl": "60s", "rate": 10,
    "traffic_timeout": "1s", "replicas": 1, "min_success": 0.9, "param": 1, "hold": "30s",
    "detect_within": "10s", "availability": 0.9,
}
#: field in BASE -> (the field as the error names it, its line, the largest value allowed, a value just past it)
BOUNDS = {
    "interval": ("interval", 3, "1h", "3601s"),
    "connect_timeout": ("ssh.connect_timeout", 4, "10m", "601s"),
    "keepalive_interval": ("ssh.keepalive_interval", 4, "1h", "3601s"),
    "port": ("nodes[0].port", 6, 65535, 65536),
    "endpoint_timeout": ("endpoints.vip.timeout", 10, "10m", "601s"),
    "max_faulted_nodes": ("chaos.max_faulted_nodes", 11, 100000, 100001),
    "default_ttl": ("chaos.default_ttl", 11, None, "7d1s"),
    "rate": ("drills.d.traffic[0].rate", 14, 1000, 1000.5),
    "traffic_timeout": ("drills.d.traffic[0].timeout", 14, "10m", "601s"),
    "replicas": ("drills.d.steady_state.services.s", 15, 100000, 100001),
    "min_success": ("drills.d.steady_state.min_success", 15, 1, 1.01),
    "param": ("drills.d.fault.params.cores", 16, None, 2**53 + 2),
    "hold": ("drills.d.hold", 18, None, "7d1s"),
    "detect_within": ("drills.d.expect.detect_within", 19, "7d", "7d1s"),
    "availability": ("drills.d.expect.availability", 19, 1, 1.5),
}


def _write(tmp_path: Path, **values: object) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(BASE.format(**{**GOOD, **values}))
    return path


def test_the_base_file_loads(tmp_path: Path) -> None:
    load_cluster(_write(tmp_path), check_files=False)


@pytest.mark.parametrize("field", sorted(BOUNDS))
@pytest.mark.parametrize("value", [HUGE, f"-{HUGE}", "past the bound"])
def test_a_number_out_of_bounds_is_one_line_naming_the_field(tmp_path: Path, field: str, value: str) -> None:
    name, line, _largest, past = BOUNDS[field]
    with pytest.raises(ConfigError) as caught:
        load_cluster(_write(tmp_path, **{field: past if value == "past the bound" else value}), check_files=False)
    error = caught.value
    assert (error.line, error.field) == (line, name), str(error)
    assert "\n" not in str(error) and len(str(error)) < 300, str(error)


@pytest.mark.parametrize("field", sorted(f for f, bound in BOUNDS.items() if bound[2] is not None))
def test_a_number_at_its_bound_loads(tmp_path: Path, field: str) -> None:
    load_cluster(_write(tmp_path, **{field: BOUNDS[field][2]}), check_files=False)


@pytest.mark.parametrize("interval", [HUGE, f"{HUGE}s", f"{HUGE}.5", "1e400", ".inf"])
def test_check_with_an_absurd_interval_exits_2_with_one_line(tmp_path: Path, interval: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clustertui", "check", str(_write(tmp_path, interval=interval)), "--offline"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "c.yaml:3: interval: expected a duration from 100ms to 1h" in lines[0], result.stderr


def test_a_number_too_long_for_python_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, max_faulted_nodes="9" * 5000)
    with pytest.raises(ConfigError) as caught:
        load_cluster(path, check_files=False)
    assert caught.value.line == 11, str(caught.value)
    assert "expected a number of at most 4300 digits, found a 5000-character number" in str(caught.value)
