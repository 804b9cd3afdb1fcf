"""How a widget that draws cells in the status colours follows a theme switch.

Textual's theme colours restyle widgets through CSS by themselves; cells drawn as Rich text
(rows, bars, charts, event lines) carry concrete styles from the theme's `Palette`.  The
app holds the current palette in one reactive (`ClusterApp.palette`); every such widget
watches it from its own `on_mount`, so a theme switch reaches each one without the app or
a screen knowing which widgets draw cells.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.widget import Widget

from clustertui.tui.palette import Palette


def follow_palette(widget: DOMNode, apply: Callable[[Palette], None]) -> None:
    """Call `apply(palette)` whenever the app's palette changes (not now: the widget was
    built with the current one)."""
    widget.watch(widget.app, "palette", apply, init=False)


class PalettedWidget(Widget):
    """A widget whose `render` draws in `self.palette`: it redraws itself on a theme switch."""

    palette: Palette

    def on_mount(self) -> None:
        follow_palette(self, self.set_palette)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self.refresh()
