"""The managers' view and findings as JSON: `check --json`'s `"managers"` and the report's
`"managers"` and `"findings"` are built here, one shape for both (docs/managers.md lists
every field, and tests/managers/test_managers_docs.py holds the two together)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clustertui.engine.findings import Finding, FindingSpan
from clustertui.managers.view import all_ok
from clustertui.managers.views import ManagerView
from clustertui.report.times import iso


def managers_json(views: Sequence[ManagerView], findings: Sequence[Finding]) -> dict[str, Any]:
    """Every manager's view (with its roles and whether its reads worked), and the findings."""
    return {
        "ok": all(r.ok for view in views for r in view.reads) and not findings,  # as ManagersCheck.ok
        "managers": [{**view.to_json(), "ok": all_ok(view.reads), "roles": {
            node: list(roles) for node, roles in view.roles().items()}} for view in views],
        "findings": [finding_json(f) for f in findings],
    }


def finding_json(f: Finding) -> dict[str, Any]:
    return {"kind": str(f.kind), "manager": f.manager, "subject": f.subject, "nodes": list(f.nodes),
            "detail": f.detail}


def span_json(span: FindingSpan) -> dict[str, Any]:
    """A finding of a recording: the finding, when it came, when it went (null: it still held)."""
    until = span.until
    return {**finding_json(span.finding), "since": iso(span.since), "until": None if until is None else iso(until),
            "duration_s": None if until is None else round(until - span.since, 3)}
