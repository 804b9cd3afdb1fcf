"""The notifier: chaos events to the cluster file's webhooks, in the background.

`emit` never blocks and never raises: it puts the notice on each subscribed webhook's
queue and returns, so a revert or a halt goes on whatever the receivers do.  Each webhook
has its own daemon worker thread (started on its first notice): one slow or hanging
receiver delays only its own later notices, never another webhook, never the event loop.
A delivery is tried `1 + retries` times, each attempt bounded by the webhook's timeout,
with a backoff between (webhook.py).  A notice that could not be delivered -- the
receiver failed every attempt, answered 4xx, or the queue was full -- is written to the
audit log (`notify-failed`), naming the webhook and never its URL or headers (secrets).

`close(grace)` gives the queues up to `grace` seconds to drain when clustertui ends (a CLI
command, the TUI quitting); what is still queued or in flight then is logged as
undelivered and abandoned with its daemon thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from clustertui.chaos.audit import AuditLog, operator
from clustertui.chaos.webhook import DeliveryError, Notice, backoff, payload, post
from clustertui.config import Cluster
from clustertui.config.notify import NotifyEvent, Webhook
from clustertui.report.escape import printable

QUEUE_LIMIT = 256
CLOSE_GRACE = 5.0


def clean(value: Any) -> Any:
    """A value for a notice: strings one printable line (node text is data), containers
    cleaned through."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, Mapping):
        return {str(key): clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(item) for item in value]
    return value


class _Worker:
    """One webhook's queue and thread."""

    def __init__(self, name: str, hook: Webhook, failed: Callable[[str, Notice, str], None],
                 sleep: Callable[[float], None]) -> None:
        self.name, self.hook, self.failed, self.sleep = name, hook, failed, sleep
        self.queue: queue.Queue[Notice | None] = queue.Queue(QUEUE_LIMIT)
        self.current: Notice | None = None
        self.thread = threading.Thread(target=self._loop, name=f"notify {name}", daemon=True)
        self.started = False

    def put(self, notice: Notice) -> None:
        if not self.started:
            self.started = True
            self.thread.start()
        try:
            self.queue.put_nowait(notice)
        except queue.Full:
            self.failed(self.name, notice, f"dropped: {QUEUE_LIMIT} notices already waiting")

    def _loop(self) -> None:
        while (notice := self.queue.get()) is not None:
            self.current = notice
            try:
                self._deliver(notice)
            except Exception as exc:  # a bug must not end the thread and strand the queue
                self.failed(self.name, notice, f"not delivered: {type(exc).__name__}: {exc}")
            self.current = None

    def _deliver(self, notice: Notice) -> None:
        body = payload(self.hook, notice)
        why = ""
        attempts = 1 + self.hook.retries
        for attempt in range(1, attempts + 1):
            try:
                post(self.hook, body)
                return
            except DeliveryError as exc:
                why = str(exc)
                if not exc.retry:
                    attempts = attempt
                    break
            if attempt < attempts:
                self.sleep(backoff(attempt))
        self.failed(self.name, notice, f"not delivered after {attempts} attempt{'s' if attempts > 1 else ''}: {why}")

    def pending(self) -> list[Notice]:
        waiting = [n for n in list(self.queue.queue) if n is not None]
        return ([self.current] if self.current is not None else []) + waiting


class Notifier:
    """A cluster's webhooks (`notify:`); `emit` from any thread or coroutine."""

    def __init__(self, cluster: Cluster, audit: AuditLog, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.cluster, self.audit = cluster.name, audit
        self._lock = threading.Lock()
        self._workers = {name: _Worker(name, hook, self._failed, sleep) for name, hook in cluster.notify.items()}
        self.closed = False

    def emit(self, event: NotifyEvent, text: str, *, ok: bool = True, **details: Any) -> None:
        """Queue a notice for every webhook that wants `event`; returns at once."""
        if self.closed or not self._workers:
            return
        notice = Notice(str(event), self.cluster, printable(text), ok, operator(), time.time(), clean(details))
        for worker in self._workers.values():
            if event in worker.hook.events:
                worker.put(notice)

    def verdict(self, subject: NotifyEvent, name: str, verdict: str, reason: str = "", **details: Any) -> None:
        """A drill's or scenario's verdict (`subject` DRILL or SCENARIO): sent as `abort` when
        it is `aborted`, as `subject` otherwise, so that a webhook can listen for aborts alone."""
        event = NotifyEvent.ABORT if verdict == "aborted" else subject
        why = f" ({reason})" if reason else ""
        self.emit(event, f"{subject} {name}: {verdict}{why}", ok=verdict == "passed", **{str(subject): name},
                  verdict=verdict, reason=reason, **details)

    def _failed(self, name: str, notice: Notice, why: str) -> None:
        host = self._host(name)
        with self._lock:
            try:
                self.audit.append("notify-failed", self.cluster, node=notice.details.get("node"), webhook=name,
                                  receiver=host, event=notice.event, text=notice.text, result=why)
            except OSError:
                pass  # the audit log itself is unwritable: nothing more to do from a thread

    def _host(self, name: str) -> str:
        return urlsplit(self._workers[name].hook.url).hostname or "?"

    def close(self, grace: float = CLOSE_GRACE) -> None:
        """Let the queues drain for up to `grace` seconds, then log what is left undelivered."""
        if self.closed:
            return
        self.closed = True
        started = [worker for worker in self._workers.values() if worker.started]
        for worker in started:
            try:
                worker.queue.put_nowait(None)
            except queue.Full:
                pass
        deadline = time.monotonic() + grace
        for worker in started:
            worker.thread.join(max(0.0, deadline - time.monotonic()))
        for worker in started:
            if worker.thread.is_alive():
                for notice in worker.pending():
                    self._failed(worker.name, notice, f"undelivered: clustertui ended, {grace:g}s after its work was done")
