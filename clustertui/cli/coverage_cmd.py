"""`clustertui coverage FILE`: which service has been drilled under which fault kind, and the
resilience score (docs/coverage.md)."""

from __future__ import annotations

import json
import time

import click

from clustertui.cli.durations import DURATION
from clustertui.cli.exits import FAILED, OK, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.output import echo


@click.command(
    "coverage",
    epilog=examples(
        "clustertui coverage prod.yaml                    # the grid and the resilience score",
        "clustertui coverage prod.yaml --stale-after 14d  # a run older than 14 days is stale",
        "clustertui coverage prod.yaml --json --min-score 60   # CI: exit 1 below 60",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the grid as JSON.")
@click.option("--stale-after", type=DURATION,
              help="A last run older than this is stale (default: the file's coverage.stale_after, 30d).")
@click.option("--min-score", type=click.FloatRange(0, 100), help="Exit 1 when the score is below this.")
@click.option("--history", "history", type=click.Path(dir_okay=False), help="The history database to read.")
def coverage_command(file: str, as_json: bool, stale_after: float | None, min_score: float | None,
                     history: str | None) -> None:
    """Show which service FILE's drills have proven under which fault kind, and the score.

    Exit 0, or 1 when --min-score is given and the score is below it; 2 for a bad file.
    """
    from clustertui.coverage import coverage, to_json
    from clustertui.history import HistoryError, HistoryStore, history_path

    cluster = load_or_exit(file, check_files=False)
    path = history_path(cluster, history)
    runs = []
    try:
        if path.exists():  # no history yet: nothing drilled (and no database created by reading)
            with HistoryStore(path) as store:
                runs = store.runs(cluster.name, kind=None)
    except HistoryError as exc:
        fail(str(exc), exc.exit_code)
    grid = coverage(cluster, runs, time.time(), stale_after)
    if as_json:
        echo(json.dumps(to_json(grid), indent=2))
    else:
        print_grid(grid)
    raise SystemExit(FAILED if min_score is not None and grid.score < min_score else OK)


def print_grid(grid) -> None:
    from clustertui.coverage import cell_text, summary_line

    header = ["service", *grid.kinds]
    rows = [[service, *(cell_text(grid.cell(service, kind)) for kind in grid.kinds)] for service in grid.services]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        echo("  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip())
    echo(summary_line(grid))
