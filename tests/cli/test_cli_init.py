"""`clustertui init`: starter files from ssh_config, Ansible, or a template, that load as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from clustertui.config import load_cluster

Run = Callable[..., subprocess.CompletedProcess]

SSH_CONFIG = """
Include {conf_d}/*.conf
Host db1 db2
    HostName 198.51.100.2%h
    User postgres
Match originalhost db2
    Port 2202
Host *
    User ops
"""

SSH_WEB = """
Host web01 web02
    HostName %h.example.internal
    IdentityFile ~/.ssh/web_key
    ProxyJump jump@bastion.example.internal:2200
"""


def _ssh_setup(tmp_path: Path) -> Path:
    conf_d = tmp_path / ".ssh" / "conf.d"
    conf_d.mkdir(parents=True)
    (conf_d / "web.conf").write_text(SSH_WEB)
    config = tmp_path / ".ssh" / "config"
    config.write_text(SSH_CONFIG.format(conf_d=conf_d).replace("198.51.100.2%h", "%h.db.internal"))
    return config


def test_template_passes_check_offline(run: Run, tmp_path: Path) -> None:
    done = run("init", "-o", "prod.yaml")
    assert done.returncode == 0, done.stderr
    assert "wrote prod.yaml: a template" in done.stderr
    text = (tmp_path / "prod.yaml").read_text()
    assert text.startswith("# clustertui cluster file for prod")
    check = run("check", "--offline", "prod.yaml")
    assert check.returncode == 0 and "valid: cluster 'prod', 4 nodes" in check.stdout


def test_template_examples_are_valid_when_uncommented(run: Run, tmp_path: Path) -> None:
    text = run("init").stdout
    uncommented = re.sub(r"^# (services|endpoints|drills):$", r"\1:", text, flags=re.MULTILINE)
    uncommented = re.sub(r"^#(   .*)$", r"\1", uncommented, flags=re.MULTILINE)
    uncommented = uncommented.replace("enabled: false", "enabled: true").replace("  # allow_roles", "  allow_roles")
    (tmp_path / "full.yaml").write_text(uncommented)
    cluster = load_cluster(tmp_path / "full.yaml", check_files=False)
    assert list(cluster.services) == ["nginx"] and list(cluster.drills) == ["web-node-loss"]
    assert list(cluster.endpoints) == ["web-vip"] and cluster.chaos.enabled


def test_from_ssh_config_follows_include_and_match(run: Run, tmp_path: Path) -> None:
    _ssh_setup(tmp_path)
    done = run("init", "-o", "ssh.yaml", "--from-ssh-config")
    assert done.returncode == 0, done.stderr
    cluster = load_cluster(tmp_path / "ssh.yaml", check_files=False)
    nodes = {n.name: n for n in cluster.nodes}
    assert list(nodes) == ["web01", "web02", "db1", "db2"]  # web* come from the Include, first
    assert nodes["web01"].host == "web01.example.internal"
    assert nodes["web01"].ssh.identity == tmp_path / ".ssh" / "web_key"
    assert nodes["web01"].ssh.proxy_jump == "jump@bastion.example.internal:2200"
    assert (nodes["db2"].host, nodes["db2"].port, nodes["db2"].ssh.user) == ("db2.db.internal", 2202, "postgres")
    assert nodes["web02"].ssh.user == "ops" and nodes["db1"].port == 22
    assert run("check", "--offline", "ssh.yaml").returncode == 0


def test_from_ssh_config_selects_hosts_and_names_the_file(run: Run, tmp_path: Path) -> None:
    config = _ssh_setup(tmp_path)
    done = run("init", "--from-ssh-config", "web*", "!web02", "--ssh-config", str(config), "--name", "web")
    assert done.returncode == 0, done.stderr
    assert "name: web\n" in done.stdout and "- {name: web01, host: web01.example.internal" in done.stdout
    assert "web02" not in done.stdout.split("nodes:")[1]


INVENTORY = """
[web]
web[01:02].example.internal ansible_user=deploy
web-canary ansible_host=198.51.100.9 ansible_port=2222 ansible_ssh_private_key_file=~/.ssh/canary

[db]
db1 ansible_host=198.51.100.21 ansible_ssh_common_args='-o ProxyJump=jump@bastion.example.internal'

[prod:children]
web
db
"""


def _ansible_program() -> str | None:
    return shutil.which("ansible-inventory") or shutil.which("ansible-inventory", path=str(Path(sys.executable).parent))


@pytest.mark.parametrize("with_ansible", [True, False], ids=["ansible-inventory", "static"])
def test_from_ansible(run: Run, tmp_path: Path, with_ansible: bool) -> None:
    program = _ansible_program()
    if with_ansible and program is None:
        pytest.skip("ansible-inventory is not installed (pip install ansible-core)")
    path = "/usr/bin:/bin" + (f":{Path(program).parent}" if with_ansible and program else "")
    (tmp_path / "hosts.ini").write_text(INVENTORY)
    done = run("init", "-o", "prod.yaml", "--from-ansible", "hosts.ini",
               env={"PATH": path})
    assert done.returncode == 0, done.stderr
    cluster = load_cluster(tmp_path / "prod.yaml", check_files=False)
    assert [(n.name, n.host, n.port, n.roles) for n in cluster.nodes] == [
        ("web01.example.internal", "web01.example.internal", 22, ["web", "prod"]),
        ("web02.example.internal", "web02.example.internal", 22, ["web", "prod"]),
        ("web-canary", "198.51.100.9", 2222, ["web", "prod"]),
        ("db1", "198.51.100.21", 22, ["db", "prod"]),
    ]
    nodes = {n.name: n for n in cluster.nodes}
    assert nodes["web-canary"].ssh.identity == tmp_path / ".ssh" / "canary"
    assert nodes["db1"].ssh.proxy_jump == "jump@bastion.example.internal"
    assert nodes["web01.example.internal"].ssh.user == "deploy"
    assert run("check", "--offline", "prod.yaml").returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from-ssh-config", "--from-ansible", "x"], "give --from-ssh-config or --from-ansible, not both"),
        (["web*"], "HOSTS select from a source"),
        (["--from-ansible", "missing.ini"], "init: --from-ansible missing.ini: no such file or directory"),
        (["--from-ssh-config", "nothing*", "--ssh-config", "cfg"], "no host in cfg matches nothing*"),
        (["--from-ssh-config", "--ssh-config", "bad"], "bad:2: (ssh_config): Invalid Port integer value: x"),
        (["--from-ssh-config"], "init: --from-ssh-config ~/.ssh/config: no such file or directory"),
        (["-o", "exists.yaml"], "exists.yaml exists; pass --force"),
        (["--type", "ring"], "Invalid value for '--type'"),
    ],
)
def test_init_errors_are_one_line_exit_2(run: Run, tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "cfg").write_text("Host web1\n")
    (tmp_path / "bad").write_text("Host web1\n  Port x\n")
    (tmp_path / "exists.yaml").write_text("keep me\n")
    done = run("init", *args)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("clustertui: error: ") and message in line
    assert (tmp_path / "exists.yaml").read_text() == "keep me\n"
