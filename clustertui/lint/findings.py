"""What a lint rule reports: a finding at a file line, why it matters, and whether the file
accepts it on purpose (`lint: {allow: [...]}`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from clustertui.config.errors import Origin
from clustertui.config.lint_policy import LintAllow, LintPolicy, LintRule


@dataclass(frozen=True, slots=True)
class Finding:
    """One single point of failure (or a gap that hides one), where the file declares it."""

    rule: LintRule
    origin: Origin
    #: The service, role, endpoint or drill it is about (None: the cluster as a whole).
    item: str | None
    message: str
    why: str
    #: The reason from `lint.allow` when the file accepts this finding on purpose.
    allowed: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": str(self.rule),
            "file": str(self.origin.path),
            "line": self.origin.line,
            "field": self.origin.field,
            "item": self.item,
            "message": self.message,
            "why": self.why,
            "allowed": self.allowed is not None,
            "reason": self.allowed,
        }


@dataclass(frozen=True, slots=True)
class LintReport:
    """Every finding of one run, in file order, and the allowances no finding needed."""

    file: str
    cluster: str
    live: bool
    findings: tuple[Finding, ...]
    unused: tuple[tuple[int, LintAllow], ...] = field(default=())

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.allowed is None)

    @property
    def ok(self) -> bool:
        return not self.failing

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "cluster": self.cluster,
            "live": self.live,
            "ok": self.ok,
            "findings": [f.to_json() for f in self.findings],
            "unused_allows": [
                {"index": index, "rule": str(allow.rule), "item": allow.item, "reason": allow.reason}
                for index, allow in self.unused
            ],
        }


def apply_policy(
    findings: list[Finding], policy: LintPolicy, rules_run: set[LintRule]
) -> tuple[tuple[Finding, ...], tuple[tuple[int, LintAllow], ...]]:
    """Mark the findings the file accepts; list the allowances of rules that ran but matched nothing.

    An allowance for a rule that did not run (a live rule under --offline) is not "unused":
    it may well be needed when the rule runs.
    """
    used: set[int] = set()
    marked = []
    for finding in findings:
        allow = policy.allowance(finding.rule, finding.item)
        if allow is not None:
            used.add(policy.allow.index(allow))
            finding = replace(finding, allowed=allow.reason)
        marked.append(finding)
    marked.sort(key=lambda f: (f.origin.line, f.rule))
    unused = tuple(
        (index, allow) for index, allow in enumerate(policy.allow) if index not in used and allow.rule in rules_run
    )
    return tuple(marked), unused
