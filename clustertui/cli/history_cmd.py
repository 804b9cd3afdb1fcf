"""`clustertui history FILE [DRILL]` and `clustertui history diff RUN RUN`: the remembered runs.

`history FILE ...` is the group's default command (`show`): the word after `history` is a
subcommand only when it names one (`diff`), otherwise it is the cluster file.  Exit codes:
0 shown; 1 the newest run of a drill shown is flagged as a regression (so CI can fail on
it); 2 bad usage, a bad cluster file, an unknown run id, a bad --since, a damaged database
or one from a newer clustertui; 3 the database is locked (or cannot be opened).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clustertui.cli.completion import complete_drills
from clustertui.cli.exits import FAILED, OK, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.output import echo

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clustertui.history import HistoryStore


class Since(click.ParamType):
    """`--since`: a duration back from now (`7d`, `12h`) or a UTC date (`2026-11-30`,
    `2026-11-30T08:00`); epoch seconds."""

    name = "since"

    def convert(self, value, param, ctx) -> float:
        from clustertui.config.durations import parse_duration

        if isinstance(value, float):
            return value
        try:
            return time.time() - parse_duration(value)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a duration back from now (like 7d or 12h) nor a date "
                      "(like 2026-11-30 or 2026-11-30T08:00, UTC)", param, ctx)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


class HistoryGroup(click.Group):
    """`history FILE ...` runs `show`; `history diff ...` runs `diff`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["show", *args]
        return super().parse_args(ctx, args)


@contextmanager
def opened(path: Path) -> Iterator[HistoryStore]:
    """The store at `path`; its errors are one line with their exit code."""
    from clustertui.history import HistoryError, HistoryStore

    try:
        with HistoryStore(path) as store:
            yield store
    except HistoryError as exc:
        fail(str(exc), exc.exit_code)


_HISTORY_OPTION = click.option(
    "--history", "history", type=click.Path(dir_okay=False), default=None,
    help="The history database (default: $CLUSTERTUI_HISTORY, the file's history.path, the state dir).",
)


@click.group(
    "history",
    cls=HistoryGroup,
    epilog=examples(
        "clustertui history prod.yaml                          # every drill's last runs, with trends",
        "clustertui history prod.yaml web-node-loss --since 30d",
        "clustertui history prod.yaml --json                   # for scripts",
        "clustertui history prod.yaml -o history.html          # a dashboard with trend charts",
        "clustertui history diff 41 57 -o diff.html            # two runs side by side",
    ),
)
def history_group() -> None:
    """Show FILE's remembered drill runs, regressions flagged (history diff RUN RUN: compare two).

    `history FILE [DRILL]`: each drill's runs with verdict, availability, longest outage,
    detect, failover and recover times, a failover trend, and regression flags (the rule:
    docs/history.md). Exit 1 when the newest run shown of a drill is flagged as a
    regression; 2 for a bad file, --since or database; 3 when the database is locked.
    """


@history_group.command("show", epilog=examples("clustertui history show prod.yaml   # the same as history prod.yaml"))
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("drill", required=False, shell_complete=complete_drills)
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@click.option("--since", type=Since(), default=None, help="Runs started since: 7d (back from now) or 2026-11-30.")
@click.option("--last", type=click.IntRange(min=0), default=10, show_default=True,
              help="The newest N runs of each drill (0: all).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="An HTML dashboard (.html) or JSON (.json).")
@_HISTORY_OPTION
def show_command(file: str, drill: str | None, as_json: bool, since: float | None, last: int,
                 output: str | None, history: str | None) -> None:
    """FILE's drill runs and game days (DRILL's alone if given: a drill or a game day), newest last."""
    from clustertui.cli.history_output import history_table
    from clustertui.cli.report_files import check_writable, write_or_save
    from clustertui.history import RunKind, history_path
    from clustertui.history.views import drill_histories, history_json

    if output and Path(output).suffix.lower() not in (".html", ".json"):
        fail(f"{output}: unknown format {Path(output).suffix or '(none)'!r}; use .html or .json", USAGE)
    cluster = load_or_exit(file, check_files=False)
    path = history_path(cluster, history)
    if output:
        check_writable("-o", Path(output))
    if path.exists():
        with opened(path) as store:
            histories = [
                *drill_histories(store, cluster.name, cluster.drills, drill, since, last or None),
                *drill_histories(store, cluster.name, cluster.scenarios, drill, since, last or None, RunKind.SCENARIO),
            ]
    else:  # nothing recorded yet: the file's drills and game days, with no run (the database is not created)
        histories = [*drill_histories(None, cluster.name, cluster.drills, drill),
                     *drill_histories(None, cluster.name, cluster.scenarios, drill, kind=RunKind.SCENARIO)]
    if drill is not None and not histories:
        fail(f"{file}: no drill or game day called {drill!r} in the file or the history "
             f"(drills: {', '.join(cluster.drills) or 'none'})", USAGE)
    data = history_json(histories, str(path))
    if output:
        if Path(output).suffix.lower() == ".html":
            from clustertui.history.html import render_dashboard

            text = render_dashboard(histories, str(path))
        else:
            text = json.dumps(data, indent=1) + "\n"
        if write_or_save(Path(output), text) is None:
            click.echo(f"wrote {output}", err=True)
    if as_json:
        click.echo(json.dumps(data, indent=1))
    elif not output:
        history_table(histories, str(path))
    raise SystemExit(FAILED if any(h.regressed for h in histories) else OK)


@history_group.command(
    "diff",
    epilog=examples(
        "clustertui history diff 41 57                 # side by side on the terminal",
        "clustertui history diff 41 57 -o diff.html    # with both timelines overlaid",
    ),
)
@click.argument("first", type=int, metavar="RUN")
@click.argument("second", type=int, metavar="RUN")
@click.option("-f", "--file", "file", type=click.Path(dir_okay=False), default=None,
              help="A cluster file, for its history.path.")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="An HTML page (.html) or JSON (.json).")
@_HISTORY_OPTION
def diff_command(first: int, second: int, file: str | None, as_json: bool, output: str | None,
                 history: str | None) -> None:
    """Two recorded runs side by side (ids from `history FILE`); -o x.html overlays their timelines."""
    from clustertui.cli.history_output import diff_table
    from clustertui.cli.report_files import check_writable, write_or_save
    from clustertui.history import history_path
    from clustertui.history.compare import compare, compare_json

    if output and Path(output).suffix.lower() not in (".html", ".json"):
        fail(f"{output}: unknown format {Path(output).suffix or '(none)'!r}; use .html or .json", USAGE)
    cluster = load_or_exit(file, check_files=False) if file else None
    path = history_path(cluster, history)
    if not path.exists():
        fail(f"{path}: no history there (no run recorded yet); --history or -f FILE names another", USAGE)
    if output:
        check_writable("-o", Path(output))
    with opened(path) as store:
        runs = (store.run(first), store.run(second))
    comparison = compare(*runs)
    if output:
        if Path(output).suffix.lower() == ".html":
            from clustertui.history.html import render_diff

            text = render_diff(comparison)
        else:
            text = json.dumps(compare_json(comparison), indent=1) + "\n"
        if write_or_save(Path(output), text) is None:
            echo(f"wrote {output}", err=True)
    if as_json:
        click.echo(json.dumps(compare_json(comparison), indent=1))
    elif not output:
        diff_table(comparison)
    raise SystemExit(OK)
