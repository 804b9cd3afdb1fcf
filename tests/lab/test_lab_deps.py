"""`lab deps --install`: apt-get runs under a deny-all policy-rc.d that is restored after."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clustertui.lab import LabError, deps

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="install() refuses to run without root")


def _fake_apt(tmp_path: Path, policy: Path, exit_code: int = 0) -> tuple[Path, Path]:
    log = tmp_path / "apt.log"
    script = tmp_path / "fake-apt-get"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$* | DEBIAN_FRONTEND=$DEBIAN_FRONTEND | $({policy}; echo $?)" >> {log}\n'
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return script, log


def test_install_denies_daemon_starts_and_restores_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 0\n")
    policy.chmod(0o750)
    apt, log = _fake_apt(tmp_path, policy)
    installed = deps.install(
        ["haproxy", "lxcfs"], echo=lambda _m: None, apt_get=str(apt), policy_rc_d=policy, stop_started_daemons=False
    )
    assert installed == ["haproxy", "lxcfs"]
    lines = log.read_text().splitlines()
    assert lines[0] == "update | DEBIAN_FRONTEND=noninteractive | 101"
    assert lines[1] == "install -y --no-install-recommends haproxy lxcfs | DEBIAN_FRONTEND=noninteractive | 101"
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"
    assert policy.stat().st_mode & 0o777 == 0o750


def test_install_failure_restores_absent_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    apt, _log = _fake_apt(tmp_path, policy, exit_code=100)
    with pytest.raises(LabError, match="failed with exit 100"):
        deps.install(
            ["nginx-light"], echo=lambda _m: None, apt_get=str(apt), policy_rc_d=policy, stop_started_daemons=False
        )
    assert not policy.exists()


def test_nothing_to_install(tmp_path: Path) -> None:
    done = deps.install([], echo=lambda _m: None, apt_get="true", policy_rc_d=tmp_path / "p", stop_started_daemons=False)
    assert done == []
