"""The lab's fixed topology agrees with sample_clusters/lab.yaml and lab-ha.yaml, and
templates render.

No root needed: these run everywhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from clustertui.lab import configs, ha
from clustertui.lab.spec import DEFAULT_SPEC, NAME_PREFIX, StatePaths

LAB_YAML = Path(__file__).resolve().parents[2] / "sample_clusters" / "lab.yaml"
LAB_HA_YAML = LAB_YAML.with_name("lab-ha.yaml")


def _expand(pattern: str) -> list[str]:
    """Expand one ``[a-b]`` range (the only form lab.yaml uses)."""
    m = re.search(r"\[(\d+)-(\d+)\]", pattern)
    if not m:
        return [pattern]
    lo, hi = int(m.group(1)), int(m.group(2))
    return [pattern[: m.start()] + str(i) + pattern[m.end() :] for i in range(lo, hi + 1)]


def _file_nodes(doc: dict) -> dict[str, tuple[str, tuple[str, ...]]]:
    nodes: dict[str, tuple[str, tuple[str, ...]]] = {}
    for entry in doc["nodes"]:
        for name, host in zip(_expand(entry["name"]), _expand(entry["host"]), strict=True):
            nodes[name] = (host, tuple(entry["roles"]))
    return nodes


def test_spec_matches_sample_cluster_files() -> None:
    """lab.yaml describes every node but the HA cluster's, lab-ha.yaml those (role ha)."""
    doc, ha_doc = (YAML(typ="safe").load(path.read_text()) for path in (LAB_YAML, LAB_HA_YAML))
    spec = {n.name: (n.address, n.roles) for n in DEFAULT_SPEC.nodes}
    assert {**_file_nodes(doc), **_file_nodes(ha_doc)} == spec
    assert {n for n, (_, roles) in spec.items() if "ha" in roles} == set(_file_nodes(ha_doc))
    assert doc["endpoints"]["web-vip"]["http"] == f"http://{DEFAULT_SPEC.vip}/health"
    assert ha_doc["endpoints"]["ha-vip"]["http"] == f"http://{DEFAULT_SPEC.ha_vip}/{ha.PAGE}"
    assert ha_doc["type"] == "shared-disk" and ha_doc["ssh"] == doc["ssh"]
    assert doc["ssh"]["identity"].endswith("/clustertui/lab/id_ed25519")
    # Every service of a file runs on the nodes of its roles, under the same process name.
    for file_doc in (doc, ha_doc):
        for name, svc in file_doc["services"].items():
            for node in DEFAULT_SPEC.nodes:
                if set(svc["roles"]) & set(node.roles):
                    assert svc["process"] in {s.process for s in node.services}, (name, node.name)


def test_names_fit_linux_limits() -> None:
    for node in DEFAULT_SPEC.nodes:
        assert node.host_if.startswith(NAME_PREFIX) and len(node.host_if) <= 15
        assert node.address.startswith("198.18.0.")
    assert len(DEFAULT_SPEC.bridge) <= 15


@pytest.mark.parametrize("node", DEFAULT_SPEC.names)
def test_node_files_render(tmp_path: Path, node: str) -> None:
    paths = StatePaths(tmp_path)
    if DEFAULT_SPEC.node(node).has_role("ha") and os.geteuid() != 0:
        pytest.skip("the HA nodes' Pacemaker files are owned by hacluster: needs root")
    configs.write_node_files(DEFAULT_SPEC, DEFAULT_SPEC.node(node), paths, ha_device="/dev/loop7")
    nd = paths.node_dir(node)
    text = "".join(p.read_text() for p in nd.rglob("*") if p.is_file())
    assert "{{" not in text
    binds = (nd / "binds.list").read_text().split()
    assert "/etc/hosts" in binds
    services = (nd / "services.sh").read_text()
    assert "/usr/sbin/sshd -f" in services
    for svc in DEFAULT_SPEC.node(node).services:
        assert svc.name in services
    if DEFAULT_SPEC.node(node).has_role("ha"):
        cib = (nd / "pacemaker" / "cib" / "cib.xml").read_text()
        assert 'name="device" value="/dev/loop7"' in cib and 'name="stonith-enabled" value="false"' in cib
        assert "ring0_addr: 198.18.0.33" in (nd / "etc" / "corosync" / "corosync.conf").read_text()
