"""The `clustertui` command: wires the packages together; nothing else imports it.

Start-up time is part of the interface: `clustertui --help` and every shell completion start a
new Python process. So the group below imports a subcommand's module only when that
subcommand runs (or is completed), and the command modules import the heavy packages
(textual, asyncssh, pydantic models, the engine) inside their functions. docs/performance.md
has the figures.
"""

from __future__ import annotations

import importlib
import sys
from typing import cast

import click
from click.shell_completion import CompletionItem

from clustertui import __version__
from clustertui.cli.exits import USAGE, fail
from clustertui.cli.help import examples

#: name -> (module, attribute, the one-line help shown by `clustertui --help`).
#: tests/cli/test_help.py checks that each line matches the command's own docstring.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("clustertui.cli.init_cmd", "init_command", "Write a commented starter cluster file."),
    "check": ("clustertui.cli.check_cmd", "check_command", "Validate FILE, connect to every node over SSH, probe once and print a table."),
    "monitor": ("clustertui.cli.monitor_cmd", "monitor_command", "Watch FILE's cluster live: one row per node, Enter for a node's detail, ? for keys."),
    "report": ("clustertui.cli.report_cmd", "report_command", "Record FILE's cluster headless for a duration and write a report."),
    "chaos": ("clustertui.cli.chaos_cmd", "chaos_group", "Inject faults into the nodes of FILE's cluster; every fault reverts by itself."),
    "drill": ("clustertui.cli.drill_cmd", "drill_command", "Run drill NAME of FILE (without NAME: list the drills)."),
    "coverage": ("clustertui.cli.coverage_cmd", "coverage_command", "Show which service FILE's drills have proven under which fault kind, and the score."),
    "schedule": ("clustertui.cli.schedule_cmd", "schedule_group", "Run a drill of FILE regularly, headless, into the history (systemd timer or cron)."),
    "gameday": ("clustertui.cli.gameday_cmd", "gameday_command", "Run scenario NAME of FILE, a game day (without NAME: list the scenarios)."),
    "serve": ("clustertui.cli.serve_cmd", "serve_command", "Collect FILE's cluster headless and serve it to Prometheus until stopped."),
    "history": ("clustertui.cli.history_cmd", "history_group",
                "Show FILE's remembered drill runs, regressions flagged (history diff RUN RUN: compare two)."),
    "lab": ("clustertui.cli.lab_commands", "lab_group", "Build, inspect and remove the local lab cluster (root; network namespaces)."),
    "demo": ("clustertui.cli.monitor_cmd", "demo_command", "Bring the local lab up (root), monitor it, and take it down on exit."),
    "completion": ("clustertui.cli.completion", "completion_command", "Print the shell completion script for bash, zsh or fish."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, from COMMANDS."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names from the table too: a Tab after `clustertui` imports no command module."""
        names = [CompletionItem(name, help=short) for name, (_, _, short) in COMMANDS.items() if name.startswith(incomplete)]
        return names + click.Command.shell_complete(self, ctx, incomplete)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table, so that `--help` imports no command module."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in COMMANDS.items()])


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
    epilog=examples(
        "clustertui                         # monitor this machine",
        "clustertui init -o prod.yaml --from-ssh-config 'web*'",
        "clustertui check prod.yaml         # validate, connect, probe once",
        "clustertui monitor prod.yaml --theme nord",
        "clustertui drill prod.yaml web-node-loss --headless --junit out.xml",
        "clustertui COMMAND --help          # each command's options and examples",
    ),
)
@click.version_option(__version__, prog_name="clustertui")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """clustertui: a terminal cluster monitor and chaos tool for SREs.

    Exit codes: 0 ok; 1 a check, probe or drill expectation failed; 2 bad usage or bad
    file; 3 could not run (unreachable, refused by a guard, aborted, missing prerequisite).

    Without a command: monitor this machine alone.
    """
    if ctx.invoked_subcommand is None:
        from clustertui.cli.monitor_cmd import run_local

        run_local()


def _path_from_args(args: list[str]) -> str:
    """The command path named in `args`, for errors that click raises without a context."""
    words, command = ["clustertui"], cast(click.Command, cli)
    ctx = click.Context(cli)
    for arg in args:
        if not isinstance(command, click.Group):
            break
        sub = command.get_command(ctx, arg) if not arg.startswith("-") else None
        if sub is not None:
            words.append(arg)
            command = sub
        elif not arg.startswith("-"):
            words.append(arg.upper() if command.params else arg)  # a group's argument, e.g. FILE
    while len(words) > 1 and words[-1].isupper():
        words.pop()
    return " ".join("FILE" if w.isupper() else w for w in words)


def usage_line(exc: click.UsageError, args: list[str]) -> str:
    """A click usage error as one line: what is wrong, and where to read the usage."""
    message = " ".join(exc.format_message().split()).removesuffix(".")
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):  # click's message is the whole help
        message = "missing arguments"
    path = exc.ctx.command_path if exc.ctx is not None else _path_from_args(args)
    where = path.partition(" ")[2]
    return f"{where + ': ' if where else ''}{message}; see `{path} --help`"


def main() -> None:
    """The console script: every error is one line on stderr with a documented exit code."""
    try:
        code = cli.main(prog_name="clustertui", standalone_mode=False)
    except click.UsageError as exc:
        fail(usage_line(exc, sys.argv[1:]), USAGE)
    except click.ClickException as exc:  # e.g. a file that click itself could not open
        fail(" ".join(exc.format_message().split()), exc.exit_code)
    except (KeyboardInterrupt, click.Abort):
        raise SystemExit(130) from None
    sys.exit(code if isinstance(code, int) else 0)
