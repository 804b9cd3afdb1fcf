"""A panel that follows one run -- a drill, a game day: shown while there is one, redrawn on
a half-second timer of its own while it runs (a countdown in whole seconds and a 100 ms
sparkline need no more), and no longer once its verdict is in."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from textual.timer import Timer

from clustertui.report.escape import terminal
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.paletted import PalettedWidget

REFRESH = 0.5  # seconds between redraws while the run goes on


class Run(Protocol):
    @property
    def running(self) -> bool: ...


RunT = TypeVar("RunT", bound=Run)


class RunPanel(PalettedWidget, Generic[RunT]):
    """`title(run)` is the panel's border title; `render` draws `self.current`."""

    def __init__(self, palette: Palette, id: str) -> None:
        super().__init__(id=id)
        self.palette = palette
        self.current: RunT | None = None
        self._timer: Timer | None = None

    def title(self, run: RunT) -> str:
        raise NotImplementedError

    def follow(self, run: RunT | None) -> None:
        """Show this run (None hides the panel); called again as it moves on."""
        if run is not self.current:
            self.current = run
            self.set_class(run is not None, "-shown")
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            if run is not None and run.running:
                self._timer = self.set_interval(REFRESH, self._redraw)
        self._redraw()

    def _redraw(self) -> None:
        run = self.current
        if run is not None:
            self.border_title = terminal(self.title(run))
            if not run.running and self._timer is not None:
                self._timer.stop()
                self._timer = None
        self.refresh(layout=True)
