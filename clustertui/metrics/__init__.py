"""Prometheus out: `--metrics HOST:PORT` serves the watched cluster as OpenMetrics.

Layer: above `history` and `drills` (it shows drill results), beside `schedule`, below `tui`
and `cli` (which start it); the engine never imports it.  A custom collector builds every
series at scrape time from the engine's immutable snapshot (families.py), so the hot path
(frames in, samples folded) does no metric work at all.  docs/metrics.md lists the series.

Modules: address.py (`--metrics HOST:PORT`), exporter.py (the HTTP server and its
collector), families.py (the series), board.py (the drills' latest runs).  Nothing is
re-exported here: parsing `--metrics` must not import prometheus_client or the engine.
"""
