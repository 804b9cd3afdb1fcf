"""Where things are: the repository and the lab's cluster file."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAB_FILE = REPO / "sample_clusters" / "lab.yaml"
