"""`clustertui schedule`: run a drill (or scenario) headless on a calendar, into the history.

    clustertui schedule FILE NAME --every D [--window HH:MM-HH:MM] [--print | --install]
    clustertui schedule list [--json]
    clustertui schedule remove JOB

`schedule FILE NAME ...` is the group's default command (`schedule add`), so the contract's
short form works; a cluster file literally called `list` is `./list`.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import click

from clustertui.cli.completion import complete_drills
from clustertui.cli.durations import DURATION
from clustertui.cli.exits import CANNOT_RUN, OK, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.output import echo

_BACKEND = click.Choice(["systemd", "cron"])
_BACKEND_HELP = "systemd timers or cron (default: systemd when it runs, else cron)."


class _DefaultAdd(click.Group):
    """`schedule FILE ...` means `schedule add FILE ...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


@click.group(
    "schedule",
    cls=_DefaultAdd,
    epilog=examples(
        "clustertui schedule prod.yaml web-node-loss --every 1d --window 02:00-04:00   # print the units",
        "clustertui schedule prod.yaml web-node-loss --every 6h --install",
        "clustertui schedule list",
        "clustertui schedule remove clustertui-prod-web-node-loss-1a2b3c4d",
    ),
)
def schedule_group() -> None:
    """Run a drill of FILE regularly, headless, into the history (systemd timer or cron).

    Exit 0 ok, 2 bad usage or file, 3 could not install or remove.
    """


@schedule_group.command("add", epilog=examples(
    "clustertui schedule add prod.yaml web-node-loss --every 6h          # the same as without `add`",
    "clustertui schedule prod.yaml web-node-loss --every 15m --window 01:00-05:00 --install",
    "clustertui schedule prod.yaml web-node-loss --every 7d --backend cron --print",
))
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("name", shell_complete=complete_drills)
@click.option("--every", required=True, type=DURATION, help="How often: whole minutes (15m, 6h, 1d) or whole days.")
@click.option("--window", help="Only start inside HH:MM-HH:MM (local time; may cross midnight).")
@click.option("--install", "mode", flag_value="install", help="Write the units (or cron file) and enable them.")
@click.option("--print", "mode", flag_value="print", default=True, help="Show what --install writes (the default).")
@click.option("--backend", type=_BACKEND, help=_BACKEND_HELP)
def add_command(file: str, name: str, every: float, window: str | None, mode: str, backend: str | None) -> None:
    """Schedule drill (or scenario) NAME of FILE every D."""
    from clustertui.schedule import Backend, InstallError, Job, Place, ScheduleError

    cluster = load_or_exit(file, check_files=False)
    kind = kind_of(cluster, file, name)
    try:
        job = Job(Path(file).absolute(), cluster.name, name, kind, every, window)
    except ScheduleError as exc:
        fail(str(exc), USAGE)
    place = Place.of(Backend(backend) if backend else Backend.detect())
    if mode == "print":
        for path, text in place.files(job).items():
            echo(f"# {path}")
            echo(text)
        raise SystemExit(OK)
    try:
        written = place.install(job)
    except InstallError as exc:
        fail(str(exc), CANNOT_RUN)
    echo(f"scheduled {job.name}: {job.summary}")
    for path in written:
        echo(f"  wrote {path}")
    if not place.live:
        echo(f"  ({place.directory} is not read by the running {place.backend}: nothing was enabled)")
    raise SystemExit(OK)


def kind_of(cluster, file: str, name: str):
    """Whether NAME is a drill or a scenario of the file; exit 2 if neither, or for a scenario
    that waits for an operator (a scheduled run has no one to continue it)."""
    from clustertui.gameday.plan import pauses, plan_steps
    from clustertui.schedule import Kind

    if name in cluster.drills:
        return Kind.DRILL
    if name in cluster.scenarios:
        waiting = pauses(plan_steps(cluster, cluster.scenarios[name]))
        if waiting:
            fail(f"{file}: scenario {name!r} waits for an operator at step {waiting[0].index} "
                 f"({waiting[0].label}); a scheduled run has no one to continue it", USAGE)
        return Kind.SCENARIO
    known = [*cluster.drills, *cluster.scenarios]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (drills and scenarios: {', '.join(known) or 'none'})"
    fail(f"{file}: no drill or scenario called {name!r}{hint}", USAGE)


@schedule_group.command("list", epilog=examples(
    "clustertui schedule list",
    "clustertui schedule list --json | jq -r '.jobs[].name'",
))
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON.")
@click.option("--backend", type=_BACKEND, help=_BACKEND_HELP)
def list_command(as_json: bool, backend: str | None) -> None:
    """List the scheduled jobs."""
    from clustertui.schedule import Backend, Place

    place = Place.of(Backend(backend) if backend else Backend.detect())
    jobs = place.jobs()
    if as_json:
        echo(json.dumps({"backend": str(place.backend), "directory": str(place.directory),
                         "jobs": [job.to_json() for job in jobs]}, indent=2))
        raise SystemExit(OK)
    if not jobs:
        echo(f"no scheduled jobs in {place.directory}")
    for job in jobs:
        echo(f"{job.name}  {job.summary}  ({job.file})")
    raise SystemExit(OK)


@schedule_group.command("remove", epilog=examples(
    "clustertui schedule remove clustertui-prod-web-node-loss-1a2b3c4d",
))
@click.argument("job")
@click.option("--backend", type=_BACKEND, help=_BACKEND_HELP)
def remove_command(job: str, backend: str | None) -> None:
    """Remove scheduled JOB (its name, as `schedule list` shows it)."""
    from clustertui.schedule import Backend, InstallError, Place, ScheduleError

    place = Place.of(Backend(backend) if backend else Backend.detect())
    try:
        removed = place.remove(job)
    except ScheduleError as exc:
        fail(str(exc), USAGE)
    except InstallError as exc:
        fail(str(exc), CANNOT_RUN)
    for path in removed:
        echo(f"removed {path}")
    raise SystemExit(OK)
