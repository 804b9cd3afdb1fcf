"""`clustertui drill FILE [NAME]`: run a failover drill and give a verdict."""

from __future__ import annotations

import asyncio
import sys
import time

import click

from clustertui.cli.completion import complete_drills
from clustertui.cli.exits import CANNOT_RUN, OK
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.metrics_opt import exporting, listen, metrics_option
from clustertui.cli.output import echo, safe
from clustertui.cli.report_files import check_report_format, check_report_paths, write_reports
from clustertui.cli.run_origin import run_origin
from clustertui.cli.runs import named, on_terminal, run_options, say_recorded
from clustertui.cli.signals import stop_event


@click.command(
    "drill",
    epilog=examples(
        "clustertui drill prod.yaml                           # list the drills",
        "clustertui drill prod.yaml web-node-loss             # run one, live in the TUI",
        "clustertui drill prod.yaml web-node-loss --headless -o run.html --junit junit.xml",
        "clustertui drill prod.yaml web-node-loss --headless --no-history   # a try-out, not remembered",
        "clustertui drill prod.yaml web-node-loss --headless --metrics 127.0.0.1:9108",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("name", required=False, shell_complete=complete_drills)
@run_options
@metrics_option
def drill_command(file: str, name: str | None, headless: bool, output: str | None, junit: str | None,
                  history: str | None, no_history: bool, metrics) -> None:
    """Run drill NAME of FILE (without NAME: list the drills).

    Exit 0 when the drill passed, 1 when an expectation failed, 3 when it aborted (the
    steady state did not hold, the fault was refused, Ctrl-C). The fault is always
    reverted. A report path that cannot be written is refused before the drill (exit 2);
    one that fails at the end is saved in the state directory instead (said on stderr;
    exit 3 if the drill had passed). The run is recorded in the history (`clustertui
    history`) unless --no-history; a run that could not be recorded is said on stderr and
    keeps its exit code.
    """
    from clustertui.drills.export import RENDERERS

    check_report_format(output, RENDERERS)
    cluster = load_or_exit(file)
    if name is None:
        _list(cluster)
        raise SystemExit(OK)
    drill = named(file, "drill", name, cluster.drills)
    check_report_paths(output, junit)  # before the drill, not after it
    interactive = on_terminal(headless, sys.stdin, sys.stdout)
    recorder = None if no_history else _recorder(cluster, history, run_origin(interactive))
    exporter = listen(metrics)
    if interactive:
        from clustertui.tui.launch import run_drill_app

        result = run_drill_app(cluster, drill, recorder, exporter)
        print(safe(_summary(result)), file=sys.stderr)
    else:
        result = asyncio.run(_run_headless(cluster, drill, recorder, exporter, history))
    saved = _write(result, output, junit)
    raise SystemExit(CANNOT_RUN if saved and result.exit_code == OK else result.exit_code)


def _list(cluster) -> None:
    if not cluster.drills:
        echo(f"{cluster.name}: no drills in this file")
        return
    for drill in cluster.drills.values():
        target = drill.target
        where = target.node or (f"a {target.role} node ({target.pick})" if target.role else "the primary")
        echo(f"{drill.name}: {drill.fault.kind} on {where}, hold {drill.hold:g}s"
                   + (f" — {drill.description}" if drill.description else ""))


def _recorder(cluster, override: str | None, origin: str):
    """The history's recorder, its database opened once now: a locked, damaged or too new
    file is refused before the drill (its exit code), not found out after it."""
    from clustertui.cli.recording import checked
    from clustertui.history import DrillRecorder

    return checked(DrillRecorder(cluster, origin, override), "drill")


async def _run_headless(cluster, drill, recorder, exporter, history):
    from clustertui.chaos import ChaosSession
    from clustertui.drills.session import DrillSession
    from clustertui.engine.monitor import ClusterMonitor

    stop = stop_event()
    monitor = ClusterMonitor(cluster)
    await monitor.start()
    last = [""]
    said = [0]

    def show(progress) -> None:
        for error in progress.errors[said[0]:]:  # a stop condition that tripped, a revert that failed
            print(safe(f"drill {drill.name}: {error}"), file=sys.stderr)
        said[0] = len(progress.errors)
        if progress.phase != last[0]:
            last[0] = progress.phase
            left = f" ({progress.phase_ends - time.time():.0f}s)" if progress.phase_ends else ""
            target = f" on {progress.target}" if progress.target else ""
            print(safe(f"drill {drill.name}: {progress.phase}{target}{left}"), file=sys.stderr)

    try:
        async with exporting(exporter, monitor, history=history), ChaosSession.open(cluster, pool=monitor.pool) as chaos:
            drills = DrillSession.for_monitor(chaos, monitor, recorder)
            run = drills.start(drill, show, stop)
            result = await drills.run(run)
            if exporter is not None:
                exporter.board.post_result(result)
    finally:
        await monitor.stop()
    print(safe(_summary(result)), file=sys.stderr)
    say_recorded(run, sys.stderr)
    return result


def _summary(result) -> str:
    from clustertui.drills.result import detected_by

    def s(value):
        return "–" if value is None else f"{value:.2f}s"

    availability = "–" if result.availability is None else f"{result.availability:.1%}"
    line = (f"drill {result.drill}: {result.verdict.upper()} (target {result.target or '–'}; availability "
            f"{availability}, longest outage {s(result.longest_outage_s)}, detect {s(result.time_to_detect_s)}{detected_by(result)}, failover {s(result.time_to_failover_s)}, "
            f"recover {s(result.time_to_recover_s)})")
    return line + (f"\n  why: {result.reason}" if result.reason else "")


def _write(result, output: str | None, junit: str | None) -> bool:
    """Write the reports asked for; True when one had to be saved elsewhere (said on stderr)."""
    from clustertui.drills.export import RENDERERS, render_junit

    return write_reports(result, output, junit, RENDERERS, render_junit)
