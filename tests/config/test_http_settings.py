"""The http keys of services, endpoints and drill traffic: headers, TLS trust, redirects."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from clustertui.config import ConfigError, load_cluster
from clustertui.transport.netcheck import HttpOptions

Write = Callable[..., Path]
HEAD = "name: t\ntype: single-node\nnodes: [{name: n1, host: 127.0.0.1, roles: [web]}]\n"


def test_every_http_key_reaches_the_check(write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_TOKEN", "t0k")
    (tmp_path / "ca.pem").write_text("pem\n")
    path = write(
        HEAD
        + "services:\n"
        "  api: {roles: [web], http: 'https://{host}/health', ca_file: ca.pem, server_name: api.internal,\n"
        "        headers: {Host: api.internal, Authorization: 'Bearer ${API_TOKEN}'}}\n"
        "endpoints:\n"
        "  vip: {http: 'https://198.18.0.100/', insecure: true, follow_redirects: true, max_redirects: 2}\n"
        "  plain: {http: 'http://198.18.0.100/'}\n"
    )
    cluster = load_cluster(path)
    service = HttpOptions.of(cluster.services["api"])
    assert service.ca_file == str(tmp_path / "ca.pem")  # relative to the cluster file
    assert service.headers == (("Host", "api.internal"), ("Authorization", "Bearer t0k"))
    assert service.server_name == "api.internal" and not service.insecure and service.max_redirects == 0
    vip = HttpOptions.of(cluster.endpoints["vip"])
    assert vip.insecure and vip.max_redirects == 2 and vip.ca_file is None
    assert HttpOptions.of(cluster.endpoints["plain"]) == HttpOptions()  # redirects off by default


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{tcp: '127.0.0.1:80', headers: {X-A: b}}", "endpoints.e: expected headers only with http, found no http"),
        ("{http: 'http://127.0.0.1/', insecure: true}",
         "endpoints.e: expected insecure only with an https:// URL, found http://127.0.0.1/"),
        ("{http: 'https://127.0.0.1/', insecure: true, ca_file: /etc/hostname}",
         "endpoints.e: expected either ca_file or insecure: true, found both"),
        ("{http: 'https://127.0.0.1/', headers: {'X A': b}}",
         r"endpoints.e.headers\[\"X A\"\]: expected an HTTP header name"),
        ('{http: \'https://127.0.0.1/\', headers: {X-A: "b\\r\\nX-Injected: 1"}}',
         "endpoints.e.headers.X-A: expected an HTTP header value on one line, no control characters"),
        ("{http: 'https://127.0.0.1/', follow_redirects: true, max_redirects: 50}",
         "endpoints.e.max_redirects: expected an integer from 1 to 20, found 50"),
        ("{http: 'https://127.0.0.1/', ca_file: /nonexistent/clustertui-test/ca.pem}",
         "endpoints.e.ca_file: expected a readable CA certificate file \\(PEM\\), found no such file"),
    ],
)
def test_bad_http_keys_name_line_and_field(write: Write, entry: str, message: str) -> None:
    path = write(HEAD + f"endpoints:\n  e: {entry}\n")
    with pytest.raises(ConfigError, match=r"cluster\.yaml:\d+: " + message.replace(".", r"\.", 2)) as info:
        load_cluster(path)
    assert "\n" not in str(info.value) and not re.search(r"Traceback", str(info.value))
