"""Per-core CPU bars for the node detail, flowed into as many columns as fit."""

from __future__ import annotations

from rich.text import Text

from clustertui.config.thresholds import Limits, Thresholds
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette
from clustertui.tui.rows import level_style
from clustertui.tui.widgets.paletted import PalettedWidget

BAR = 8
CELL = len("99 ") + BAR + len(" 100%") + 2  # index, bar, percent, gap


class CoreBars(PalettedWidget):

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="cores")
        self.palette = palette
        self.border_title = "cores"
        self.cores: tuple[float, ...] = ()
        self.limits: Limits = Thresholds().cpu

    def show(self, cores: tuple[float, ...], limits: Limits) -> None:
        """The cores' CPU %, coloured by the file's CPU thresholds."""
        if (cores, limits) != (self.cores, self.limits):
            self.cores, self.limits = cores, limits
            self.refresh()

    def render(self) -> Text:
        if not self.cores:
            return Text(" no sample yet", style=self.palette.style("stale"))
        columns = max(1, self.size.width // CELL)
        rows = max(1, -(-len(self.cores) // columns))
        if rows > self.size.height > 0:  # more cores than fit: widen to what the height allows
            rows = self.size.height
        lines = [Text(no_wrap=True, overflow="ellipsis", end="") for _ in range(rows)]
        for index, core in enumerate(self.cores):
            line = lines[index % rows]
            level = level_style(self.limits, core)
            filled, empty = fmt.bar(core, BAR)
            line.append(f"{index:>2} ", self.palette.style("stale"))
            line.append(filled, self.palette.style(level))
            line.append(empty.replace(" ", "·"), self.palette.style("stale"))
            line.append(f" {fmt.percent(core)}  ")
        return Text("\n").join(lines)
