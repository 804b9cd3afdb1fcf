"""import: nodes from Ansible inventories (INI and YAML) and from ssh_config.

The inventory tests marked `both` run twice: through `ansible-inventory --list` (Ansible's
own reading, from the ansible-core test dependency) and through the static reader used
when Ansible is not installed; both must give the same nodes.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from clustertui.config import ConfigError, ansible, load_cluster

Write = Callable[..., Path]


def ansible_inventory_program() -> str | None:
    return shutil.which("ansible-inventory") or shutil.which("ansible-inventory", path=str(Path(sys.executable).parent))


@pytest.fixture(autouse=True)
def static_inventories(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless a test asks for `both`, read inventories without Ansible (line numbers in errors)."""
    monkeypatch.setattr(ansible, "PROGRAM", "no-such-ansible-inventory")


@pytest.fixture(params=["static", "ansible-inventory"])
def both(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "ansible-inventory":
        program = ansible_inventory_program()
        if program is None:
            pytest.skip("ansible-inventory is not installed (pip install ansible-core)")
        monkeypatch.setattr(ansible, "PROGRAM", program)
    return str(request.param)

INI = """
# production
bastion.example.internal

[web]
web[01:03].example.internal ansible_user=deploy
web-canary ansible_host=198.51.100.9 ansible_port=2222

[db]
db1 ansible_host=198.51.100.21
db2.example.internal:2200

[db:vars]
ansible_user=postgres

[prod:children]
web
db

[all:vars]
ansible_user=admin
"""


def test_ansible_ini(write: Write, both: str) -> None:
    write(INI, name="inventory.ini")
    cluster = load_cluster(
        write("name: c\ntype: majority\nimport: {ansible: inventory.ini}\nservices: {pg: {roles: [db], port: 5432}}\n")
    )
    nodes = {n.name: n for n in cluster.nodes}
    assert list(nodes) == [
        "bastion.example.internal",
        "web01.example.internal",
        "web02.example.internal",
        "web03.example.internal",
        "web-canary",
        "db1",
        "db2.example.internal",
    ]
    assert nodes["bastion.example.internal"].roles == [] and nodes["bastion.example.internal"].ssh.user == "admin"
    assert nodes["web02.example.internal"].roles == ["web", "prod"]
    assert nodes["web02.example.internal"].ssh.user == "deploy"
    assert (nodes["web-canary"].host, nodes["web-canary"].port) == ("198.51.100.9", 2222)
    assert nodes["web-canary"].ssh.user == "admin"
    assert (nodes["db1"].host, nodes["db1"].ssh.user, nodes["db1"].roles) == ("198.51.100.21", "postgres", ["db", "prod"])
    assert (nodes["db2.example.internal"].host, nodes["db2.example.internal"].port) == ("db2.example.internal", 2200)


def test_ansible_filters_and_extra_roles(write: Write, both: str) -> None:
    write(INI, name="inventory.ini")
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            nodes:
              - {name: monitor1, host: 198.51.100.99}
            import:
              - {ansible: inventory.ini, hosts: ["web*", "!web-canary"], groups_as_roles: false, roles: [frontend]}
              - {ansible: inventory.ini, hosts: [db1]}
            """
        )
    )
    assert [(n.name, n.roles) for n in cluster.nodes] == [
        ("monitor1", []),
        ("web01.example.internal", ["frontend"]),
        ("web02.example.internal", ["frontend"]),
        ("web03.example.internal", ["frontend"]),
        ("db1", ["db", "prod"]),
    ]


def test_ansible_yaml(write: Write, both: str) -> None:
    write(
        """
        all:
          vars: {ansible_user: admin}
          children:
            lb:
              hosts:
                lb1: {ansible_host: 203.0.113.2}
                lb2: {ansible_host: 203.0.113.3, ansible_port: 2202}
            cache:
              vars: {ansible_user: redis}
              children:
                redis:
                  hosts:
                    redis[1:2].example.internal:
        """,
        name="inv/hosts.yml",
    )
    cluster = load_cluster(write("name: c\ntype: majority\nimport: {ansible: inv/hosts.yml}\n"))
    assert [(n.name, n.host, n.port, n.roles, n.ssh.user) for n in cluster.nodes] == [
        ("lb1", "203.0.113.2", 22, ["lb"], "admin"),
        ("lb2", "203.0.113.3", 2202, ["lb"], "admin"),
        ("redis1.example.internal", "redis1.example.internal", 22, ["redis", "cache"], "redis"),
        ("redis2.example.internal", "redis2.example.internal", 22, ["redis", "cache"], "redis"),
    ]


def test_ssh_config(write: Write) -> None:
    write(
        """
        User fallback

        Host web1 web2
            HostName %h.example.internal
            Port 2222

        Host db1
            HostName=198.51.100.21
            User postgres

        Match host db1
            User ignored

        Host *.example.internal bastion
            User jump
            ProxyJump none

        Host *
            User everyone
            Port 22
        """,
        name="ssh_config",
    )
    cluster = load_cluster(
        write(
            """
            name: c
            type: majority
            import: {ssh_config: ssh_config, hosts: ["*", "!bastion"], roles: [app]}
            services: {app: {roles: [app], port: 8080}}
            """
        )
    )
    assert [(n.name, n.host, n.port, n.ssh.user, n.roles) for n in cluster.nodes] == [
        ("web1", "web1.example.internal", 2222, "fallback", ["app"]),
        ("web2", "web2.example.internal", 2222, "fallback", ["app"]),
        ("db1", "198.51.100.21", 22, "fallback", ["app"]),
    ]


def test_ssh_config_user_from_host_block(write: Write) -> None:
    write("Host db1\n  HostName 198.51.100.21\n  User postgres\nHost *\n  User everyone\n", name="ssh_config")
    cluster = load_cluster(write("name: c\ntype: majority\nimport: {ssh_config: ssh_config}\n"))
    assert (cluster.nodes[0].ssh.user, cluster.nodes[0].host) == ("postgres", "198.51.100.21")


def test_imported_duplicate_names_both_places(write: Write, both: str) -> None:
    inventory = write("[web]\nweb1 ansible_host=198.51.100.11\n", name="inventory.ini")
    path = write("name: c\ntype: majority\nnodes:\n  - {name: web1}\nimport: {ansible: inventory.ini}\n")
    with pytest.raises(ConfigError) as caught:
        load_cluster(path)
    assert str(caught.value) == (
        f"{inventory}:2: web1: expected a unique node name, found 'web1', which nodes[0] at line 4 of {path} already defines"
    )


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("inventory.ini", "[web]\nweb1 ansible_host='a b'\n", "2: web1.ansible_host: expected a hostname or IP address"),
        ("inventory.ini", "[web]\nweb1 ansible_port=99999\n", "2: web1.ansible_port: expected an integer from 1 to 65535"),
        ("inventory.ini", "[web\nweb1\n", "1: (section): expected a section like [web]"),
        ("inventory.ini", "[web]\nweb1 ansible_user\n", "2: web1: expected key=value host variables, found 'ansible_user'"),
        ("inventory.ini", "[web]\nweb[3:1]\n", "2: web[3:1]: expected a range with START <= END"),
        ("inventory.ini", "[web]\nweb1 ansible_host='x\n", "2: web: expected shell-style words, found No closing quotation"),
        ("inventory.ini", "[we$b]\nweb1\n", "2: web1.groups: expected a role name"),
        ("hosts.yml", "all:\n  hosts:\n    web1: [a]\n", "3: all.hosts.web1: expected host variables as a mapping"),
        ("hosts.yml", "all:\n  host:\n    web1:\n", "2: all.host: expected hosts, vars or children"),
        ("hosts.yml", "- a\n", "1: (file): expected a mapping of Ansible groups, found a list"),
        ("hosts.yml", "all: {hosts: {web1: {ansible_host: x}, web1: {}}}\n", "1: all.hosts.web1: expected each key once"),
    ],
)
def test_inventory_errors_name_the_inventory(write: Write, name: str, text: str, expected: str) -> None:
    inventory = write(text, name=name)
    path = write(f"name: c\ntype: majority\nimport: {{ansible: {name}}}\n")
    with pytest.raises(ConfigError) as caught:
        load_cluster(path)
    assert str(caught.value).startswith(f"{inventory}:{expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Host web1\n  HostName bad;host\n", "1: web1.HostName: expected a hostname or IP address"),
        ("Host web1\n  HostName bad%r\n", "1: web1: Invalid token expansion: r"),
        ("Host web1\n  Port 99999\n", "1: web1.Port: expected an integer from 1 to 65535, found 99999"),
        ("Host web1\n  Port x\n", "2: (ssh_config): Invalid Port integer value: x"),
        ("Host web1\n  User bad;user\n", "1: web1.User: expected a user name"),
        ("Host web1\nHostName\n", "2: (ssh_config): Missing Hostname value"),
        ("Host web1\n  ProxyCommand nc %h %p\n", "1: web1.ProxyCommand: expected a ProxyCommand like 'ssh -W %h:%p"),
    ],
)
def test_ssh_config_errors(write: Write, text: str, expected: str) -> None:
    config = write(text, name="ssh_config")
    with pytest.raises(ConfigError) as caught:
        load_cluster(write("name: c\ntype: majority\nimport: {ssh_config: ssh_config}\n"))
    assert str(caught.value).startswith(f"{config}:{expected}")


def test_import_spec_errors(write: Write) -> None:
    with pytest.raises(ConfigError, match=r":4: import\[0\]: expected exactly one of ansible, ssh_config, found ansible and"):
        load_cluster(write("name: c\ntype: majority\nimport:\n  - {ansible: a.ini, ssh_config: b}\n"))
    with pytest.raises(ConfigError, match=r":3: import: expected groups_as_roles only with ansible"):
        load_cluster(write("name: c\ntype: majority\nimport: {ssh_config: b, groups_as_roles: true}\n"))
    with pytest.raises(ConfigError, match=r":3: import\.hots: unknown field, did you mean 'hosts'\?"):
        load_cluster(write("name: c\ntype: majority\nimport: {ssh_config: b, hots: [a]}\n"))


SSH_INCLUDED = """
Host web1 web2
    HostName %h.example.internal
    User deploy
    IdentityFile ~/.ssh/web_key
    ProxyJump jump@bastion.example.internal:2200
"""

SSH_MAIN = """
Include {include}
Match host db1
    User postgres
Host db1
    HostName 198.51.100.21
Host cache1
    ProxyCommand ssh -q -W %h:%p ops@bastion2.example.internal
    Port 2222
Host *
    User everyone
"""


def _ssh_g(config: Path, alias: str) -> dict[str, str]:
    """OpenSSH's own evaluation of ssh_config for one host (`ssh -G`), the reference."""
    import subprocess

    out = subprocess.run(["ssh", "-G", "-F", str(config), alias], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def test_ssh_config_follows_include_and_match_like_openssh(write: Write, tmp_path: Path) -> None:
    write(SSH_INCLUDED, name="conf.d/web.conf")
    config = write(SSH_MAIN.format(include=tmp_path / "conf.d" / "*.conf"), name="ssh_config")
    cluster = load_cluster(write("name: c\ntype: majority\nimport: {ssh_config: ssh_config}\n"), check_files=False)
    nodes = {n.name: n for n in cluster.nodes}
    assert list(nodes) == ["web1", "web2", "db1", "cache1"]
    assert nodes["web1"].ssh.identity == Path("~/.ssh/web_key").expanduser()
    assert nodes["web1"].ssh.proxy_jump == "jump@bastion.example.internal:2200"
    assert nodes["cache1"].ssh.proxy_jump == "ops@bastion2.example.internal"
    assert nodes["db1"].ssh.proxy_jump is None
    if shutil.which("ssh") is None:
        pytest.skip("no OpenSSH client to compare with")
    for name, node in nodes.items():
        reference = _ssh_g(config, name)
        assert (node.host, str(node.port), node.ssh.user) == (reference["hostname"], reference["port"], reference["user"])


def test_ssh_config_include_error_names_the_included_file(write: Write, tmp_path: Path) -> None:
    included = write("Host web1\n  Port nope\n", name="conf.d/bad.conf")
    write(f"Include {tmp_path / 'conf.d' / '*.conf'}\n", name="ssh_config")
    with pytest.raises(ConfigError) as caught:
        load_cluster(write("name: c\ntype: majority\nimport: {ssh_config: ssh_config}\n"))
    assert str(caught.value).startswith(f"{included}:2: (ssh_config): Invalid Port integer value: nope")


INVENTORY_WITH_JUMPS = """
[web]
web1 ansible_host=198.51.100.11 ansible_ssh_private_key_file=~/.ssh/web_key
web2 ansible_host=198.51.100.12 ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p -q ops@bastion.example.internal"'

[web:vars]
ansible_ssh_common_args='-o ProxyJump=jump@bastion.example.internal:2200'
"""


def test_ansible_keys_and_jump_hosts(write: Write, both: str) -> None:
    write(INVENTORY_WITH_JUMPS, name="inventory.ini")
    cluster = load_cluster(write("name: c\ntype: majority\nimport: {ansible: inventory.ini}\n"), check_files=False)
    web1, web2 = cluster.nodes
    assert web1.ssh.identity == Path("~/.ssh/web_key").expanduser()
    assert web1.ssh.proxy_jump == "jump@bastion.example.internal:2200"
    assert web2.ssh.proxy_jump == "ops@bastion.example.internal"


def test_dynamic_inventory_script_through_ansible(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    program = ansible_inventory_program()
    if program is None:
        pytest.skip("ansible-inventory is not installed (pip install ansible-core)")
    monkeypatch.setattr(ansible, "PROGRAM", program)
    script = write(
        f"""
        #!{sys.executable}
        import json
        print(json.dumps({{
            "db": {{"hosts": ["db1", "db2"], "vars": {{"ansible_user": "postgres"}}}},
            "_meta": {{"hostvars": {{"db1": {{"ansible_host": "198.51.100.21"}}, "db2": {{"ansible_port": 2200}}}}}},
        }}))
        """,
        name="inventory.py",
    )
    script.chmod(0o755)
    cluster = load_cluster(write("name: c\ntype: majority\nimport: {ansible: inventory.py}\n"))
    assert [(n.name, n.host, n.port, n.ssh.user, n.roles) for n in cluster.nodes] == [
        ("db1", "198.51.100.21", 22, "postgres", ["db"]),
        ("db2", "db2", 2200, "postgres", ["db"]),
    ]


def test_unparsable_inventory_through_ansible_is_one_line(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    program = ansible_inventory_program()
    if program is None:
        pytest.skip("ansible-inventory is not installed (pip install ansible-core)")
    monkeypatch.setattr(ansible, "PROGRAM", program)
    write("[web\nweb1\n", name="inventory.ini")
    with pytest.raises(ConfigError, match=r"import\.ansible: ansible-inventory could not read it: .*\(.*inventory\.ini\)$"):
        load_cluster(write("name: c\ntype: majority\nimport: {ansible: inventory.ini}\n"))


def test_dynamic_inventory_without_ansible_says_what_is_needed(write: Write) -> None:
    script = write("#!/bin/sh\necho '{}'\n", name="inventory.sh")
    script.chmod(0o755)
    with pytest.raises(ConfigError, match=r"found an executable \(a dynamic inventory\): reading it needs Ansible"):
        load_cluster(write("name: c\ntype: majority\nimport: {ansible: inventory.sh}\n"))
