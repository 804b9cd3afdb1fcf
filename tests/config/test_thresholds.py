"""`thresholds:`: defaults, a section with one bound, and one FILE:LINE line per bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from clustertui.config import ConfigError, load_cluster
from clustertui.config.thresholds import Level, Thresholds

HEAD = """\
name: t
type: majority
nodes:
  - {name: a, host: 127.0.0.1}
"""


def test_defaults_without_a_section(write) -> None:
    cluster = load_cluster(write(HEAD), check_files=False)
    assert cluster.thresholds == Thresholds()
    assert (cluster.thresholds.cpu.warn, cluster.thresholds.cpu.bad) == (70, 90)
    assert (cluster.thresholds.memory.warn, cluster.thresholds.memory.bad) == (80, 92)


def test_a_section_with_one_bound_keeps_the_other_default(write) -> None:
    path = write(HEAD + "thresholds:\n  cpu: {warn: 50}\n  memory: {warn: 60, bad: 70.5}\n  load: {bad: 4}\n")
    limits = load_cluster(path, check_files=False).thresholds
    assert (limits.cpu.warn, limits.cpu.bad) == (50, 90)
    assert (limits.memory.warn, limits.memory.bad) == (60, 70.5)
    assert (limits.load.warn, limits.load.bad) == (1.0, 4)
    assert [limits.cpu.level(v) for v in (None, float("nan"), 49.9, 50, 89.9, 90, 100)] == [
        None, None, Level.OK, Level.WARN, Level.WARN, Level.BAD, Level.BAD]


@pytest.mark.parametrize(
    ("section", "error"),
    [
        ("  memory:\n    warn: 95\n    bad: 90\n", "6: thresholds.memory: expected warn below bad, found warn 95 and bad 90"),
        ("  cpu: {warn: 95}\n", "6: thresholds.cpu: expected warn below bad, found warn 95 and bad 90"),
        ("  disk: {warn: high}\n", "6: thresholds.disk.warn: expected a percentage from 0 to 100, found 'high'"),
        ("  swap:\n    bad: 101\n", "7: thresholds.swap.bad: expected a percentage from 0 to 100, found 101"),
        ("  load: {warn: -1}\n", "6: thresholds.load.warn: expected a positive number (load per core), found -1"),
        ("  cpu: 80\n", "6: thresholds.cpu: expected a mapping"),
        ("  cpus: {warn: 1}\n", "6: thresholds.cpus: unknown field, did you mean 'cpu'?"),
    ],
)
def test_bad_values_name_file_line_and_field(write, section: str, error: str) -> None:
    path = write(HEAD + "thresholds:\n" + section)
    with pytest.raises(ConfigError) as caught:
        load_cluster(path, check_files=False)
    assert str(caught.value).startswith(f"{path}:{error}"), str(caught.value)


def test_check_exits_2_with_one_line(write) -> None:
    path = write(HEAD + "thresholds:\n  psi: {warn: 30, bad: 20}\n")
    done = subprocess.run([sys.executable, "-m", "clustertui", "check", str(path), "--offline"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"clustertui: error: {path}:6: thresholds.psi: expected warn below bad, found warn 30 and bad 20"]

