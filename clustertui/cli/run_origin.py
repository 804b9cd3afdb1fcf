"""Who ran a drill or a game day, as the history records it (`origin`).

`tui` or `cli` by how it was started; a scheduled job says `schedule` through
CLUSTERTUI_RUN_ORIGIN (docs/schedule.md), so that `history` tells scheduled runs apart.
"""

from __future__ import annotations

import os


def run_origin(interactive: bool) -> str:
    from clustertui.schedule import ORIGIN_ENV

    given = os.environ.get(ORIGIN_ENV, "")
    if given.isascii() and given.isalpha() and given.islower() and len(given) <= 20:
        return given
    return "tui" if interactive else "cli"
