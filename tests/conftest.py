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

Before each lab test gets the lab, ``_lab_healthy`` surveys every node and heals what an
earlier test left damaged (tests/support/lab_health.py), so one broken test cannot fail the
tests after it; what it healed is reported as a ``LabHealed`` warning naming that test.

``wait_for`` and ``nginx_stopped`` are the shared helpers of the tests (tests/support holds
the rest); no test module imports another.
"""

from __future__ import annotations

import fcntl
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import lab_health, waiting
from tests.support.nodes import pids
from tests.support.paths import LAB_FILE as LAB_CLUSTER_FILE


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

    def alone(self) -> bool:
        """No other pytest session uses the lab right now (so healing cannot undo its faults)."""
        try:
            fcntl.flock(self.users_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(self.users_fd, fcntl.LOCK_SH)  # a failed conversion dropped ours
            return False
        fcntl.flock(self.users_fd, fcntl.LOCK_SH)
        return True

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


def _needs_lab(item: pytest.Item) -> bool:
    return item.get_closest_marker("lab") is not None or "lab" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (its hook would run first otherwise)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every lab test runs in one xdist worker, one after another: there is one lab per host,
    and a fault one test holds must not meet another test's (``make test`` runs ``-n`` workers
    with ``--dist loadgroup``; the other workers take the tests that need no lab meanwhile).
    The other tests go by module, so that a module's fixtures (the packaging test's wheel)
    are built once, not once per worker."""
    for item in items:
        if _needs_lab(item):
            item.add_marker(pytest.mark.xdist_group("lab"))
        else:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


#: Niceness of an xdist worker while it runs a test that needs no lab: the lab's stream (one
#: worker, tests one after another) is the run's critical path, and on a 2-core runner the
#: other workers' CPU-bound tests would otherwise slow its waits on real daemons.
OTHER_TESTS_NICE = 5


@pytest.hookimpl(tryfirst=True)  # before the fixtures: a lab built now runs its daemons un-niced
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A worker runs lab tests at the normal priority, the rest niced (as root, which the lab
    needs anyway, a worker can go back; elsewhere it keeps what it has)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, 0, 0 if _needs_lab(item) else OTHER_TESTS_NICE)
    except OSError:
        pass


@pytest.fixture(autouse=True)
def _lab_for_marked_tests(request: pytest.FixtureRequest) -> None:
    """Tests marked ``@pytest.mark.lab`` get the lab without naming the fixture."""
    if request.node.get_closest_marker("lab") is not None and "lab" not in request.fixturenames:
        request.getfixturevalue("lab")


class LabHealed(UserWarning):
    """A lab test found the lab damaged by an earlier test, and healed it first."""


#: The lab test that ran last: whoever left damage that the next survey finds.
_last_lab_test: list[str] = ["(before this session)"]


@pytest.fixture(autouse=True)
def _lab_healthy(request: pytest.FixtureRequest, _lab_for_marked_tests: None) -> Iterator[None]:
    """Every node healthy before a lab test starts; heals (or rebuilds) a damaged node.

    Runs for the tests that use the lab, after ``lab`` is set up, when no other pytest
    session uses the lab.  Costs one survey of every node (one /proc pass for all, one short
    command per node in parallel;
    ``CLUSTERTUI_LAB_HEALTH_TIMES=1`` prints it per test).
    """
    if "lab" not in request.fixturenames and request.node.get_closest_marker("lab") is None:
        yield
        return
    lab: LabHandle = request.getfixturevalue("lab")
    started = time.monotonic()
    healed: list[str] = []
    # With another session on the lab, its test may be mid-fault: "healing" would undo it
    # (lab tests are meant to run one session at a time, in the lab lock).
    if lab.alone():
        if lab.node_init_pid(lab.spec.names[0]) is not None:  # a lab test may have taken it down
            lab_health.check_and_heal(lab, healed.append)
        else:
            lab.ensure_up()
            healed.append("the lab was down: brought it up")
    if healed:
        warnings.warn(LabHealed(f"left by {_last_lab_test[0]}: " + " | ".join(healed)), stacklevel=1)
    if os.environ.get("CLUSTERTUI_LAB_HEALTH_TIMES") == "1":
        print(f"\nLAB-HEALTH {time.monotonic() - started:.3f}s {request.node.nodeid}")
    try:
        yield
    finally:
        _last_lab_test[0] = request.node.nodeid


@pytest.fixture
def wait_for() -> Callable[..., float]:
    """``wait_for(predicate, timeout=10, step=0.1, what=...)``: seconds until it held;
    fails the test on timeout (tests/support/waiting.py)."""
    return waiting.wait_for


@pytest.fixture
def nginx_stopped(lab: LabHandle) -> Callable[[str], AbstractContextManager[None]]:
    """``with nginx_stopped("web2"):`` nginx is stopped on that node, and serves again after."""

    @contextmanager
    def stopped(node: str) -> Iterator[None]:
        from clustertui.lab import http_get

        lab.node_exec(node, ["nginx", "-s", "stop"], check=True)
        waiting.wait_for(lambda: not pids(lab, node, "nginx"), timeout=5, step=0.02, what=f"nginx to stop on {node}")
        try:
            yield
        finally:
            lab.node_exec(node, ["nginx"], check=True)
            address = lab.spec.node(node).address
            waiting.wait_for(lambda: http_get(f"http://{address}/health")[0] == 200, what=f"nginx to serve on {node}")

    return stopped


@pytest.fixture(scope="session", autouse=True)
def _private_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The audit log, local fault records and drill history of a test run go to a temporary directory
    (subprocesses inherit it), never into the operator's ~/.local/state/clustertui."""
    state = tmp_path_factory.mktemp("clustertui-state")
    saved = {key: os.environ.get(key) for key in ("CLUSTERTUI_AUDIT_LOG", "CLUSTERTUI_FAULTS_DIR", "CLUSTERTUI_HISTORY")}
    os.environ.setdefault("CLUSTERTUI_AUDIT_LOG", str(state / "audit.jsonl"))
    os.environ.setdefault("CLUSTERTUI_FAULTS_DIR", str(state / "faults"))
    os.environ.setdefault("CLUSTERTUI_HISTORY", str(state / "history.sqlite"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
