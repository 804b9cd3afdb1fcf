"""Shared test fixtures.

``lab`` (session): the local lab cluster (``clustertui lab up``), built once per session for
the tests that request it or carry ``@pytest.mark.lab``, and removed at the end — also when
tests fail.  A lab that was already up and healthy when the session started (a developer's)
is reused and left running.  Without root or a prerequisite the tests are skipped, or fail
when ``CLUSTERTUI_REQUIRE_LAB=1`` (CI on a lab-capable runner must not skip silently).

Several pytest sessions may run at once on one machine (engineers sharing a host).  Each
session holds a shared flock on ``/run/lock/clustertui-lab-users.lock`` while it uses the
lab; a session removes a lab built by tests only when it is the last user, and tests that
take the lab down (``lab.exclusive()``) skip while another session uses it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
LAB_CLUSTER_FILE = REPO / "sample_clusters" / "lab.yaml"


@dataclass
class LabHandle:
    """What a lab test gets: where the lab's files are, and how to act inside nodes.

    ``node_exec(node, argv, ...)`` runs a command inside a node (its namespaces and cgroup)
    and returns a ``CompletedProcess``; ``node_popen`` starts one without waiting;
    ``ensure_up()`` repairs the lab (rebuilds it if a test left it degraded).
    """

    state_dir: Path
    cluster_file: Path
    created_by_session: bool
    spec: Any = field(repr=False)
    users_fd: int = field(default=-1, repr=False)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """For tests that take the lab down: skip if another pytest session uses it."""
        try:
            fcntl.flock(self.users_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(self.users_fd, fcntl.LOCK_SH)  # a failed conversion dropped ours
            pytest.skip("another pytest session is using the lab")
        try:
            yield
        finally:
            fcntl.flock(self.users_fd, fcntl.LOCK_SH)

    def node_exec(self, node: str, argv: Sequence[str], **kwargs: Any) -> Any:
        from clustertui.lab import node_exec

        return node_exec(node, argv, **kwargs)

    def node_popen(self, node: str, argv: Sequence[str], **kwargs: Any) -> Any:
        from clustertui.lab import node_popen

        return node_popen(node, argv, **kwargs)

    def node_init_pid(self, node: str) -> int | None:
        from clustertui.lab import node_init_pid

        return node_init_pid(node)

    def ssh_argv(self, node: str, command: Sequence[str]) -> list[str]:
        """``ssh`` argv running ``command`` as root on ``node`` with the lab's key."""
        from clustertui.lab.spec import StatePaths
        from clustertui.lab.sshd import ssh_argv

        return ssh_argv(StatePaths(self.state_dir), self.spec.node(node).address, list(command))

    def ensure_up(self) -> None:
        from clustertui.lab import lab_up

        lab_up(self.state_dir)

    @property
    def identity(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.state_dir / "known_hosts"


def _lab_unavailable() -> str | None:
    from clustertui.lab import missing_prerequisites

    missing = missing_prerequisites()
    return "lab unavailable: " + "; ".join(missing) if missing else None


def _running_state_dir() -> Path | None:
    """State directory of a lab that is already up and healthy, if any."""
    from clustertui.lab import lab_present, lab_status
    from clustertui.lab.spec import RuntimePaths, default_state_dir

    if not lab_present():
        return None
    try:
        candidate = Path(RuntimePaths().state_pointer.read_text().strip())
    except OSError:
        candidate = default_state_dir()
    return candidate if lab_status(candidate).overall == "up" else None


#: Marker in the lab's runtime directory: "a test session built this lab" (``lab down``
#: removes the directory, so the marker never outlives the lab).
_BUILT_BY_TESTS = "built-by-tests"


@pytest.fixture(scope="session")
def lab() -> Iterator[LabHandle]:
    """The lab, up and healthy; torn down at the end unless it was there before."""
    reason = _lab_unavailable()
    if reason:
        if os.environ.get("CLUSTERTUI_REQUIRE_LAB") == "1":
            pytest.fail(reason + " (CLUSTERTUI_REQUIRE_LAB=1)", pytrace=False)
        pytest.skip(reason)

    from clustertui.lab import DEFAULT_SPEC, lab_down, lab_up
    from clustertui.lab.locking import USERS_LOCK, operation_lock
    from clustertui.lab.spec import RuntimePaths, default_state_dir

    marker = RuntimePaths().root / _BUILT_BY_TESTS
    users_fd = os.open(USERS_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(users_fd, fcntl.LOCK_SH)
    try:
        with operation_lock():
            reused = _running_state_dir()
            if reused is not None:
                handle = LabHandle(reused, LAB_CLUSTER_FILE, False, DEFAULT_SPEC, users_fd)
            else:
                state_dir = default_state_dir()
                try:
                    lab_up(state_dir)
                except Exception:
                    lab_down(state_dir)
                    raise
                marker.write_text(f"pytest pid {os.getpid()}\n")
                handle = LabHandle(state_dir, LAB_CLUSTER_FILE, True, DEFAULT_SPEC, users_fd)
        yield handle
        # Last user out removes a lab that tests built (never a developer's own lab).
        try:
            fcntl.flock(users_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        if handle.created_by_session or marker.exists():
            lab_down(handle.state_dir)
    finally:
        os.close(users_fd)


@pytest.fixture(autouse=True)
def _lab_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """Tests marked ``@pytest.mark.lab`` get the lab without naming the fixture."""
    if request.node.get_closest_marker("lab") is not None and "lab" not in request.fixturenames:
        request.getfixturevalue("lab")


@pytest.fixture(scope="session", autouse=True)
def _private_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The audit log and local fault records of a test run go to a temporary directory
    (subprocesses inherit it), never into the operator's ~/.local/state/clustertui."""
    state = tmp_path_factory.mktemp("clustertui-state")
    saved = {key: os.environ.get(key) for key in ("CLUSTERTUI_AUDIT_LOG", "CLUSTERTUI_FAULTS_DIR")}
    os.environ.setdefault("CLUSTERTUI_AUDIT_LOG", str(state / "audit.jsonl"))
    os.environ.setdefault("CLUSTERTUI_FAULTS_DIR", str(state / "faults"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
