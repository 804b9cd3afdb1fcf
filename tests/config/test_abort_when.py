"""`abort_when:` in the cluster file and `--abort-when` text: what is read, how it is named.

Bad conditions in a file are in tests/config/bad (test_bad_files.py holds their exact
one-line errors); here: the forms that must work, and the command-line text's errors.
"""

from __future__ import annotations

import pytest

from clustertui.config import load_cluster
from clustertui.config.stop_text import StopTextError, parse_stop_text
from clustertui.config.stops import StopKind

FILE = """
name: lab
type: majority
nodes:
  - {name: "web[1-3]", roles: [web]}
services:
  nginx: {roles: [web], process: nginx}
endpoints:
  vip: {http: "http://198.18.0.100/"}
drills:
  direct:
    traffic: [{http: "http://198.18.0.11/", rate: 10}]
    fault: {kind: kill, service: nginx}
    target: {node: web1}
    abort_when: [{availability_below: 0.5, over: 1s}]
  everything:
    traffic: [{http: "http://198.18.0.11/"}]
    fault: {kind: kill, service: nginx}
    target: {role: web}
    abort_when:
      - {availability_below: 0.9}
      - {p99_above: 800ms, over: 2s}
      - {quorum_lost: true}
      - {node_down: other}
      - {service_down: nginx}
      - {endpoint_down: vip}
      - {cpu_above: 95, node: any, over: 3s}
      - {memory_above: 90.5, node: web3}
      - {psi_above: 40, resource: io}
      - {command_fails: "curl -sf http://198.18.0.100/, || true", every: 2s, timeout: 1s}
"""


def test_the_issue_form_works_as_written(write) -> None:
    cluster = load_cluster(write(FILE))
    (condition,) = cluster.drills["direct"].abort_when
    assert condition.kind is StopKind.AVAILABILITY
    assert (condition.availability_below, condition.window_s) == (0.5, 1.0)
    assert condition.text() == "availability_below=0.5,over=1s"


def test_every_kind_reads_and_names_itself_as_the_command_line_writes_it(write) -> None:
    conditions = load_cluster(write(FILE)).drills["everything"].abort_when
    assert [c.kind for c in conditions] == list(StopKind)
    texts = [c.text() for c in conditions]
    assert texts == [
        "availability_below=0.9",
        "p99_above=800ms,over=2s",
        "quorum_lost",
        "node_down=other",
        "service_down=nginx",
        "endpoint_down=vip",
        "cpu_above=95,over=3s,node=any",
        "memory_above=90.5,node=web3",
        "psi_above=40,resource=io",
        "command_fails='curl -sf http://198.18.0.100/, || true',every=2s,timeout=1s",
    ]
    # What a report names can be pasted back on a command line: the same condition.
    assert [parse_stop_text(text)[0] for text in texts] == list(conditions)


def test_a_drill_without_abort_when_has_none(write) -> None:
    cluster = load_cluster(write(FILE.replace("    abort_when: [{availability_below: 0.5, over: 1s}]\n", "")))
    assert cluster.drills["direct"].abort_when == []


def test_defaults() -> None:
    (availability,) = parse_stop_text("availability_below=0.5")
    (cpu,) = parse_stop_text("cpu_above=90")
    (command,) = parse_stop_text("command_fails=true,every=500ms")
    assert availability.window_s == 1.0 and cpu.window_s == 0.0 and cpu.nodes_ref == "any"
    assert (command.every_s, command.timeout_s) == (0.5, 0.5)  # the timeout never outlasts the cadence


@pytest.mark.parametrize("text", [
    "{availability_below: 0.5, over: 1s}",
    "[{availability_below: 0.5, over: 1s}]",
    "availability_below=0.5,over=1s",
    " availability_below = 0.5 , over = 1000ms ",
])
def test_the_command_line_forms_mean_the_same(text: str) -> None:
    (condition,) = parse_stop_text(text)
    assert condition.text() == "availability_below=0.5,over=1s"


def test_a_yaml_list_holds_several() -> None:
    conditions = parse_stop_text("[{quorum_lost: true}, {endpoint_down: any}]")
    assert [c.text() for c in conditions] == ["quorum_lost", "endpoint_down=any"]


@pytest.mark.parametrize(("text", "message"), [
    ("availabilty_below=0.5", "availabilty_below: unknown field, did you mean 'availability_below'?"),
    ("availability_below=2", "availability_below: expected a number above 0, at most 1 (no availability is below "
                             "0), found 2"),
    ("availability_below=0", "availability_below: expected a number above 0, at most 1 (no availability is below "
                             "0), found 0"),
    ("availability_below=0.5,over=10ms", "over: expected a duration from 100ms to 10m, like 500ms, 1s or 5s, "
                                         "found '10ms'"),
    ("availability_below=0.5,quorum_lost", "condition: expected exactly one condition (availability_below, "
     "p99_above, quorum_lost, node_down, service_down, endpoint_down, cpu_above, memory_above, psi_above, "
     "command_fails), found availability_below and quorum_lost"),
    ("quorum_lost=false", "condition: expected quorum_lost: true (or no quorum_lost condition), found false"),
    ("node_down=other,over=1s", "condition: expected over only with availability_below or p99_above or "
     "cpu_above or memory_above or psi_above, found it with node_down"),
    ("cpu_above=101", "cpu_above: expected a percentage from 0 to below 100 (no value is above 100), found 101"),
    ("psi_above=100", "psi_above: expected a percentage from 0 to below 100 (no value is above 100), found 100"),
    ("node_down=web1;reboot", "node_down: expected 'other', 'any' or a node name (letters, digits, '_', '.' or "
     "'-', starting with a letter or digit), found 'web1;reboot'"),
    ("command_fails=true,every=1s,timeout=2s", "condition: expected timeout at most every (1s), found 2s"),
    ("[{quorum_lost: true}, {zzz: 1}]", "[1].zzz: unknown field, expected one of: availability_below, p99_above, "
     "quorum_lost, node_down, service_down, endpoint_down, cpu_above, memory_above, psi_above, command_fails, over, "
     "node, resource, every, timeout"),
    ("{availability_below: 0.5", "expected a YAML mapping like {availability_below: 0.5, over: 1s}, found an error: "
     "expected ',' or '}', but got '<stream end>'"),
    ("over=1s,over=2s", "over: expected each key once, found it again"),
    ("=1", "expected key=value pairs joined by commas, found '=1'"),
    ("", "expected a stop condition like availability_below=0.5,over=1s, found nothing"),
    ("command_fails='unclosed", "expected key=value pairs joined by commas, found \"command_fails='unclosed\" "
     "(No closing quotation)"),
])
def test_command_line_errors_are_one_line_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(StopTextError) as caught:
        parse_stop_text(text)
    assert str(caught.value) == message
