"""The real probe program on /proc files from several kernels, against psutil on the same files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psutil
import pytest

from clustertui.probe.parse import FRAME_END, parse_frame, split_header
from clustertui.probe.plan import ProbePlan

FIXTURES = Path(__file__).parent / "fixtures"
KERNELS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def probe_pair(kernel: str):
    """The real probe run over snapshot a then b: the second frame has the rates."""
    roots = (str(FIXTURES / kernel / "a"), str(FIXTURES / kernel / "b"))
    command = ProbePlan().command(0.01, count=2, roots=roots)
    output = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True, timeout=10).stdout
    info, body = split_header(output)
    first, second = (frame + FRAME_END for frame in body.split(FRAME_END) if frame.strip())
    return info, parse_frame(first, ProbePlan(), 0.0), parse_frame(second, ProbePlan(), 1.0)


def psutil_on(root: Path):
    """psutil's own readings of a snapshot (psutil.PROCFS_PATH points it at the files)."""
    saved = psutil.PROCFS_PATH
    psutil.PROCFS_PATH = str(root / "proc")
    try:
        try:
            cpu = psutil.cpu_times(), psutil.cpu_times(percpu=True)
        except TypeError:
            # psutil fixes the /proc/stat field count from the running kernel at import:
            # it cannot read a 9-field (2.6.32) line here; test_kernel_specifics covers it.
            cpu = None, None
        return *cpu, psutil.virtual_memory()
    finally:
        psutil.PROCFS_PATH = saved


def psutil_percent(before, after) -> float:
    # psutil.cpu_percent's own arithmetic, applied to the two snapshots.
    delta = psutil._cpu_times_deltas(before, after)
    return psutil._cpu_busy_time(delta) / psutil._cpu_tot_time(delta) * 100


def psutil_steal(before, after) -> float:
    delta = psutil._cpu_times_deltas(before, after)
    return getattr(delta, "steal", 0.0) / psutil._cpu_tot_time(delta) * 100


@pytest.mark.parametrize("kernel", KERNELS)
def test_probe_matches_psutil(kernel: str) -> None:
    a, b = FIXTURES / kernel / "a", FIXTURES / kernel / "b"
    info, first, sample = probe_pair(kernel)
    (cpu_a, cores_a, _), (cpu_b, cores_b, mem_b) = psutil_on(a), psutil_on(b)

    assert info.hostname == (a / "proc/sys/kernel/hostname").read_text().strip()
    assert first.cpu is None and first.cores == () and first.cpu_count == sample.cpu_count
    assert sample.cpu is not None
    if cpu_a is not None:
        assert sample.cpu_count == len(cores_b)
        assert sample.cpu.percent == pytest.approx(psutil_percent(cpu_a, cpu_b), abs=1.0)
        assert sample.cpu.steal == pytest.approx(psutil_steal(cpu_a, cpu_b), abs=1.0)
        for ours, before, after in zip(sample.cores, cores_a, cores_b, strict=True):
            assert ours == pytest.approx(psutil_percent(before, after), abs=1.0)
    assert sample.mem_total == mem_b.total
    assert sample.mem_available == pytest.approx(mem_b.available, rel=0.001)
    assert sample.mem_percent == pytest.approx(mem_b.percent, abs=1.0)


def test_kernel_specifics() -> None:
    _info, _first, big = probe_pair("ubuntu22-linux5.15-64cpu")
    assert big.cpu_count == 64 and len(big.cores) == 64 and big.psi_cpu == 12.5
    assert big.cores[:2] == (92.0, 4.0)
    assert big.rx_bps == pytest.approx(12_500_000) and big.tx_bps == pytest.approx(2_000_000)

    _info, _first, vm = probe_pair("debian10-linux4.19-vm-steal")
    assert vm.cpu is not None and vm.cpu.steal == pytest.approx(20.0) and vm.psi_cpu is None

    _info, _first, legacy = probe_pair("centos6-linux2.6.32-no-memavailable")
    assert legacy.cpu is not None and legacy.cpu.percent == pytest.approx(30.0)  # (25 user + 5 system) / 100
    assert legacy.cpu_count == 2 and legacy.psi_cpu is None
    assert legacy.swap_used == (1_048_572 - 1_000_000) * 1024
    # No MemAvailable: the kernel's estimate from zoneinfo's low watermarks (41 + 6250 pages).
    low = (41 + 6250) * 4096 // 1024
    pagecache = 400_000 + 450_000 - min((400_000 + 450_000) / 2, low)
    expected = 300_000 - low + pagecache + 60_000 - min(60_000 / 2, low)
    assert legacy.mem_available == pytest.approx(expected * 1024, abs=1024)
