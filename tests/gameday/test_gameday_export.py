"""Game day reports: every step on one timeline in each format; node text escaped in each."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from clustertui.drills.result import Check, DrillResult, ProbeRecord, Verdict
from clustertui.drills.traffic import Request
from clustertui.gameday.export import render_html, render_json, render_junit, render_md
from clustertui.gameday.result import ScenarioResult, StepResult

T0 = 1_780_000_000.0
NASTY = "<script>x</script> [bold]web\x1b[31m2"


def result() -> ScenarioResult:
    requests = tuple(Request(T0 + 1 + i / 10, i % 7 != 3, 2.0, "" if i % 7 != 3 else NASTY) for i in range(60))
    drill = DrillResult(
        drill="web-node-loss", cluster="lab", description="", verdict=Verdict.FAILED,
        reason="availability: expected >= 95.0%, measured 85.0%", started=T0 + 0.5, ended=T0 + 8,
        target=NASTY, fault_kind="kill", t_fault=T0 + 2, t_revert=T0 + 5, availability=0.85,
        checks=(Check("availability", ">= 95.0%", "85.0%", False),),
        probes=(ProbeRecord("GET http://198.18.0.100/health", requests),),
    )
    steps = (
        StepResult(1, "wait 0.5s", "wait", Verdict.PASSED, "", T0, T0 + 0.5),
        StepResult(2, "drill web-node-loss", "drill", Verdict.FAILED, drill.reason, T0 + 0.5, T0 + 8, (drill,),
                   (f"note from {NASTY}",)),
        StepResult(3, "drill lb-failover", "drill", None, "skipped: step 2 failed"),
    )
    return ScenarioResult("tour", "lab", "a <tour>", Verdict.FAILED, "step 2 (drill web-node-loss) failed: x",
                          T0, T0 + 8, steps, ("availability_below 0.5 over 1s",))


def test_json_has_every_step_and_each_drill_record() -> None:
    data = json.loads(render_json(result()))
    assert data["verdict"] == "failed" and data["stop_conditions"] == ["availability_below 0.5 over 1s"]
    assert [(s["index"], s["verdict"]) for s in data["steps"]] == [(1, "passed"), (2, "failed"), (3, "skipped")]
    assert data["steps"][1]["offset_s"] == 0.5 and data["steps"][1]["duration_s"] == 7.5
    assert data["steps"][2]["offset_s"] is None
    assert data["steps"][1]["drills"][0]["availability"] == 0.85
    assert len(data["steps"][1]["drills"][0]["traffic"][0]["requests"]) == 60


def test_markdown_tables_the_steps_and_embeds_the_drill() -> None:
    text = render_md(result())
    assert text.startswith("# Game day tour: FAILED\n")
    assert "| 3 | drill lb-failover | skipped | – | – | skipped: step 2 failed |" in text
    assert "## Step 2: drill web-node-loss on" in text and "### Expectations" in text
    assert "\x1b" not in text and "<script>" not in text.replace("\\<script>", "")  # escaped, as drills do


def test_html_draws_the_steps_on_one_timeline_and_escapes() -> None:
    page = render_html(result())
    assert page.count("<svg") == 2 and "fault window" in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x1b" not in page
    assert "1. wait 0.5s — passed" in page and "2. drill web-node-loss — failed" in page


def test_junit_has_a_case_per_step_and_each_drill_suite() -> None:
    root = ET.fromstring(render_junit(result()))
    assert root.tag == "testsuites"
    suite, drill_suite = root[0], root[1]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("3", "1", "0", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["1. wait 0.5s", "2. drill web-node-loss", "3. drill lb-failover"]
    assert cases[1].find("failure") is not None and cases[2].find("skipped") is not None
    assert drill_suite.get("name") == "clustertui drill web-node-loss"
