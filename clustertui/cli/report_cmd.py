"""`clustertui report FILE... --duration D -o PATH`: record headless, then export."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clustertui.cli.durations import DURATION
from clustertui.cli.exits import CANNOT_RUN, OK, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.metrics_opt import exporting, listen, metrics_option
from clustertui.cli.output import echo
from clustertui.cli.signals import stop_event

if TYPE_CHECKING:
    from clustertui.config import Cluster
    from clustertui.engine.monitor import ClusterMonitor
    from clustertui.metrics.address import ListenAddress
    from clustertui.metrics.exporter import Exporter
    from clustertui.report.recording import Recording

PROGRESS_EVERY = 5.0
HISTORY_SLACK = 60.0  # seconds of history kept beyond --duration: samples of the start-up
#: The report formats, by extension, for --help without importing the writers;
#: tests/cli/test_cli_conventions.py checks them against clustertui.report.writer.RENDERERS.
FORMATS = (".json", ".md", ".html", ".csv")


@click.command(
    "report",
    epilog=examples(
        "clustertui report prod.yaml --duration 5m -o report.html",
        "clustertui report prod.yaml --duration 1h --interval 5s -o day.csv",
        "clustertui report prod.yaml --duration 30s -o now.json && jq .nodes now.json",
        "clustertui report prod.yaml --duration 1h -o day.html --metrics :9108   # Prometheus scrapes it meanwhile",
        "clustertui report eu.yaml us.yaml --duration 5m -o report-{cluster}.html   # one report per cluster",
    ),
)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="FILE...")
@click.option("--duration", "duration", type=DURATION, required=True, help="How long to record, e.g. 5m.")
@click.option("--interval", "interval", type=DURATION, default=None, help="Sample interval (default: the file's).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), required=True,
              help="Report path; the extension picks the format: " + ", ".join(FORMATS) + ". With several "
                   "files it must hold {cluster}, replaced by each cluster's name.")
@metrics_option
def report_command(files: tuple[str, ...], duration: float, interval: float | None, output: str,
                   metrics: ListenAddress | None) -> None:
    """Record FILE's cluster headless for a duration and write a report.

    Several files are recorded at once, one report per cluster (-o report-{cluster}.html).
    Ctrl-C stops early and still writes what was collected (exit 3, report marked
    interrupted).  Exit 3 also when no node of a cluster could be reached at all, or when a
    report could not be written at the end (it is then saved in the state directory; a path
    that cannot be written is refused before recording, exit 2).
    """
    from clustertui.cli.report_files import check_writable, write_or_save
    from clustertui.cli.several import CLUSTER_PLACEHOLDER, load_all_or_exit, per_cluster_path
    from clustertui.report.writer import RENDERERS, render_report, supported

    if not supported(Path(output)):
        fail(f"{output}: unknown report format {Path(output).suffix or '(none)'!r}; use one of {', '.join(RENDERERS)}",
             USAGE)
    if len(files) > 1 and CLUSTER_PLACEHOLDER not in output:
        fail(f"-o {output}: {len(files)} files make one report per cluster: put {CLUSTER_PLACEHOLDER} in -o, "
             f"e.g. -o report-{CLUSTER_PLACEHOLDER}{Path(output).suffix or '.html'}", USAGE)
    if len(files) > 1 and metrics is not None:
        fail("--metrics serves one cluster: run one `clustertui report FILE --metrics HOST:PORT` per file", USAGE)
    if interval is not None and interval < 0.1:
        fail("--interval must be at least 100ms", USAGE)
    clusters = load_all_or_exit(files)
    paths = [Path(per_cluster_path(output, cluster.name)) for cluster in clusters]
    for cluster, path in zip(clusters, paths, strict=True):
        _check_history_fits(duration, interval or cluster.interval, len(cluster.nodes))
        check_writable("-o", path)
    recordings = asyncio.run(_record(clusters, duration, interval, listen(metrics)))
    code, unreached = OK, []
    for rec, path in zip(recordings, paths, strict=True):
        saved = write_or_save(path, render_report(rec, path))
        sampled = sum(1 for node in rec.nodes if node.points)
        echo(f"wrote {saved or path}: {len(rec.nodes)} nodes ({sampled} sampled), {len(rec.events)} events, "
             f"{rec.duration_s:.1f} s{' (interrupted)' if rec.interrupted else ''}", err=True)
        if rec.interrupted or saved is not None:
            code = CANNOT_RUN
        if sampled == 0:
            unreached.append(rec.cluster)
    if unreached:
        where = "" if len(recordings) == 1 else f" of {', '.join(unreached)}"
        fail(f"no node{where} could be reached; the report holds only their states", CANNOT_RUN)
    raise SystemExit(code)


def _check_history_fits(duration: float, interval: float, nodes: int) -> None:
    """Refuse, before connecting, a recording whose history would not fit in memory.

    History is preallocated (engine/history.py): `--duration 100000h` would otherwise die
    with MemoryError, or record for days and lose everything. One line says what fits.
    """
    from clustertui.engine.history import MAX_HISTORY_BYTES, SAMPLE_BYTES, history_needed

    needed = history_needed(duration + HISTORY_SLACK, interval, nodes)
    if needed <= MAX_HISTORY_BYTES:
        return
    longest = MAX_HISTORY_BYTES // (SAMPLE_BYTES * nodes) * interval - HISTORY_SLACK
    fits = f"record at most {_span(longest)} at this interval, or use" if longest >= 1 else "use"
    fail(f"--duration {_span(duration)} of {nodes} node{'s' if nodes != 1 else ''} every {_span(interval)} needs "
         f"{needed / 2**20:,.0f} MiB of history, over the cap of {MAX_HISTORY_BYTES // 2**20} MiB: "
         f"{fits} a longer --interval", USAGE)


def _span(seconds: float) -> str:
    """A duration as the user would write it back: 250ms, 90s, 45m, 1234h."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size:.0f}{unit}"
    return f"{seconds:g}s"


async def _record(clusters: list[Cluster], duration: float, interval: float | None,
                  exporter: Exporter | None) -> list[Recording]:
    """Record every cluster at once (one monitor each, one event loop) for `duration`."""
    from clustertui.engine.monitor import ClusterMonitor
    from clustertui.report.recording import record

    monitors = [ClusterMonitor(cluster, interval=interval, history_seconds=duration + HISTORY_SLACK)
                for cluster in clusters]
    stop = stop_event()
    await asyncio.gather(*(monitor.start() for monitor in monitors))
    deadline = time.monotonic() + duration
    interrupted = False
    try:
        async with exporting(exporter, monitors[0]):
            while (left := deadline - time.monotonic()) > 0:
                try:
                    await asyncio.wait_for(stop.wait(), min(left, PROGRESS_EVERY))
                    interrupted = True
                    break
                except TimeoutError:
                    pass
                if duration > PROGRESS_EVERY * 2 and deadline - time.monotonic() > 0:
                    for monitor in monitors:
                        _progress(monitor, duration - (deadline - time.monotonic()), duration)
    finally:
        recordings = [record(monitor, interrupted=interrupted) for monitor in monitors]
        await asyncio.gather(*(monitor.stop() for monitor in monitors))
    return recordings


def _progress(monitor: ClusterMonitor, done: float, total: float) -> None:
    health = monitor.health()
    echo(f"recording {monitor.cluster.name}: {done:.0f}/{total:.0f} s, {health.quorum.up}/{health.quorum.total} "
          f"nodes up, {len(monitor.events)} events", err=True)
