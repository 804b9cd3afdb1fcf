"""keepalived's VRRP state per instance, from the files its notify script leaves.

keepalived tells nobody its state on its own: SIGUSR1 / SIGJSON make it dump everything to
/tmp (racy to read back, and a signal and a log line per read), SNMP and D-Bus need a
daemon beside it. Its `notify` script, though, runs at every state change of an instance,
its start included, with the new state as an argument; the documented script
(docs/managers.md) writes one file per instance, `STATE PRIORITY`, into `state_dir`. A read
lists those files with their times and whether keepalived runs and since when, so that a
file an earlier keepalived left (killed before it could say STOP) is never taken for the
truth: its state is `unknown`, with what it last said.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clustertui.managers.limits import MAX_RECORDS, clip
from clustertui.managers.state import Garbage

#: Lines of the VRRP part start with this; `ip -o addr` lines start with a number.
TAG = "@vrrp"


class VrrpState(StrEnum):
    MASTER = "MASTER"
    BACKUP = "BACKUP"
    FAULT = "FAULT"
    STOP = "STOP"  # keepalived stopped cleanly (its notify says so)
    UNKNOWN = "unknown"  # no file, a file an earlier keepalived left, or keepalived is gone


_WORDS = frozenset(s.value for s in VrrpState if s is not VrrpState.UNKNOWN)


def vrrp_script(state_dir: str) -> str:
    """Appended to the read's `ip -o addr`: the node's clock, keepalived's age in seconds
    (`-`: not running, `?`: cannot tell), and each state file's time, name and first line."""
    files = shlex.quote(state_dir.rstrip("/") or "/") + "/*"
    return "\n".join((
        f"printf '{TAG} now %s\\n' \"$(date +%s)\"",
        f"if ! command -v pgrep >/dev/null 2>&1; then echo '{TAG} up ?'",
        f"elif ctui_p=$(pgrep -o -x keepalived); then printf '{TAG} up %s\\n' \"$(ps -o etimes= -p \"$ctui_p\" | tr -d ' ')\"",
        f"else echo '{TAG} up -'; fi",
        f"for ctui_f in {files}; do [ -f \"$ctui_f\" ] && printf '{TAG} state %s %s %s\\n' \"$(stat -c %Y \"$ctui_f\")\" "
        "\"${ctui_f##*/}\" \"$(head -c 100 \"$ctui_f\" | head -n 1)\"; done",
        "true",
    ))


@dataclass(frozen=True, slots=True)
class Instance:
    """One VRRP instance on one node (`name` "" when the node left no state at all)."""

    node: str
    name: str
    state: VrrpState
    priority: int | None = None
    since_s: float | None = None  # since the notify script wrote it (the node's clock)
    note: str = ""  # why the state is unknown

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "instance": self.name or None, "state": str(self.state),
                "priority": self.priority, "since_s": None if self.since_s is None else round(self.since_s, 1),
                "note": self.note}


def split_output(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The `ip -o addr` text, and the VRRP lines (with their line numbers, tag removed)."""
    addr: list[str] = []
    vrrp: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(TAG + " "):
            vrrp.append((number, line[len(TAG) + 1:]))
        else:
            addr.append(line)
    return "\n".join(addr), vrrp


def _number(text: str, number: int, what: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise Garbage(f"line {number}: {what} is not a number: {clip(text, 60)!r}")
    return int(text)


def parse_vrrp(node: str, lines: list[tuple[int, str]], state_dir: str) -> tuple[Instance, ...]:
    """The instances a node's state files name, judged against keepalived's own age."""
    if len(lines) > MAX_RECORDS:
        raise Garbage(f"over {MAX_RECORDS} VRRP state lines")
    now: int | None = None
    age: int | None = None  # keepalived's age in seconds; None: not running
    known = False  # whether we could tell if keepalived runs
    files: list[tuple[int, str, str, int | None]] = []
    for number, line in lines:
        key, _, rest = line.partition(" ")
        if key == "now":
            now = _number(rest.strip(), number, "the node's clock")
        elif key == "up":
            value = rest.strip()
            known = value != "?"
            age = None if value in ("-", "?") else _number(value, number, "keepalived's age")
        elif key == "state":
            words = rest.split()
            if len(words) < 3:
                raise Garbage(f"line {number}: expected TIME INSTANCE STATE [PRIORITY], found {clip(rest, 60)!r}")
            if words[2] not in _WORDS:
                raise Garbage(f"line {number}: not a VRRP state: {clip(words[2], 60)!r}")
            priority = _number(words[3], number, "the priority") if len(words) > 3 else None
            files.append((_number(words[0], number, "the file's time"), clip(words[1]), words[2], priority))
    if now is None:
        raise Garbage("no VRRP state lines (the node's clock is missing)")
    if not files:
        why = f"no state file in {state_dir} (is the notify script configured?)" if age is not None or not known \
            else "keepalived is not running"
        return (Instance(node, "", VrrpState.UNKNOWN, note=why),)
    return tuple(_judge(node, now, age, known, *entry) for entry in files)


def _judge(node: str, now: int, age: int | None, known: bool, written: int, name: str, word: str,
           priority: int | None) -> Instance:
    since = float(max(0, now - written))
    said = VrrpState(word)
    if not known:
        return Instance(node, name, said, priority, since, "cannot tell whether keepalived runs (no pgrep)")
    if age is None:
        if said is VrrpState.STOP:
            return Instance(node, name, said, priority, since)
        return Instance(node, name, VrrpState.UNKNOWN, priority, since, f"keepalived is not running (it last said {word})")
    if written < now - age - 1:  # a second of slack: the notify runs within keepalived's first second
        return Instance(node, name, VrrpState.UNKNOWN, priority, since,
                        f"written before this keepalived started (an earlier one said {word})")
    return Instance(node, name, said, priority, since)
