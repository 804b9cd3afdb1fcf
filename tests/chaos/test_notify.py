"""Webhooks (`notify:`) against a real HTTP receiver on 127.0.0.1: the payloads of every
event kind, the retries, a receiver that refuses or hangs (logged, never waited for), and
the cluster file's checks of URLs and headers (one line FILE:LINE, exit 2)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from clustertui.chaos import AuditLog
from clustertui.chaos.notify import Notifier
from clustertui.config import load_cluster
from clustertui.config.notify import NotifyEvent
from tests.support.cli import run_cli
from tests.support.clusters import write_cluster
from tests.support.receiver import receiver


def notifier(tmp_path: Path, audit: AuditLog, **hooks: dict[str, Any]) -> Notifier:
    cluster = load_cluster(write_cluster(tmp_path / "c.yaml", notify=hooks), check_files=False)
    return Notifier(cluster, audit)


def failures(audit: AuditLog) -> list[dict[str, Any]]:
    return [record for record in audit.read() if record["action"] == "notify-failed"]


def test_every_event_kind_reaches_the_receiver_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "s3cret")
    audit = AuditLog(tmp_path / "audit.jsonl")
    with receiver() as got:
        notify = notifier(tmp_path, audit, ops={"url": got.url, "headers": {"Authorization": "Bearer ${HOOK_TOKEN}"}})
        for event in NotifyEvent:
            notify.emit(event, f"{event} happened", ok=event is not NotifyEvent.ABORT, node="web1")
        posts = got.wait_for(len(NotifyEvent))
        notify.close()
    assert [post["event"] for post in posts] == [str(event) for event in NotifyEvent], "in order, each once"
    first = posts[0]
    assert first["cluster"] == "lab" and first["source"] == "clustertui" and first["version"] == 1
    assert first["text"] == "apply happened" and first["ok"] is True and first["node"] == "web1"
    assert "@" in first["by"] and first["time"].endswith("+00:00")
    assert all(h["Authorization"] == "Bearer s3cret" for h in got.headers)
    assert all(h["Content-Type"] == "application/json" for h in got.headers)
    assert failures(audit) == []


def test_a_webhook_gets_only_the_events_it_asked_for_in_the_slack_format(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    with receiver() as got:
        notify = notifier(tmp_path, audit, chat={"url": got.url, "format": "slack", "events": ["freeze", "thaw"]})
        notify.emit(NotifyEvent.APPLY, "not for this hook")
        notify.emit(NotifyEvent.FREEZE, "frozen: <!channel> & <https://evil|click> \x1b[31m", ok=True)
        [post] = got.wait_for(1)
        notify.close()
    assert set(post) == {"text"}
    text = post["text"]
    assert text.startswith(":white_check_mark: clustertui lab freeze: frozen: ")
    assert "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;" in text
    assert "<" not in text and "\x1b" not in text


def test_a_failing_receiver_is_retried_with_a_bound(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    with receiver(fail=2) as got:
        notify = notifier(tmp_path, audit, ops={"url": got.url, "retries": 3})
        notify.emit(NotifyEvent.REVERT, "reverted")
        assert len(got.wait_for(1)) == 1
        notify.close()
    assert got.attempts == 3 and failures(audit) == []
    with receiver(fail=100) as got:
        notify = notifier(tmp_path, audit, ops={"url": got.url, "retries": 2})
        notify.emit(NotifyEvent.REVERT, "reverted", node="web2")
        notify.close(grace=15)
    assert got.attempts == 3, "1 + retries, then given up"
    [failed] = failures(audit)
    assert failed["webhook"] == "ops" and failed["receiver"] == "127.0.0.1" and failed["node"] == "web2"
    assert failed["result"] == "not delivered after 3 attempts: HTTP 500"
    assert "url" not in failed and "/hook" not in str(failed), "never the URL: it may hold a secret"


def test_a_refusing_receiver_is_not_retried(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    with receiver(status=403) as got:
        notify = notifier(tmp_path, audit, ops={"url": got.url, "retries": 5})
        notify.emit(NotifyEvent.HALT, "halted")
        notify.close(grace=10)
    assert got.attempts == 1
    assert failures(audit)[0]["result"] == "not delivered after 1 attempt: HTTP 403"


def test_a_hanging_receiver_never_blocks_the_caller_and_is_logged(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    with receiver(hang=True) as got:
        notify = notifier(tmp_path, audit, slow={"url": got.url, "timeout": "1s", "retries": 5},
                          fine={"url": got.url.replace("/hook", "/other"), "timeout": "1s", "retries": 0})
        started = time.monotonic()
        for _ in range(50):
            notify.emit(NotifyEvent.REVERT, "reverted")
        emitted = time.monotonic() - started
        notify.close(grace=2)
        closed = time.monotonic() - started
    assert emitted < 0.5, f"emit queues and returns: {emitted:.3f}s for 50"
    assert closed < 4, f"close gives up after its grace: {closed:.1f}s"
    results = [f["result"] for f in failures(audit)]
    assert any(r.startswith("undelivered: clustertui ended") for r in results), results
    assert any("timed out" in r.lower() or "timeout" in r.lower() for r in results), results


def test_an_unreachable_receiver_is_logged(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    with receiver() as got:
        port = got.port
    notify = notifier(tmp_path, audit, gone={"url": f"http://127.0.0.1:{port}/hook", "retries": 1})
    notify.emit(NotifyEvent.APPLY, "applied")
    notify.close(grace=10)
    [failed] = failures(audit)
    assert failed["result"].startswith("not delivered after 2 attempts: ") and "refused" in failed["result"].lower()


BAD_HOOKS = [
    pytest.param({"url": "ftp://127.0.0.1/x"}, "notify.ops.url: expected an http:// or https:// URL", id="scheme"),
    pytest.param({"url": "http://127.0.0.1/x y"}, "notify.ops.url: expected an http:// or https:// URL", id="space"),
    pytest.param({"url": "http://127.0.0.1/", "headers": {"Host": "x"}}, "expected no Host header", id="reserved"),
    pytest.param({"url": "http://127.0.0.1/", "headers": {"X-A": "a\nb"}}, "notify.ops.headers.X-A: expected an HTTP "
                 "header value on one line", id="newline"),
    pytest.param({"url": "http://127.0.0.1/", "headers": {"X A": "b"}}, "expected an HTTP header name", id="name"),
    pytest.param({"url": "http://127.0.0.1/", "events": ["reboot"]}, "notify.ops.events[0]", id="event"),
    pytest.param({"url": "http://127.0.0.1/", "events": []}, "expected at least one event", id="no-events"),
    pytest.param({"url": "http://127.0.0.1/", "retries": 11}, "expected an integer from 0 to 10", id="retries"),
    pytest.param({"url": "http://127.0.0.1/", "timeout": "5m"}, "notify.ops.timeout: expected a duration", id="timeout"),
    pytest.param({"url": "http://127.0.0.1/", "format": "xml"}, "notify.ops.format", id="format"),
    pytest.param({"url": "http://127.0.0.1/${CLUSTERTUI_TEST_UNSET}"}, "CLUSTERTUI_TEST_UNSET", id="unset-env"),
    pytest.param({"url": "http://127.0.0.1/", "secret": "x"}, "notify.ops.secret", id="unknown-key"),
]


@pytest.mark.parametrize(("hook", "message"), BAD_HOOKS)
def test_a_bad_webhook_is_one_line_with_file_and_line(tmp_path: Path, hook: dict[str, Any], message: str) -> None:
    path = write_cluster(tmp_path / "bad.yaml", notify={"ops": hook})
    result = run_cli("check", "--offline", str(path))
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"clustertui: error: {path}:") and message in lines[0], lines[0]


def test_verdicts_go_out_as_their_subject_or_as_abort(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    with receiver() as got:
        notify = notifier(tmp_path, audit, ops={"url": got.url})
        notify.verdict(NotifyEvent.DRILL, "web-node-loss", "passed", node="web2")
        notify.verdict(NotifyEvent.DRILL, "web-node-loss", "aborted", "stop condition availability_below at +3.2 s")
        notify.verdict(NotifyEvent.SCENARIO, "gameday", "failed", "step 2 failed")
        posts = got.wait_for(3)
        notify.close()
    assert [(p["event"], p["verdict"], p["ok"]) for p in posts] == [
        ("drill", "passed", True), ("abort", "aborted", False), ("scenario", "failed", False)]
    assert posts[0]["drill"] == "web-node-loss" and posts[2]["scenario"] == "gameday"
    assert posts[1]["text"] == "drill web-node-loss: aborted (stop condition availability_below at +3.2 s)"
