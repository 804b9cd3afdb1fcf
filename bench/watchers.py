"""Ways a node can learn that a process ended, compared: CPU while waiting, and latency.

For each mechanism, a watcher waits on a `sleep` process for N seconds (its CPU, and that
of everything it forks, from RUSAGE_CHILDREN, as a share of one core), then the process is
SIGKILLed and the time until the watcher has exited is the latency (median of the trials).
The probe uses the first (probe/watch.py); the figures are in docs/performance.md.

    .venv/bin/python bench/watchers.py [--seconds 10] [--trials 10]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import time

MECHANISMS = {
    "tail --pid=PID -s 0.05 (GNU coreutils)": "exec tail --pid={pid} -s 0.05 -f /dev/null",
    "tail --pid=PID -s 0.02": "exec tail --pid={pid} -s 0.02 -f /dev/null",
    "sh loop: kill -0 PID; sleep 0.05": "while kill -0 {pid} 2>/dev/null; do sleep 0.05; done",
    "bash loop: kill -0 PID; read -t 0.05 (no fork)":
        "exec bash -c 'exec 4<> <(:); while kill -0 {pid} 2>/dev/null; do read -t 0.05 -u 4; done'",
    "sh loop: [ -e /proc/PID ]; sleep 0.05": "while [ -e /proc/{pid} ]; do sleep 0.05; done",
}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: str, seconds: float) -> tuple[float, float]:
    """(share of one core while waiting, seconds from SIGKILL to the watcher's exit)."""
    target = subprocess.Popen(["sleep", "600"])
    try:
        cpu0 = children_cpu()
        watcher = subprocess.Popen(["sh", "-c", command.format(pid=target.pid)])
        time.sleep(seconds)
        target.kill()
        killed = time.monotonic()
        target.wait()  # reaped: a zombie still answers kill -0
        watcher.wait(timeout=10)
        latency = time.monotonic() - killed
        return (children_cpu() - cpu0) / seconds, latency
    finally:
        target.kill()
        target.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    print("| mechanism | CPU while waiting (% of a core) | latency median / max (ms) |\n|---|---:|---:|")
    for name, command in MECHANISMS.items():
        if "bash" in command and shutil.which("bash") is None:
            continue
        share, _ = run(command, args.seconds)
        latencies = [run(command, 0.3)[1] for _ in range(args.trials)]
        print(f"| {name} | {share * 100:.3f} | {statistics.median(latencies) * 1000:.0f} / "
              f"{max(latencies) * 1000:.0f} |", flush=True)


if __name__ == "__main__":
    main()
