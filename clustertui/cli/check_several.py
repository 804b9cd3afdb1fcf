"""`clustertui check a.yaml b.yaml ...`: several clusters checked at once.

Every file is validated before anything connects (cli/several.py); then every cluster is
checked concurrently in one event loop, so N clusters take as long as the slowest, not the
sum. Each cluster keeps its usual output: its table under a heading naming it and its file,
or its usual JSON object inside `{"clusters": [...], "ok": ...}`.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

from clustertui.cli.check_cmd import (
    check_and_freezes,
    check_json,
    load_or_json_error,
    offline_line,
    offline_summary,
    print_check,
)
from clustertui.cli.exits import FAILED, OK, USAGE, fail
from clustertui.cli.output import echo
from clustertui.cli.several import heading, load_all_or_exit

if TYPE_CHECKING:
    from clustertui.chaos.freeze import FreezeMark
    from clustertui.config import Cluster
    from clustertui.engine.check import CheckReport


def check_several(files: tuple[str, ...], offline: bool, as_json: bool, lint: bool) -> None:
    """Check every file's cluster; exit 1 if any is not healthy. Exits."""
    if lint:
        fail("--lint takes one file: run `clustertui check --lint FILE` for each", USAGE)
    clusters = load_all_or_exit(files, check_files=not offline, load=load_or_json_error if as_json else None)
    if offline:
        summaries = [offline_summary(cluster) for cluster in clusters]
        if as_json:
            echo(json.dumps({"clusters": summaries, "ok": True}, indent=2))
        else:
            for file, summary in zip(files, summaries, strict=True):
                echo(offline_line(file, summary))
        raise SystemExit(OK)
    results = asyncio.run(_check_all(clusters))
    ok = all(report.ok for report, _ in results)
    if as_json:
        echo(json.dumps({"clusters": [check_json(report, frozen) for report, frozen in results], "ok": ok},
                        indent=2))
    else:
        for cluster, (report, frozen) in zip(clusters, results, strict=True):
            echo(heading(cluster))
            print_check(report, frozen)
            echo()
        failing = [report.cluster for report, _ in results if not report.ok]
        echo(f"{len(clusters)} clusters: all healthy" if ok else
             f"{len(clusters)} clusters: {len(failing)} not healthy: {', '.join(failing)}")
    raise SystemExit(OK if ok else FAILED)


async def _check_all(clusters: list[Cluster]) -> list[tuple[CheckReport, dict[str, FreezeMark]]]:
    return list(await asyncio.gather(*(check_and_freezes(cluster) for cluster in clusters)))
