"""Every chart of every report is actually drawn: HTML rendered by headless Chromium, judged
from the screenshot's pixels.

Pages: the HTML of each lab drill, rendered from its recorded JSON report (real lab runs,
tests/report/data/drills, re-recorded with tests/report/data/record_drills.sh; the
redis-primary-loss drill's 5 requests/s is the low-rate case), and the monitoring report's
HTML for a recording with a full node, a node without PSI or swap and a node with a single
sample. Two kinds of screenshot:

- each report page whole (as a user opens it): every line colour the page's charts use shows;
- all charts of all pages in one grid, each in a known cell: in each chart's plot area, every
  series that has data (a polyline or a dot in the SVG) covers pixels of its colour, and
  every chart draws at least one series. The bug this guards against: single-point
  polylines, which are in the SVG but draw nothing.

Chromium comes from `clustertui lab deps --install` (`make test`); without it the test skips,
or fails under CLUSTERTUI_REQUIRE_LAB=1 (CI).
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from clustertui.config import load_cluster
from clustertui.drills.export import from_json, render_html
from clustertui.engine.events import Event, EventKind
from clustertui.engine.history import Point
from clustertui.report import html_report
from clustertui.report.recording import NodeRecord, Recording, ServiceRecord

DRILLS = Path(__file__).parent / "data" / "drills"
LAB_DRILLS = ("web-node-loss", "lb-failover", "redis-primary-loss", "web1-direct-no-redundancy")
#: The plot area inside a chart (svg.py's margins: left 44, right 8, top 18, bottom 20), grown
#: by 2 px for a dot on its edge; the axis labels and the legend stay outside.
LEFT, RIGHT, TOP, BOTTOM = 42, 6, 16, 18
MIN_PIXELS = 12  # a drawn series; a dot alone is ~20 px, a line across a chart hundreds
BACKGROUND = (250, 250, 250)  # the plot area's fill, #fafafa
RESIDUAL = 40


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory):
    binary = shutil.which("chromium")
    if binary is None:
        reason = "missing chromium (the report tests draw HTML): run `clustertui lab deps --install`"
        if os.environ.get("CLUSTERTUI_REQUIRE_LAB") == "1":
            pytest.fail(reason + " (CLUSTERTUI_REQUIRE_LAB=1)", pytrace=False)
        pytest.skip(reason)
    profile = tmp_path_factory.mktemp("chromium-profile")

    def screenshot(page: Path, width: int, height: int) -> Image.Image:
        png = page.with_suffix(".png")
        argv = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--hide-scrollbars", "--force-device-scale-factor=1",
            f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri(),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        assert png.exists(), f"chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-800:]}"
        return Image.open(png).convert("RGB")

    return screenshot


def monitoring_recording() -> Recording:
    t0 = 1_790_000_000.0

    def points(n: int, psi: bool, swap: bool) -> tuple[Point, ...]:
        return tuple(
            Point(t0 + i, None if i == 0 else 20 + 10 * math.sin(i), 35 + i, 0.4, 1e4, 2e4,
                  disk=70 + i / 10, swap=(3.0 + i / 5) if swap else None,
                  psi_cpu=(2 + i % 4) if psi else None, psi_io=(1 + i % 3) if psi else None,
                  psi_mem=0.5 * (i % 2) if psi else None)
            for i in range(n)
        )

    return Recording(
        cluster="lab", cluster_type="majority", started=t0, duration_s=30.0, interval_s=1.0,
        nodes=(
            NodeRecord("web1", "198.18.0.11", ("web",), "up", "", points(30, psi=True, swap=True),
                       {"nginx": ServiceRecord("up", 1.0)}),
            NodeRecord("db1", "198.18.0.21", ("db",), "up", "", points(30, psi=False, swap=False), {}),
            NodeRecord("web2", "198.18.0.12", ("web",), "unreachable", "timed out", points(1, psi=True, swap=True),
                       {"nginx": ServiceRecord("unknown", 0.0)}),
        ),
        events=(Event(t0 + 12, EventKind.SERVICE_DOWN, "web2", "nginx: no nginx process"),),
        health={"quorum": {"up": 2, "total": 3, "needed": 2, "rule": "majority", "holds": True},
                "services": {}, "endpoints": {}, "healthy": True},
    )


@dataclass(frozen=True)
class Chart:
    page: str
    index: int
    svg: str
    width: int
    height: int
    drawn: frozenset[str]  # colours of series with data (a polyline or a dot)


def charts_of(page: str, html: str) -> list[Chart]:
    charts = []
    for index, svg in enumerate(re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)):
        width, height = (int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', svg).groups())
        drawn = set(re.findall(r'<polyline [^>]*stroke="(#[0-9a-f]{6})"', svg))
        drawn |= set(re.findall(r'<circle [^>]*fill="(#[0-9a-f]{6})"', svg))
        charts.append(Chart(page, index, svg, width, height, frozenset(drawn)))
    return charts


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def pixels_of(image: Image.Image, box: tuple[int, int, int, int], colour: str) -> int:
    """Pixels painted at least half with `colour` over the plot's background.

    A line is anti-aliased: a flat line on a pixel boundary covers two rows at 75 % each, and
    no pixel has its exact colour. So a pixel counts when it lies on the way from the
    background to `colour` (at least half way, off that way by at most RESIDUAL per channel,
    which also admits the fault window's tint underneath).
    """
    target = rgb(colour)
    direction = [t - b for t, b in zip(target, BACKGROUND, strict=True)]
    norm = sum(d * d for d in direction)
    count = 0
    for pixels, pixel in image.crop(box).getcolors(maxcolors=1 << 24):  # each distinct colour once
        offset = [p - b for p, b in zip(pixel, BACKGROUND, strict=True)]
        alpha = sum(o * d for o, d in zip(offset, direction, strict=True)) / norm
        if alpha >= 0.5 and all(abs(o - alpha * d) <= RESIDUAL for o, d in zip(offset, direction, strict=True)):
            count += pixels
    return count


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    missing = [name for name in LAB_DRILLS if not (DRILLS / f"{name}.json").exists()]
    assert not missing, f"no recorded drill result for {missing}: run tests/report/data/record_drills.sh"
    out = {name: render_html(from_json(json.loads((DRILLS / f"{name}.json").read_text()))) for name in LAB_DRILLS}
    out["monitoring report"] = html_report.render(monitoring_recording())
    return out


def test_the_recorded_drills_include_the_low_rate_case() -> None:
    data = json.loads((DRILLS / "redis-primary-loss.json").read_text())
    sent = data["requests"]["total"]["sent"]
    rate = sent / data["duration_s"]
    assert rate < 10, f"redis-primary-loss is the low-rate case; it sent {rate:.1f} requests/s"
    result = from_json(data)
    assert sum(len(p.requests) for p in result.probes) == sent  # the JSON holds every request


def undrawn(chromium, pages: dict[str, str], tmp_path: Path) -> list[str]:
    """Every chart of `pages` in one grid screenshot: what did not draw (empty: all did)."""
    charts = [chart for page, html in pages.items() for chart in charts_of(page, html)]
    problems = [f"{c.page} chart {c.index} has no series with data" for c in charts if not c.drawn]
    cell_w = max(c.width for c in charts) + 10
    cell_h = max(c.height for c in charts) + 10
    columns = 2
    cells = [((i % columns) * cell_w, (i // columns) * cell_h) for i in range(len(charts))]
    grid = "".join(
        f'<div style="position:absolute;left:{x}px;top:{y}px">{chart.svg}</div>'
        for chart, (x, y) in zip(charts, cells, strict=True)
    )
    page = tmp_path / "grid.html"
    page.write_text(f"<!doctype html><html><body style='margin:0;background:#fff'>{grid}</body></html>")
    image = chromium(page, columns * cell_w, math.ceil(len(charts) / columns) * cell_h)
    for chart, (x, y) in zip(charts, cells, strict=True):
        box = (x + LEFT, y + TOP, x + chart.width - RIGHT, y + chart.height - BOTTOM)
        for colour in sorted(chart.drawn):
            count = pixels_of(image, box, colour)
            if count < MIN_PIXELS:
                problems.append(f"{chart.page} chart {chart.index}: series {colour} covers {count} px")
    return problems


def test_every_chart_draws_every_series_with_data(chromium, pages: dict[str, str], tmp_path: Path) -> None:
    counts = {page: len(charts_of(page, html)) for page, html in pages.items()}
    assert counts == {**dict.fromkeys(LAB_DRILLS, 2), "monitoring report": 3 + 2 + 3}
    assert undrawn(chromium, pages, tmp_path) == []


@pytest.mark.lab
def test_a_lab_monitoring_report_draws_every_chart(chromium, lab, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    run = subprocess.run(
        [sys.executable, "-m", "clustertui", "report", str(lab.cluster_file), "--duration", "4s",
         "--interval", "500ms", "-o", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr
    html = out.read_text()
    # One chart per node of the cluster file (lab.yaml: not the HA nodes of lab-ha.yaml).
    assert html.count(">CPU and memory</text>") == len(load_cluster(lab.cluster_file).nodes)
    assert undrawn(chromium, {"lab monitoring report": html}, tmp_path) == []


def test_chromium_comes_from_lab_deps_and_lab_up_does_not_ask_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from clustertui.lab import deps

    (chromium,) = [r for r in deps.REQUIREMENTS if r.package == "chromium"]
    assert chromium.tests_only and chromium.files == ("chromium",)
    monkeypatch.setattr(deps, "_present", lambda file: file != "chromium")
    assert [r.package for r in deps.missing_packages()] == ["chromium"]  # `lab deps --install` installs it
    assert not any("chromium" in line for line in deps.missing_prerequisites(need_root=False))


@pytest.mark.parametrize("name", [*LAB_DRILLS, "monitoring report"])
def test_each_report_page_shows_its_charts(chromium, pages: dict[str, str], tmp_path: Path, name: str) -> None:
    html = pages[name]
    page = tmp_path / "report.html"
    page.write_text(html)
    image = chromium(page, 1200, 2400)
    colours = set().union(*(chart.drawn for chart in charts_of(name, html)))
    shown = {colour: pixels_of(image, (0, 0, *image.size), colour) for colour in colours}
    assert all(count >= MIN_PIXELS for count in shown.values()), shown
