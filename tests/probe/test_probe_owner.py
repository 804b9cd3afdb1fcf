"""The probe counts a service's processes by name AND owner (issue 9, defect 9): a process
of another user that carries the service's name is not the service."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clustertui.probe.parse import parse_frame
from clustertui.probe.plan import ProbePlan, ServiceCheck
from tests.support.probe import run_probe

NAME = "ctui-spoofd"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")


@pytest.fixture
def impostor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of sleep named like a service, run as nobody."""
    folder = tmp_path_factory.mktemp("spoof")
    folder.chmod(0o755)
    binary = folder / NAME
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    binary.chmod(0o755)
    proc = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(binary), "60"])
    try:
        time.sleep(0.2)
        yield binary
    finally:
        proc.kill()
        proc.wait()


def _count(owner: str) -> int | None:
    plan = ProbePlan(services=(ServiceCheck("svc", process=NAME, owner=owner),))
    (frame,) = run_probe(plan, interval=0.2, count=1)
    return parse_frame(frame, plan, time.time()).services["svc"].process_count


def test_a_same_named_process_of_another_user_is_not_the_service(impostor: Path) -> None:
    assert _count("root") == 0
    assert _count("nobody") == 1
    assert _count("65534") == 1
    assert _count("no-such-user") == 0  # an owner the node does not know: nothing counts
    real = subprocess.Popen([str(impostor), "60"])  # the same program, run by root
    try:
        time.sleep(0.2)
        assert _count("root") == 1
    finally:
        real.kill()
        real.wait()


def test_an_owner_must_be_plain() -> None:
    with pytest.raises(ValueError, match="owner"):
        ProbePlan(services=(ServiceCheck("svc", process=NAME, owner="x'; reboot; '"),))
