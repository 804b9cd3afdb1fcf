"""The managers' findings in every report format: when each came and went, and the
managers' view at the end; a finding's text is node text (escaped in each format)."""

from __future__ import annotations

import dataclasses
import json

from clustertui.engine.findings import Finding, FindingKind, FindingSpan
from clustertui.report import html_report, json_report, md_report
from tests.support.recordings import T0, recording
from tests.tui.managers_state import views

EVIL = "198.18.0.100 is held by lb1 and lb2 <script>x</script> | \x1b[31m"
SPLIT = Finding(FindingKind.VIP_TWO_HOLDERS, "vip", "198.18.0.100", ("lb1", "lb2"), EVIL)
DOWN = Finding(FindingKind.ROUTES_TO_DOWN, "lb", "lb1/web_nodes/web2", ("lb1", "web2"), "haproxy@lb1 still routes")


def with_findings():
    return dataclasses.replace(recording(), managers=views(),
                               findings=(FindingSpan(DOWN, T0 + 1.0, T0 + 3.5), FindingSpan(SPLIT, T0 + 2.0)))


def test_json_has_the_findings_with_their_times_and_the_managers_at_the_end() -> None:
    data = json.loads(json_report.render(with_findings()))
    first, second = data["findings"]
    assert first == {"kind": "lb-routes-to-down", "manager": "lb", "subject": "lb1/web_nodes/web2",
                     "nodes": ["lb1", "web2"], "detail": "haproxy@lb1 still routes",
                     "since": "2026-09-21T14:13:21.000+00:00", "until": "2026-09-21T14:13:23.500+00:00",
                     "duration_s": 2.5}
    assert second["until"] is None and second["duration_s"] is None and second["detail"] == EVIL
    managers = data["managers"]
    assert managers["ok"] is False  # lb2's read was slow, and the split brain still holds
    assert [f["kind"] for f in managers["findings"]] == ["vip-two-holders"]
    assert [m["name"] for m in managers["managers"]] == ["lb", "vip", "redis"]
    assert managers["managers"][1]["roles"] == {"lb1": ["VIP 198.18.0.100"], "lb2": ["VIP 198.18.0.100"]}


def test_markdown_has_a_findings_section_escaped() -> None:
    text = md_report.render(with_findings())
    section = text.split("## Findings", 1)[1].split("## Events", 1)[0]
    assert "2 findings (the managers disagreed with our probe or with each other); 1 still held at the end." in section
    assert "| 14:13:21.000 | 14:13:23.500 | lb-routes-to-down | lb | lb1, web2 | haproxy@lb1 still routes |" in section
    assert "still holds" in section and "\\<script>x\\</script> \\| \ufffd" in section
    assert "\x1b" not in text
    assert "## Managers at the end" in section and "| vip | keepalived | VIP 198.18.0.100 on lb1 and lb2 |" in section


def test_html_has_a_findings_section_escaped() -> None:
    page = html_report.render(with_findings())
    section = page.split("<h2>Findings</h2>", 1)[1].split("<h2>Per node</h2>", 1)[0]
    assert "&lt;script&gt;x&lt;/script&gt;" in section and "<script>" not in page and "\x1b" not in page
    assert "vip-two-holders" in section and "still holds" in section and "14:13:23.500" in section
    assert "Managers at the end" in section and "VIP 198.18.0.100 on lb1 and lb2" in section


def test_a_report_without_managers_says_why_it_has_no_findings() -> None:
    assert "No managers in the cluster file" in md_report.render(recording())
    assert "No managers in the cluster file" in html_report.render(recording())
    quiet = dataclasses.replace(recording(), managers=views())
    assert "No findings: the managers agreed with our probe and with each other." in md_report.render(quiet)
    assert json.loads(json_report.render(quiet))["findings"] == []
