"""`clustertui check --lint FILE`: the single-point-of-failure lint, as lines or JSON.

One finding per line as `FILE:LINE: RULE: what`, then an indented `why:` line (editors jump to
FILE:LINE); accepted findings follow with their reason. Exit 1 when any finding is not accepted.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

from clustertui.cli.exits import FAILED, OK
from clustertui.cli.output import echo

if TYPE_CHECKING:
    from clustertui.config import Cluster
    from clustertui.lint import LintReport


def run_lint(cluster: Cluster, file: str, offline: bool, as_json: bool) -> None:
    """Lint the loaded `cluster` (read from `file`); live rules too unless `offline`. Exits."""
    from clustertui.config import ConfigError
    from clustertui.lint import lint_cluster

    live = None
    if not offline:
        from clustertui.engine.check import check_cluster

        live = asyncio.run(check_cluster(cluster))
    try:
        report = lint_cluster(cluster, Path(file), live)
    except ConfigError as exc:  # the file changed between loading and linting
        from clustertui.cli.exits import USAGE, fail

        fail(str(exc), USAGE)
    if as_json:
        echo(json.dumps(report.to_json(), indent=2))
    else:
        print_report(report)
    raise SystemExit(OK if report.ok else FAILED)


def print_report(report: LintReport) -> None:
    for finding in report.failing:
        echo(f"{finding.origin.path}:{finding.origin.line}: {finding.rule}: {finding.message}")
        echo(f"    why: {finding.why}")
    accepted = [f for f in report.findings if f.allowed is not None]
    for finding in accepted:
        echo(f"{finding.origin.path}:{finding.origin.line}: {finding.rule}: {finding.message} "
             f"(accepted: {finding.allowed})")
    for index, allow in report.unused:
        item = f" for {allow.item}" if allow.item else ""
        echo(f"{report.file}: lint.allow[{index}]: accepts {allow.rule}{item}, but no finding needs it")
    scope = "file and live cluster" if report.live else "file only, --offline"
    echo(f"{report.file}: {len(report.failing)} finding(s), {len(accepted)} accepted in lint.allow ({scope})")
