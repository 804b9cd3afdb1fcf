"""`clustertui serve FILE --metrics HOST:PORT`: the headless daemon Prometheus scrapes.

It collects the cluster as `monitor` does (one probe stream per node), serves it as
OpenMetrics, and exports the latest run of each drill from the history, where the scheduled
runs (`clustertui schedule`: systemd timers or cron, each run a `drill --headless` of its
own) and every other run land.  It runs until SIGTERM or Ctrl-C, then stops serving, closes
every connection and exits 0.  docs/metrics.md.
"""

from __future__ import annotations

import asyncio

import click

from clustertui.cli.durations import DURATION
from clustertui.cli.exits import OK, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.metrics_opt import exporting, listen, metrics_param
from clustertui.cli.output import echo
from clustertui.cli.signals import stop_event

#: Seconds of samples the engine keeps per node: serve draws no charts, Prometheus keeps the history.
KEEP_SECONDS = 300.0


@click.command(
    "serve",
    epilog=examples(
        "clustertui serve prod.yaml --metrics 127.0.0.1:9108",
        "clustertui serve prod.yaml --metrics :9108 --interval 5s",
        "curl -s http://127.0.0.1:9108/metrics | grep clustertui_node_up",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@metrics_param(required=True)
@click.option("--interval", "interval", type=DURATION, default=None, help="Sample interval (default: the file's).")
@click.option("--history", "history", type=click.Path(dir_okay=False), default=None,
              help="The history whose drill runs to export (default: $CLUSTERTUI_HISTORY, the file's "
                   "history.path, the state dir).")
def serve_command(file: str, metrics, interval: float | None, history: str | None) -> None:
    """Collect FILE's cluster headless and serve it to Prometheus until stopped.

    Exit 0 after SIGTERM or Ctrl-C; 2 bad usage or file; 3 when --metrics cannot listen
    (the port is in use, the address is not this machine's).
    """
    if interval is not None and interval < 0.1:
        fail("--interval must be at least 100ms", USAGE)
    cluster = load_or_exit(file)
    exporter = listen(metrics)
    asyncio.run(_serve(cluster, interval, exporter, history))
    raise SystemExit(OK)


async def _serve(cluster, interval: float | None, exporter, history: str | None) -> None:
    from clustertui.engine.monitor import ClusterMonitor

    stop = stop_event()
    monitor = ClusterMonitor(cluster, interval=interval, history_seconds=KEEP_SECONDS)
    await monitor.start()
    try:
        async with exporting(exporter, monitor, history=history):
            echo(f"serve {cluster.name}: {len(cluster.nodes)} nodes every {monitor.interval:g}s; "
                 "SIGTERM or Ctrl-C stops", err=True)
            await stop.wait()
    finally:
        await monitor.stop()
    echo(f"serve {cluster.name}: stopped", err=True)
