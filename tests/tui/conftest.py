"""Fixtures for the TUI tests: a fixed clock, the built-in themes only, replayed states, and
a fake chaos engine (tests/tui/fakes.py) under the app's real chaos and drill sessions."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

import pytest

from clustertui.chaos import ChaosSession
from clustertui.chaos.audit import AuditLog
from clustertui.config import Cluster, load_cluster
from clustertui.drills.session import DrillSession
from clustertui.engine.snapshot import ClusterSnapshot, NodeSeries
from clustertui.gameday.runner import ScenarioRunner
from clustertui.gameday.session import GamedaySession
from clustertui.tui.app import ClusterApp
from clustertui.tui.cluster_links import ClusterLink
from clustertui.tui.multi_source import MultiSource
from clustertui.tui.source import ReplaySource
from clustertui.tui.themes import BUILTIN_DIR, ThemeCatalog
from tests.support.gameday import FakeMonitor
from tests.tui.fakes import FakeChaos, FakeRunner
from tests.tui.tui_state import LAB_HA_STATE, incident, load_state

NEVER = 3600.0  # a replay interval no test waits for: ticks happen only when a test asks
LAB_FILE = Path(__file__).resolve().parents[2] / "sample_clusters" / "lab.yaml"


@pytest.fixture(autouse=True)
def utc_clock() -> Iterator[None]:
    """Clock strings in UTC, so snapshots do not depend on the machine's time zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(autouse=True)
def own_history(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each test its own (empty) drill history: what the chaos menu shows of past runs must
    not depend on the drills other tests ran."""
    path = tmp_path / "history.sqlite"
    monkeypatch.setenv("CLUSTERTUI_HISTORY", str(path))
    return path


@pytest.fixture(scope="session")
def recorded() -> tuple[ClusterSnapshot, dict[str, NodeSeries]]:
    return load_state()


@pytest.fixture(scope="session")
def bad_day(recorded) -> ClusterSnapshot:
    return incident(recorded[0])


@pytest.fixture
def builtin_themes() -> ThemeCatalog:
    catalog = ThemeCatalog.load((BUILTIN_DIR,))
    assert not catalog.errors
    return catalog


@pytest.fixture(scope="session")
def lab_cluster() -> Cluster:
    """The lab's cluster file (the recording is of that cluster), without its key files."""
    return load_cluster(LAB_FILE, check_files=False)


@pytest.fixture
def fake_chaos(lab_cluster, tmp_path) -> FakeChaos:
    """Its audit log is the test's own: records other tests wrote to the run's log stay out."""
    return FakeChaos(lab_cluster, audit=AuditLog(tmp_path / "audit.jsonl"))


@pytest.fixture
def make_link(lab_cluster, fake_chaos, tmp_path) -> Callable[..., DrillSession]:
    """The real sessions on the fake engine; drills run FakeRunner; reports go to tmp_path."""

    def make(chaos: FakeChaos | None = None, phase_seconds: float = 0.2) -> DrillSession:
        runner = partial(FakeRunner, lab_cluster, seconds=phase_seconds)
        engine = chaos or fake_chaos
        session = ChaosSession(lab_cluster, engine)  # type: ignore[arg-type]
        return DrillSession(session, runner, reports_dir=tmp_path / "drills")  # type: ignore[arg-type]

    return make


@pytest.fixture
def make_gamedays(lab_cluster, fake_chaos, tmp_path) -> Callable[..., GamedaySession]:
    """Game days on the fake engine: the real scenario runner, its drills FakeRunner, its
    checks on a healthy FakeMonitor; reports go to tmp_path.  `cluster`: the lab's with more
    scenarios."""

    def make(cluster: Cluster | None = None, phase_seconds: float = 0.2) -> GamedaySession:
        chosen = cluster or lab_cluster
        chaos = ChaosSession(chosen, fake_chaos)  # type: ignore[arg-type]

        def new_runner(scenario, on_change, stop) -> ScenarioRunner:
            return ScenarioRunner(
                chosen, scenario, FakeMonitor(chosen), chaos, on_change=on_change, stop=stop,  # type: ignore[arg-type]
                new_drill_runner=lambda drill, changed, halt, _ready: FakeRunner(chosen, drill, changed, halt,
                                                                                 seconds=phase_seconds),
            )

        return GamedaySession(chaos, new_runner, reports_dir=tmp_path / "gamedays")

    return make


@pytest.fixture
def make_app(recorded, builtin_themes, make_link, make_gamedays) -> Callable[..., ClusterApp]:
    """An app on replayed snapshots (the recorded lab state by default), with chaos on the
    fake engine (`link=None`: an app without chaos, like this machine alone)."""

    def make(
        frames: Sequence[ClusterSnapshot] | None = None,
        theme: str | None = None,
        read_only: bool = False,
        interval: float = NEVER,
        link: DrillSession | bool | None = True,
        start_drill: str | None = None,
        gamedays: GamedaySession | bool | None = True,
        start_scenario: str | None = None,
    ) -> ClusterApp:
        source = ReplaySource(frames or [recorded[0]], recorded[1], interval=interval)
        chosen = make_link() if link is True else link or None
        days = (make_gamedays() if gamedays is True else gamedays or None) if chosen is not None else None
        return ClusterApp(source, builtin_themes, theme=theme, read_only=read_only, session=chosen,
                          start_drill=start_drill, gamedays=days, start_scenario=start_scenario)

    return make


@pytest.fixture
def lab_keys_at_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """lab.yaml names the lab's key files under ~: give these tests their own, so they do
    not depend on a lab being up (or having been up) on this machine."""
    import subprocess

    state = tmp_path / "home" / ".local" / "state" / "clustertui" / "lab"
    state.mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(state / "id_ed25519")], check=True)
    (state / "known_hosts").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


# -- several clusters in one view (tests/tui/test_tui_several*.py) --------------------------

LAB_HA_FILE = LAB_FILE.with_name("lab-ha.yaml")


@pytest.fixture(scope="session")
def lab_ha_cluster() -> Cluster:
    return load_cluster(LAB_HA_FILE, check_files=False)


@pytest.fixture(scope="session")
def recorded_ha() -> tuple[ClusterSnapshot, dict[str, NodeSeries]]:
    """lab-ha.yaml's cluster, recorded healthy from the real lab (record_lab_state.py --ha)."""
    return load_state(LAB_HA_STATE)


@pytest.fixture
def several_chaos(lab_cluster, lab_ha_cluster, tmp_path) -> dict[str, FakeChaos]:
    """A fake chaos engine per cluster, each with its own audit log, guarding by its own
    cluster's policy and ledger."""
    return {cluster.name: FakeChaos(cluster, audit=AuditLog(tmp_path / f"audit-{cluster.name}.jsonl"),
                                    guard_ledger=True)
            for cluster in (lab_cluster, lab_ha_cluster)}


@pytest.fixture
def make_several_app(recorded, recorded_ha, builtin_themes, lab_cluster, lab_ha_cluster, several_chaos,
                     tmp_path) -> Callable[..., ClusterApp]:
    """lab.yaml and lab-ha.yaml in one app: each cluster its replayed recording and its own
    real chaos and drill sessions on its own fake engine (`several_chaos`)."""

    def make(frames: Sequence[ClusterSnapshot] | None = None, ha_frames: Sequence[ClusterSnapshot] | None = None,
             read_only: bool = False, chaos: dict[str, FakeChaos] | None = None) -> ClusterApp:
        engines = chaos or several_chaos
        links = []
        for cluster in (lab_cluster, lab_ha_cluster):
            session = ChaosSession(cluster, engines[cluster.name])  # type: ignore[arg-type]
            runner = partial(FakeRunner, cluster, seconds=0.2)
            links.append(ClusterLink(DrillSession(session, runner, reports_dir=tmp_path / "drills")))  # type: ignore[arg-type]
        source = MultiSource({
            lab_cluster.name: ReplaySource(frames or [recorded[0]], recorded[1], interval=NEVER),
            lab_ha_cluster.name: ReplaySource(ha_frames or [recorded_ha[0]], recorded_ha[1], interval=NEVER),
        })
        return ClusterApp(source, builtin_themes, read_only=read_only, links=links)

    return make
