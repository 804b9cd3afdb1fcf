"""A job as systemd units (a oneshot service and its timer) or as a cron line.

Nothing a user wrote reaches a unit or a crontab unquoted: systemd arguments are always in
double quotes with `\\` and `"` escaped and `%` (specifiers) and `$` (variables) doubled;
cron commands are quoted for /bin/sh with `%` (cron's newline) escaped. Control characters
never get here (Job refuses them).
"""

from __future__ import annotations

import shlex

from .job import Job

#: Section of both units that holds the job (systemd ignores sections starting with X-).
SECTION = "X-Clustertui"
MARKER_KEY = "Job"
#: The comment line before a cron entry that holds the job.
CRON_MARKER = "# clustertui-job: "


def systemd_word(text: str) -> str:
    """One argument (or assignment) for a unit file, exactly as systemd will read it back."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def _unit(job: Job, description: str, *body: str) -> str:
    """A unit file: the header that names the job, `[Unit]` with `description`, the unit's own
    sections (`body`), and the job's marker section that `schedule list` reads back."""
    lines = [
        f"# Written by `clustertui schedule`; remove it with `clustertui schedule remove {job.name}`.",
        "[Unit]",
        f"Description={description.replace('%', '%%')}",  # free text: only specifiers are special
        *body,
        "",
        f"[{SECTION}]",
        f"{MARKER_KEY}={job.marker()}",
    ]
    return "\n".join(lines) + "\n"


def service_unit(job: Job) -> str:
    return _unit(
        job, f"clustertui: {job.summary}",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        *(f"Environment={systemd_word(f'{key}={value}')}" for key, value in job.env.items()),
        f"ExecStart={' '.join(systemd_word(arg) for arg in job.argv)}",
        f"TimeoutStartSec={int(job.every)}s",
    )


def timer_unit(job: Job) -> str:
    return _unit(
        job, f"clustertui schedule: {job.summary}",
        "",
        "[Timer]",
        *(f"OnCalendar={entry.on_calendar()}" for entry in job.calendar),
        "AccuracySec=1s",
        "Persistent=false",
        f"Unit={job.name}.service",
        "",
        "[Install]",
        "WantedBy=timers.target",
    )


def cron_command(job: Job) -> str:
    """The command part of a cron line: `env VAR=... PYTHON -m clustertui ...`, for /bin/sh."""
    words = ["env", *(f"{key}={value}" for key, value in job.env.items()), *job.argv] if job.env else job.argv
    return " ".join(shlex.quote(word) for word in words).replace("%", "\\%")


def cron_lines(job: Job, user: str | None = None) -> str:
    """The job's cron entries (one per calendar entry), after a marker line; with `user`, in the
    /etc/cron.d format (a user field between the times and the command)."""
    who = f" {user}" if user else ""
    command = cron_command(job)
    entries = [f"{entry.cron()}{who} {command}" for entry in job.calendar]
    return "\n".join([f"{CRON_MARKER}{job.marker()}", *entries]) + "\n"
