"""Whole-process timing of a clustertui command, shared by the benches that time the CLI
(history.py, coverage.py): a process start is what a user waits for, so it is timed whole."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(args: list[str], env: dict[str, str], repeat: int = 5) -> tuple[float, float, float]:
    """Median, min and max wall time of `clustertui ARGS` (after one warm-up run)."""
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "clustertui", *args], capture_output=True, env=env, cwd=REPO,
                              check=False)
        elapsed = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"{args}: exit {done.returncode}: {done.stderr.decode()[-400:]}")
        if i:
            times.append(elapsed)
    return statistics.median(times), min(times), max(times)
