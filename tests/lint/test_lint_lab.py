"""`clustertui check --lint` against the real lab: the live rule sees redundancy that is gone."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.lab


def test_the_healthy_lab_passes_the_live_lint(lab) -> None:
    result = run_cli("check", "--lint", "--json", str(lab.cluster_file))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["live"] is True and report["ok"] is True
    assert all(f["allowed"] for f in report["findings"])
    assert not any(f["rule"] == "up-on-one-node" for f in report["findings"])


def test_nginx_left_on_one_web_node_is_a_live_finding(lab, nginx_stopped) -> None:
    with nginx_stopped("web1"), nginx_stopped("web2"):
        result = run_cli("check", "--lint", str(lab.cluster_file))
    assert result.returncode == 1, result.stdout + result.stderr
    first, why = result.stdout.splitlines()[:2]
    assert first.startswith(f"{lab.cluster_file}:20: up-on-one-node: service nginx is up on web3 only, of 3 (web1: ")
    assert "no nginx process" in first
    assert first.endswith("; endpoint web-vip is down to 1 backend(s)")
    assert why.startswith("    why: its redundancy is gone right now")
