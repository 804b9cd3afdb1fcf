"""The HTML base every report shares: Jinja2 templates with autoescape, one stylesheet.

The monitoring report and the drill report extend `base.html.j2`, which inlines
`report.css`: each report is one self-contained file (no scripts, no fetches) that opens
from a mail attachment or a CI artifact. Templates live inside the package, so they ship in
the wheel. Every `{{ value }}` is escaped (autoescape) after its control characters are
replaced (`finalize`); only the SVG charts, built and escaped in `svg.py`, pass as Markup.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from clustertui import __version__
from clustertui.report.escape import Markup, printable
from clustertui.report.times import clock, iso, percent, seconds

if TYPE_CHECKING:
    from jinja2 import Environment


def _finalize(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value, lines=True)
    return value


@cache
def _environment() -> Environment:
    # Imported here: the TUI imports the drill exporters at start-up and needs Jinja only
    # when a report is saved.
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("clustertui.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(clock=clock, iso=iso, percent=percent, seconds=seconds)
    return env


def render_page(template: str, **context: Any) -> str:
    """Render one of the package's templates to a complete HTML document."""
    return _environment().get_template(template).render(version=__version__, **context)
