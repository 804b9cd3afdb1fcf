"""`clustertui monitor FILE`, `clustertui demo`, and `clustertui` alone (this machine).

Textual is imported inside the command functions only: the headless commands (check,
report, chaos, drill --headless) must never load it, and a test checks that they do not.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clustertui.cli.completion import complete_themes
from clustertui.cli.durations import DURATION
from clustertui.cli.exits import CANNOT_RUN, USAGE, fail
from clustertui.cli.help import examples
from clustertui.cli.loading import load_or_exit
from clustertui.cli.metrics_opt import listen, metrics_option
from clustertui.cli.output import echo
from clustertui.cli.several import load_all_or_exit
from clustertui.resources import sample_cluster

if TYPE_CHECKING:
    from clustertui.config import Cluster
    from clustertui.metrics.address import ListenAddress

MIN_INTERVAL = 0.1


def _run(cluster: Cluster | list[Cluster], theme: str | None, read_only: bool, interval: float | None,
         local: bool = False, metrics: ListenAddress | None = None) -> None:
    """One cluster, or several in one view (a list: no `local`, no `--metrics`)."""
    from clustertui.tui.launch import NoTerminal, run_monitor
    from clustertui.tui.themes import UnknownTheme

    if interval is not None and interval < MIN_INTERVAL:
        fail("--interval must be at least 100ms", USAGE)
    one = {} if isinstance(cluster, list) else {"local": local, "exporter": listen(metrics)}
    try:
        code = run_monitor(cluster, theme=theme, read_only=read_only, interval=interval, **one)
    except (UnknownTheme, NoTerminal) as exc:
        fail(str(exc), USAGE)
    if code:
        fail("the app stopped on an error (traceback above); what this session applied was reverted on the way out",
             CANNOT_RUN)


@click.command(
    "monitor",
    epilog=examples(
        "clustertui monitor prod.yaml",
        "clustertui monitor prod.yaml --theme nord --interval 500ms",
        "clustertui monitor prod.yaml --read-only    # no chaos keys at all",
        "clustertui monitor prod.yaml --metrics 127.0.0.1:9108   # and serve Prometheus metrics",
        "clustertui monitor lab.yaml lab-ha.yaml   # several clusters in one view",
    ),
)
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--theme", "theme", metavar="NAME", default=None, shell_complete=complete_themes,
              help="Theme: a built-in theme or a file name in ~/.config/clustertui/themes/ (default: default).")
@click.option("--read-only", is_flag=True, help="Hide and refuse every chaos action.")
@click.option("--interval", "interval", type=DURATION, default=None, help="Sample interval (default: the file's).")
@metrics_option
def monitor_command(files: tuple[str, ...], theme: str | None, read_only: bool, interval: float | None,
                    metrics: ListenAddress | None) -> None:
    """Watch FILE's cluster live: one row per node, Enter for a node's detail, ? for keys.

    Several files: every cluster in one view, its nodes named CLUSTER/NODE; chaos, drills
    and game days act on the cluster of the node they name, with that cluster's guards.
    """
    if len(files) == 1:
        _run(load_or_exit(files[0]), theme, read_only, interval, metrics=metrics)
        return
    if metrics is not None:
        fail("--metrics takes one cluster file: run one `clustertui serve FILE --metrics` per cluster", USAGE)
    _run(load_all_or_exit(files), theme, read_only, interval)


@click.command(
    "demo",
    epilog=examples(
        "sudo clustertui demo",
        "sudo clustertui demo --theme light",
    ),
)
@click.option("--theme", "theme", metavar="NAME", default=None, shell_complete=complete_themes,
              help="Theme to start with.")
def demo_command(theme: str | None) -> None:
    """Bring the local lab up (root), monitor it, and take it down on exit.

    A lab that was already up when the demo started is left running.
    """
    from clustertui.lab import LabError, MissingPrerequisite, lab_down, lab_up

    echo("clustertui demo: bringing the lab up (network namespaces on 198.18.0.0/24)")
    try:
        report = lab_up(progress=echo)
    except MissingPrerequisite as exc:
        fail("the demo needs the lab: " + "; ".join(exc.items), CANNOT_RUN)
    except LabError as exc:
        fail(f"lab up failed: {exc} (clean up with `clustertui lab down`)", CANNOT_RUN)
    try:
        _run(load_or_exit(str(sample_cluster("lab.yaml"))), theme, read_only=False, interval=None)
    finally:
        if report.already_up:
            echo("the lab was already up before the demo: leaving it running (`clustertui lab down` removes it)")
        else:
            echo("clustertui demo: taking the lab down")
            down = lab_down(report.state_dir)
            if down.failures:
                fail("lab down left: " + "; ".join(down.failures), CANNOT_RUN)


def local_cluster() -> Cluster:
    """This machine as a single-node cluster, read with psutil (no SSH, no file)."""
    from clustertui.config import Cluster

    hostname = socket.gethostname().split(".")[0]
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", hostname).lstrip("_.-") or "localhost"
    return Cluster.model_validate(
        {
            "name": name,
            "type": "single-node",
            "nodes": [{"name": name, "host": "127.0.0.1", "roles": ["local"]}],
            "source": Path("<this machine>"),
        }
    )


def run_local() -> None:
    """`clustertui` with no arguments: monitor this machine alone."""
    _run(local_cluster(), theme=None, read_only=False, interval=None, local=True)
