"""The freeze mark's node-side scripts, run in a real `sh` on this machine against a mark in a
temporary directory (the scripts' only path is the mark's, replaced here), and the
controller's reading of a mark, whatever a node wrote in it."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from clustertui.chaos.facts import parse_survey
from clustertui.chaos.freeze import (
    FREEZE_FILE,
    FROZEN_PREFIX,
    MAX_REASON,
    check_reason,
    freeze_precheck,
    freeze_script,
    parse_mark,
    refusal_from_output,
    thaw_script,
)
from clustertui.chaos.ledger import LEDGER_DIR
from clustertui.chaos.planner import REFUSED
from tests.support.cli import run_cli
from tests.support.clusters import CLOSED_CLUSTER

CONTROL = ("\x1b", "\x07", "\x00", "\r")


def run(script: str, directory: Path) -> subprocess.CompletedProcess[str]:
    """`script` with the ledger directory moved to `directory`."""
    script = script.replace(FREEZE_FILE, str(directory / ".freeze")).replace(LEDGER_DIR, str(directory))
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=10)


def precheck(directory: Path) -> subprocess.CompletedProcess[str]:
    return run(freeze_precheck(REFUSED) + "\necho passed", directory)


def test_freeze_then_the_precheck_refuses_and_thaw_lifts_it(tmp_path: Path) -> None:
    assert precheck(tmp_path).stdout.strip() == "passed"
    frozen = run(freeze_script("release 4.2", "sre@ops1", "lab", None), tmp_path)
    assert frozen.returncode == 0 and frozen.stdout.startswith("frozen 0 "), frozen
    refused = precheck(tmp_path)
    assert refused.returncode == REFUSED and refused.stdout == ""
    line = refused.stderr.strip()
    assert line.startswith(FROZEN_PREFIX)
    message = refusal_from_output("web1", line)
    assert message == "refused by the node: web1 is frozen by sre@ops1, until thawed: release 4.2"
    assert run(thaw_script(), tmp_path).stdout.strip() == "thawed"
    assert run(thaw_script(), tmp_path).stdout.strip() == "not-frozen"
    assert precheck(tmp_path).stdout.strip() == "passed"


def test_a_freeze_for_a_while_expires_by_the_nodes_clock(tmp_path: Path) -> None:
    assert run(freeze_script("", "sre@ops1", "lab", 2), tmp_path).returncode == 0
    until, since, _ = (tmp_path / ".freeze").read_text().split(" ", 2)
    assert int(until) == int(since) + 2
    assert precheck(tmp_path).returncode == REFUSED
    time.sleep(3.1)
    assert precheck(tmp_path).stdout.strip() == "passed", "expired: the mark refuses nothing"


@pytest.mark.parametrize("content", ["", "garbage", "-5 0 {}", "99999999999999999999 0 {}", "1e9 0 {}", "0x 0 {}"])
def test_an_unreadable_mark_refuses_on_the_node_and_reads_as_frozen(tmp_path: Path, content: str) -> None:
    (tmp_path / ".freeze").write_text(content + "\n")
    assert precheck(tmp_path).returncode == REFUSED, "fail safe: a mark nobody can read still freezes"
    mark = parse_mark("web1", content, time.time())
    assert mark.active and mark.problem, mark


def test_a_past_mark_does_not_refuse(tmp_path: Path) -> None:
    (tmp_path / ".freeze").write_text(f"{int(time.time()) - 5} {int(time.time()) - 60} {{}}\n")
    assert precheck(tmp_path).stdout.strip() == "passed"


def test_the_reason_reaches_the_node_quoted(tmp_path: Path) -> None:
    reason = "$(touch /tmp/clustertui-canary) `id` ' \" ; & | \\ %s %n"
    assert run(freeze_script(reason, "sre@ops1", "lab", None), tmp_path).returncode == 0
    assert not Path("/tmp/clustertui-canary").exists()
    mark = parse_mark("web1", (tmp_path / ".freeze").read_text(), time.time())
    assert mark.reason == reason and mark.by == "sre@ops1" and mark.cluster == "lab" and mark.until is None


HOSTILE = [
    "0 0 " + json.dumps({"reason": "\x1b]0;owned\x07[bold red]x[/] <!channel>", "by": "\x1b[31mroot"}),
    "0 0 " + json.dumps({"reason": "r" * 10_000}),
    "0 0 " + "[" * 5000,
    "0 0 " + json.dumps({"reason": 5, "by": ["x"]}),
    "0 0 \udcff\x00",
]


@pytest.mark.parametrize("line", HOSTILE)
def test_a_hostile_mark_is_shown_escaped_and_bounded(line: str) -> None:
    mark = parse_mark("web1", line, 100.0)
    for text in (mark.describe(), mark.refusal(), json.dumps(mark.to_json()),
                 refusal_from_output("web1", FROZEN_PREFIX + line) or ""):
        assert not any(c in text for c in CONTROL), text
        assert len(text) < 600
    assert mark.active


def test_the_survey_reads_the_mark_once() -> None:
    base = ["uid 0", "now 1000", "nproc 2"]
    survey = parse_survey("web1", "\n".join([*base, 'freeze 1060 990 {"by":"a@b","reason":"r"}', "end"]))
    assert survey.facts.frozen is not None and survey.facts.frozen.remaining == 60
    expired = parse_survey("web1", "\n".join([*base, "freeze 999 990 {}", "end"]))
    assert expired.facts.freeze is not None and expired.facts.frozen is None
    with pytest.raises(ValueError, match="second freeze"):
        parse_survey("web1", "\n".join([*base, "freeze 0 0 {}", "freeze 0 0 {}", "end"]))


@pytest.mark.parametrize("reason", ["x" * (MAX_REASON + 1), "two\nlines", "bell\x07"])
def test_a_bad_reason_is_refused_before_anything_runs(reason: str) -> None:
    with pytest.raises(ValueError, match="--reason"):
        check_reason(reason)


def test_a_bad_freeze_is_a_usage_error(tmp_path: Path) -> None:
    cluster = tmp_path / "c.yaml"
    cluster.write_text(CLOSED_CLUSTER)
    for argv, message in ((("--nodes", "web9"), "--nodes: no node called 'web9'"),
                          (("--reason", "x" * 201), "--reason: at most 200 characters"),
                          (("--reason", "two\nlines"), "--reason: one line of printable text"),
                          (("--for", "8d"), "--for: at most 7d"),
                          (("--for", "soon"), "'soon' is not")):
        result = run_cli("chaos", str(cluster), "freeze", *argv)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_node_is_not_frozen_and_says_why(tmp_path: Path) -> None:
    cluster = tmp_path / "c.yaml"
    cluster.write_text(CLOSED_CLUSTER)
    result = run_cli("chaos", str(cluster), "freeze", "--reason", "x", "--nodes", "web2")
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("web2: NOT frozen: ") and "refused" in result.stdout, result.stdout
    assert "0 nodes frozen until thawed; NOT frozen: web2" in result.stderr
    thawed = run_cli("chaos", str(cluster), "thaw", "--json")
    assert thawed.returncode == 3 and not json.loads(thawed.stdout)["ok"]
