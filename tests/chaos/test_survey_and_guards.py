"""The survey's parser, the ledger's grouping, the guards and per-node availability."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from clustertui.chaos import guards
from clustertui.chaos.availability import node_availability
from clustertui.chaos.facts import SSH_LINE, SurveyError, parse_survey, survey_script
from clustertui.chaos.ledger import LedgerRecord, ledger_files
from clustertui.chaos.shell import HELPERS, q
from clustertui.config import load_cluster
from tests.support.paths import LAB_FILE

RECORD = LedgerRecord(
    id="f-0123abcd", kind="block-port", cluster="lab", node="web1", host="198.18.0.11",
    summary="block tcp/80 (in) on web1 with iptables", params={"port": 80}, ttl=60.0, applied_at=1.0,
    by="sre@laptop", timer="detached", revert="sh /run/clustertui/faults/f-0123abcd.revert manual",
)
SURVEY = f"""ssh 198.18.0.1 40000 198.18.0.11 22
uid 0
now 1700000100
nproc 2
memavail 250000
tool iptables
tool nft
tool tc
tool ip
tool setsid
tool nohup
tool pgrep
tool pkill
fw iptables
fw statistic
fw nft
netem fail Error: Specified qdisc kind is unknown.
route default via 198.18.0.1 dev eth0
route 198.18.0.0/24 dev eth0 proto kernel scope link src 198.18.0.11
proc nginx 35 36
file f-0123abcd.json {RECORD.to_json()}
file f-0123abcd.timer pid 4242 1700000080
file f-0123abcd.revert
file f-99999999.timer pid 5 1
something new that an old parser ignores
end
"""
#: The lines every survey prints (a survey without one is cut short).
HEAD = "uid 0\nnow 1700000100\nnproc 2\n"


@pytest.fixture(scope="module")
def cluster():
    return load_cluster(LAB_FILE, check_files=False)


def test_parse_survey() -> None:
    survey = parse_survey("web1", SURVEY)
    facts = survey.facts
    assert (facts.controller, facts.ssh_port, facts.uid, facts.nproc) == ("198.18.0.1", 22, 0, 2)
    assert facts.firewalls == ("iptables", "nft") and facts.iptables_statistic
    assert facts.netem is False and facts.netem_problem == "unsupported on this node: no sch_netem"
    assert facts.dev_for("198.18.0.12") == "eth0" and facts.dev_for("10.0.0.1") == "eth0"
    assert facts.processes == {"nginx": (35, 36)}
    assert not facts.systemd  # PID 1 did not say systemd
    active, leftover = survey.ledger
    assert active.record == RECORD and active.state == "active" and active.counts
    assert active.timer.ref == "4242" and active.remaining == 40.0  # armed 20 s ago, 60 s TTL
    assert leftover.state == "leftover" and not leftover.counts and "f-99999999.timer" in leftover.problem
    failed = parse_survey("web1", SURVEY.replace("end\n", "file f-0123abcd.error ttl: iptables -S still lists ...\nend\n")).ledger[0]
    assert failed.state == "revert-failed" and failed.error == "ttl: iptables -S still lists ..." and failed.counts


def test_netem_verdicts() -> None:
    assert parse_survey("n", HEAD + "netem yes\nend\n").facts.netem is True
    unknown = parse_survey("n", HEAD + "netem fail unshare: unshare failed: Operation not permitted\nend\n").facts
    assert unknown.netem is None and "cannot tell" in unknown.netem_problem
    assert parse_survey("n", HEAD + "netem untested: needs tc and unshare\nend\n").facts.netem is None


def test_survey_script_is_valid_sh_and_read_only() -> None:
    script = survey_script((("nginx", "root"), ("redis-server", "@redis-server.service")))
    assert subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True).returncode == 0
    # The only "add" it runs is inside a scratch network namespace; helpers are only defined.
    body = script.removeprefix(HELPERS)
    assert "unshare -n tc qdisc add" in body
    for verb in ("iptables -A", "iptables -I", "nft add", "nft -f", "rm ", " kill ", "mkdir", "ctui_launch"):
        assert verb not in body
    assert SSH_LINE.startswith("sh -c ")


def test_policy_guards(cluster) -> None:
    assert guards.chaos_enabled(cluster) is None
    disabled = cluster.model_copy(update={"chaos": cluster.chaos.model_copy(update={"enabled": False})})
    assert "chaos is disabled in lab.yaml" in guards.chaos_enabled(disabled)
    only_db = cluster.model_copy(update={"chaos": cluster.chaos.model_copy(update={"allow_roles": ["db"]})})
    assert "web1 (roles: web) may not be faulted" in guards.target_allowed(only_db, only_db.node("web1"))
    assert guards.target_allowed(only_db, only_db.node("db1")) is None
    by_name = only_db.model_copy(update={"chaos": only_db.chaos.model_copy(update={"allow_nodes": ["web1"]})})
    assert guards.target_allowed(by_name, by_name.node("web1")) is None


def test_blast_radius(cluster) -> None:
    assert guards.blast_radius(cluster, "web1", []) is None
    assert guards.blast_radius(cluster, "web1", ["web1"]) is None  # the same node again
    refusal = guards.blast_radius(cluster, "web2", ["web1"])
    assert "1 node(s) already faulted (web1)" in refusal and "max_faulted_nodes is 1" in refusal


def test_quorum_guard(cluster) -> None:
    everyone = [n.name for n in cluster.nodes]
    assert guards.quorum(cluster, "web1", everyone, []) is None
    # 8 nodes need 5: with lb1, lb2 and db3 unreachable and web2 faulted, faulting web1
    # leaves web3, db1 and db2.
    reachable = [name for name in everyone if name not in ("lb1", "lb2", "db3")]
    refusal = guards.quorum(cluster, "web1", reachable, ["web2"])
    assert "with web1 faulted, 3 of 8 nodes would be healthy" in refusal and "needs 5" in refusal
    off = cluster.model_copy(update={"chaos": cluster.chaos.model_copy(update={"quorum_guard": False})})
    assert guards.quorum(off, "web1", reachable, ["web2"]) is None
    shared = cluster.model_copy(update={"type": "shared-disk"})
    assert guards.quorum(shared, "web1", reachable, ["web2"]) is None


def test_availability_says_why_not(cluster) -> None:
    survey = parse_survey("web1", SURVEY)
    web1 = node_availability(cluster, cluster.node("web1"), survey)
    assert web1.faults["block-port"].available
    assert web1.faults["latency"].reason == "unsupported on this node: no sch_netem"
    assert web1.faults["start"].reason == "nginx already runs"
    assert web1.faults["cpu-hog"].available
    assert web1.faults["mem-hog"].reason == "needs dd on the node"  # this survey found no dd
    assert web1.active == ("f-0123abcd", "f-99999999")
    haproxy = cluster.services["haproxy"].model_copy(update={"start": None, "stop": None, "systemd": None})
    bare = cluster.model_copy(update={"services": {**cluster.services, "haproxy": haproxy}})
    lb1 = node_availability(bare, bare.node("lb1"), parse_survey("lb1", SURVEY))
    assert lb1.faults["kill"].services["haproxy"] == (
        "haproxy has no start command or systemd unit: the revert could not restart it"
    )
    down = node_availability(cluster, cluster.node("db1"), None, "connection refused")
    assert all(a.reason == "unreachable: connection refused" for a in down.faults.values())


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("nproc ³", "line 3: nproc is not a number: \\xb3"),  # str.isdigit() is true, int() fails
        ("nproc 1" + "0" * 30, "line 3: nproc is not a number"),
        ("uid ²", "line 1: uid is not a number: \\xb2"),
        ("ssh a b c ²", "ssh port is not a number: \\xb2"),
        ("ssh a b c 99999", "ssh port out of range"),
        ("ssh a b", "ssh connection is not 4 fields"),
        ("proc nginx 35 ³", "a pid of nginx is not a number"),
        ("uid 0", "a second uid line"),  # injected after the real one
        ("x" * 70000, "over 65792 characters"),
    ],
)
def test_a_garbled_survey_says_where_and_what(line: str, why: str) -> None:
    key = line.split()[0]
    if line.startswith(("nproc", "uid ²")):  # in place of the honest line
        text = "".join(f"{line}\n" if h.startswith(key + " ") else f"{h}\n" for h in HEAD.splitlines())
    else:
        text = HEAD + line + "\n"
    with pytest.raises(SurveyError, match=re.escape(why)):
        parse_survey("n", text + "end\n")


def test_a_survey_cut_short_or_too_big_is_unreadable() -> None:
    with pytest.raises(SurveyError, match=re.escape("incomplete (no end line)")):
        parse_survey("n", HEAD + "proc nginx 35\n")
    with pytest.raises(SurveyError, match=re.escape("incomplete (no uid, now, nproc line)")):
        parse_survey("n", "end\n")
    with pytest.raises(SurveyError, match="over 8192 lines"):
        parse_survey("n", HEAD + "tool x\n" * 9000 + "end\n")


def test_a_node_without_service_processes() -> None:
    """An older survey printed a bare `proc` line there; the script now prints none."""
    assert parse_survey("n", HEAD + "proc \nproc\nend\n").facts.processes == {}
    assert "printf 'proc %s'" not in survey_script(()) and "printf 'proc %s'" in survey_script((("nginx", "root"),))


@pytest.mark.parametrize(
    ("name", "shown_as"),
    [
        ("f-$(touch${IFS}X)x.timer", "f-$(touch${IFS}X)x.timer"),
        ("f-*.applying", "f-*.applying"),
        ("f-1a2b3c4d;reboot.json", "f-1a2b3c4d;reboot.json"),
        ("f-\x1b]0;owned\x07.json", "f-\\x1b]0;owned\\x07.json"),
        ("f-1a2b3c4d.sh", "f-1a2b3c4d.sh"),
        ("f-1A2B3C4D.json", "f-1A2B3C4D.json"),
    ],
)
def test_ledger_names_that_are_no_fault_are_corrupt_entries(name: str, shown_as: str) -> None:
    survey = parse_survey("web1", SURVEY.replace("end\n", f"file {name} {{}}\nend\n"))
    assert survey.corrupt == (shown_as,)
    assert [entry.id for entry in survey.ledger] == ["f-0123abcd", "f-99999999"]  # the real ones, untouched


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"ttl": "60"}, "ttl: input should be a valid number"),
        ({"params": []}, "params: input should be a valid dictionary"),
        ({"id": "f-$(x)"}, "id: not a fault id"),
        ({"id": "f-99999999"}, "it names f-99999999"),
        ({"ttl": 1e400}, "finite"),
    ],
)
def test_a_ledger_record_of_the_wrong_type_is_corrupt(change: dict, why: str) -> None:
    data = {**json.loads(RECORD.to_json()), **change}
    survey = parse_survey("web1", SURVEY.replace(RECORD.to_json(), json.dumps(data)))
    entry = survey.ledger[0]
    assert entry.record is None and entry.state == "unreadable" and entry.problem.startswith("corrupt record: ")
    assert why in entry.problem


def test_ledger_globs_are_quoted_and_checked() -> None:
    assert ledger_files("f-0123abcd") == q("/run/clustertui/faults/f-0123abcd.") + "*"
    with pytest.raises(ValueError, match="not a fault id"):
        ledger_files("f-*")
