"""Scheduled drills: `clustertui schedule` writes a systemd timer and service (or a cron entry)
that runs a drill headless into the history. docs/schedule.md.
"""

from __future__ import annotations

from .calendar import ScheduleError, Window
from .install import Backend, InstallError, Place
from .job import ORIGIN_ENV, Job, Kind

__all__ = ["ORIGIN_ENV", "Backend", "InstallError", "Job", "Kind", "Place", "ScheduleError", "Window"]
