"""`clustertui check` against the real lab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli, run_cli_all
from tests.support.nodes import sshd_killed
from tests.support.paths import REPO

pytestmark = pytest.mark.lab


def test_all_up_exits_0(lab) -> None:
    result, as_json = run_cli_all([("check", str(lab.cluster_file)), ("check", str(lab.cluster_file), "--json")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all nodes up, all services up" in result.stdout
    data = json.loads(as_json.stdout)
    assert data["ok"] is True
    assert {n["name"]: n["state"] for n in data["nodes"]} == {
        name: "up" for name in ("lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3")
    }
    web1 = next(n for n in data["nodes"] if n["name"] == "web1")
    assert web1["hostname"] == "web1" and web1["cpus"] >= 1 and web1["mem_total"] > 0
    assert web1["services"]["nginx"]["up"] is True
    assert data["endpoints"] and all(e["ok"] for e in data["endpoints"])


def test_nginx_stopped_on_web2_names_service_and_node(lab, nginx_stopped) -> None:
    with nginx_stopped("web2"):
        result, as_json = run_cli_all([("check", str(lab.cluster_file)), ("check", str(lab.cluster_file), "--json")])
    data = json.loads(as_json.stdout)
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("web2"))
    assert "nginx:DOWN" in line and "no nginx process" in line
    others = [line for line in result.stdout.splitlines() if line.startswith(("web1", "web3"))]
    assert len(others) == 2 and all("DOWN" not in line for line in others), result.stdout
    web2 = next(n for n in data["nodes"] if n["name"] == "web2")
    assert web2["state"] == "up" and web2["services"]["nginx"]["up"] is False


def test_sshd_stopped_on_db3_shows_unreachable(lab) -> None:
    with sshd_killed(lab, "db3"):
        result = run_cli("check", str(lab.cluster_file))
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("db3"))
    assert "unreachable" in line and "refused" in line
    others = [line for line in result.stdout.splitlines() if line.startswith(("db1", "db2", "web1"))]
    assert len(others) == 3 and all(" up " in line for line in others), result.stdout


def test_wrong_known_hosts_entry_is_a_host_key_mismatch(lab, tmp_path: Path) -> None:
    # web3's entry gets another node's key: a changed host key, as after a MITM or rebuild.
    lines = [line for line in lab.known_hosts.read_text().splitlines() if line.strip()]
    key_of = {line.split()[0].split(",")[0]: line.split(None, 1)[1] for line in lines}
    forged = [
        f"198.18.0.13 {key_of['198.18.0.11']}" if line.startswith("198.18.0.13,") else line
        for line in lines
    ]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("\n".join(forged) + "\n")
    cluster = tmp_path / "lab.yaml"
    text = Path(lab.cluster_file).read_text().replace("~/.local/state/clustertui/lab/known_hosts", str(known_hosts))
    cluster.write_text(text.replace("~/.local/state/clustertui/lab/id_ed25519", str(lab.identity)))
    as_json, result = run_cli_all([("check", str(cluster), "--json"), ("check", str(cluster))])
    data = json.loads(as_json.stdout)
    web3 = next(n for n in data["nodes"] if n["name"] == "web3")
    assert web3["state"] == "host-key-mismatch"
    assert "host key mismatch" in web3["detail"]
    assert web3["hostname"] is None and web3["cpus"] is None and web3["services"] == {}
    assert result.returncode == 1 and "host-key-mismatch" in result.stdout


def test_offline_check_passes_on_every_sample() -> None:
    samples = sorted((REPO / "sample_clusters").glob("*.yaml"))
    assert len(samples) >= 2, "no sample cluster files found"  # was cwd-relative: empty elsewhere
    for path, result in zip(samples, run_cli_all([("check", "--offline", str(path)) for path in samples]), strict=True):
        assert result.returncode == 0, f"{path}: {result.stderr}"
        assert "valid" in result.stdout


def test_bad_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntype: majority\nintreval: 1s\nnodes: []\n")
    result = run_cli("check", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"{bad}:3:" in result.stderr and "did you mean 'interval'" in result.stderr
    assert "Traceback" not in result.stderr
