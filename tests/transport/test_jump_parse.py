"""proxy_jump chains (issue 9, defect 12): hops, users, ports and IPv6, or one FILE:LINE line."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustertui.config import ConfigError, JumpHop, JumpSpecError, load_cluster, parse_jump_chain
from clustertui.transport.ssh import SSHTarget


@pytest.mark.parametrize(
    ("text", "hops"),
    [
        ("bastion", (JumpHop("bastion"),)),
        ("ops@bastion:2222", (JumpHop("bastion", 2222, "ops"),)),
        ("a@b1,a@b2", (JumpHop("b1", 22, "a"), JumpHop("b2", 22, "a"))),
        ("a@b1:2201,b2,c@b3", (JumpHop("b1", 2201, "a"), JumpHop("b2"), JumpHop("b3", 22, "c"))),
        ("ops@[2001:db8::1]:2222", (JumpHop("2001:db8::1", 2222, "ops"),)),
        ("[2001:db8::1]", (JumpHop("2001:db8::1"),)),
        ("[fe80::1%eth0]:22,ops@10.0.0.1", (JumpHop("fe80::1%eth0"), JumpHop("10.0.0.1", 22, "ops"))),
    ],
)
def test_chains_parse(text: str, hops: tuple[JumpHop, ...]) -> None:
    assert parse_jump_chain(text) == hops
    assert parse_jump_chain(",".join(str(hop) for hop in hops)) == hops  # str() writes a hop back


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2001:db8::1", "write an IPv6 address in brackets"),
        ("ops@2001:db8::1:2222", "write an IPv6 address in brackets"),
        ("a@b1,,a@b2", "hop 2 is empty"),
        ("b1,", "hop 2 is empty"),
        ("a@b1,x@y@b2", "hop 2 of 2: 'x@y' is not a user name"),
        ("[2001:db8::1", "expected [IPv6 address]"),
        ("[2001:db8::1]2222", "expected [IPv6 address]"),
        ("[10.0.0.1]:22", "'10.0.0.1' is not a hostname or IP address"),
        ("b:", "has an empty port"),
        ("b:70000", "'70000' is not a port from 1 to 65535"),
        ("b1,b2,b3,b4,b5,b6,b7,b8,b9", "9 hops, at most 8"),
        ("bastion;id", "is not a hostname"),
    ],
)
def test_bad_chains_say_which_hop_and_why(text: str, reason: str) -> None:
    with pytest.raises(JumpSpecError) as caught:
        parse_jump_chain(text)
    assert reason in str(caught.value)


def test_a_bad_chain_in_a_file_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "name: c\ntype: majority\nnodes:\n  - name: n1\n    host: 10.0.0.5\n    ssh:\n"
        "      proxy_jump: \"ops@b1,ops@2001:db8::1\"\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_cluster(path, check_files=False)
    message = str(caught.value)
    assert message.startswith(f"{path}:7: nodes[0].ssh.proxy_jump: expected a jump host")
    assert message.endswith("hop 2 of 2: '2001:db8::1': write an IPv6 address in brackets, like [2001:db8::1]")
    assert "\n" not in message


def test_the_chain_reaches_the_transport_hop_by_hop(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "name: c\ntype: majority\nssh: {user: deploy, proxy_jump: \"a@b1,ops@[2001:db8::1]:2222\", trust_on_first_use: true}\n"
        "nodes:\n  - {name: n1, host: 10.0.0.5}\n"
    )
    target = SSHTarget.from_node(load_cluster(path, check_files=False).nodes[0])
    hops = target.hop_targets()
    assert [(h.host, h.port, h.user) for h in hops] == [("b1", 22, "a"), ("2001:db8::1", 2222, "ops")]
    assert all(h.trust_on_first_use and h.known_hosts == target.known_hosts for h in hops)
