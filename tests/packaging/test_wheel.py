"""The wheel is the product: built, installed into a fresh venv, run from another directory.

`python -m build` makes the sdist and then the wheel *from the sdist* (so a file missing
from the sdist breaks the wheel too).  The wheel goes into a new venv in a temporary
directory, and every check runs with that directory as the working directory, far from the
source tree: what an installed clustertui reads at run time (themes, sample cluster files,
the lab's templates and cluster file, the probe) must come from the wheel.  The install uses
uv (a fresh venv in about 2 s from the warm cache; pip resolves the same in about 30 s).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tarfile
import termios
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import clustertui

REPO = Path(__file__).resolve().parents[2]
#: nord's background (#2E3440) as a truecolor escape: the screen was drawn with nord.
NORD_BACKGROUND = b"48;2;46;52;64"


@dataclass(frozen=True)
class Installed:
    dist: Path
    venv: Path
    workdir: Path  # an empty directory outside the source tree: every command runs here
    build_output: str

    def run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return subprocess.run(
            [str(self.venv / "bin" / argv[0]), *argv[1:]],
            cwd=self.workdir, capture_output=True, text=True, timeout=timeout, env=env,
        )  # fmt: skip

    def python(self, code: str) -> str:
        res = self.run("python", "-c", code)
        assert res.returncode == 0, res.stderr
        return res.stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("packaging")
    dist, venv, workdir = root / "dist", root / "venv", root / "elsewhere"
    workdir.mkdir()
    build = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)],
        capture_output=True, text=True, timeout=300, cwd=root,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120)
    (wheel,) = dist.glob("*.whl")
    subprocess.run(
        [*uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(wheel)], check=True, timeout=300
    )
    yield Installed(dist, venv, workdir, build.stdout + build.stderr)


def test_the_build_is_clean(installed: Installed) -> None:
    assert not re.search(r"(?i)deprecat|warning", installed.build_output), installed.build_output


def test_the_sdist_holds_the_source(installed: Installed) -> None:
    (sdist,) = installed.dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for expected in (
        "pyproject.toml", "README.md", "LICENSE", "Makefile", ".ci/run",
        "themes/nord.toml", "sample_clusters/lab.yaml", "docs/lab.md",
        "tests/conftest.py", "tests/packaging/test_wheel.py", "clustertui/probe/probe.awk",
    ):  # fmt: skip
        assert expected in names, f"{expected} is missing from the sdist"
    assert not [n for n in names if "__pycache__" in n or n.startswith((".venv", "dist/"))]


def test_the_wheel_holds_the_package_and_its_data(installed: Installed) -> None:
    (wheel,) = installed.dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "clustertui/_data/themes/nord.toml", "clustertui/_data/sample_clusters/lab.yaml",
        "clustertui/probe/probe.awk", "clustertui/lab/templates/node-init.sh",
        "clustertui/report/templates/base.html.j2", "clustertui/report/templates/report.css",
    ):  # fmt: skip
        assert expected in names, f"{expected} is missing from the wheel"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_version_has_one_source(installed: Installed) -> None:
    res = installed.run("clustertui", "--version")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"clustertui, version {clustertui.__version__}"
    assert installed.python("import importlib.metadata as m; print(m.version('clustertui'))") == clustertui.__version__
    meta = installed.python("import importlib.metadata as m; print(m.metadata('clustertui')['License-Expression'])")
    assert meta == "MIT"


def test_no_deprecation_warning_at_start(installed: Installed) -> None:
    res = installed.run("python", "-W", "error::DeprecationWarning", "-m", "clustertui", "--version")
    assert res.returncode == 0 and not res.stderr, res.stderr
    # asyncssh and everything the headless commands load, imported with warnings as errors.
    res = installed.run("python", "-W", "error", "-c", "import asyncssh, clustertui.cli.main")
    assert res.returncode == 0 and not res.stderr, res.stderr


def test_data_comes_from_the_installed_package(installed: Installed) -> None:
    site = installed.python("import clustertui, pathlib; print(pathlib.Path(clustertui.__file__).parent)")
    assert str(installed.venv) in site
    found = installed.python(
        "from clustertui import resources; print(resources.themes_dir()); print(resources.sample_cluster('lab.yaml'))"
    ).splitlines()
    assert all(path.startswith(site) for path in found), found
    # The lab's templates and the probe program load from the wheel too.
    installed.python(
        "from clustertui.lab.configs import template_text; assert 'init' in template_text('node-init.sh');"
        "from clustertui.probe.plan import ProbePlan; assert 'awk' in ProbePlan().command(1.0)"
    )


def test_check_offline_on_every_packaged_sample(installed: Installed) -> None:
    samples = installed.python(
        "from clustertui import resources; print('\\n'.join(str(p) for p in resources.sample_clusters()))"
    ).splitlines()
    assert len(samples) >= 4 and any(s.endswith("/lab.yaml") for s in samples)
    for sample in samples:
        res = installed.run("clustertui", "check", "--offline", sample)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "valid" in res.stdout


def test_init_writes_a_file_that_checks(installed: Installed) -> None:
    """`clustertui init` from the wheel: a template, and nodes from an ssh_config."""
    ssh_config = installed.workdir / "ssh_config"
    ssh_config.write_text("Host web1\n    HostName 127.0.0.1\n    User sre\n")
    for name, source in (("template.yaml", []), ("from-ssh.yaml", ["--from-ssh-config", "--ssh-config", str(ssh_config)])):
        res = installed.run("clustertui", "init", "-o", name, *source)
        assert res.returncode == 0, res.stdout + res.stderr
        check = installed.run("clustertui", "check", "--offline", name)
        assert check.returncode == 0, check.stdout + check.stderr
    assert "web1" in (installed.workdir / "from-ssh.yaml").read_text()


def test_the_theme_list(installed: Installed) -> None:
    names = installed.python("from clustertui.tui.themes import ThemeCatalog; print(' '.join(ThemeCatalog.load().names))")
    assert names.split() == ["default", "gruvbox", "high-contrast", "light", "nord"]
    # An unknown --theme is a usage error that lists the themes the wheel brought.
    (installed.workdir / "c.yaml").write_text(_one_node_file(installed.workdir))
    res = installed.run("clustertui", "monitor", "c.yaml", "--theme", "nope")
    assert res.returncode == 2
    assert "available: default, gruvbox, high-contrast, light, nord" in res.stderr


def _one_node_file(workdir: Path) -> str:
    """A cluster of one node that refuses connections (127.0.0.1, port 1): no traffic leaves."""
    for name in ("id", "known_hosts"):
        (workdir / name).touch()
    return (
        "name: packaged\ntype: single-node\ninterval: 1s\n"
        f"ssh: {{user: root, identity: {workdir}/id, known_hosts: {workdir}/known_hosts, connect_timeout: 1s}}\n"
        "nodes:\n  - {name: solo, host: 127.0.0.1, port: 1}\n"
    )


def test_monitor_with_nord_in_a_terminal(installed: Installed) -> None:
    """`clustertui monitor FILE --theme nord` in a real pseudo-terminal: it draws with nord, q quits."""
    (installed.workdir / "c.yaml").write_text(_one_node_file(installed.workdir))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", COLUMNS="100", LINES="30")
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the monitor
        os.chdir(installed.workdir)
        os.execve(str(installed.venv / "bin" / "clustertui"), ["clustertui", "monitor", "c.yaml", "--theme", "nord"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    screen, status = b"", None
    try:
        screen = _read_until(fd, lambda out: NORD_BACKGROUND in out and b"solo" in out, timeout=30)
        os.write(fd, b"q")
        _read_until(fd, lambda _out: False, timeout=10)  # until the app closes the terminal
        end = time.monotonic() + 10
        while status is None and time.monotonic() < end:
            done, code = os.waitpid(pid, os.WNOHANG)
            status = code if done else None
            time.sleep(0.05)
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert NORD_BACKGROUND in screen and b"solo" in screen, screen[-2000:]
    assert status is not None, "q did not quit the monitor within 10 s"
    assert os.waitstatus_to_exitcode(status) == 0


def _read_until(fd: int, done: Callable[[bytes], bool], timeout: float) -> bytes:
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not done(out):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    return out


@pytest.mark.lab
def test_lab_up_from_the_wheel_names_the_packaged_cluster_file(installed: Installed, lab) -> None:
    """`lab up` (idempotent on the running lab) from the installed tool; its hint is usable."""
    res = installed.run("clustertui", "lab", "up", timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    site = installed.python("import clustertui, pathlib; print(pathlib.Path(clustertui.__file__).parent)")
    hint = re.search(r"cluster file: (\S+)", res.stdout)
    assert hint is not None and hint.group(1) == f"{site}/_data/sample_clusters/lab.yaml", res.stdout
    check = installed.run("clustertui", "check", hint.group(1), timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
