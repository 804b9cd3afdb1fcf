"""``clustertui lab up|down|status|deps``: the local lab cluster from the command line.

Exit codes follow the CLI contract: 0 ok; 1 something checked is down (status) or
missing (deps); 3 could not run (not root, prerequisite missing, build failed).
Errors are one line on stderr: ``clustertui: error: ...``.
"""

from __future__ import annotations

import json
import os
from typing import NoReturn

import click

from clustertui.cli.durations import DURATION
from clustertui.cli.help import examples
from clustertui.lab import deps as lab_deps
from clustertui.lab.down import lab_down
from clustertui.lab.proc import LabError, MissingPrerequisite
from clustertui.lab.spec import DEFAULT_SPEC, StatePaths
from clustertui.lab.status import lab_status
from clustertui.lab.up import lab_up
from clustertui.resources import sample_cluster

EXIT_OK, EXIT_FAILED, EXIT_CANNOT_RUN = 0, 1, 3


def _fail(message: str, code: int = EXIT_CANNOT_RUN) -> NoReturn:
    click.echo(f"clustertui: error: {message}", err=True)
    raise SystemExit(code)


def _require_root(action: str) -> None:
    if os.geteuid() != 0:
        _fail(f"not root: `clustertui lab {action}` manages namespaces, cgroups and mounts; run it as root (sudo)")


@click.group(
    "lab",
    epilog=examples(
        "sudo clustertui lab deps --install   # the Debian packages the lab needs",
        "sudo clustertui lab up && clustertui check sample_clusters/lab.yaml",
        "sudo clustertui lab status --json",
        "sudo clustertui lab down",
    ),
)
def lab_group() -> None:
    """Build, inspect and remove the local lab cluster (root; network namespaces)."""


@lab_group.command("up", epilog=examples("sudo clustertui lab up", "sudo clustertui lab up --timeout 2m"))
@click.option("--timeout", type=DURATION, default="30s", show_default=True, help="How long to wait for every service (e.g. 30s, 2m).")
def up_cmd(timeout: float) -> None:
    """Build the lab (idempotent) and return when every service answers."""
    click.echo("clustertui lab up")
    try:
        report = lab_up(progress=click.echo, timeout=timeout)
    except MissingPrerequisite as exc:
        _fail("; ".join(exc.items))
    except LabError as exc:
        _fail(str(exc))
    paths = StatePaths(report.state_dir)
    if report.already_up:
        click.echo(f"lab already up ({report.total:.1f}s check): {len(DEFAULT_SPEC.nodes)} nodes, every service answers")
    else:
        n_checks = len(report.checks)
        click.echo(
            f"lab up in {report.total:.1f}s: {len(DEFAULT_SPEC.nodes)} nodes, {n_checks} checks pass, "
            f"VIP {DEFAULT_SPEC.vip} -> {report.checks.get('vip', '?')}"
        )
        if "ha-vip" in report.checks:
            click.echo(f"  HA {DEFAULT_SPEC.ha_vip} -> {report.checks['ha-vip']}   cluster file: {sample_cluster('lab-ha.yaml')}")
    first = DEFAULT_SPEC.nodes[0]
    click.echo(
        f"  ssh: ssh -i {paths.user_key} -o UserKnownHostsFile={paths.known_hosts} root@{first.address}"
    )
    click.echo(f"  cluster file: {sample_cluster('lab.yaml')}   remove: clustertui lab down")


@lab_group.command("down", epilog=examples("sudo clustertui lab down"))
def down_cmd() -> None:
    """Remove every namespace, link, process, cgroup, mount, rule and file of the lab."""
    _require_root("down")
    try:
        rep = lab_down()
    except LabError as exc:
        _fail(str(exc))
    if not rep.found_anything:
        click.echo("no lab found: nothing to remove")
        return
    for item in rep.removed:
        click.echo(f"  removed {item}")
    if rep.failures:
        _fail("could not remove: " + "; ".join(rep.failures))
    click.echo(f"lab down in {rep.seconds:.1f}s")


def _fmt_mem(limit: int | None) -> str:
    return "-" if limit is None else f"{limit // (1024 * 1024)}M"


@lab_group.command("status", epilog=examples("sudo clustertui lab status", "sudo clustertui lab status --json | jq .overall"))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_cmd(as_json: bool) -> None:
    """Show each node and service; exit 0 all up, 1 something down, 3 no lab."""
    _require_root("status")
    try:
        st = lab_status()
    except LabError as exc:
        _fail(str(exc))
    code = {"up": EXIT_OK, "degraded": EXIT_FAILED, "absent": EXIT_CANNOT_RUN}[st.overall]
    if as_json:
        click.echo(json.dumps(st.to_dict(), indent=2))
        raise SystemExit(code)
    if st.overall == "absent":
        _fail("no lab: run `clustertui lab up`")
    click.echo(f"{'NODE':<6} {'ADDRESS':<13} {'NETNS':<6} {'INIT':>7} {'MEM':>6}  SERVICES")
    for n in st.nodes:
        services = "  ".join(f"{s}:{'up' if ok else 'DOWN'}" for s, ok in n.services.items())
        click.echo(
            f"{n.name:<6} {n.address:<13} {'yes' if n.netns else 'NO':<6} "
            f"{n.init_pid if n.init_pid else '-':>7} {_fmt_mem(n.memory_limit):>6}  {services}"
        )
    click.echo(
        f"VIP {st.vip}: {'up' if st.vip_ok else 'DOWN'} (holder {st.vip_holder or 'none'})   "
        f"etcd leader: {st.etcd_leader or 'none'}   lxcfs: {'up' if st.lxcfs else 'DOWN'}   "
        f"prometheus {st.prometheus}: {st.prometheus_detail if st.prometheus_ok else 'DOWN: ' + st.prometheus_detail}   "
        f"lab: {st.overall}"
    )
    if st.ha is not None:
        ha, at = st.ha, st.ha.placement
        where = f"owner {at.owner}" if at.owner else (
            f"address on {', '.join(at.address_holders) or 'none'}, disk on {', '.join(at.disk_owners) or 'none'}")
        click.echo(f"HA {ha.address}: {'up' if ha.up else 'DOWN'} ({where}: shared disk, address, nginx)")
    raise SystemExit(code)


@lab_group.command("deps", epilog=examples("clustertui lab deps            # what is missing", "sudo clustertui lab deps --install"))
@click.option("--install", is_flag=True, help="apt-get install what is missing (daemons are not started).")
def deps_cmd(install: bool) -> None:
    """List the Debian packages the lab needs and which are missing."""
    status = lab_deps.package_status()
    missing = [r.package for r, ok in status if not ok]
    for req, ok in status:
        click.echo(f"  {req.package:<16} {'ok' if ok else 'MISSING':<8} {req.why}")
    if not install:
        if missing:
            click.echo(f"missing: {' '.join(missing)} (run `clustertui lab deps --install`)")
            raise SystemExit(EXIT_FAILED)
        click.echo("all lab packages are installed")
        return
    if not missing:
        click.echo("all lab packages are installed; nothing to do")
        return
    try:
        lab_deps.install(missing, echo=click.echo)
    except LabError as exc:
        _fail(str(exc))
    still = [r.package for r in lab_deps.missing_packages()]
    if still:
        _fail(f"still missing after install: {' '.join(still)}")
    click.echo(f"installed: {' '.join(missing)}")


__all__ = ["lab_group"]
