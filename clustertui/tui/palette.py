"""The handful of status colours that node rows, glyphs and bars are drawn in.

Textual's theme colours style widgets through CSS; cells of a DataTable are Rich text and
need concrete styles.  A theme file names them under `[status]`; a `Palette` turns them
into Rich styles once, so that building 2000 cells a tick costs no colour parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.style import Style


@dataclass(frozen=True)
class Palette:
    ok: str  # up, healthy, low load
    warn: str  # stale, high load, unknown host key
    bad: str  # down, unreachable, service failed
    stale: str  # greyed rows and the empty part of bars
    spark: str  # CPU sparklines and charts
    styles: dict[str, Style] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        styles = {
            "ok": Style(color=self.ok),
            "warn": Style(color=self.warn),
            "bad": Style(color=self.bad),
            "bad-bold": Style(color=self.bad, bold=True),
            "stale": Style(color=self.stale),
            "spark": Style(color=self.spark),
            "plain": Style(),
        }
        object.__setattr__(self, "styles", styles)

    def style(self, name: str) -> Style:
        return self.styles[name]
