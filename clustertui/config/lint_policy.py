"""`lint:` in the cluster file: the single-point-of-failure findings a team accepts on purpose.

A lint that cannot be told "yes, we know" gets switched off entirely, so each accepted finding
is declared once, next to the rest of the cluster's description, with the reason a reviewer
reads: `{rule: even-voters, reason: "..."}` accepts the rule everywhere, and `item:` narrows it
to one service, role, endpoint or drill. The rules themselves are implemented in
clustertui/lint; their names live here so that a misspelt rule is a file error with a line.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from .frozen import Frozen
from .scalars import NameRule, expect


class LintRule(StrEnum):
    """Every rule `clustertui check --lint` knows (docs/lint.md says what each one means)."""

    SINGLE_NODE_ROLE = "single-node-role"
    EVEN_VOTERS = "even-voters"
    ENDPOINT_NO_REDUNDANCY = "endpoint-no-redundancy"
    PORT_WITHOUT_HEALTH_CHECK = "port-without-health-check"
    SERVICE_WITHOUT_DRILL = "service-without-drill"
    CHAOS_WITHOUT_QUORUM_GUARD = "chaos-without-quorum-guard"
    DRILL_BYPASSES_LB = "drill-bypasses-lb"
    UP_ON_ONE_NODE = "up-on-one-node"


Reason = Annotated[
    str, Field(min_length=1, max_length=500, pattern=r"\S"), expect("a reason (why this finding is accepted)")
]


class LintAllow(Frozen):
    """One accepted finding: its rule, optionally the one item it applies to, and why."""

    rule: Annotated[LintRule, Field(strict=False)]
    item: Annotated[str, NameRule("service, role, endpoint or drill")] | None = None
    reason: Reason


class LintPolicy(Frozen):
    """The `lint:` section."""

    allow: list[LintAllow] = Field(default_factory=list)

    def allowance(self, rule: LintRule, item: str | None) -> LintAllow | None:
        """The declaration that accepts `rule` for `item`, if any (an item-less one accepts all)."""
        for allow in self.allow:
            if allow.rule is rule and allow.item in (None, item):
                return allow
        return None
