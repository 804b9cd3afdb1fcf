"""Report files named on the command line (`report -o`, `drill` and `gameday` `-o/--junit`).

A path that cannot be written is found before anything runs (one line, exit 2), not after
an hour of recording. If writing still fails at the end (the disk filled, the directory
went away), the report is saved in the state directory instead and one line says where:
the data is never lost.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from clustertui.cli.exits import CANNOT_RUN, USAGE, fail
from clustertui.cli.output import safe

R = TypeVar("R")


def check_writable(option: str, path: Path) -> None:
    """Exit 2 now if `path` could not be written: an existing directory, or a parent that
    is not a writable directory (tried with a real temporary file next to it)."""
    if path.is_dir():
        fail(f"{option} {path}: is a directory", USAGE)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".check")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        fail(f"{option} {path}: cannot write there: {exc.strerror or exc}", USAGE)


def fallback_dir() -> Path:
    from clustertui.chaos.audit import state_dir

    return state_dir() / "reports"


def write_or_save(path: Path, text: str) -> Path | None:
    """Write `text` to `path` atomically; if that fails, to the state directory, saying
    where on stderr. Returns the fallback path when one was used (None: written as asked)."""
    from clustertui.report.writer import write_atomic

    try:
        write_atomic(path, text)
        return None
    except OSError as exc:
        saved = fallback_dir() / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{path.name}"
        try:
            write_atomic(saved, text)
        except OSError as again:
            fail(f"could not write {path} ({exc.strerror or exc}) nor {saved} ({again.strerror or again}): "
                 "the report is lost", CANNOT_RUN)
        print(safe(f"clustertui: error: could not write {path} ({exc.strerror or exc}); saved it to {saved}"),
              file=sys.stderr)
        return saved


def check_report_format(output: str | None, renderers: Mapping[str, object]) -> None:
    """`-o` of a drill or a game day must name a format it writes (exit 2)."""
    if output and Path(output).suffix.lower() not in renderers:
        fail(f"{output}: unknown report format {Path(output).suffix or '(none)'!r}; use one of {', '.join(renderers)}",
             USAGE)


def check_report_paths(output: str | None, junit: str | None) -> None:
    """Both report paths must be writable: exit 2 before the run, not after it."""
    for option, value in (("-o", output), ("--junit", junit)):
        if value:
            check_writable(option, Path(value))


def write_reports(result: R, output: str | None, junit: str | None, renderers: Mapping[str, Callable[[R], str]],
                  render_junit: Callable[[R], str]) -> bool:
    """Write the reports asked for; True when one had to be saved elsewhere (said on stderr)."""
    saved = False
    for path, render in ((output, renderers.get(Path(output or "").suffix.lower())), (junit, render_junit)):
        if path and render is not None:
            elsewhere = write_or_save(Path(path), render(result))
            saved = saved or elsewhere is not None
            if elsewhere is None:
                print(safe(f"wrote {path}"), file=sys.stderr)
    return saved
