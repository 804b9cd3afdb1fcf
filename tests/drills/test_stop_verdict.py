"""A stop condition that tripped: verdict `aborted`, the condition in every report format.

The run is the lab's web1-direct shape made by hand: traffic straight to the target, the
fault at T+10, every request failing from then, the condition tripping at +0.7 s and the
revert verified at +1.0 s.  The same `DrillResult` is then rendered as JSON, Markdown,
HTML and JUnit, and read back from its JSON.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from clustertui.config import Cluster, Drill, load_cluster
from clustertui.config.stop_text import parse_stop_text
from clustertui.drills.export import from_json, render_html, render_json, render_junit, render_md
from clustertui.drills.result import ProbeRecord, Verdict
from clustertui.drills.stops import Breach
from clustertui.drills.traffic import Request
from clustertui.drills.verdict import RunState, verdict
from tests.support.paths import LAB_FILE

T = 1_790_000_000.0
APPLYING, FAULT, BREACH, REVERT, END = T + 9.9, T + 10.0, T + 10.6, T + 10.9, T + 20.0
PLAN = SimpleNamespace(id="f-0ab0ab0a", summary="kill nginx on web1", apply_script="apply", revert_script="revert")
REASON = ("stop condition availability_below=0.5,over=1s at +0.7 s "
          "(availability 0.40 over the last 1s: 4 of 10 requests ok)")


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return load_cluster(LAB_FILE, check_files=False)


@pytest.fixture(scope="module")
def drill(cluster: Cluster) -> Drill:
    return cluster.drills["web1-direct-no-redundancy"]


def stopped_run() -> RunState:
    (condition,) = parse_stop_text("availability_below=0.5,over=1s")
    breach = Breach(condition, BREACH, APPLYING, "availability 0.40 over the last 1s: 4 of 10 requests ok")
    return RunState(started=T, steady_success=1.0, target="web1", plan=PLAN, applying=APPLYING, t_fault=FAULT,
                    t_revert=REVERT, ended=END, breach=breach)


def requests() -> list[Request]:
    return [Request(T + i / 10, T + i / 10 < APPLYING, 3.0, "" if T + i / 10 < APPLYING else "refused")
            for i in range(200)]


def judged(cluster: Cluster, drill: Drill, run: RunState | None = None):
    return verdict(cluster, drill, run or stopped_run(), [ProbeRecord("GET http://198.18.0.11/health",
                                                                      tuple(requests()))], [], now=END)


def test_a_breach_aborts_with_the_condition_and_keeps_the_fault_window_measured(cluster, drill) -> None:
    result = judged(cluster, drill)
    assert result.verdict is Verdict.ABORTED and result.exit_code == 3
    assert result.reason == REASON
    assert result.checks == ()  # no expectation is judged on a window a stop condition cut short
    assert result.availability == 0.0 and result.time_to_detect_s == 0.0
    assert [p.name for p in result.phases] == ["steady", "fault", "recovery"]
    assert result.stop is not None and result.stop.condition == "availability_below=0.5,over=1s"
    assert result.stop.after_s == pytest.approx(0.7)


def test_a_breach_whose_revert_failed_says_both(cluster, drill) -> None:
    run = stopped_run()
    run.revert_failed = "nginx still not running"
    result = judged(cluster, drill, run)
    assert result.verdict is Verdict.ABORTED
    assert result.reason == f"{REASON}; revert: expected verified, measured nginx still not running"


def test_every_report_format_says_which_condition_stopped_it(cluster, drill) -> None:
    result = judged(cluster, drill)
    data = json.loads(render_json(result))
    assert (data["verdict"], data["reason"]) == ("aborted", REASON)
    assert data["stop"] == {"condition": "availability_below=0.5,over=1s", "t": round(BREACH, 3), "after_s": 0.7,
                            "observed": "availability 0.40 over the last 1s: 4 of 10 requests ok"}
    again = from_json(data).stop  # times to the millisecond
    assert again is not None and result.stop is not None
    assert (again.condition, again.observed) == (result.stop.condition, result.stop.observed)
    assert (again.t, again.after_s) == pytest.approx((result.stop.t, result.stop.after_s), abs=1e-3)
    assert "# Drill web1-direct-no-redundancy: ABORTED" in render_md(result)
    assert f"- why: {REASON}" in render_md(result).replace("\\", "")
    html = render_html(result)
    assert "ABORTED" in html and f"<b>Why:</b> {REASON}" in html
    suite = ET.fromstring(render_junit(result))
    assert suite.get("errors") == "1" and suite.get("failures") == "0"
    error = suite.find("testcase/error")
    assert error is not None and error.get("type") == "aborted" and error.get("message") == REASON
