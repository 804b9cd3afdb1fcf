"""node_exporter's series in Prometheus -> the figures of a NodeSample, for the whole fleet.

The queries aggregate on the server (`sum by (instance, mode)`), so one answer per metric
covers every node in a few lines each: the controller parses numbers, never raw per-core
counters.  The formulas are the probe's (psutil's): CPU busy is everything but idle and
iowait, memory used is total minus MemAvailable, rates exclude `lo`.  Answers are untrusted
like frames: every value is checked against the probe's bounds, and a series that maps to
no node, or a number out of range, is skipped, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clustertui.probe.limits import MAX_CORES, MAX_NUMBER
from clustertui.probe.sample import CpuBreakdown, NetRate

#: Series one answer may hold before the rest are ignored (1,000 nodes x 64 cores).
MAX_SERIES = 100_000
#: Points one history series may hold (Prometheus' own limit per range query is 11,000).
MAX_POINTS = 11_000


_CPU = "node_cpu_seconds_total"
_BUSY = 'mode!~"idle|iowait"'  # psutil's busy: every mode but idle and iowait
_RX, _TX = "node_network_receive_bytes_total", "node_network_transmit_bytes_total"
_NOT_LO = 'device!="lo"'
_MEMORY_NAMES = '__name__=~"node_memory_(MemTotal|MemAvailable|SwapTotal|SwapFree)_bytes"'
_LOAD_NAMES = '__name__=~"node_load(1|5|15)"'


@dataclass(frozen=True, slots=True)
class Queries:
    """The PromQL of each metric, for a selector (`job="node"`), a grouping label and a window."""

    selector: str
    label: str  # the label that names the node: `node_label:`, or `instance`
    window: float

    def _sel(self, *extra: str) -> str:
        matchers = ",".join(part for part in (self.selector, *extra) if part)
        return "{" + matchers + "}" if matchers else ""

    def _irate(self, metric: str, *extra: str) -> str:
        return f"irate({metric}{self._sel(*extra)}[{round(self.window * 1000)}ms])"

    def instant(self) -> dict[str, str]:
        """One query per metric, each answering for every node at once."""
        by = self.label
        return {
            "up": f"max by ({by}) (up{self._sel()})",
            "cpu": f"sum by ({by}, mode) ({self._irate(_CPU)})",
            "cores": f"sum by ({by}, cpu) ({self._irate(_CPU, _BUSY)}) / sum by ({by}, cpu) ({self._irate(_CPU)})",
            # Grouped, so an answer carries the two labels read, not every target label; max,
            # not sum: a selector that matches two jobs scraping one node must not double it.
            "memory": f"max by ({by}, __name__) ({self._sel(_MEMORY_NAMES)})",
            "load": f"max by ({by}, __name__) ({self._sel(_LOAD_NAMES)})",
            "rx": f"sum by ({by}, device) ({self._irate(_RX, _NOT_LO)})",
            "tx": f"sum by ({by}, device) ({self._irate(_TX, _NOT_LO)})",
        }

    def history(self) -> dict[str, str]:
        """One range query per history series (engine/history.py's cpu, mem, load1, rx, tx)."""
        by = self.label
        return {
            "cpu": f"100 * sum by ({by}) ({self._irate(_CPU, _BUSY)}) / sum by ({by}) ({self._irate(_CPU)})",
            "mem": (f"100 * (1 - sum by ({by}) (node_memory_MemAvailable_bytes{self._sel()}) / "
                    f"sum by ({by}) (node_memory_MemTotal_bytes{self._sel()}))"),
            "load1": f"max by ({by}) (node_load1{self._sel()})",
            "rx": f"sum by ({by}) ({self._irate(_RX, _NOT_LO)})",
            "tx": f"sum by ({by}) ({self._irate(_TX, _NOT_LO)})",
        }


class NodeMatcher:
    """Which node a series is about: by the value of `node_label`, or by the host part of
    its `instance` label (`198.18.0.11:9100`, `[::1]:9100`, `web1`) against the node's host."""

    def __init__(self, nodes: Iterable[tuple[str, str]], node_label: str | None) -> None:
        self.node_label = node_label
        self.label = node_label or "instance"
        pairs = list(nodes)
        self._names = {name for name, _ in pairs}
        self._hosts: dict[str, str] = {}
        for name, host in pairs:
            self._hosts.setdefault(host.lower(), name)
        # Label value -> node, remembered: every answer names the same few thousand instances.
        self._seen: dict[str, str | None] = {}

    def node(self, labels: Mapping[str, Any]) -> str | None:
        value = labels.get(self.label)
        if not isinstance(value, str):
            return None
        try:
            return self._seen[value]
        except KeyError:
            pass
        if self.node_label is not None:
            name = value if value in self._names else None
        else:
            name = self._hosts.get(instance_host(value).lower())
        if len(self._seen) >= MAX_SERIES:  # a server inventing instances: stay bounded
            self._seen.clear()
        self._seen[value] = name
        return name

    def expected(self, name: str, host: str) -> str:
        """What a series of node `name` must carry, for a message."""
        return f'{self.label}="{name}"' if self.node_label else f'{self.label}="{host}:PORT"'


def instance_host(instance: str) -> str:
    """The host of an `instance` label: `[::1]:9100` -> `::1`, `10.0.0.1:9100` -> `10.0.0.1`."""
    if instance.startswith("["):
        return instance[1:].partition("]")[0]
    host, colon, port = instance.rpartition(":")
    return host if colon and port.isdigit() and ":" not in host else instance


def value_of(item: Mapping[str, Any]) -> float | None:
    """An instant vector item's value, if it is a number within the probe's bounds."""
    pair = item.get("value")
    return _number(pair[1]) if isinstance(pair, list) and len(pair) == 2 else None


def _number(text: Any) -> float | None:
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and 0.0 <= number <= MAX_NUMBER else None


@dataclass
class _Parts:
    """What the answers held for one node, before it is judged complete."""

    up: float | None = None
    modes: dict[str, float] = field(default_factory=dict)
    cores: dict[int, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    load: dict[str, float] = field(default_factory=dict)
    rx: dict[str, float] = field(default_factory=dict)
    tx: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NodeMetrics:
    """One node's figures from Prometheus, in the units of NodeSample."""

    cpu: CpuBreakdown | None
    cores: tuple[float, ...]
    load1: float
    load5: float
    load15: float
    mem_total: int
    mem_available: int
    swap_total: int
    swap_used: int
    net: tuple[NetRate, ...]

    @property
    def mem_percent(self) -> float:
        return 100.0 * (self.mem_total - self.mem_available) / self.mem_total if self.mem_total else 0.0


@dataclass(frozen=True, slots=True)
class Fleet:
    """One round of answers folded per node: figures for the complete nodes, and for every
    other node one line saying why it has none."""

    metrics: dict[str, NodeMetrics]
    missing: dict[str, str]
    unlabelled: int = 0  # series without the node label (mismatched labels)


_MEMORY = ("node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes", "node_memory_SwapTotal_bytes",
           "node_memory_SwapFree_bytes")
_LOAD = ("node_load1", "node_load5", "node_load15")


def fold(answers: Mapping[str, list[dict[str, Any]]], matcher: NodeMatcher,
         nodes: Iterable[tuple[str, str]]) -> Fleet:
    """Per-node figures from the instant answers (`Queries.instant()`'s keys; a query that
    failed is absent) for `nodes` (name, host)."""
    parts: dict[str, _Parts] = {}
    unlabelled = 0
    for key, items in answers.items():
        for item in items[:MAX_SERIES]:
            labels = item.get("metric")
            value = value_of(item)
            if not isinstance(labels, dict) or value is None:
                continue
            name = matcher.node(labels)
            if name is None:
                unlabelled += matcher.label not in labels
                continue
            _take(parts.setdefault(name, _Parts()), key, labels, value)
    metrics: dict[str, NodeMetrics] = {}
    missing: dict[str, str] = {}
    for name, host in nodes:
        got = parts.get(name)
        if got is None:
            why = f"no series with {matcher.expected(name, host)}"
            if unlabelled:
                why += f" ({unlabelled} series lack the {matcher.label} label)"
            missing[name] = why
            continue
        built = _build(got, answers)
        if isinstance(built, str):
            missing[name] = built
        else:
            metrics[name] = built
    return Fleet(metrics, missing, unlabelled)


def _take(got: _Parts, key: str, labels: Mapping[str, Any], value: float) -> None:
    name = labels.get("__name__")
    if key == "up":
        got.up = value
    elif key == "cpu" and isinstance(labels.get("mode"), str):
        got.modes[labels["mode"]] = value
    elif key == "cores" and isinstance(labels.get("cpu"), str) and labels["cpu"].isdigit():
        if len(got.cores) < MAX_CORES:
            got.cores[int(labels["cpu"])] = min(100.0, 100.0 * value)
    elif key == "memory" and name in _MEMORY:
        got.memory[name] = value
    elif key == "load" and name in _LOAD:
        got.load[name] = value
    elif key in ("rx", "tx") and isinstance(labels.get("device"), str):
        (got.rx if key == "rx" else got.tx)[labels["device"][:64]] = value


def _build(got: _Parts, answers: Mapping[str, list[dict[str, Any]]]) -> NodeMetrics | str:
    """The node's figures, or why they are incomplete."""
    if got.up == 0.0:
        return "its node_exporter target is down (up 0)"
    failed = [key for key in ("cpu", "memory", "load") if key not in answers]
    if failed:
        return f"the {' and '.join(failed)} {'query' if len(failed) == 1 else 'queries'} failed"
    lacking = [what for what, have in ((_CPU, bool(got.modes)), ("node_memory_*", len(got.memory) == len(_MEMORY)),
                                       ("node_load*", len(got.load) == len(_LOAD))) if not have]
    if lacking:
        return "no " + " or ".join(lacking) + " for it"
    memory = got.memory
    total = int(memory["node_memory_MemTotal_bytes"])
    swap_total = int(memory["node_memory_SwapTotal_bytes"])
    return NodeMetrics(
        cpu=_breakdown(got.modes),
        cores=tuple(got.cores[i] for i in sorted(got.cores)),
        load1=got.load["node_load1"],
        load5=got.load["node_load5"],
        load15=got.load["node_load15"],
        mem_total=total,
        mem_available=min(total, int(memory["node_memory_MemAvailable_bytes"])),
        swap_total=swap_total,
        swap_used=max(0, min(swap_total, swap_total - int(memory["node_memory_SwapFree_bytes"]))),
        net=tuple(NetRate(device, got.rx.get(device, 0.0), got.tx.get(device, 0.0))
                  for device in sorted(set(got.rx) | set(got.tx))),
    )


def _breakdown(modes: Mapping[str, float]) -> CpuBreakdown | None:
    """psutil's CPU percentages from per-mode seconds per second (node_exporter's modes:
    user, nice, system, idle, iowait, irq, softirq, steal; guest is already inside user)."""
    total = sum(modes.values())
    if total <= 0:
        return None

    def share(*names: str) -> float:
        return min(100.0, 100.0 * sum(modes.get(name, 0.0) for name in names) / total)

    return CpuBreakdown(
        percent=min(100.0, max(0.0, 100.0 - share("idle", "iowait"))),
        user=share("user", "nice"),
        system=share("system", "irq", "softirq"),
        iowait=share("iowait"),
        steal=share("steal"),
    )


def range_points(items: list[dict[str, Any]], matcher: NodeMatcher) -> dict[str, dict[float, float]]:
    """A range answer per node: {time: value}, bounded, values checked."""
    out: dict[str, dict[float, float]] = {}
    for item in items[:MAX_SERIES]:
        labels, values = item.get("metric"), item.get("values")
        if not isinstance(labels, dict) or not isinstance(values, list):
            continue
        name = matcher.node(labels)
        if name is None:
            continue
        points = out.setdefault(name, {})
        for pair in values[:MAX_POINTS]:
            if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (int, float)):
                value = _number(pair[1])
                if value is not None and math.isfinite(pair[0]):
                    points[float(pair[0])] = value
    return out
