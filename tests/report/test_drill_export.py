"""Drill exporters on synthetic results: the timeline at any traffic rate, the JSON round
trip, and each format's escaping of node text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from clustertui.drills.export import chart_bucket, from_json, render_html, render_json, render_junit, render_md
from clustertui.drills.result import Check, DrillResult, Phase, ProbeRecord
from clustertui.drills.traffic import Request
from clustertui.engine.events import Event, EventKind, EventSource

T0 = 1_790_000_000.0


def result(rate: float, seconds: float = 40.0, **changes) -> DrillResult:
    """A drill whose single probe sent `rate` requests/s; requests fail between 12 s and 15 s."""
    n = int(rate * seconds)
    requests = tuple(
        Request(T0 + i / rate, not 12 <= i / rate < 15, 2.0 + (i % 7) / 10, "" if not 12 <= i / rate < 15 else "refused")
        for i in range(n)
    )
    base = DrillResult(
        drill="redis-primary-loss", cluster="lab", description="Kill the primary | see <who> wins",
        verdict="failed", reason="availability 92% | below 95%\x1b[0m", started=T0, ended=T0 + seconds,
        target="db1", fault_kind="kill", fault_id="f-1", fault_summary="kill redis-server on db1",
        t_fault=T0 + 10, t_revert=T0 + 30, steady_success=1.0, availability=0.92, time_to_detect_s=2.1,
        time_to_failover_s=5.3, time_to_recover_s=None, longest_outage_s=3.0,
        phases=(Phase("steady", T0, T0 + 10), Phase("fault", T0 + 10, T0 + 30), Phase("recovery", T0 + 30, T0 + seconds)),
        checks=(Check("availability", ">= 95%", "92% | low", False), Check("detect", "<= 5s", "2.10s", True)),
        events=(Event(T0 + 12.1, EventKind.SERVICE_DOWN, "db1", "redis: no redis-server process\n<b>"),),
        probes=(ProbeRecord("redis-cli -h 198.18.0.21 ping", requests),),
        commands={"apply": "set -e\nkill -9 $(pgrep redis-server)\n", "revert": "redis-server /etc/redis.conf"},
    )
    return DrillResult(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})


@pytest.mark.parametrize(
    ("requests", "seconds", "width"),
    [(800, 40, 0.2), (200, 40, 1.0), (2000, 20, 0.1), (4, 40, 30.0), (0, 40, 60.0), (100_000, 3600, 10.0)],
)
def test_chart_buckets_hold_a_few_requests_at_the_run_rate(requests: int, seconds: float, width: float) -> None:
    assert chart_bucket(requests, seconds) == width


@pytest.mark.parametrize("rate", [2.0, 5.0, 20.0, 100.0])
def test_timeline_draws_lines_at_any_rate(rate: float) -> None:
    html = render_html(result(rate))
    charts = re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)
    assert len(charts) == 2
    for svg, wanted in zip(charts, (20, 15), strict=True):  # latency has a gap where every request failed
        lines = re.findall(r'<polyline points="([^"]*)"', svg)
        drawn = sum(len(points.split()) for points in lines)
        assert lines and drawn >= wanted, f"{rate}/s: {drawn} points in {len(lines)} lines"
    # The outage (12-15 s) shows as a dip in the success line, not as a gap.
    success = re.findall(r'<polyline points="([^"]*)"', charts[0])
    ys = [float(p.split(",")[1]) for line in success for p in line.split()]
    assert max(ys) - min(ys) > 100  # from 100 % down to 0 % on a 142 px plot


def test_json_holds_every_request_and_reads_back() -> None:
    original = result(5.0)
    data = json.loads(render_json(original))
    assert data["fault"]["applied_t"] == T0 + 10 and data["fault"]["reverted_t"] == T0 + 30
    assert len(data["traffic"][0]["requests"]) == 200 and data["requests"]["total"]["sent"] == 200
    again = from_json(data)
    assert again == original  # times are to the millisecond, and these are whole milliseconds
    assert render_html(again) == render_html(original)


def test_json_says_who_detected_and_reads_reports_from_before_it_did() -> None:
    """`detected_by` and each event's `source` were added (issue 16): a report written
    before them still reads back, with no detector named and events from the monitor."""
    watched = result(5.0, detected_by="watch",
                     events=(Event(T0 + 10.05, EventKind.SERVICE_DOWN, "db1", "redis: down", EventSource.WATCH),))
    data = json.loads(render_json(watched))
    assert data["detected_by"] == "watch" and data["events"][0]["source"] == "watch"
    assert from_json(data) == watched
    assert "| 2.10 s (by watch) |" in render_md(watched)
    assert "2.10 s (by watch)</td>" in render_html(watched)
    del data["detected_by"]
    for event in data["events"]:
        del event["source"]
    old = from_json(data)
    assert old.detected_by is None and old.events[0].source is EventSource.MONITOR


def test_markdown_html_and_junit_escape_node_text() -> None:
    r = result(5.0)
    md = render_md(r)
    assert "- why: availability 92% \\| below 95%\ufffd\\[0m" in md
    assert "| availability | >= 95% | 92% \\| low | FAIL |" in md
    assert "redis: no redis-server process\ufffd\\<b>" in md
    assert "\x1b" not in md

    html = render_html(r)
    assert "<b>Why:</b> availability 92% | below 95%\ufffd[0m" in html
    assert "Kill the primary | see &lt;who&gt; wins" in html
    assert "redis: no redis-server process\n&lt;b&gt;" in html
    assert "<pre>set -e\nkill -9 $(pgrep redis-server)\n</pre>" in html  # commands keep their lines

    xml = render_junit(r)
    suite = ET.fromstring(xml.split("?>", 1)[1])  # parses: no control character reached the XML
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("message") == "expected >= 95%, measured 92% | low"
    assert "\x1b" not in xml and "\ufffd\\[0m" in suite.findtext("system-out")


def test_an_aborted_drill_without_traffic_still_renders() -> None:
    r = result(5.0, verdict="aborted", probes=(), t_fault=None, t_revert=None, checks=(), reason="steady state <50%")
    html = render_html(r)
    assert "0 requests" in html and "steady state &lt;50%" in html
    suite = ET.fromstring(render_junit(r).split("?>", 1)[1])
    assert suite.get("errors") == "1" and suite.find("testcase/error").get("message") == "steady state <50%"


def test_every_format_shows_the_fault_instants_and_the_managers_reactions() -> None:
    """The cluster's side: the action and its verification, and each manager's change timed
    from the fault (or the revert), in JSON (read back), Markdown, HTML and JUnit alike;
    a manager's text is data there too."""
    from clustertui.drills.result import TimelineReads
    from clustertui.managers.changes import Change, ManagerEvent

    events = (ManagerEvent(T0 + 12.0, "lb", Change.MARKED_DOWN, "haproxy@lb1", "web/db1", "db1", "UP", "DOWN"),
              ManagerEvent(T0 + 31.5, "redis", Change.PROMOTED, "sentinel@db2", "mymaster", "db2",
                           "db1", "db2 <b>\x1b[0m"))
    r = result(5.0, t_action=T0 + 9.9, clock_offset_s=0.0021, clock_uncertainty_s=0.0004,
               manager_events=events, manager_reads=TimelineReads(0.25, 120, 3, 11.5))
    data = json.loads(render_json(r))
    assert data["fault"]["acted_t"] == T0 + 9.9 and data["fault"]["applied_t"] == T0 + 10
    assert data["managers"]["events"][0] | {} == {
        "t": T0 + 12.0, "after_fault_s": 2.1, "after_revert_s": None, "manager": "lb", "change": "marked-down",
        "by": "haproxy@lb1", "subject": "web/db1", "node": "db1", "before": "UP", "after": "DOWN"}
    assert data["managers"]["events"][1]["after_revert_s"] == 1.5
    assert data["managers"]["every_s"] == 0.25 and data["managers"]["reads"] == 120
    assert from_json(data) == r
    md = render_md(r)
    assert "the window starts at the action" in md and "(node clock +2.1 ms ± 0.4 ms)" in md
    assert "| fault +2.10s | lb | marked-down | haproxy@lb1 marked db1 DOWN (web/db1, was UP) |" in md
    assert "| revert +1.50s | redis | promoted | sentinel@db2: mymaster primary db2 \\<b>\ufffd\\[0m (was db1) |" in md
    html = render_html(r)
    assert "<td>sentinel@db2: mymaster primary db2 &lt;b&gt;\ufffd[0m (was db1)</td>" in html
    assert "managers read every 250 ms: 120 reads, 3 member reads failed, median member read 11.5 ms" in html
    # ... and on the timeline, each change is a dashed line at its instant, named on hover.
    assert 'stroke-dasharray="3,2" stroke-width="1.2"><title>fault +2.10s: haproxy@lb1 marked db1 DOWN' in html
    suite = ET.fromstring(render_junit(r).split("?>", 1)[1])
    assert "haproxy@lb1 marked db1 DOWN" in suite.findtext("system-out")
    # A report from before the cluster's side reads back without it.
    del data["managers"], data["fault"]["acted_t"]
    old = from_json(data)
    assert old.manager_events == () and old.t_action is None and old.fault_start == T0 + 10
