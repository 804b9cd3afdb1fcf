"""The bounds on what a cluster manager may send back (DESIGN: "Node text is data").

Every read is cut at these sizes, so that a manager printing garbage, flooding or nesting
without end costs the controller a bounded amount of memory and linear time; the read is
then `garbage` with the bound named. Each is far above a real answer: `show stat` of 1000
servers is ~400 KB, Sentinel's replies a few KB, `ip -o addr` of 100 interfaces ~20 KB.
"""

from __future__ import annotations

#: Bytes of one answer (a command's stdout, a stats socket's reply, all replies of one RESP read).
MAX_OUTPUT = 1024 * 1024
#: Characters of one line of text output.
MAX_LINE = 16 * 1024
#: Records in one answer: servers, addresses, replicas, key=value lines.
MAX_RECORDS = 10_000
#: Characters kept of any text value (a name, a status, a flag list); longer is cut with "...".
MAX_TEXT = 200
#: RESP: nesting depth of arrays, elements of one array, bytes of one bulk string.
RESP_MAX_DEPTH = 4
RESP_MAX_ITEMS = 10_000
RESP_MAX_BULK = 64 * 1024
#: Characters of stderr kept to say why a command failed.
MAX_REASON = 200


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` cut to `limit` characters (with "..." when cut)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
