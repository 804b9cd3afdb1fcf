"""The survey: one read-only command per node that tells chaos what it needs to know.

It reports what the node has (tools, firewall, sch_netem, systemd, routes, CPUs, memory),
how it sees the controller (`$SSH_CONNECTION`: the address and SSH port that network faults
must never cut), which service processes run, and the node's fault ledger.  Guards, the
planner and `chaos list` work from it, so `--dry-run` can print exact commands without
changing anything.  Latency support is tested in a scratch network namespace
(`unshare -n tc qdisc add dev lo root netem ...`): nothing on the node is touched.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clustertui.chaos.freeze import SURVEY_LINE as FREEZE_LINE
from clustertui.chaos.freeze import FreezeMark, parse_mark
from clustertui.chaos.ledger import KEEP_SH, LEDGER_DIR, LedgerEntry, entries_from_files, shown
from clustertui.chaos.shell import HELPERS, cmd, q

#: Bounds on the survey's output (DESIGN, "Node text is data").  A real survey is a few KiB;
#: a ledger file's content is at most 64 KiB (`head -c 65536`), so a line is at most a
#: little more.  Past a bound the node's survey is unreadable, never a slow parse.
MAX_SURVEY = 8 * 1024 * 1024
MAX_SURVEY_LINE = 65536 + 256
MAX_SURVEY_LINES = 8192
#: Digits of one number: 2^64 - 1 has 20.
MAX_DIGITS = 20
#: Lines the survey script always prints; without one it was cut short (or is not ours).
_REQUIRED = ("uid", "now", "nproc", "end")
#: Lines that the script prints once: a second one is injected.
_ONCE = frozenset((*_REQUIRED, "ssh", "memavail", "pid1", "freeze", "uptime"))

TOOLS = (
    "iptables", "nft", "tc", "ip", "unshare", "setsid", "nohup", "pgrep", "pkill",
    "dd", "fallocate", "df", "systemd-run", "systemctl",
)

#: The uptime is read after the ledger's `.lease` ends, so that a renewal while the survey
#: runs can only make a lease look shorter than it is, never longer than the lease.
_BODY = r"""printf 'uid %s\n' "$(id -u)"
printf 'now %s\n' "$(date +%s)"
printf 'nproc %s\n' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"
printf 'memavail %s\n' "$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null)"
for ctui_t in TOOLS; do command -v "$ctui_t" >/dev/null 2>&1 && printf 'tool %s\n' "$ctui_t"; done
[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && echo 'pid1 systemd'
if command -v iptables >/dev/null 2>&1 && iptables -w 5 -S >/dev/null 2>&1; then
  echo 'fw iptables'
  iptables -m statistic -h 2>/dev/null | grep -q 'statistic match options' && echo 'fw statistic'
fi
command -v nft >/dev/null 2>&1 && nft list tables >/dev/null 2>&1 && echo 'fw nft'
if [ -d /sys/module/sch_netem ]; then echo 'netem yes'
elif ! command -v tc >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then echo 'netem untested: needs tc and unshare'
elif ctui_e=$(unshare -n tc qdisc add dev lo root netem delay 1ms 2>&1); then echo 'netem yes'
else printf 'netem fail %s\n' "$(printf '%s' "$ctui_e" | head -n 1)"; fi
ip -o -4 route show 2>/dev/null | sed 's/^/route /'
PROCS
ctui_ledger() {
  [ -d "$2" ] || return 0
  for ctui_f in "$2"/f-*; do
    [ -e "$ctui_f" ] || continue
    ctui_n=$(printf '%s' "${ctui_f##*/}" | tr '\n' '?')
    case $ctui_n in
      *.json|*.timer|*.error|*.lease) printf '%s %s %s\n' "$1" "$ctui_n" "$(head -c 65536 "$ctui_f" | tr '\n\t' '  ')" ;;
      *) printf '%s %s\n' "$1" "$ctui_n" ;;
    esac
  done
}
ctui_ledger file LEDGER
KEEPSH
ctui_ledger kept "$ctui_keep"
read ctui_u ctui_x </proc/uptime && printf 'uptime %s\n' "$ctui_u"
FREEZE
echo end"""

#: One `proc NAME PID...` line per service process, its PIDs those of the service's owner
#: (`Service.owner`); none at all when the node runs none.
_PROCS = """ctui_proc() { printf 'proc %s' "$1"; for ctui_p in $(ctui_live "$1" "$2"); do printf ' %s' "$ctui_p"; done; echo; }"""

#: Printed before the privileged part: sudo may clear $SSH_CONNECTION from the environment.
SSH_LINE = """sh -c 'printf "ssh %s\\n" "${SSH_CONNECTION:-}"'"""


def survey_script(processes: Iterable[tuple[str, str]]) -> str:
    """The privileged part of the survey (run through `shell.remote`); `processes` holds
    each service's (process name, owner) — see `Service.owner`."""
    processes = tuple(processes)
    body = (
        _BODY.replace("TOOLS", " ".join(TOOLS))
        .replace("LEDGER", q(LEDGER_DIR))
        .replace("KEEPSH", KEEP_SH)
        .replace("FREEZE", FREEZE_LINE)
        .replace("PROCS", "\n".join([_PROCS, *(cmd("ctui_proc", name, owner) for name, owner in processes)]) if processes else ":")
    )
    return HELPERS + "\n" + body


@dataclass(frozen=True, slots=True)
class Route:
    network: ipaddress.IPv4Network
    dev: str


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """What a node has, and how it sees the controller, when it was surveyed."""

    controller: str | None = None  # the controller's address as the node sees it
    ssh_port: int | None = None  # the node's port of the controller's SSH connection
    uid: int | None = None
    node_now: float = 0.0
    uptime: int | None = None  # the node's uptime in centiseconds (lease ends are read against it)
    nproc: int = 1
    mem_available_kb: int | None = None
    tools: frozenset[str] = frozenset()
    systemd: bool = False  # PID 1 is systemd (and systemd-run exists: see `timer`)
    firewalls: tuple[str, ...] = ()  # "iptables", "nft" that answer
    iptables_statistic: bool = False
    netem: bool | None = None  # None: could not be tested
    netem_detail: str = ""
    routes: tuple[Route, ...] = ()
    processes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    freeze: FreezeMark | None = None  # the node's freeze mark, expired or not

    @property
    def frozen(self) -> FreezeMark | None:
        """The freeze that refuses new faults here now, if any."""
        return self.freeze if self.freeze is not None and self.freeze.active else None

    def missing(self, *tools: str) -> list[str]:
        return [tool for tool in tools if tool not in self.tools]

    def dev_for(self, address: str) -> str | None:
        """The interface the node routes `address` through (longest prefix wins)."""
        ip = ipaddress.IPv4Address(address)
        matches = [route for route in self.routes if ip in route.network]
        return max(matches, key=lambda r: r.network.prefixlen).dev if matches else None

    @property
    def netem_problem(self) -> str | None:
        """Why latency cannot run here, or None when sch_netem answered."""
        if self.netem:
            return None
        if self.netem is False:
            return "unsupported on this node: no sch_netem"
        return f"cannot tell whether this node has sch_netem ({self.netem_detail})"


@dataclass(frozen=True, slots=True)
class NodeSurvey:
    node: str
    facts: NodeFacts
    ledger: tuple[LedgerEntry, ...]
    #: Ledger file names that are not a fault's (escaped for display): reported, left alone.
    corrupt: tuple[str, ...] = ()


def _route(rest: str) -> Route | None:
    words = rest.split()
    if len(words) < 3 or "dev" not in words:
        return None
    dev = words[words.index("dev") + 1] if words.index("dev") + 1 < len(words) else None
    try:
        network = ipaddress.IPv4Network("0.0.0.0/0" if words[0] == "default" else words[0], strict=False)
    except ValueError:
        return None
    return Route(network, dev) if dev else None


def _netem(rest: str) -> tuple[bool | None, str]:
    verdict, _, detail = rest.partition(" ")
    if verdict == "yes":
        return True, ""
    if verdict == "fail":
        lowered = detail.lower()
        # iproute2: "Error: Specified qdisc kind is unknown." (older: "Unknown qdisc")
        if "qdisc" in lowered and "unknown" in lowered:
            return False, detail
        return None, detail or "the netem test failed"
    return None, detail


class SurveyError(ValueError):
    """The survey's output cannot be read: where (`line N`) and what, the node text escaped."""


def _number(key: str, value: str, lineno: int) -> int:
    """An ASCII decimal of at most MAX_DIGITS digits (`str.isdigit()` also accepts `³`)."""
    value = value.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
        raise SurveyError(f"line {lineno}: {key} is not a number: {shown(value)}")
    return int(value)


def _ssh(rest: str, lineno: int) -> dict[str, Any]:
    """`$SSH_CONNECTION` (client address, client port, server address, server port), or empty."""
    words = rest.split()
    if not words:
        return {}
    if len(words) != 4:
        raise SurveyError(f"line {lineno}: ssh connection is not 4 fields: {shown(rest)}")
    port = _number("ssh port", words[3], lineno)
    if not 0 < port < 65536:
        raise SurveyError(f"line {lineno}: ssh port out of range: {port}")
    return {"controller": words[0], "ssh_port": port}


def parse_survey(node: str, text: str) -> NodeSurvey:
    """Read the survey's output, within bounds; SurveyError when it cannot be read.

    Node text is data: every number is ASCII digits, every line and the whole output are
    bounded, and a survey without the lines the script always prints (`uid`, `now`,
    `nproc`, the final `end`) is truncated or not ours.  Unknown lines are ignored (newer
    surveys may say more); ledger file names are checked by `entries_from_files`.
    """
    if len(text) > MAX_SURVEY:
        raise SurveyError(f"the survey is over {MAX_SURVEY} characters")
    lines = text.splitlines()
    if len(lines) > MAX_SURVEY_LINES:
        raise SurveyError(f"the survey is over {MAX_SURVEY_LINES} lines")
    values: dict[str, Any] = {"tools": set(), "firewalls": [], "routes": [], "processes": {}}
    files: dict[str, str] = {}
    kept: dict[str, str] = {}
    seen: set[str] = set()
    for lineno, line in enumerate(lines, 1):
        if len(line) > MAX_SURVEY_LINE:
            raise SurveyError(f"line {lineno}: over {MAX_SURVEY_LINE} characters")
        key, _, rest = line.partition(" ")
        if key in _ONCE:
            if key in seen:
                raise SurveyError(f"line {lineno}: a second {key} line")
            seen.add(key)
        if key == "ssh":
            values.update(_ssh(rest, lineno))
        elif key in ("uid", "nproc", "memavail"):
            if key == "uid" or rest.strip():  # nproc, memavail: empty where the tool is missing
                values[{"memavail": "mem_available_kb"}.get(key, key)] = _number(key, rest, lineno)
        elif key == "now":
            values["node_now"] = float(_number(key, rest, lineno))
        elif key == "uptime":
            whole, _, fraction = rest.strip().partition(".")
            values["uptime"] = _number(key, whole, lineno) * 100 + _number(key, (fraction + "00")[:2], lineno)
        elif key == "tool":
            values["tools"].add(rest.strip())
        elif key == "pid1":
            values["pid1_systemd"] = rest.strip() == "systemd"
        elif key == "fw":
            if rest == "statistic":
                values["iptables_statistic"] = True
            else:
                values["firewalls"].append(rest.strip())
        elif key == "netem":
            values["netem"], values["netem_detail"] = _netem(rest)
        elif key == "route":
            route = _route(rest)
            if route is not None:
                values["routes"].append(route)
        elif key == "proc":
            name, *pids = rest.split() or [""]
            if name:  # a bare `proc`: an older survey on a node without service processes
                values["processes"][name] = tuple(_number(f"a pid of {shown(name)}", p, lineno) for p in pids)
        elif key == "freeze":
            values["freeze_line"] = rest
        elif key in ("file", "kept"):
            name, _, content = rest.partition(" ")
            (files if key == "file" else kept)[name] = content
    missing = [key for key in _REQUIRED if key not in seen]
    if missing:
        raise SurveyError(f"the survey is incomplete (no {', '.join(missing)} line): cut short, or not clustertui's")
    values["nproc"] = max(1, values.get("nproc", 1))
    tools = frozenset(values.pop("tools"))
    pid1_systemd = values.pop("pid1_systemd", False)
    mark = values.pop("freeze_line", None)
    if mark is not None:
        values["freeze"] = parse_mark(node, mark, values.get("node_now", 0.0))
    facts = NodeFacts(
        tools=tools,
        systemd=pid1_systemd and "systemd-run" in tools and "systemctl" in tools,
        firewalls=tuple(values.pop("firewalls")),
        routes=tuple(values.pop("routes")),
        **values,
    )
    entries, corrupt = entries_from_files(node, facts.node_now, files, kept, facts.uptime)
    return NodeSurvey(node, facts, tuple(entries), corrupt)
