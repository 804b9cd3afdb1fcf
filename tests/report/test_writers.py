"""The exporters, on a recording made by hand (no network)."""

from __future__ import annotations

import csv
import io
import json
import math
from html.parser import HTMLParser
from pathlib import Path

import pytest

from clustertui.engine.events import Event, EventKind
from clustertui.engine.history import Point
from clustertui.report import csv_report, html_report, json_report, md_report
from clustertui.report.recording import NodeRecord, Recording, ServiceRecord
from clustertui.report.writer import write_report

T0 = 1_790_000_000.0


def recording() -> Recording:
    def points(cpu: float) -> tuple[Point, ...]:
        return tuple(
            Point(t=T0 + i, cpu=None if i == 0 else cpu + i, mem=40.0, load1=0.5, rx=1000.0, tx=math.nan)
            for i in range(5)
        )

    return Recording(
        cluster="demo|<lab>",
        cluster_type="majority",
        started=T0,
        duration_s=5.0,
        interval_s=1.0,
        nodes=(
            NodeRecord("web1", "198.18.0.11", ("web",), "up", "", points(50.0),
                       {"nginx": ServiceRecord("up", 1.0)}),
            NodeRecord("web2", "198.18.0.12", ("web",), "unreachable", "timed out", (),
                       {"nginx": ServiceRecord("unknown", 0.0)}),
        ),
        events=(Event(T0 + 2.5, EventKind.SERVICE_DOWN, "web1", "nginx: no nginx process <script>"),),
        health={"quorum": {"up": 1, "total": 2, "needed": 2, "rule": "majority", "holds": False},
                "services": {}, "endpoints": {"vip": None}, "healthy": False},
    )


def test_json_follows_the_schema() -> None:
    data = json.loads(json_report.render(recording()))
    assert set(data) >= {"cluster", "started", "duration_s", "interval_s", "nodes", "events", "health"}
    assert data["started"].startswith("2026-")
    web1 = data["nodes"][0]
    assert set(web1) >= {"name", "host", "state", "samples", "services"}
    assert len(web1["samples"]) == 5
    assert set(web1["samples"][1]) == {"t", "cpu_percent", "mem_percent", "load1", "rx_bps", "tx_bps"}
    assert web1["samples"][0]["cpu_percent"] is None  # first sample has no rate
    assert web1["samples"][1]["tx_bps"] is None  # NaN is not valid JSON: it becomes null
    assert web1["services"]["nginx"] == {"state": "up", "up_ratio": 1.0}
    assert data["events"][0]["kind"] == "service-down"


def test_csv_has_one_row_per_node_per_sample() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_report.render(recording()))))
    assert len(rows) == 5
    assert rows[0]["node"] == "web1" and rows[0]["cpu_percent"] == ""
    assert float(rows[1]["cpu_percent"]) == 51.0


def test_markdown_escapes_table_cells() -> None:
    text = md_report.render(recording())
    assert "# clustertui report: demo|<lab>" in text
    assert "| web2 | 198.18.0.12 | unreachable | 0 |" in text
    assert "service-down" in text


def test_html_is_self_contained_and_well_formed() -> None:
    text = html_report.render(recording())
    assert "<script" not in text  # the event detail is escaped, and we ship no scripts
    assert "&lt;script&gt;" in text
    assert text.count("<svg") == 2 and "<polyline" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in {"meta", "line", "rect", "polyline", "br", "title", "text"} or tag in {"title", "text"}:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if tag in {"line", "rect", "polyline"}:
                return
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
            self.stack.pop()

    checker = Checker()
    checker.feed(text)
    assert checker.stack == []


@pytest.mark.parametrize("suffix", [".json", ".md", ".html", ".csv"])
def test_write_report_is_atomic_and_leaves_no_temp_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "out" / f"report{suffix}"
    write_report(recording(), path)
    assert path.stat().st_size > 100
    assert [p.name for p in path.parent.iterdir()] == [path.name]
