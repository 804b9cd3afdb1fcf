"""Cluster files with hostile nodes, the CLI as a user runs it, and what output may hold."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]

#: Control characters no output of clustertui may carry from a node: C0 (except \t and \n),
#: DEL and C1. ESC starts CSI/OSC sequences, BEL ends OSC titles.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`clustertui ARGS` in a fresh interpreter, output decoded leniently (a node may send anything)."""
    result = subprocess.run(
        [sys.executable, "-m", "clustertui", *args], capture_output=True, timeout=timeout, cwd=REPO
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")
    )


def write_cluster(path: Path, nodes: list[dict[str, Any]], base: Path | None = None, **extra: Any) -> Path:
    """A cluster file: the hostile node(s), plus the lab's file (nodes, services...) if given."""
    yaml = YAML()
    doc: dict[str, Any]
    if base is not None:
        doc = yaml.load(base.read_text())
        doc["nodes"] = list(doc["nodes"]) + nodes
    else:
        doc = {"name": "hostile", "type": "majority", "interval": "1s", "nodes": nodes}
    doc.update(extra)
    with path.open("w") as out:
        yaml.dump(doc, out)
    return path
