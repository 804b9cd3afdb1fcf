"""The `clustertui` command: wires the packages together; nothing else imports it."""

from __future__ import annotations

import click

from clustertui import __version__
from clustertui.cli.chaos_cmd import chaos_group
from clustertui.cli.check_cmd import check_command
from clustertui.cli.drill_cmd import drill_command
from clustertui.cli.lab_commands import lab_group
from clustertui.cli.monitor_cmd import demo_command, monitor_command, run_local
from clustertui.cli.report_cmd import report_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(__version__, prog_name="clustertui")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """clustertui: a terminal cluster monitor and chaos tool for SREs.

    Exit codes: 0 ok; 1 a check, probe or drill expectation failed; 2 bad usage or bad
    file; 3 could not run (unreachable, refused by a guard, aborted, missing prerequisite).

    Without a command: monitor this machine alone.
    """
    if ctx.invoked_subcommand is None:
        run_local()


cli.add_command(chaos_group)
cli.add_command(check_command)
cli.add_command(drill_command)
cli.add_command(lab_group)
cli.add_command(report_command)
cli.add_command(monitor_command)
cli.add_command(demo_command)


def main() -> None:
    try:
        cli(prog_name="clustertui")
    except KeyboardInterrupt:
        raise SystemExit(130) from None
