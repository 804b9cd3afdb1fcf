"""A monitoring recording made by hand (no network), whose node text is hostile on purpose (a
pipe and a newline in a service state, a script tag and a terminal escape in an event detail,
a formula in a node name): the report writers' tests and the findings' tests start from it."""

from __future__ import annotations

import math

from clustertui.engine.events import Event, EventKind
from clustertui.engine.history import Point
from clustertui.report.recording import NodeRecord, Recording, ServiceRecord

T0 = 1_790_000_000.0
EVIL_DETAIL = "nginx: no nginx process <script>alert(1)</script> | x\n\x1b[31mred"


def points(cpu: float, psi: bool = True, swap: bool = True) -> tuple[Point, ...]:
    return tuple(
        Point(t=T0 + i, cpu=None if i == 0 else cpu + i, mem=40.0, load1=0.5, rx=1000.0, tx=math.nan,
              disk=61.0 + i, swap=(5.0 + i) if swap else None,
              psi_cpu=(1.5 * i) if psi else None, psi_io=0.0 if psi else None, psi_mem=(0.25 * i) if psi else None)
        for i in range(5)
    )


def recording() -> Recording:
    return Recording(
        cluster="demo|<lab>",
        cluster_type="majority",
        started=T0,
        duration_s=5.0,
        interval_s=1.0,
        nodes=(
            NodeRecord("web1", "198.18.0.11", ("web",), "up", "", points(50.0),
                       {"nginx": ServiceRecord("up", 1.0), "odd|svc": ServiceRecord("down\nnow", 0.5)}),
            NodeRecord("=HYPERLINK(\"http://x\")", "198.18.0.13", ("web",), "up", "", points(10.0, psi=False, swap=False),
                       {}),
            NodeRecord("web2", "198.18.0.12", ("web",), "unreachable", "timed out", (),
                       {"nginx": ServiceRecord("unknown", 0.0)}),
        ),
        events=(Event(T0 + 2.5, EventKind.SERVICE_DOWN, "web1", EVIL_DETAIL),),
        health={"quorum": {"up": 2, "total": 3, "needed": 2, "rule": "majority", "holds": True},
                "services": {}, "endpoints": {"vip": {"ok": False, "detail": "HTTP 502 | bad", "latency_ms": 3.0}},
                "healthy": False},
    )
