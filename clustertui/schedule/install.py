"""Installing, listing and removing scheduled jobs: systemd timers, or cron where there is no systemd.

systemd: the two units go to /etc/systemd/system (root) or ~/.config/systemd/user, then
`systemctl [--user] daemon-reload` and `enable --now NAME.timer`. cron: a file per job in
/etc/cron.d (root). `CLUSTERTUI_SCHEDULE_DIR` puts the files in another directory instead
(tests, packaging, a staged root); then no systemctl runs, since that directory is not one
the running systemd reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .calendar import ScheduleError
from .job import PREFIX, Job
from .render import CRON_MARKER, MARKER_KEY, SECTION, cron_lines, service_unit, timer_unit

DIR_OVERRIDE = "CLUSTERTUI_SCHEDULE_DIR"


class Backend(StrEnum):
    SYSTEMD = "systemd"
    CRON = "cron"

    @classmethod
    def detect(cls) -> Backend:
        """systemd when it runs as the init system (sd_booted's test), cron otherwise."""
        return cls.SYSTEMD if Path("/run/systemd/system").is_dir() else cls.CRON


class InstallError(Exception):
    """Installing or removing could not be done (exit 3): the text says why and what to do."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a backend's files go, and whether the running systemd reads them."""

    backend: Backend
    directory: Path
    #: The real directory of the running systemd (or cron): reload and enable after writing.
    live: bool
    user_units: bool = False

    @classmethod
    def of(cls, backend: Backend) -> Place:
        override = os.environ.get(DIR_OVERRIDE)
        root = os.geteuid() == 0
        if override:
            return cls(backend, Path(override), live=False, user_units=not root)
        if backend is Backend.CRON:
            return cls(backend, Path("/etc/cron.d"), live=True)
        if root:
            return cls(backend, Path("/etc/systemd/system"), live=True)
        config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return cls(backend, Path(config) / "systemd" / "user", live=True, user_units=True)

    def files(self, job: Job) -> dict[Path, str]:
        if self.backend is Backend.SYSTEMD:
            return {self.directory / f"{job.name}.service": service_unit(job),
                    self.directory / f"{job.name}.timer": timer_unit(job)}
        return {self.directory / job.name: cron_lines(job, user="root" if not self.user_units else _user())}

    def install(self, job: Job) -> list[Path]:
        if self.live and self.backend is Backend.CRON and os.geteuid() != 0:
            raise InstallError("installing into /etc/cron.d needs root; without it, add the line that "
                               "`--print` shows to your own crontab (crontab -e)")
        files = self.files(job)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for path, text in files.items():
                temporary = path.with_name(f".{path.name}.tmp")
                temporary.write_text(text)
                temporary.chmod(0o644)
                temporary.replace(path)
        except OSError as exc:
            raise InstallError(f"could not write {self.directory}: {exc.strerror or exc}") from None
        if self.live and self.backend is Backend.SYSTEMD:
            self._systemctl("daemon-reload")
            self._systemctl("enable", "--now", f"{job.name}.timer")
        return list(files)

    def remove(self, name: str) -> list[Path]:
        found = [path for path in self._owned() if _stem(path) == name]
        if not found:
            raise ScheduleError(f"expected a scheduled job name (see `clustertui schedule list`), found {name!r}")
        if self.live and self.backend is Backend.SYSTEMD:
            self._systemctl("disable", "--now", f"{name}.timer")
        for path in found:
            try:
                path.unlink()
            except OSError as exc:
                raise InstallError(f"could not remove {path}: {exc.strerror or exc}") from None
        if self.live and self.backend is Backend.SYSTEMD:
            self._systemctl("daemon-reload")
        return found

    def jobs(self) -> list[Job]:
        """Every job installed here, read back from the marker in its files."""
        jobs: dict[str, Job] = {}
        for path in self._owned():
            marker = _marker(path)
            if marker is not None:
                try:
                    job = Job.from_json(json.loads(marker))
                except (ValueError, KeyError, TypeError, ScheduleError):
                    continue  # not ours after all, or edited by hand beyond reading
                jobs.setdefault(job.name, job)
        return sorted(jobs.values(), key=lambda job: job.name)

    def _owned(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        suffixes = (".service", ".timer") if self.backend is Backend.SYSTEMD else ("",)
        return sorted(
            path for path in self.directory.glob(f"{PREFIX}*")
            if path.is_file() and (path.suffix in suffixes or (suffixes == ("",) and "." not in path.name))
        )

    def _systemctl(self, *args: str) -> None:
        systemctl = shutil.which("systemctl")
        if systemctl is None:
            raise InstallError("systemctl not found; the units are written, enable them by hand")
        argv = [systemctl, *(["--user"] if self.user_units else []), *args]
        result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
        if result.returncode != 0:
            detail = " ".join((result.stderr or result.stdout).split())[:300]
            raise InstallError(f"`{' '.join(argv[0:1] + argv[1:])}` failed (exit {result.returncode}): {detail}")


def _stem(path: Path) -> str:
    return path.name.removesuffix(".service").removesuffix(".timer")


def _marker(path: Path) -> str | None:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(CRON_MARKER):
            return line.removeprefix(CRON_MARKER)
        if line.startswith(f"{MARKER_KEY}=") and f"[{SECTION}]" in text:
            return line.removeprefix(f"{MARKER_KEY}=")
    return None


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "root"
