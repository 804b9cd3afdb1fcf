"""`check`, `report` and `monitor` with several cluster files, offline: every file is validated before
anything connects, each cluster keeps its usual output, and `report -o` needs `{cluster}`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.support.clusters import CLOSED_CLUSTER


@pytest.fixture
def two(tmp_path: Path) -> tuple[Path, Path]:
    """Two closed clusters (nothing is reached), named c and d."""
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(CLOSED_CLUSTER)
    second.write_text(CLOSED_CLUSTER.replace("name: c", "name: d"))
    return first, second


def test_offline_check_of_two_files_says_each(run: Run, two: tuple[Path, Path]) -> None:
    done = run("check", "--offline", *map(str, two))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{two[0]}: valid: cluster 'c', 3 nodes, 1 service, 1 endpoint, 0 drills",
        f"{two[1]}: valid: cluster 'd', 3 nodes, 1 service, 1 endpoint, 0 drills",
    ]
    data = json.loads(run("check", "--offline", "--json", *map(str, two)).stdout)
    assert data["ok"] is True and [c["cluster"] for c in data["clusters"]] == ["c", "d"]


def test_a_bad_file_among_several_is_one_line_before_connecting(run: Run, two: tuple[Path, Path],
                                                                 tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CLOSED_CLUSTER.replace("type: majority", "type: nope"))
    done = run("check", str(two[0]), str(bad), str(two[1]))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"clustertui: error: {bad}:3: type: expected one of 'majority', 'shared-disk' or 'single-node', found 'nope'"]
    as_json = run("check", "--json", str(two[0]), str(bad))
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["error"]["line"] == 3
    report = run("report", str(two[0]), str(bad), "--duration", "1s", "-o", str(tmp_path / "r-{cluster}.json"))
    assert report.returncode == 2 and f"{bad}:3: type" in report.stderr
    assert not list(tmp_path.glob("r-*.json"))


def test_two_files_naming_one_cluster_are_refused(run: Run, two: tuple[Path, Path], tmp_path: Path) -> None:
    same = tmp_path / "same.yaml"
    same.write_text(CLOSED_CLUSTER)
    done = run("check", str(two[0]), str(same))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"clustertui: error: {same}: cluster name 'c' is also {two[0]}'s; each file on "
                                   "the command line needs its own cluster name (the `name:` field)")
    twice = run("check", "--offline", str(two[0]), str(two[0]))
    assert twice.returncode == 2 and twice.stderr.strip() == f"clustertui: error: {two[0]}: given twice"


def test_check_of_two_unreachable_clusters_shows_each_under_its_heading(run: Run, two: tuple[Path, Path]) -> None:
    done = run("check", *map(str, two))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines.index(f"== cluster c ({two[0]}) ==") < lines.index(f"== cluster d ({two[1]}) ==")
    assert sum("unreachable (connection refused)" in line for line in lines) == 6
    assert lines[-1] == "2 clusters: 2 not healthy: c, d"
    data = json.loads(run("check", "--json", *map(str, two)).stdout)
    assert data["ok"] is False and [c["cluster"] for c in data["clusters"]] == ["c", "d"]
    assert all(n["state"] == "unreachable" for c in data["clusters"] for n in c["nodes"])
    assert set(data["clusters"][0]) >= {"cluster", "ok", "nodes", "endpoints", "managers", "frozen"}


def test_one_file_keeps_its_usual_json(run: Run, two: tuple[Path, Path]) -> None:
    data = json.loads(run("check", "--json", str(two[0])).stdout)
    assert data["cluster"] == "c" and "clusters" not in data


def test_check_lint_takes_one_file(run: Run, two: tuple[Path, Path]) -> None:
    done = run("check", "--lint", "--offline", *map(str, two))
    assert done.returncode == 2
    assert "--lint takes one file" in done.stderr


def test_report_of_several_files_needs_cluster_in_output(run: Run, two: tuple[Path, Path], tmp_path: Path) -> None:
    done = run("report", *map(str, two), "--duration", "1s", "-o", str(tmp_path / "r.html"))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"clustertui: error: -o {tmp_path / 'r.html'}: 2 files make one report per "
                                   "cluster: put {cluster} in -o, e.g. -o report-{cluster}.html")
    metrics = run("report", *map(str, two), "--duration", "1s", "-o", "r-{cluster}.json", "--metrics", "127.0.0.1:9108")
    assert metrics.returncode == 2 and "--metrics serves one cluster" in metrics.stderr


def test_report_of_two_files_writes_one_report_per_cluster(run: Run, two: tuple[Path, Path], tmp_path: Path) -> None:
    done = run("report", *map(str, two), "--duration", "1s", "-o", str(tmp_path / "out" / "r-{cluster}.json"))
    assert done.returncode == 3  # nothing could be reached: still one report each, then exit 3
    assert done.stderr.splitlines()[-1] == (
        "clustertui: error: no node of c, d could be reached; the report holds only their states")
    for name in ("c", "d"):
        data = json.loads((tmp_path / "out" / f"r-{name}.json").read_text())
        assert data["cluster"] == name and [n["name"] for n in data["nodes"]] == ["web1", "web2", "web3"]


def test_one_file_takes_cluster_in_output_too(run: Run, two: tuple[Path, Path], tmp_path: Path) -> None:
    done = run("report", str(two[1]), "--duration", "1s", "-o", str(tmp_path / "r-{cluster}.md"))
    assert done.returncode == 3 and f"wrote {tmp_path / 'r-d.md'}: 3 nodes (0 sampled)" in done.stderr
    assert (tmp_path / "r-d.md").exists() and not list(tmp_path.glob("r-{*"))


def test_monitor_of_several_files_refuses_a_repeated_name_and_a_bad_file(run: Run, two: tuple[Path, Path],
                                                                        tmp_path: Path) -> None:
    same = tmp_path / "same.yaml"
    same.write_text(CLOSED_CLUSTER)
    done = run("monitor", str(two[0]), str(same))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"clustertui: error: {same}: cluster name 'c' is also {two[0]}'s; each file on the command line needs its "
        "own cluster name (the `name:` field)"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(CLOSED_CLUSTER.replace("type: majority", "type: nope"))
    done = run("monitor", str(two[0]), str(bad))
    assert done.returncode == 2 and done.stderr.splitlines() == [
        f"clustertui: error: {bad}:3: type: expected one of 'majority', 'shared-disk' or 'single-node', found 'nope'"]


def test_monitor_of_several_files_loads_them_all_then_wants_a_terminal(run: Run, two: tuple[Path, Path]) -> None:
    # both files valid: what stops it here is the missing terminal, as with one file
    done = run("monitor", *map(str, two))
    assert done.returncode == 2 and "the monitor needs a terminal" in done.stderr
    metrics = run("monitor", *map(str, two), "--metrics", "127.0.0.1:9108")
    assert metrics.returncode == 2
    assert metrics.stderr.strip() == ("clustertui: error: --metrics takes one cluster file: run one "
                                      "`clustertui serve FILE --metrics` per cluster")
