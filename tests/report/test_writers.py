"""The monitoring report's exporters, on a recording made by hand (no network).

The recording's node text is hostile on purpose (a pipe and a newline in a service state, a
script tag and a terminal escape in an event detail, a formula in a node name), so that each
format's escaping is exercised, not just present.
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from clustertui.report import csv_report, html_report, json_report, md_report
from clustertui.report.escape import csv_cell, md_text, printable, xml_text
from clustertui.report.writer import write_report
from tests.support.recordings import EVIL_DETAIL, recording


def test_json_follows_the_schema() -> None:
    data = json.loads(json_report.render(recording()))
    assert set(data) >= {"cluster", "started", "duration_s", "interval_s", "nodes", "events", "health"}
    assert data["started"] == "2026-09-21T14:13:20.000+00:00"
    web1 = data["nodes"][0]
    assert set(web1) >= {"name", "host", "state", "samples", "services"}
    assert len(web1["samples"]) == 5
    assert set(web1["samples"][1]) == {"t", "cpu_percent", "mem_percent", "load1", "rx_bps", "tx_bps",
                                       "disk_percent", "swap_percent", "psi_cpu", "psi_io", "psi_memory"}
    assert web1["samples"][0]["cpu_percent"] is None  # first sample has no rate
    assert web1["samples"][1]["tx_bps"] is None  # NaN is not valid JSON: it becomes null
    assert web1["samples"][2] | {"t": 0} == {
        "t": 0, "cpu_percent": 52.0, "mem_percent": 40.0, "load1": 0.5, "rx_bps": 1000.0, "tx_bps": None,
        "disk_percent": 63.0, "swap_percent": 7.0, "psi_cpu": 3.0, "psi_io": 0.0, "psi_memory": 0.5,
    }
    no_psi = data["nodes"][1]["samples"][3]
    assert no_psi["psi_cpu"] is None and no_psi["swap_percent"] is None and no_psi["disk_percent"] == 64.0
    assert web1["services"]["nginx"] == {"state": "up", "up_ratio": 1.0}
    assert data["events"][0]["kind"] == "service-down" and data["events"][0]["detail"] == EVIL_DETAIL


def test_csv_has_one_row_per_node_per_sample_and_no_formula_cells() -> None:
    text = csv_report.render(recording())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 10
    assert list(rows[0]) == ["time", "t", "node", "host", "cpu_percent", "mem_percent", "load1", "rx_bps", "tx_bps",
                             "disk_percent", "swap_percent", "psi_cpu", "psi_io", "psi_memory"]
    web1 = [r for r in rows if r["node"] == "web1"]
    assert web1[0]["cpu_percent"] == "" and float(web1[1]["cpu_percent"]) == 51.0
    assert web1[4]["disk_percent"] == "65.0" and web1[4]["psi_cpu"] == "6.0" and web1[4]["swap_percent"] == "9.0"
    formula = [r for r in rows if "HYPERLINK" in r["node"]]
    assert len(formula) == 5 and all(r["node"] == "'=HYPERLINK(\"http://x\")" for r in formula)
    assert formula[2]["psi_cpu"] == "" and formula[2]["swap_percent"] == ""
    # Negative numbers we wrote ourselves stay numbers: only text cells are guarded.
    assert not any(cell.startswith(("=", "+", "@")) for row in csv.reader(io.StringIO(text)) for cell in row)


def test_markdown_escapes_table_cells() -> None:
    text = md_report.render(recording())
    assert text.startswith("# clustertui report: demo\\|\\<lab>\n")
    assert "| web2 | 198.18.0.12 | unreachable | 0 |" in text
    web1 = next(line for line in text.splitlines() if line.startswith("| web1 |"))
    # 12 columns: the pipe inside "odd|svc" and the newline inside "down\nnow" did not split the row.
    assert web1.replace("\\|", "").count("|") == 13
    assert "odd\\|svc down\ufffdnow (50%)" in web1
    assert "| 65.0% | 9.0% | 6.0% / 0.0% / 1.0% |" in web1
    assert "| – / – / – |" in next(line for line in text.splitlines() if "HYPERLINK" in line)
    event = next(line for line in text.splitlines() if "service-down" in line)
    assert event.replace("\\|", "").count("|") == 5 and "\x1b" not in event
    assert "\\<script>" in event
    assert "| vip | HTTP 502 \\| bad |" in text


def test_html_is_self_contained_escaped_and_well_formed() -> None:
    text = html_report.render(recording())
    assert "<script" not in text and "\x1b" not in text  # node text is data
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<title>clustertui report: demo|&lt;lab&gt;</title>" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "").replace("http://x", "")
    # web1: CPU/mem, disk/swap and PSI; the node without PSI gets two charts and says why; web2 none.
    assert text.count("<svg") == 3 + 2
    assert "No samples (unreachable: timed out)." in text
    assert "No pressure stall information (/proc/pressure) on this node." in text
    assert "No swap on this node." in text
    assert "<td class=\"num\">65.0%</td><td class=\"num\">9.0%</td><td class=\"num\">6.0% / 0.0% / 1.0%</td>" in text

    class Checker(HTMLParser):
        void = frozenset({"meta", "line", "rect", "polyline", "circle", "br"})

        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in self.void:
                self.stack.append(tag)

        def handle_startendtag(self, tag, attrs):
            pass

        def handle_endtag(self, tag):
            if tag in self.void:
                return
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
            self.stack.pop()

    checker = Checker()
    checker.feed(text)
    assert checker.stack == []


def test_one_escaping_function_per_format() -> None:
    hostile = "=cmd|' /C calc'!A0\n<b>&\x07"
    assert csv_cell(hostile) == "'=cmd|' /C calc'!A0\ufffd<b>&\ufffd"
    assert [csv_cell(s)[0] for s in ("+1", "-1", "@SUM(A1)", "=1")] == ["'"] * 4
    assert csv_cell("web1") == "web1" and csv_cell("") == ""
    assert md_text(hostile) == "=cmd\\|' /C calc'!A0\ufffd\\<b>&\ufffd"
    assert md_text("a_b*c`d[e]") == "a\\_b\\*c\\`d\\[e\\]"
    assert xml_text("a\nb\tc\x00d\x1be") == "a\nb\tc\ufffdd\ufffde"
    assert printable("a\u2028b\x9bc") == "a\ufffdb\ufffdc"


@pytest.mark.parametrize("suffix", [".json", ".md", ".html", ".csv"])
def test_write_report_is_atomic_and_leaves_no_temp_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "out" / f"report{suffix}"
    write_report(recording(), path)
    assert path.stat().st_size > 100
    assert [p.name for p in path.parent.iterdir()] == [path.name]
