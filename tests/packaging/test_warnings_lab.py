"""No deprecation warning at run time: a real `clustertui check` against the lab.

The packaging test covers start-up and imports; this covers what only a connection does
(asyncssh's key exchange, ciphers and host-key checks, the probe's parsing).  Deprecations
are errors here, and any other warning printed on stderr fails the test too
(cryptography's own deprecation warnings are UserWarnings, not DeprecationWarnings).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.lab
def test_check_against_the_lab_warns_about_nothing(lab) -> None:
    res = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-m", "clustertui", "check", str(lab.cluster_file)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Warning" not in res.stderr, res.stderr
    assert "web1" in res.stdout
