"""`clustertui check --offline` counts in the singular and the plural: `1 node`, `2 drills`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ONE_OF_EACH = """\
name: t
type: majority
nodes:
  - {name: a, host: 127.0.0.1, roles: [web]}
services:
  ssh: {roles: [web], port: 22}
"""


def test_check_counts_in_the_singular(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(ONE_OF_EACH)
    done = subprocess.run([sys.executable, "-m", "clustertui", "check", str(path), "--offline"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{path}: valid: cluster 't', 1 node, 1 service, 0 endpoints, 0 drills"
