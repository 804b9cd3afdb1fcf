"""The command line as a user runs it: a fresh interpreter per call."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from tests.support.paths import REPO

T = TypeVar("T")


def run_cli(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`clustertui ARGS` in a fresh interpreter, exactly as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "clustertui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def run_cli_here(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`clustertui ARGS` through the console script's own entry point (``main()``: click's
    parsing, the one-line errors, the exit codes), in this interpreter: no start-up cost.

    For the many cheap calls of a test that is about what the CLI accepts or refuses (input
    validation); not thread-safe (it swaps sys.argv, sys.stdout and sys.stderr)."""
    from unittest import mock

    from clustertui.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with mock.patch.object(sys, "argv", ["clustertui", *args]), mock.patch.dict(os.environ, env or {}), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["clustertui", *args], returncode, out.getvalue(), err.getvalue())


def run_cli_all(calls: list[tuple[str, ...]], env: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """`run_cli` of each argument tuple, all at once (fresh interpreters side by side), in order:
    for the independent calls of a test (read-only views, dry runs), which need not wait for
    each other."""
    with ThreadPoolExecutor(max(1, len(calls))) as pool:
        return list(pool.map(lambda args: run_cli(*args, env=env), calls))


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Several calls (reads of one state through the CLI, mostly) run at once in threads;
    their answers in the order given (`run_cli_all` when all are plain CLI runs with one env).
    The first exception raised is raised here."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))
