"""`source:` of the cluster file: every bad value is one file:line error naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustertui.config import ConfigError, load_cluster

HEAD = "name: c\ntype: majority\nnodes:\n  - {name: a, host: 127.0.0.1}\nsource:\n"


def load(tmp_path: Path, body: str):
    path = tmp_path / "c.yaml"
    path.write_text(HEAD + body)
    return load_cluster(path)


def test_defaults(tmp_path: Path) -> None:
    source = load(tmp_path, "  prometheus: http://127.0.0.1:9090\n").metrics_source
    assert source is not None and source.node_label is None and source.selector == ""
    assert (source.window, source.timeout) == (60.0, 2.0)


def test_all_fields(tmp_path: Path) -> None:
    source = load(tmp_path, '  prometheus: https://prom.example:9090/prefix\n  node_label: node\n'
                            '  selector: \'job="node", env!~"dev|test"\'\n  window: 30s\n  timeout: 500ms\n'
                            '  headers: {Authorization: "Bearer x"}\n').metrics_source
    assert source is not None and source.selector == 'job="node", env!~"dev|test"' and source.window == 30.0


@pytest.mark.parametrize(("body", "line", "message"), [
    ("  prometheus: ftp://x\n", 6, "source.prometheus: expected an http:// or https:// URL"),
    ("  node_label: node\n", 5, "source.prometheus: "),
    ("  prometheus: http://p:9090\n  node_label: 9node\n", 7, "source.node_label: expected a Prometheus label name"),
    ("  prometheus: http://p:9090\n  selector: job=node\n", 7, "source.selector: expected label matchers"),
    ("  prometheus: http://p:9090\n  selector: 'job=\"a\"} or vector(1)'\n", 7, "source.selector: expected label"),
    ("  prometheus: http://p:9090\n  window: 0s\n", 7, "source.window: "),
    ("  prometheus: http://p:9090\n  timeout: soon\n", 7, "source.timeout: "),
    ("  prometheus: http://p:9090\n  intreval: 1s\n", 7, "source.intreval: unknown field"),
])
def test_bad_values(tmp_path: Path, body: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, body)
    assert f"c.yaml:{line}: {message}" in str(caught.value)
