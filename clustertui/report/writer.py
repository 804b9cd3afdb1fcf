"""Pick the exporter by the output file's extension, and write atomically."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from clustertui.report import csv_report, html_report, json_report, md_report
from clustertui.report.recording import Recording

R = TypeVar("R")

RENDERERS: dict[str, Callable[[Recording], str]] = {
    ".json": json_report.render,
    ".md": md_report.render,
    ".html": html_report.render,
    ".csv": csv_report.render,
}


def supported(path: Path) -> bool:
    return path.suffix.lower() in RENDERERS


def render_report(rec: Recording, path: Path) -> str:
    """The report for `path`, in the format its extension names."""
    return RENDERERS[path.suffix.lower()](rec)


def write_report(rec: Recording, path: Path) -> None:
    write_atomic(path, render_report(rec, path))


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_run_reports(directory: Path, name: str, started: float, renderers: Mapping[str, Callable[[R], str]],
                     result: R) -> Path:
    """A finished run's HTML and JSON reports, as DIRECTORY/NAME-YYYYmmdd-HHMMSS.{json,html}
    (what the TUI saves for a drill or a game day); returns the HTML one's path."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    paths = {suffix: directory / f"{name}-{stamp}{suffix}" for suffix in (".json", ".html")}
    for suffix, path in paths.items():
        write_atomic(path, renderers[suffix](result))
    return paths[".html"]
