"""Whatever the file holds, load_cluster returns a Cluster or raises a one-line ConfigError."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from clustertui.config import Cluster, ConfigError, load_cluster

ONE_LINE = re.compile(r"^[^\n]+:\d+: ")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = [
    "name", "type", "interval", "ssh", "nodes", "services", "endpoints", "chaos", "drills", "import", "host",
    "port", "roles", "labels", "user", "identity", "known_hosts", "process", "systemd", "http", "tcp", "fault",
    "target", "kind", "service", "node", "role", "primary", "command", "traffic", "x-any", "<<",
]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
tricky = st.sampled_from(
    ["web[1-3]", "web[3-1]", "198.18.0.[1-2]", "${HOME}", "${CT_FUZZ_UNSET}", "${", "$${X}", "~", "5s", "0ms",
     "-1s", "http://{host}/", "a:1", "[::1]:80", "nginx;id", "", " ", "majority", "web", "db", "kill", "\ttab"]
)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | text | tricky
keys = st.sampled_from(KEYS) | text | st.integers(-3, 3)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=25
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually `strategy`, sometimes anything at all (near-valid shapes)."""
    return st.integers(0, 15).flatmap(lambda roll: strategy if roll else scalars | documents)


names = maybe(st.sampled_from(["web1", "web2", "web[1-3]", "db[01-02]", "lb1", "x y"]))
roles = maybe(st.lists(maybe(st.sampled_from(["web", "db", "lb"])), max_size=3))
durations = maybe(st.sampled_from(["1s", "50ms", "2m", 3, 0, "1h", "x"]))
ssh = st.fixed_dictionaries(
    {},
    optional={
        "user": maybe(st.sampled_from(["root", "ops"])),
        "port": maybe(st.integers(-1, 70000)),
        "connect_timeout": durations,
        "trust_on_first_use": maybe(st.booleans()),
        "become": maybe(st.just("sudo")),
        "proxy_jump": maybe(st.sampled_from(["bastion", "u@b:22", "a,b"])),
        "known_hosts": maybe(st.just("/nonexistent/kh")),
    },
)
node = st.fixed_dictionaries(
    {"name": names},
    optional={
        "host": maybe(st.sampled_from(["198.18.0.1", "198.18.0.[1-3]", "h[01-03].example", "::1"])),
        "port": maybe(st.integers(-1, 70000)),
        "roles": roles,
        "labels": maybe(st.dictionaries(st.sampled_from(["zone", "rack"]), scalars, max_size=2)),
        "ssh": maybe(ssh),
    },
)
service = st.fixed_dictionaries(
    {"roles": roles},
    optional={
        "process": maybe(st.sampled_from(["nginx", "redis-server", "a/b", "x" * 16])),
        "systemd": maybe(st.sampled_from(["nginx.service", "-x"])),
        "port": maybe(st.integers(0, 70000)),
        "http": maybe(st.sampled_from(["http://{host}/", "ftp://x"])),
    },
)
drill = st.fixed_dictionaries(
    {
        "fault": maybe(st.fixed_dictionaries({"kind": maybe(st.sampled_from(["kill", "cpu-hog", "block-port"]))},
                                             optional={"service": names, "port": maybe(st.integers(0, 70000))})),
        "target": maybe(st.fixed_dictionaries({}, optional={"node": names, "role": names, "pick": maybe(st.just("random"))})),
    },
    optional={"hold": durations, "traffic": maybe(st.lists(st.fixed_dictionaries({"http": maybe(st.just("http://x/"))}), max_size=2))},
)
clusters = st.fixed_dictionaries(
    {
        "name": maybe(st.just("c")),
        "type": maybe(st.sampled_from(["majority", "shared-disk", "single-node"])),
        "nodes": maybe(st.lists(node, max_size=4)),
    },
    optional={
        "interval": durations,
        "ssh": maybe(ssh),
        "services": maybe(st.dictionaries(st.sampled_from(["nginx", "redis", "bad name"]), service, max_size=3)),
        "endpoints": maybe(st.dictionaries(st.just("vip"), st.fixed_dictionaries({}, optional={"http": maybe(st.just("http://v/")), "tcp": maybe(st.just("v:80"))}), max_size=1)),
        "chaos": maybe(st.fixed_dictionaries({}, optional={"enabled": maybe(st.booleans()), "allow_roles": roles, "allow_nodes": roles, "default_ttl": durations})),
        "drills": maybe(st.dictionaries(st.just("d"), drill, max_size=1)),
        "import": maybe(st.fixed_dictionaries({"ssh_config": maybe(st.just("/nonexistent/ssh_config"))})),
    },
)


def _dump(document: Any) -> str:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(document, stream)
    return stream.getvalue()


def _check(content: bytes, check_files: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(content)
        try:
            assert isinstance(load_cluster(path, check_files=check_files), Cluster)
        except ConfigError as error:
            assert ONE_LINE.match(str(error)), str(error)
            assert "\n" not in str(error)


@FAST
@given(documents, st.booleans())
def test_random_documents(document: Any, check_files: bool) -> None:
    _check(_dump(document).encode(), check_files)


@FAST
@given(clusters, st.booleans())
def test_near_valid_clusters(document: Any, check_files: bool) -> None:
    _check(_dump(document).encode(), check_files)


TOKENS = [
    "name: ", "type: majority", "nodes:", "host: ", "x-a: ", "\n", "  ", "- ", "{", "}", "[", "]", ", ", ": ", "? ",
    "&a ", "*a", "<<: ", "!!set ", "!!omap ", "!!binary ", "!!str ", "!t ", "!!int ", "!!float ", "!!bool ", "!!null ",
    "!!timestamp ", "!!map ", "!!seq ", "!!merge ", "abc", "-1", "%YAML 1.1\n", "---\n", "...\n", "|\n",
    ">-\n", "'", '"', "#", "\t", "web[1-3]", "${X}", "${CT_FUZZ_UNSET}", "0x1", "1", "1.5", "~", "null", "2001-01-01",
]
yamlish = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@FAST
@given(st.binary(max_size=200) | text.map(str.encode) | yamlish.map(str.encode))
def test_random_bytes(content: bytes) -> None:
    _check(content, check_files=False)
