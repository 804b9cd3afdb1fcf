"""A manager's view, whatever its kind: the union of every adapter's snapshot.

A closed union rather than a Protocol, so that snapshots holding views stay plain data
(pydantic can dump and load them: the TUI's recorded states are JSON). A kind added later
adds its view here and its adapter in read.py.
"""

from __future__ import annotations

from clustertui.managers.command import CommandView
from clustertui.managers.etcd import EtcdView
from clustertui.managers.haproxy import HaproxyView
from clustertui.managers.keepalived import KeepalivedView
from clustertui.managers.pacemaker import PacemakerView
from clustertui.managers.sentinel import SentinelView

ManagerView = HaproxyView | KeepalivedView | SentinelView | CommandView | EtcdView | PacemakerView
