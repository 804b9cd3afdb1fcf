"""The coverage grid as text cells (the CLI's table and the TUI screen show the same words)
and as JSON."""

from __future__ import annotations

from typing import Any

from clustertui.history.views import age

from .grid import Cell, Coverage

NOT_APPLICABLE = "n/a"


def cell_text(cell: Cell) -> str:
    """`passed 3h`, `failed 2d`, `passed 40d stale`; blank when never drilled; n/a when the
    kind cannot apply (block-port on a service without a port)."""
    if not cell.applicable:
        return NOT_APPLICABLE
    if cell.run is None or cell.age is None:
        return ""
    return f"{cell.run.verdict} {age(cell.age)}" + (" stale" if cell.stale else "")


def share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def summary_line(grid: Coverage) -> str:
    """The score and its parts, on one line."""
    drilled, applicable = len(grid.drilled), len(grid.applicable)
    return (f"resilience score {grid.score:.0f}/100: coverage {share(grid.coverage)} ({drilled} of {applicable} "
            f"cells), pass rate {share(grid.pass_rate)}, fresh {share(grid.freshness)} "
            f"(stale after {age(grid.stale_after)})")


def to_json(grid: Coverage) -> dict[str, Any]:
    def cell(c: Cell) -> dict[str, Any] | None:
        if c.run is None:
            return None
        return {"verdict": c.run.verdict, "run": c.run.id, "drill": c.run.name, "started": c.run.started,
                "ended": c.run.ended, "age_s": c.age, "stale": c.stale}

    return {
        "cluster": grid.cluster,
        "now": grid.now,
        "stale_after_s": grid.stale_after,
        "score": round(grid.score, 1),
        "coverage": grid.coverage,
        "pass_rate": grid.pass_rate,
        "freshness": grid.freshness,
        "kinds": list(grid.kinds),
        "services": {
            service: {kind: cell(grid.cell(service, kind)) for kind in grid.kinds
                      if grid.cell(service, kind).applicable}
            for service in grid.services
        },
    }
