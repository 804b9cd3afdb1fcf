"""When a schedule runs: `--every D [--window HH:MM-HH:MM]` as calendar entries that systemd's
OnCalendar= and cron both express exactly.

Runs start at the window's start (midnight without a window) and repeat every D while inside
the window; each day starts over, so `--every 5h` runs at 00:00, 05:00, 10:00, 15:00 and 20:00.
A window may cross midnight (22:00-02:00). A period longer than a day is a whole number of
days and runs at the window's start on days 1, 1+N, 1+2N ... of each month (the one day step
both cron and OnCalendar have; it starts over on the 1st). docs/schedule.md has examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

DAY = 24 * 60  # minutes
MAX_DAYS = 31
_WINDOW = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)")


class ScheduleError(ValueError):
    """A period or window that cannot be scheduled; the text says what was expected."""


@dataclass(frozen=True, slots=True)
class Window:
    """Minutes of the day a schedule may start in: [start, start + length)."""

    start: int
    length: int

    @classmethod
    def parse(cls, text: str | None) -> Window:
        if text is None:
            return cls(0, DAY)
        match = _WINDOW.fullmatch(text)
        if match is None:
            raise ScheduleError(f"expected a window HH:MM-HH:MM (like 01:00-05:00), found {text!r}")
        start = int(match[1]) * 60 + int(match[2])
        end = int(match[3]) * 60 + int(match[4])
        if end > DAY:
            raise ScheduleError(f"expected a window end of at most 24:00, found {text!r}")
        length = (end - start) % DAY
        if length == 0:
            raise ScheduleError(f"expected a window that ends after it starts, found {text!r}")
        return cls(start, length)

    def __str__(self) -> str:
        end = (self.start + self.length) % DAY
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@dataclass(frozen=True, slots=True)
class Entry:
    """A set of start times: every listed minute of every listed hour, every `day_step` days."""

    hours: tuple[int, ...]
    minutes: tuple[int, ...]
    day_step: int = 1

    def on_calendar(self) -> str:
        """systemd's OnCalendar= form (`*-*-* 01..04:00,30:00`)."""
        day = "*" if self.day_step == 1 else f"01/{self.day_step}"
        return f"*-*-{day} {_spans(self.hours, '..', 24)}:{_spans(self.minutes, '..', 60)}:00"

    def cron(self) -> str:
        """The five time fields of a cron line (`0,30 1-4 * * *`)."""
        day = "*" if self.day_step == 1 else f"*/{self.day_step}"
        return f"{_spans(self.minutes, '-', 60, width=0)} {_spans(self.hours, '-', 24, width=0)} {day} * *"


def entries(every_seconds: float, window: Window) -> list[Entry]:
    """The calendar entries of a run every `every_seconds` inside `window`."""
    if every_seconds < 60 or every_seconds % 60:
        raise ScheduleError(f"expected --every of whole minutes, at least 1m, found {every_seconds:g}s")
    every = int(every_seconds // 60)
    if every > DAY:
        if every % DAY or every // DAY > MAX_DAYS:
            raise ScheduleError(f"expected --every of at most 1d, or whole days up to {MAX_DAYS}d, found {every}m")
        return [Entry((window.start // 60,), (window.start % 60,), every // DAY)]
    starts = [(window.start + offset) % DAY for offset in range(0, window.length, every)]
    by_hour: dict[int, set[int]] = {}
    for minute in starts:
        by_hour.setdefault(minute // 60, set()).add(minute % 60)
    by_minutes: dict[tuple[int, ...], list[int]] = {}
    for hour, minutes in sorted(by_hour.items()):
        by_minutes.setdefault(tuple(sorted(minutes)), []).append(hour)
    return [Entry(tuple(hours), minutes) for minutes, hours in by_minutes.items()]


def _spans(values: Iterable[int], dash: str, full: int, width: int = 2) -> str:
    """`0,1,2,3,7` -> `00..03,07` (systemd) or `0-3,7` (cron); runs of three or more become
    ranges, and all `full` values (every hour, every minute) `*`."""
    ordered = sorted(values)
    if ordered == list(range(full)):
        return "*"
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        end = index
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[end] + 1:
            end += 1
        first, last = f"{ordered[index]:0{width}d}", f"{ordered[end]:0{width}d}"
        if end - index >= 2:
            parts.append(f"{first}{dash}{last}")
        else:
            parts.extend(f"{value:0{width}d}" for value in ordered[index : end + 1])
        index = end + 1
    return ",".join(parts)


def next_start(calendar: Sequence[Entry], after: datetime) -> datetime:
    """The first start strictly after `after` (naive local time, as the entries are): what
    systemd's OnCalendar= and cron compute, for `serve --schedule`, which runs in-process."""
    today = after.replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in range(2 * MAX_DAYS + 1):  # a day-step entry starts again on the 1st: within two months
        day = (today + timedelta(days=offset)).date()
        starts = [datetime.combine(day, time(hour, minute))
                  for entry in calendar if (day.day - 1) % entry.day_step == 0
                  for hour in entry.hours for minute in entry.minutes]
        later = [start for start in starts if start > after]
        if later:
            return min(later)
    raise ScheduleError("no start within two months")  # not reached: every entry starts on the 1st at the latest
