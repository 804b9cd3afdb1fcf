"""docs/managers.md documents every field of the managers' JSON (`check --json` and the
report), and no field that JSON does not have: the tables' paths are compared with the
paths of JSON built from a view of every kind, a finding, and a recording's findings."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from clustertui.config import load_cluster
from clustertui.engine.findings import FindingSpan
from clustertui.managers.command import CommandView, NodeRole
from clustertui.managers.etcd import EtcdView, MemberRead, parse_member_list, parse_status
from clustertui.managers.nodes import NodeIndex
from clustertui.managers.pacemaker import MemberView, PacemakerView, parse_member
from clustertui.managers.state import ReadState, SourceRead
from clustertui.managers.vrrp import Instance, VrrpState
from clustertui.report.json_report import render
from clustertui.report.managers_json import managers_json
from tests.support.paths import LAB_FILE
from tests.support.recordings import T0, recording
from tests.tui.managers_state import SPLIT, ok, views

DOCS = Path(__file__).resolve().parents[2] / "docs" / "managers.md"
#: Dicts whose keys are data, written `{node}` / `{key}` in the docs.
DATA_KEYS = {"roles": "{node}", "seen_by": "{node}", "fields": "{key}", "leaders_seen": "{node}"}
DATA = Path(__file__).parent / "data"


def paths(value: Any, prefix: str = "", parent: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            name = DATA_KEYS.get(parent, key)
            path = f"{prefix}.{name}" if prefix else name
            found |= ({path} if not isinstance(item, list) else set()) | paths(item, path, key)
    elif isinstance(value, list):  # a list is named by its items: `holders[]`
        found.add(f"{prefix}[]")
        for item in value:
            found |= paths(item, f"{prefix}[]", parent)
    return found


def documented(heading: str) -> set[str]:
    """The first column's paths of the table under `heading`."""
    text = DOCS.read_text().split(heading, 1)[1].split("\n#", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", text, re.M)}


def every_kind() -> dict[str, Any]:
    lb, vip, redis = views()
    vip = dataclasses.replace(vip, instances=(Instance("lb1", "VI_WEB", VrrpState.MASTER, 150, 812.0),))
    command = CommandView("pg", (NodeRole(ok("db1"), "primary", (("role", "primary"), ("timeline", "3"))),))
    listed = parse_member_list((DATA / "etcd_member_list.json").read_text(), NodeIndex(load_cluster(LAB_FILE, check_files=False)))
    etcd = EtcdView("etcd", (MemberRead(ok("db1"), parse_status((DATA / "etcd_status_db1_leader.json").read_text()),
                                        listed), MemberRead(SourceRead("db2", ReadState.DOWN, "connection refused"))))
    text = (Path(__file__).parent / "data" / "pacemaker" / "healthy_owner.txt").read_text()
    pacemaker = PacemakerView("pacemaker", (MemberView(ok("ha1"), *parse_member(text)),))
    return json.loads(json.dumps(managers_json([lb, vip, redis, command, etcd, pacemaker], [SPLIT])))


def test_the_managers_object_is_documented_field_by_field() -> None:
    assert documented("### The managers object") == paths(every_kind())


def test_the_reports_findings_are_documented_field_by_field() -> None:
    rec = dataclasses.replace(recording(), findings=(FindingSpan(SPLIT, T0, T0 + 1.0),))
    produced = {p for p in paths(json.loads(render(rec))) if p.startswith("findings")}
    assert documented("### The report's findings") == produced
