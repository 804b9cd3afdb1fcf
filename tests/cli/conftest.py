from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.clusters import CLOSED_CLUSTER

REPO = Path(__file__).resolve().parents[2]
Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run `clustertui ARGS` as a user would: a new process, in tmp_path, HOME there too."""

    def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
        environment = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / ".config"),
                       "PYTHONPATH": str(REPO), **(env or {})}
        return subprocess.run([sys.executable, "-m", "clustertui", *args], capture_output=True, text=True,
                              cwd=cwd or tmp_path, env=environment, timeout=120, check=False)

    return run


@pytest.fixture
def closed_cluster(tmp_path: Path) -> Path:
    """A cluster file whose nodes are closed ports on 127.0.0.0/8 (nothing is reached)."""
    path = tmp_path / "c.yaml"
    path.write_text(CLOSED_CLUSTER)
    return path
