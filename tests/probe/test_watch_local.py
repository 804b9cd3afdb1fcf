"""The service watch (probe/watch.py), run here for real: the probe program watches a
process of its own (a copy of `sleep` under a name nothing else on this machine has), and
reports its end between frames; where a watcher cannot start, it falls back and says why."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clustertui.probe.errors import ProbeError
from clustertui.probe.parse import FRAME_END, WATCH_START, parse_frame, parse_watch, split_header
from clustertui.probe.plan import ProbePlan, ServiceCheck
from clustertui.transport.channel import FrameBuffer
from tests.support.probe import GOOD, PLAN, run_probe

INTERVAL = 5.0  # long: every report within the test's window comes from the watch


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A running process whose comm is unique to this test."""
    name = f"ctw{os.getpid() % 100000}"
    binary = tmp_path / name
    shutil.copy(shutil.which("sleep") or "/bin/sleep", binary)
    process = subprocess.Popen([str(binary), "60"])
    try:
        yield process, name
    finally:
        process.kill()
        process.wait()


class Stream:
    """The probe's output, cut into frames and watch events as the channel cuts it."""

    def __init__(self, plan: ProbePlan, env: dict[str, str] | None = None) -> None:
        self.plan = plan
        self.process = subprocess.Popen(["sh", "-c", plan.command(INTERVAL)], stdout=subprocess.PIPE, env=env,
                                        start_new_session=True)
        self.buffer = FrameBuffer()
        self.header_seen = False

    def next_chunk(self, timeout: float) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        pending: list[str] = []
        while not pending:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing from the probe within {timeout}s")
            data = os.read(self.process.stdout.fileno(), 65536).decode()
            assert data, "the probe ended"
            pending += self.buffer.feed(data)
        assert len(pending) == 1, pending
        chunk = pending[0]
        if not self.header_seen:
            info, chunk = split_header(chunk)
            assert info is not None
            self.header_seen = True
        return chunk

    def close(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM) if self.process.poll() is None else None
        self.process.wait(timeout=10)


def plan_for(name: str) -> ProbePlan:
    return ProbePlan(services=(ServiceCheck("svc", process=name),))


def test_a_killed_process_is_reported_at_once_and_a_restart_is_watched_again(watched, tmp_path: Path) -> None:
    process, name = watched
    plan = plan_for(name)
    stream = Stream(plan)
    try:
        first = parse_frame(stream.next_chunk(5), plan, time.time())
        assert first.watch == "on" and first.services["svc"].up
        time.sleep(0.5)  # the watcher starts right after the frame
        killed = time.monotonic()
        process.kill()
        process.wait()  # reaped, as a service's parent (init, systemd) reaps it: tail sees a zombie alive
        chunk = stream.next_chunk(INTERVAL - 1)
        seen = time.monotonic() - killed
        assert chunk.startswith(WATCH_START), chunk
        report = parse_watch(chunk)
        assert report.process_counts == {name: 0}
        assert seen < 0.5, f"the watch took {seen:.2f}s"
        # Back up: the next frame sees it and watches it again; its next end is reported too.
        again = subprocess.Popen([str(tmp_path / name), "60"])
        try:
            frame = parse_frame(stream.next_chunk(INTERVAL + 2), plan, time.time())
            assert frame.services["svc"].up
            time.sleep(0.5)
            again.kill()
            again.wait()
            report = parse_watch(stream.next_chunk(INTERVAL - 1))
            assert report.process_counts == {name: 0}
        finally:
            again.kill()
            again.wait()
    finally:
        stream.close()


def test_a_zombie_is_not_counted(watched) -> None:
    """An ended process its parent has not collected yet is not the service running."""
    process, name = watched
    plan = plan_for(name)
    process.kill()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{process.pid}/stat").read_text().split(")")[1].split()[0] != "Z":
        assert time.monotonic() < deadline, "never a zombie"
        time.sleep(0.01)
    (frame,) = run_probe(plan, interval=0.2, count=1)
    assert parse_frame(frame, plan, time.time()).services["svc"].process_count == 0


def test_the_watchers_and_the_queue_go_when_the_probe_ends(watched, tmp_path: Path) -> None:
    _, name = watched
    plan = plan_for(name)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    stream = Stream(plan, env={**os.environ, "TMPDIR": str(tmp)})
    stream.next_chunk(5)
    time.sleep(0.5)
    (queue,) = tmp.iterdir()
    tails = _tails_of(name)
    assert tails, "no watcher runs"
    stream.process.kill()  # awk alone, as when its channel closes: the ticker cleans up
    stream.process.wait()
    deadline = time.monotonic() + INTERVAL + 3
    while (queue.exists() or _tails_of(name) or _session(stream.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not queue.exists() and not _tails_of(name)
    assert not _session(stream.process.pid), "a process of the probe outlived it"


def _session(sid: int) -> list[int]:
    """The processes of session `sid` still alive (the probe runs in its own)."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def _tails_of(name: str) -> list[str]:
    """The `tail --pid` watchers of our watched process."""
    pid = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()
    return [line for line in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("tail --pid=") and any(f"--pid={p} " in line for p in pid)]


@pytest.mark.parametrize("broken", ["no-tail-pid", "no-fifo"])
def test_a_watch_that_cannot_start_falls_back_to_frames_and_says_why(watched, tmp_path: Path, broken: str) -> None:
    _, name = watched
    env = dict(os.environ)
    if broken == "no-tail-pid":  # a tail without --pid, as busybox's
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        fake = bin_dir / "tail"
        fake.write_text("#!/bin/sh\necho 'tail: unrecognized option' >&2\nexit 1\n")
        fake.chmod(0o755)
        env["PATH"] = f"{bin_dir}:{env['PATH']}"
    else:  # no place for the FIFO
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("")
        env["TMPDIR"] = str(blocker)
    plan = plan_for(name)
    output = subprocess.run(["sh", "-c", plan.command(0.2, count=2)], capture_output=True, text=True,
                            timeout=30, check=True, env=env).stdout
    _, body = split_header(output)
    frames = [frame + FRAME_END for frame in body.split(FRAME_END) if frame.strip()]
    assert len(frames) == 2
    for frame in frames:
        sample = parse_frame(frame, plan, time.time())
        assert sample.watch == broken and sample.services["svc"].up


def test_one_frame_or_nothing_to_watch_runs_no_watch() -> None:
    assert ProbePlan().command(1.0).startswith("exec awk")
    assert plan_for("nginx").command(1.0, count=1).startswith("exec awk")
    assert ProbePlan(services=(ServiceCheck("svc", process="nginx"),), watch=False).command(1.0).startswith("exec awk")


@pytest.mark.parametrize(
    "text",
    [
        "W 1 2.00\ns P nginx 0\nE\nW",  # two blocks in one
        "W 1\ns P nginx 0\nE\n",
        "W x 2.00\ns P nginx 0\nE\n",
        "W 1 2.00\ns U nginx.service inactive\nE\n",  # units are the frame's alone
        "W 1 2.00\nc 1 1 1 1 1\nE\n",
        "W 1 2.00\ns L 70000 0\nE\n",
        "W 1 2.00\ns P nginx -1\nE\n",
        "W 1 2.00\n" + "s P nginx 0\n" * 9000 + "E\n",
        "W 1 2.00\ns P " + "n" * 70000 + " 0\nE\n",
    ],
)
def test_a_malformed_watch_event_is_a_probe_error(text: str) -> None:
    with pytest.raises(ProbeError):
        parse_watch(text)


@pytest.mark.parametrize("record", ["w", "w off", "w off Not-Lower", "w off a;b", "w maybe", "w on extra",
                                    "w off " + "x" * 41])
def test_a_malformed_watch_status_is_a_probe_error(record: str) -> None:
    with pytest.raises(ProbeError):
        parse_frame(GOOD.replace("E\n", record + "\nE\n"), PLAN, 1.0)


@pytest.mark.parametrize("watch", [True, False], ids=["watch", "frames"])
def test_the_stream_ends_as_soon_as_the_probe_is_killed(watched, watch: bool) -> None:
    """sshd ends a channel when every holder of its stdout and stderr is gone: a shell the
    probe left waiting (for the tick or the watch queue) must hold neither, or a killed
    probe (a node going away) would be seen only an interval later."""
    _, name = watched
    plan = ProbePlan(services=(ServiceCheck("svc", process=name),), watch=watch)
    probe = subprocess.Popen(["sh", "-c", plan.command(INTERVAL)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        assert probe.stdout is not None and probe.stderr is not None
        while probe.stdout.readline() != b"E\n":
            pass
        time.sleep(0.5)  # the shell now waits for the next tick
        killed = time.monotonic()
        probe.kill()  # awk alone
        probe.stdout.read()
        probe.stderr.read()
        assert time.monotonic() - killed < 1.0, "the stream outlived the probe"
    finally:
        os.killpg(probe.pid, signal.SIGTERM)
        probe.wait()
