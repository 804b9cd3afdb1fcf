"""A webhook receiver on 127.0.0.1 for the notification tests: a real HTTP server in a
thread that records every POST, and that a test can make fail, refuse or hang."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    """What the server got, and how it answers: `fail` 500s first, then `status`; `hang`
    never answers (until the test ends)."""

    port: int = 0
    status: int = 200
    fail: int = 0
    hang: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    released: threading.Event = field(default_factory=threading.Event)
    got: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self) -> list[str]:
        return [post.get("event", "") for post in self.posts]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The posts once there are `count` of them (or what came within `timeout`)."""
        deadline = time.monotonic() + timeout
        with self.got:
            while len(self.posts) < count and time.monotonic() < deadline:
                self.got.wait(max(0.0, deadline - time.monotonic()))
        return list(self.posts)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.got:
                receiver.attempts += 1
                attempt = receiver.attempts
            if receiver.hang:
                receiver.released.wait(120)
                return
            status = 500 if attempt <= receiver.fail else receiver.status
            if status < 300:
                with receiver.got:
                    receiver.posts.append(json.loads(body))
                    receiver.headers.append(dict(self.headers.items()))
                    receiver.got.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def receiver(**behaviour: Any) -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 (a free port) while the block runs."""
    state = Receiver(**behaviour)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()
