"""`clustertui serve FILE --metrics HOST:PORT`: the headless daemon Prometheus scrapes.

It collects the cluster as `monitor` does (one probe stream per node), serves it as
OpenMetrics, runs the drills and scenarios given with `--schedule` on its own monitor
(clustertui/schedule/inprocess.py) into the history, and exports the latest run of each
drill from that history, where installed schedules (`clustertui schedule --install`) and
every other run land too.  It runs until SIGTERM or Ctrl-C (which aborts a running drill:
its fault is reverted), then stops serving, closes every connection and exits 0.
docs/metrics.md.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

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
        "clustertui serve prod.yaml --metrics :9108 --schedule web-node-loss=6h@01:00-05:00 --schedule failover-tour=7d",
        "curl -s http://127.0.0.1:9108/metrics | grep clustertui_node_up",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@metrics_param(required=True)
@click.option("--interval", "interval", type=DURATION, default=None, help="Sample interval (default: the file's).")
@click.option("--schedule", "schedules", multiple=True, metavar="NAME=D[@HH:MM-HH:MM]",
              help="Run drill or scenario NAME every D (inside the window), as `clustertui schedule` times it; "
                   "repeatable.")
@click.option("--history", "history", type=click.Path(dir_okay=False), default=None,
              help="The history to record runs in and export drill results from (default: $CLUSTERTUI_HISTORY, "
                   "the file's history.path, the state dir).")
@click.option("--no-history", is_flag=True, help="Record no scheduled run (they are exported all the same).")
def serve_command(file: str, metrics, interval: float | None, schedules: tuple[str, ...], history: str | None,
                  no_history: bool) -> None:
    """Collect FILE's cluster headless and serve it to Prometheus until stopped.

    Exit 0 after SIGTERM or Ctrl-C; 2 bad usage or file (a --schedule that names no drill or
    scenario, or cannot be timed); 3 when --metrics cannot listen (the port is in use, the
    address is not this machine's) or the history cannot be opened.
    """
    if interval is not None and interval < 0.1:
        fail("--interval must be at least 100ms", USAGE)
    cluster = load_or_exit(file)
    jobs = [_job(cluster, file, text) for text in schedules]
    if jobs and not no_history:
        from clustertui.cli.recording import checked
        from clustertui.history import DrillRecorder

        checked(DrillRecorder(cluster, "schedule", history), "serve")  # a locked or broken history: now, not at 3am
    exporter = listen(metrics)
    asyncio.run(_serve(cluster, interval, exporter, jobs, history, not no_history))
    raise SystemExit(OK)


def _job(cluster, file: str, text: str):
    """`NAME=D[@HH:MM-HH:MM]` as a schedule Job, or exit 2 with what was expected."""
    from clustertui.cli.schedule_cmd import kind_of
    from clustertui.config.durations import EXPECTED, parse_duration
    from clustertui.schedule import Job, ScheduleError

    name, sep, timing = text.partition("=")
    every, _, window = timing.partition("@")
    if not (sep and name and every):
        fail(f"--schedule: expected NAME=D[@HH:MM-HH:MM] (like web-node-loss=6h@01:00-05:00), found {text!r}", USAGE)
    try:
        seconds = parse_duration(every)
    except ValueError:
        fail(f"--schedule {text}: {every!r} is not {EXPECTED}", USAGE)
    kind = kind_of(cluster, file, name)
    try:
        return Job(Path(file).absolute(), cluster.name, name, kind, seconds, window or None)
    except ScheduleError as exc:
        fail(f"--schedule {text}: {exc}", USAGE)


async def _serve(cluster, interval: float | None, exporter, jobs, history: str | None, record: bool) -> None:
    from clustertui.engine.monitor import ClusterMonitor
    from clustertui.schedule.inprocess import InProcessSchedule

    stop = stop_event()
    monitor = ClusterMonitor(cluster, interval=interval, history_seconds=KEEP_SECONDS)
    await monitor.start()
    try:
        async with exporting(exporter, monitor, history=history):
            echo(f"serve {cluster.name}: {len(cluster.nodes)} nodes every {monitor.interval:g}s; "
                 "SIGTERM or Ctrl-C stops", err=True)
            if not jobs:
                await stop.wait()
            else:
                schedule = InProcessSchedule(monitor, jobs, stop, exporter.board.post_result,
                                             lambda line: echo(line, err=True), history, record)
                for start, job in schedule.upcoming(schedule.now()):
                    echo(f"schedule: {job.summary}: next at {start:%Y-%m-%d %H:%M}", err=True)
                await schedule.run()
    finally:
        await monitor.stop()
    echo(f"serve {cluster.name}: stopped", err=True)
