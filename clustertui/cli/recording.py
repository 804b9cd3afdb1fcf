"""Runs recorded in the history from the command line (`drill`, `gameday`): the recorder's
database is opened once before the run, so that a locked, damaged or too new file is refused
then (its exit code, one line), not found out after an hour of game day."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypeVar

from clustertui.cli.exits import fail


class _Recorder(Protocol):
    path: Path


R = TypeVar("R", bound=_Recorder)


def checked(recorder: R, what: str) -> R:
    """`recorder`, once its database opens; else exit with the history's code."""
    from clustertui.history import HistoryError, HistoryStore

    try:
        HistoryStore(recorder.path).close()
    except HistoryError as exc:
        fail(f"{exc}; --no-history runs the {what} without it", exc.exit_code)
    return recorder
