"""The single-point-of-failure lint of a cluster file (`clustertui check --lint`).

    report = lint_cluster(cluster, Path("prod.yaml"))                 # the file alone
    report = lint_cluster(cluster, Path("prod.yaml"), check_report)   # and what the nodes say

Each finding names the file line and says why it matters; the file's `lint: {allow: [...]}`
marks those accepted on purpose. The rules and their reasons: docs/lint.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clustertui.config import Cluster
from clustertui.config.lint_policy import LintRule

from .findings import Finding, LintReport, apply_policy
from .live import up_on_one_node
from .locate import Locator
from .rules import OFFLINE_RULES

if TYPE_CHECKING:  # the engine (asyncssh) is imported only when the live rule runs
    from clustertui.engine.check import CheckReport

__all__ = ["Finding", "LintReport", "lint_cluster"]


def lint_cluster(cluster: Cluster, path: Path, live: CheckReport | None = None) -> LintReport:
    """Every rule that can run: the offline ones always, the live one when `live` is given.

    `path` is the file as the user named it (findings show it so); it is parsed again for lines.
    """
    where = Locator(path)
    findings = [finding for rule in OFFLINE_RULES.values() for finding in rule(cluster, where)]
    ran = set(OFFLINE_RULES)
    if live is not None:
        findings += up_on_one_node(cluster, live, where)
        ran.add(LintRule.UP_ON_ONE_NODE)
    marked, unused = apply_policy(findings, cluster.lint, ran)
    return LintReport(str(path), cluster.name, live is not None, marked, unused)
