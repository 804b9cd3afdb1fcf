"""What `drill` and `gameday` share: the run options, the lookup of the named drill or
scenario (with a did-you-mean), the terminal test and the history line after a run.  One
place, so that the two commands cannot drift apart in flags, wording or exit codes."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any, TextIO, TypeVar

import click

from clustertui.cli.exits import USAGE, fail
from clustertui.cli.output import safe

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option("--headless", is_flag=True, help="No TUI: progress on stderr, for CI."),
    click.option("-o", "--output", type=click.Path(dir_okay=False), help="Report: .json, .md or .html."),
    click.option("--junit", type=click.Path(dir_okay=False), help="JUnit XML for CI."),
    click.option("--history", "history", type=click.Path(dir_okay=False), default=None,
                 help="The history database (default: $CLUSTERTUI_HISTORY, the file's history.path, the state dir)."),
    click.option("--no-history", is_flag=True, help="Do not record this run in the history."),
)


def run_options(command: F) -> F:
    """--headless, -o, --junit, --history and --no-history, in that order in --help."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def named(file: str, what: str, name: str, known: Mapping[str, Any]) -> Any:
    """The drill or scenario called `name`, or a usage error that suggests the closest one."""
    if name not in known:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" ({what}s: {', '.join(known) or 'none'})"
        fail(f"{file}: no {what} called {name!r}{hint}", USAGE)
    return known[name]


def on_terminal(headless: bool, stdin: TextIO, stdout: TextIO) -> bool:
    """The run goes to the TUI: not asked to be headless, and both ends are a terminal.
    (The streams are the caller's: tests give a command module a terminal of their own.)"""
    return not headless and stdin.isatty() and stdout.isatty()


def say_recorded(run: Any, stderr: TextIO) -> None:
    """After a run: its history id, or why it could not be recorded (a warning, not an exit)."""
    if run.history_id is not None:
        print(f"recorded in the history as run {run.history_id}", file=stderr)
    elif run.history_error:
        print(safe(f"clustertui: warning: {run.history_error}"), file=stderr)
