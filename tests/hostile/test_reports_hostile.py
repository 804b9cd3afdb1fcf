"""Reports and exits against a hostile node: every report format holds the node's text as
data (no raw HTML in Markdown, no control byte anywhere), a JUnit file is well-formed XML
whatever an event holds, an unwritable -o is refused before recording and a write that
fails at the end saves the report in the state directory, and the monitor without a
terminal is one line, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from clustertui.cli.report_files import write_or_save
from clustertui.drills.export import render_junit, render_md
from clustertui.drills.result import Check, DrillResult
from clustertui.engine.events import Event, EventKind
from tests.hostile.cluster import CONTROL, REPO, run_cli, write_cluster
from tests.hostile.node import HostileNode

IMG = "<img/src=x/onerror=alert(1)>"
#: One whitespace-free field (the probe splits on spaces): HTML, markup, an OSC title, a CSI.
UNIT_STATE = (IMG + "[/][bold]b\x1b]0;owned\x07\x1b[2J").encode()
SERVICES = {"web": {"roles": ["web"], "systemd": "web.service"}}


def hostile_unit(after: float):
    """Frames whose unit is `active` at first, then in the hostile state: the service-down
    event carries the node's text into the report."""
    switch = time.monotonic() + after

    def mutate(frame: bytes) -> bytes:
        state = UNIT_STATE if time.monotonic() > switch else b"active"
        lines = [line for line in frame.split(b"\n") if not line.startswith(b"s U ")]
        return b"\n".join(b"s U web.service " + state + b"\nE" if line == b"E" else line for line in lines)

    return mutate


@pytest.mark.parametrize("suffix", [".md", ".html", ".csv", ".json"])
def test_every_report_format_holds_node_text_as_data(hostile: HostileNode, tmp_path: Path, suffix: str) -> None:
    hostile.behaviour.frame = hostile_unit(after=1.5)
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()], services=SERVICES)
    out = tmp_path / f"r{suffix}"
    result = run_cli("report", str(cluster), "--duration", "4s", "--interval", "500ms", "-o", str(out))
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert not CONTROL.search(text)
    assert not CONTROL.search(result.stdout + result.stderr)
    if suffix != ".json":  # JSON holds the text as a JSON string, for programs; its escapes cover control
        assert "<img" not in text.replace("\\<img", "")  # Markdown: escaped; HTML: &lt;img; CSV: no markup


def hostile_result() -> DrillResult:
    """A drill result whose every node-fed field holds what XML cannot carry raw: control
    characters, a CDATA end, markup, and undecodable bytes (read with surrogateescape)."""
    nasty = "a\x00b\x1b]0;t\x07 ]]> <x>&amp; " + b"\xff\xfe\xc3".decode(errors="surrogateescape") + " \ufffe" + IMG
    return DrillResult(
        drill="d", cluster="c", description=nasty, verdict="aborted", reason=nasty, started=1.0, ended=2.0,
        target=nasty, fault_kind="kill", fault_id="f-1a2b3c4d", fault_summary=nasty,
        checks=(Check(nasty, nasty, nasty, False),),
        events=(Event(1.5, EventKind.SERVICE_DOWN, nasty, nasty),),
    )


def test_junit_is_well_formed_xml_whatever_an_event_holds(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    assert write_or_save(path, render_junit(hostile_result())) is None
    root = ET.parse(path).getroot()  # raises on a malformed file
    assert root.tag == "testsuite" and root.get("errors") == "1"
    assert any("]]>" in (f.get("message") or "") for f in root.iter("failure"))  # kept as text, escaped


def test_drill_markdown_escapes_node_text() -> None:
    text = render_md(hostile_result())
    assert "<" not in text.replace("\\<", "")
    assert not CONTROL.search(text)


def test_an_unwritable_output_is_refused_before_recording(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cluster = write_cluster(tmp_path / "c.yaml", [{"name": "n1", "host": "127.0.0.1", "port": 9}])
    started = time.monotonic()
    result = run_cli("report", str(cluster), "--duration", "1h", "-o", str(blocker / "r.json"))
    assert result.returncode == 2, result.stderr
    assert time.monotonic() - started < 20  # refused at once, not after the hour
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("clustertui: error: -o ") and "cannot write there" in line


def test_a_write_that_fails_at_the_end_saves_the_report_in_the_state_directory(
    hostile: HostileNode, tmp_path: Path
) -> None:
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()])
    target = tmp_path / "out"
    target.mkdir()
    state = tmp_path / "state"
    env = {**os.environ, "XDG_STATE_HOME": str(state)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "clustertui", "report", str(cluster), "--duration", "11s", "-o", str(target / "r.json")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=REPO, env=env,
    )
    # The first progress line (at 5 s) proves the output check passed and recording runs:
    # only now does the directory go away (a fixed sleep raced the check on a loaded machine).
    assert proc.stderr is not None
    first = proc.stderr.readline().decode(errors="replace")
    assert first.startswith("recording "), first
    target.rmdir()
    target.write_text("now a file")
    _, err = proc.communicate(timeout=60)
    stderr = first + err.decode(errors="replace")
    assert proc.returncode == 3, stderr
    assert "Traceback" not in stderr
    [saved] = list((state / "clustertui" / "reports").glob("*-r.json"))
    assert f"saved it to {saved}" in stderr
    assert '"nodes"' in saved.read_text()


def test_the_monitor_without_a_terminal_is_one_line_exit_2(tmp_path: Path) -> None:
    cluster = write_cluster(tmp_path / "c.yaml", [{"name": "n1", "host": "127.0.0.1", "port": 9}])
    result = subprocess.run(
        [sys.executable, "-m", "clustertui", "monitor", str(cluster)],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=30, cwd=REPO,
    )
    assert result.returncode == 2
    assert result.stdout == b""  # not one escape code
    [line] = result.stderr.decode().strip().splitlines()
    assert "needs a terminal" in line
