"""Prometheus out: `--metrics HOST:PORT` serves the watched cluster as OpenMetrics.

Layer: above `history` and `drills` (it shows drill results), beside `schedule`, below `tui`
and `cli` (which start it); the engine never imports it.  A custom collector builds every
series at scrape time from the engine's immutable snapshot (families.py), so the hot path
(frames in, samples folded) does no metric work at all.  docs/metrics.md lists the series.
"""

from clustertui.metrics.address import AddressError, ListenAddress
from clustertui.metrics.board import DrillBoard, DrillMark
from clustertui.metrics.exporter import Exporter, ListenError

__all__ = ["AddressError", "DrillBoard", "DrillMark", "Exporter", "ListenAddress", "ListenError"]
