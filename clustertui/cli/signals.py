"""Ctrl-C and SIGTERM as an asyncio event, so long runs stop cleanly and keep their data."""

from __future__ import annotations

import asyncio
import signal


def stop_event() -> asyncio.Event:
    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, event.set)
    return event
