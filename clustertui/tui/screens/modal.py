"""The one dialog frame: the confirmation, the fault form, the chaos menu and the help.

A `Modal` is a screen over the app with a centred box: a title on its border, a line of
key hints under it, and the dialog's own body.  The frame (size limits, border, colours)
is styled once in styles/global.tcss (`Modal > .modal-box`); a dialog only says what it
holds (`compose_body`) and, through its CSS id, how wide it may grow.  Modelled on
posting's widgets/confirmation.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget

from clustertui.report.escape import terminal

ResultT = TypeVar("ResultT")


class Modal(ModalScreen[ResultT]):
    """A dialog: `box_title` on the frame, `hint` (its keys) under it, `compose_body()` inside."""

    box_title: str = ""
    hint: str = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box") as box:
            box.border_title = terminal(self.box_title)  # names from the cluster file: data, not markup
            box.border_subtitle = terminal(self.hint)
            yield from self.compose_body()

    def compose_body(self) -> Iterable[Widget]:
        """The dialog's widgets, inside the frame."""
        raise NotImplementedError
