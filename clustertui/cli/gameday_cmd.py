"""`clustertui gameday FILE [NAME]`: run a scenario's steps, each gated on the last verdict."""

from __future__ import annotations

import asyncio
import sys

import click

from clustertui.cli.completion import complete_scenarios
from clustertui.cli.exits import CANNOT_RUN, OK, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.metrics_opt import exporting, listen, metrics_option
from clustertui.cli.output import echo, safe
from clustertui.cli.report_files import check_report_format, check_report_paths, write_reports
from clustertui.cli.run_origin import run_origin
from clustertui.cli.runs import named, on_terminal, run_options, say_recorded
from clustertui.cli.signals import stop_event


@click.command(
    "gameday",
    epilog=examples(
        "clustertui gameday prod.yaml                         # list the scenarios",
        "clustertui gameday prod.yaml failover-tour           # run one, live in the TUI",
        "clustertui gameday prod.yaml failover-tour --headless -o run.html --junit junit.xml",
        "clustertui gameday prod.yaml failover-tour --headless --metrics 127.0.0.1:9108",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("name", required=False, shell_complete=complete_scenarios)
@run_options
@click.option("--yes", is_flag=True, help="Headless: continue past manual pauses at once.")
@metrics_option
def gameday_command(file: str, name: str | None, headless: bool, output: str | None, junit: str | None,
                    yes: bool, history: str | None, no_history: bool, metrics) -> None:
    """Run scenario NAME of FILE, a game day (without NAME: list the scenarios).

    Each step runs only if the one before passed. Exit 0 when every step passed, 1 when a
    step's expectation failed, 3 when a step aborted (steady state, a guard, Ctrl-C). Every
    fault is reverted. Headless, a scenario with a manual pause is refused (exit 2) unless
    --yes continues past its pauses. The run is recorded in the history (`clustertui
    history`): the game day as one run, each of its drills as a run of its own, unless
    --no-history.
    """
    from clustertui.gameday.export import RENDERERS

    check_report_format(output, RENDERERS)
    cluster = load_or_exit(file)
    if name is None:
        _list(cluster)
        raise SystemExit(OK)
    scenario = named(file, "scenario", name, cluster.scenarios)
    check_report_paths(output, junit)
    interactive = on_terminal(headless, sys.stdin, sys.stdout)
    if not interactive and not yes:
        from clustertui.gameday.plan import pauses, plan_steps

        waiting = pauses(plan_steps(cluster, scenario))
        if waiting:
            fail(f"{file}: scenario {name!r} waits for the operator at step {waiting[0].index} "
                 f"({waiting[0].label}); run it on a terminal, or pass --yes to continue past pauses", USAGE)
    recorder = None if no_history else _recorder(cluster, history, run_origin(interactive))
    exporter = listen(metrics)
    if interactive:
        from clustertui.tui.launch import run_gameday_app

        result = run_gameday_app(cluster, scenario, recorder, exporter)
        print(safe(summary(result)), file=sys.stderr)
    else:
        result = asyncio.run(_run_headless(cluster, scenario, yes, recorder, exporter, history))
    from clustertui.gameday.export import render_junit

    saved = write_reports(result, output, junit, RENDERERS, render_junit)
    raise SystemExit(CANNOT_RUN if saved and result.exit_code == OK else result.exit_code)


def _list(cluster) -> None:
    if not cluster.scenarios:
        echo(f"{cluster.name}: no scenarios in this file")
        return
    from clustertui.gameday.plan import plan_steps

    for scenario in cluster.scenarios.values():
        steps = plan_steps(cluster, scenario)
        echo(f"{scenario.name}: {len(steps)} step(s)" + (f" — {scenario.description}" if scenario.description else ""))
        for step in steps:
            echo(f"  {step.index}. {step.label}")


def _recorder(cluster, override: str | None, origin: str):
    """The history's recorder, its database opened once now: a locked, damaged or too new
    file is refused before the game day (its exit code), not found out after it."""
    from clustertui.cli.recording import checked
    from clustertui.gameday.record import ScenarioRecorder

    return checked(ScenarioRecorder(cluster, origin, override), "game day")


async def _run_headless(cluster, scenario, auto_continue: bool, recorder, exporter, history):
    from clustertui.chaos import ChaosSession
    from clustertui.engine.monitor import ClusterMonitor
    from clustertui.gameday.session import GamedaySession

    stop = stop_event()
    monitor = ClusterMonitor(cluster)
    await monitor.start()
    said = [""]

    def show(progress) -> None:
        if exporter is not None:  # each step's drills as the step ends, not only at the end
            for step in progress.done.values():
                for each in step.drills:
                    exporter.board.post_result(each)
        line = f"gameday {scenario.name}: step {progress.current}/{len(progress.steps)} {progress.detail}".rstrip()
        running = [f"{name} {runner.progress.phase}" + (f" on {runner.progress.target}" if runner.progress.target else "")
                   for name, runner in progress.running if runner.progress.verdict is None]
        if running:
            line += " — " + "; ".join(running)
        if progress.current is not None and line != said[0]:
            said[0] = line
            print(safe(line), file=sys.stderr)

    try:
        async with exporting(exporter, monitor, history=history), ChaosSession.open(cluster, pool=monitor.pool) as chaos:
            days = GamedaySession.for_monitor(chaos, monitor, recorder, auto_continue=auto_continue)
            run = days.start(scenario, show, stop)
            result = await days.run(run)
            for each in result.drills if exporter is not None else ():
                exporter.board.post_result(each)
    finally:
        await monitor.stop()
    print(safe(summary(result)), file=sys.stderr)
    say_recorded(run, sys.stderr)
    return result


def summary(result) -> str:
    """The verdict and one line per step, for the terminal."""
    lines = [f"gameday {result.scenario}: {result.verdict.upper()} ({len(result.steps)} steps, "
             f"{result.ended - result.started:.0f}s)"]
    for step in result.steps:
        lines.append(f"  {step.index}. {step.label}: {step.shown}" + (f" — {step.reason}" if step.reason else ""))
    return "\n".join(lines)
