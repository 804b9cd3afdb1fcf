"""The CSV report: one row per node per sample, for spreadsheets and pandas."""

from __future__ import annotations

import csv
import io

from clustertui.engine.history import Point
from clustertui.report.escape import csv_cell
from clustertui.report.json_report import sample
from clustertui.report.recording import Recording
from clustertui.report.times import iso

COLUMNS = ("time", "t", "node", "host", *sample(Point(0.0, None, 0.0, 0.0, 0.0, 0.0)))


def render(rec: Recording) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = sorted(((p.t, node, p) for node in rec.nodes for p in node.points), key=lambda row: row[0])
    for t, node, p in rows:
        numbers = ("" if value is None else str(value) for value in sample(p).values())
        writer.writerow((iso(t), f"{t:.3f}", csv_cell(node.name), csv_cell(node.host), *numbers))
    return out.getvalue()
