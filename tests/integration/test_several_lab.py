"""`check` and `report` with two cluster files on the real lab: the lab's own file and a
copy named lab2 (same nodes, another cluster), both checked and recorded at once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.lab


@pytest.fixture
def lab2(lab, tmp_path: Path) -> Path:
    path = tmp_path / "lab2.yaml"
    text = Path(lab.cluster_file).read_text()
    assert "\nname: lab\n" in text
    path.write_text(text.replace("\nname: lab\n", "\nname: lab2\n", 1))
    return path


def test_check_two_lab_files_at_once(lab, lab2: Path) -> None:
    started = time.monotonic()
    data = json.loads(run_cli("check", "--json", str(lab.cluster_file), str(lab2)).stdout)
    assert [c["cluster"] for c in data["clusters"]] == ["lab", "lab2"]
    assert data["ok"] is True, data
    assert all(n["state"] == "up" for c in data["clusters"] for n in c["nodes"])
    text = run_cli("check", str(lab.cluster_file), str(lab2))
    assert text.returncode == 0, text.stdout + text.stderr
    assert f"== cluster lab2 ({lab2}) ==" in text.stdout
    assert text.stdout.splitlines()[-1] == "2 clusters: all healthy"
    assert time.monotonic() - started < 60


def test_report_two_lab_files_at_once(lab, lab2: Path, tmp_path: Path) -> None:
    done = run_cli("report", str(lab.cluster_file), str(lab2), "--duration", "3s",
                   "-o", str(tmp_path / "{cluster}.json"))
    assert done.returncode == 0, done.stderr
    for name in ("lab", "lab2"):
        data = json.loads((tmp_path / f"{name}.json").read_text())
        assert data["cluster"] == name
        assert all(node["samples"] for node in data["nodes"]), name
