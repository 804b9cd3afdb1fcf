"""Fault ids: the one value of chaos whose shape is not a cluster-file type.

A fault id reaches remote file names (`/run/clustertui/faults/ID.*`), so it is held to its
exact shape before any command exists.  Every other value a fault carries is validated by
its kind's request model (catalog.REQUEST_MODELS), built from the cluster file's own types
for names, ports and durations (config.scalars) and the fault types of chaos/params.py.
"""

from __future__ import annotations

import re

from clustertui.chaos.errors import InvalidInput

FAULT_ID_RE = re.compile(r"f-[0-9a-f]{8}")


def fault_id(value: object) -> str:
    """A fault id as `apply` prints it: `f-` and 8 hex digits."""
    if not isinstance(value, str) or not FAULT_ID_RE.fullmatch(value):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise InvalidInput(f"expected a fault id like f-1a2b3c4d, found {shown}")
    return value
