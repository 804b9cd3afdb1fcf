"""`lab deps`: the list is complete, and the install starts no daemon.

`--install` runs apt-get under a deny-all policy-rc.d that is restored after.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from clustertui.lab import LabError, deps
from clustertui.lab.proc import SYSTEM_PATH
from tests.lab.shell_words import DYNAMIC, programs_in_argv, programs_in_script, programs_in_scripts

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="install() refuses to run without root")


def _fake_apt(tmp_path: Path, policy: Path, exit_code: int = 0) -> tuple[Path, Path]:
    log = tmp_path / "apt.log"
    script = tmp_path / "fake-apt-get"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$* | DEBIAN_FRONTEND=$DEBIAN_FRONTEND | $({policy}; echo $?)" >> {log}\n'
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return script, log


@needs_root
def test_install_denies_daemon_starts_and_restores_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 0\n")
    policy.chmod(0o750)
    apt, log = _fake_apt(tmp_path, policy)
    installed = deps.install(
        ["haproxy", "lxcfs"], echo=lambda _m: None, apt_get=str(apt), policy_rc_d=policy, stop_started_daemons=False
    )
    assert installed == ["haproxy", "lxcfs"]
    lines = log.read_text().splitlines()
    assert lines[0] == "update | DEBIAN_FRONTEND=noninteractive | 101"
    assert lines[1] == "install -y --no-install-recommends haproxy lxcfs | DEBIAN_FRONTEND=noninteractive | 101"
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"
    assert policy.stat().st_mode & 0o777 == 0o750


@needs_root
def test_install_failure_restores_absent_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    apt, _log = _fake_apt(tmp_path, policy, exit_code=100)
    with pytest.raises(LabError, match="failed with exit 100"):
        deps.install(
            ["nginx-light"], echo=lambda _m: None, apt_get=str(apt), policy_rc_d=policy, stop_started_daemons=False
        )
    assert not policy.exists()


@needs_root
def test_nothing_to_install(tmp_path: Path) -> None:
    done = deps.install([], echo=lambda _m: None, apt_get="true", policy_rc_d=tmp_path / "p", stop_started_daemons=False)
    assert done == []


# -- completeness: every program the lab, the fault scripts and the tests run is installed -----
#
# The programs are read from what the code really runs: the scripts the planner builds for
# every fault kind, backend and timer, the survey, the probe (its sh and the commands its awk
# program runs), the lab's node init and service commands, every argv literal the lab code and
# the tests pass to a process, and the shell commands of the lab's cluster file.  Each program
# must come (by `dpkg -S`) from a package `lab deps` lists or from Debian's essential/required
# base, which every Debian machine has.  A new program in any of those places fails this test
# until its package is listed.

REPO = Path(__file__).resolve().parents[2]

#: Programs that the code runs only where the node provides them by definition, and why.
ONLY_WHERE_PRESENT = {
    "systemd-run": "the systemd timer runs only on nodes whose PID 1 is systemd",
    "systemctl": "units are queried only on nodes whose PID 1 is systemd",
    "sudo": "only with `become: sudo`, on servers set up for it (never on the lab)",
}
#: Programs the tests run on the controller that come with the test environment itself (the
#: venv's `[test]` extra: ansible-core brings ansible-inventory).
TEST_ENVIRONMENT = {"python3", "pytest", "ansible-inventory"}
#: Calls whose list arguments are argv (a program and its arguments).
ARGV_CALLS = frozenset(
    "run Popen check_output check_call call node_exec node_popen with_cgroups _nsenter_argv ssh_argv "
    "create_subprocess_exec".split()
)
ARGV_NAMES = frozenset({"argv", "cmd", "command", "enter"})


def _fault_scripts() -> list[str]:
    from dataclasses import replace

    from clustertui.chaos import CATALOG
    from clustertui.chaos.facts import SSH_LINE, survey_script
    from clustertui.chaos.lease import WATCHER, renew_command
    from clustertui.chaos.nodelock import lock_script
    from clustertui.chaos.planner import FaultRequest, plan_fault
    from clustertui.chaos.shell import HELPERS
    from clustertui.config import load_cluster
    from tests.support.paths import LAB_FILE
    from tests.support.planning import FACTS, plan, survey

    cluster = load_cluster(LAB_FILE, check_files=False)
    scripts = [HELPERS, SSH_LINE, survey_script((("nginx", "root"),)), lock_script("0" * 16)]
    for kind, spec in CATALOG.items():
        for systemd in (False, True):
            for backend in ("iptables", "nft") if spec.family == "firewall" else ("",):
                facts = replace(FACTS, systemd=systemd, processes={} if kind == "start" else FACTS.processes)
                fault = plan(cluster, kind, facts, **({"backend": backend} if backend else {}))
                scripts += [fault.apply_script, fault.revert_script]
    # A held fault's lease: its watcher (run by `sh -c`, so read apart), its renewal, and
    # the apply and revert scripts that arm and clear it.
    scripts += [WATCHER, renew_command(10, ["f-00000000"])]
    for systemd in (False, True):
        held = plan_fault(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=30), survey(replace(FACTS, systemd=systemd)),
                          lease=10)
        scripts += [held.apply_script, held.revert_script]
    return scripts


def _awk_commands(program: str) -> list[str]:
    """The shell commands an awk program runs (`cmd = "..." ...; cmd | getline`).

    String literals of one `cmd =` statement are joined; awk values between them become
    DYNAMIC, and the arms of `?:` become separate commands.
    """
    out = []
    for statement in re.findall(r"\bcmd = (.*?)\n(?=\s*[^\s\\])", program.replace("\\\n", " "), re.S):
        parts, last = [], 0
        for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', statement):
            between = statement[last : m.start()]
            if "?" in between or ":" in between:
                parts.append(";")
            elif re.search(r"[A-Za-z_]", between) and last:
                parts.append(DYNAMIC)
            parts.append(re.sub(r"\\(.)", r"\1", m.group(1)))
            last = m.end()
        out.append("".join(parts))
    return out


def _probe_scripts() -> list[str]:
    from clustertui.probe.plan import ProbePlan, ServiceCheck, _program

    plan = ProbePlan(services=(ServiceCheck(name="nginx", process="nginx", port=80, systemd="nginx.service"),))
    return [plan.command(1.0), *_awk_commands(_program())]


def _argv_literals(tree: ast.AST, constants: dict[str, str]) -> list[list[str]]:
    """argv lists written as literals: call arguments of ARGV_CALLS, `argv = [...]`, and the
    programs looked up with `shutil.which("NAME")` (then run through a variable)."""

    def value(node: ast.expr) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in constants:
            return constants[node.id]
        if isinstance(node, ast.JoinedStr):
            return "".join(value(v) if isinstance(v, ast.Constant) else DYNAMIC for v in node.values)
        return DYNAMIC

    lists: list[ast.List] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ARGV_CALLS:
                lists += [arg for arg in node.args if isinstance(arg, ast.List)]
            elif name == "which" and node.args and isinstance(node.args[0], ast.Constant):
                lists.append(ast.List(elts=[node.args[0]]))  # looked up to be run: `shutil.which("chromium")`
        elif (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
              and any(isinstance(t, ast.Name) and t.id in ARGV_NAMES for t in node.targets)):
            lists.append(node.value)
    out = []
    for lst in lists:
        words = [DYNAMIC if isinstance(e, ast.Starred) else value(e) for e in lst.elts]
        if words and DYNAMIC not in words[0]:
            out.append(words)
    return out


def _python_argvs(paths: list[Path]) -> list[list[str]]:
    out: list[list[str]] = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            t.id: n.value.value
            for n in tree.body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        out += _argv_literals(tree, constants)
    return out


def _lab_scripts_and_argvs() -> tuple[list[str], list[list[str]]]:
    from clustertui.lab.configs import _service_commands, template_text
    from clustertui.lab.spec import DEFAULT_SPEC

    scripts = [template_text("node-init.sh")]
    scripts += re.findall(r'^\s*script "(.*)"', template_text("keepalived.conf"), re.M)
    scripts.append(template_text("keepalived-notify.sh"))
    argvs = [
        argv
        for node in DEFAULT_SPEC.nodes
        for _name, argv in _service_commands(DEFAULT_SPEC, node, Path("/n"), Path("/l"))
    ]
    argvs += _python_argvs(sorted((REPO / "clustertui" / "lab").glob("*.py")))
    return scripts, argvs


def _cluster_file_commands(data: object) -> list[str]:
    """Shell commands of a cluster file: every `start`, `stop` and `command` string."""
    if isinstance(data, dict):
        out = [v for k, v in data.items() if k in ("start", "stop", "command") and isinstance(v, str)]
        return out + [c for v in data.values() for c in _cluster_file_commands(v)]
    if isinstance(data, list):
        return [c for v in data for c in _cluster_file_commands(v)]
    return []


def programs_used() -> dict[str, set[str]]:
    """Every program run, by where it is run from."""
    from ruamel.yaml import YAML

    from clustertui.chaos.shell import HELPERS

    helpers = frozenset(re.findall(r"^(\w+)\(\)", HELPERS, re.M))
    lab_scripts, lab_argvs = _lab_scripts_and_argvs()
    lab_files = [YAML(typ="safe").load((REPO / "sample_clusters" / name).read_text()) for name in ("lab.yaml", "lab-ha.yaml")]
    test_argvs = _python_argvs(sorted(p for p in (REPO / "tests").rglob("*.py") if p.name != "test_lab_deps.py"))
    return {
        "fault, ledger, timer and survey scripts": programs_in_scripts(_fault_scripts(), helpers),
        "the probe": programs_in_scripts(_probe_scripts()),
        "the lab": programs_in_scripts(lab_scripts)
        | {p for argv in lab_argvs for p in programs_in_argv(argv)},
        "the lab's cluster files": programs_in_scripts(_cluster_file_commands(lab_files)),
        "the tests": {p for argv in test_argvs for p in programs_in_argv(argv)} - TEST_ENVIRONMENT,
    }


def _alternatives(path: str) -> list[str]:
    """Every program that can stand behind an alternatives link (awk: mawk or gawk): which one
    the link points at depends on what else is installed, so any of them provides it."""
    link = os.readlink(path) if os.path.islink(path) else ""
    if not link.startswith("/etc/alternatives/"):
        return []
    res = subprocess.run(["update-alternatives", "--list", os.path.basename(link)], capture_output=True, text=True)
    return res.stdout.split()


def _paths(program: str) -> list[str]:
    """Where `program` may be registered in dpkg's database: as found, resolved, /usr-merged."""
    found = [program] if program.startswith("/") else [
        f"{d}/{program}" for d in SYSTEM_PATH.split(":") if os.access(f"{d}/{program}", os.X_OK)
    ]
    found += [os.path.realpath(path) for path in found]
    found += [alt for path in found for alt in _alternatives(path)]
    return [v for path in found for v in (path, path[4:] if path.startswith("/usr/") else "/usr" + path)]


def _owners(programs: set[str]) -> dict[str, set[str]]:
    """The Debian packages that install each program (missing: no installed package has it)."""
    paths = {program: _paths(program) for program in programs}
    everything = sorted({path for candidates in paths.values() for path in candidates})
    res = subprocess.run(["dpkg-query", "-S", *everything], capture_output=True, text=True) if everything else None
    owner_of: dict[str, str] = {}
    for line in res.stdout.splitlines() if res else []:
        if not line.startswith("diversion by ") and ": " in line:
            packages, path = line.split(": ", 1)
            owner_of.setdefault(path, packages.split(",")[0].split(":")[0].strip())
    return {
        program: {owner_of[path] for path in candidates if path in owner_of}
        for program, candidates in paths.items()
        if any(path in owner_of for path in candidates)
    }


def _installed_fields(*packages: str) -> list[tuple[str, str, str, str]]:
    """(package, essential, priority, depends) of installed packages (all when none given)."""
    res = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Essential}\t${Priority}\t${Depends}\n", *packages],
        capture_output=True,
        text=True,
    )
    return [tuple(line.split("\t")) for line in res.stdout.splitlines() if line.count("\t") == 3]  # type: ignore[misc]


def _provided_packages() -> set[str]:
    """Packages `lab deps` installs (listed, and what they depend on directly) and the base."""
    listed = {r.package for r in deps.REQUIREMENTS}
    direct = {
        alt.split()[0].split(":")[0]
        for _pkg, _ess, _prio, depends in _installed_fields(*listed)
        for alt in re.split(r"[,|]", depends)
        if alt.strip()
    }
    base = {pkg for pkg, essential, prio, _deps in _installed_fields() if essential == "yes" or prio == "required"}
    return listed | direct | base


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs Debian's dpkg-query")
def test_every_program_run_comes_from_a_listed_package() -> None:
    provided = _provided_packages()
    used = programs_used()
    owners = _owners(set().union(*used.values()))
    problems = []
    for where, programs in used.items():
        for program in sorted(programs - set(ONLY_WHERE_PRESENT)):
            owner = owners.get(program)
            if owner is None:
                problems.append(f"{program} (run by {where}) is not installed by any package here")
            elif not owner & provided:
                problems.append(f"{program} (run by {where}) comes from {' or '.join(sorted(owner))}, "
                                "which `lab deps` does not list")
    assert not problems, "\n".join(problems)


def test_the_reader_finds_programs_where_the_project_puts_them() -> None:
    """The extraction itself: it must see through wrappers, substitutions and case arms."""
    script = (
        "ctui_f() { ctui_until 5 nft list tables; }\n"
        'x=$(awk "{print}" f | head -n 1) && [ "$(cat /p)" = 1 ] || timeout 3 tc qdisc\n'
        "case $x in a|b) curl -s u ;; *) : ;; esac\n"
        "for i in $(seq 3); do setsid nohup sh -c 'sleep 1; exec ss -ltn' </dev/null >/dev/null 2>&1 & done\n"
        "command -v missing-tool >/dev/null && echo yes 2>/dev/null\n"
        "{ :; } 2>/dev/null\n"
    )
    assert programs_in_script(script, frozenset({"ctui_until"})) == {
        "nft", "awk", "head", "cat", "timeout", "tc", "curl", "seq", "setsid", "nohup", "sh", "sleep", "ss",
    }  # fmt: skip
    assert programs_in_argv(["nsenter", "-t", "1", "-n", "--", "setpriv", "--pdeathsig", "KILL", "--", "ip", "a"]) == {
        "nsenter", "setpriv", "ip",
    }  # fmt: skip
    assert _awk_commands('    cmd = "exec df -P " path[i] " 2>/dev/null"\n    x = 1\n') == [f"exec df -P {DYNAMIC} 2>/dev/null"]


def test_the_programs_found_include_the_known_ones() -> None:
    """A reader that silently finds nothing would pass the completeness test: it must not."""
    used = programs_used()
    assert {"iptables", "nft", "tc", "pgrep", "flock", "setsid", "dd"} <= used["fault, ledger, timer and survey scripts"]
    assert {"awk", "df", "ss"} <= used["the probe"]
    assert {"ip", "nsenter", "unshare", "haproxy", "redis-server", "/usr/sbin/sshd", "lxcfs", "prometheus-node-exporter",
            "prometheus", "corosync", "losetup", "mkfs.ext4"} <= used["the lab"]
    assert {"curl", "redis-cli", "killall", "corosync", "corosync-cfgtool", "pacemakerd"} <= used["the lab's cluster files"]
    assert {"nginx", "ps", "hostname", "chromium", "ssh"} <= used["the tests"]
