"""The CSV report: one row per node per sample, for spreadsheets and pandas."""

from __future__ import annotations

import csv
import io

from clustertui.report.json_report import iso
from clustertui.report.recording import Recording, finite

COLUMNS = ("time", "t", "node", "host", "cpu_percent", "mem_percent", "load1", "rx_bps", "tx_bps")


def render(rec: Recording) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = sorted(((p.t, node, p) for node in rec.nodes for p in node.points), key=lambda row: row[0])
    for t, node, p in rows:
        writer.writerow(
            (iso(t), f"{t:.3f}", node.name, node.host, _cell(finite(p.cpu)), _cell(finite(p.mem)),
             _cell(finite(p.load1)), _cell(finite(p.rx, 1)), _cell(finite(p.tx, 1)))
        )
    return out.getvalue()


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)
