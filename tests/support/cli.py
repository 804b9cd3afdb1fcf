"""The command line as a user runs it: a fresh interpreter per call."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.paths import REPO


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
