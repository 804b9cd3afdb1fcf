"""Drill coverage: which service has been proven under which fault, how lately, and the
resilience score that sums it up. docs/coverage.md has the grid's rules and the formula."""

from __future__ import annotations

from .export import cell_text, summary_line, to_json
from .grid import KINDS, Cell, Coverage, coverage

__all__ = ["KINDS", "Cell", "Coverage", "cell_text", "coverage", "summary_line", "to_json"]
