"""Several cluster files on one command line (`check`, `report`, `monitor a.yaml b.yaml`).

Every file is loaded before anything connects: the first bad one is its one `FILE:LINE`
line and exit 2. Clusters are told apart by name (a report's `{cluster}`, the monitor's
cluster column), so two files naming the same cluster are refused too, saying which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clustertui.cli.exits import CANNOT_RUN, USAGE, fail

if TYPE_CHECKING:
    from clustertui.config import Cluster

#: The placeholder `report -o` needs with several files: each cluster's report path.
CLUSTER_PLACEHOLDER = "{cluster}"


def load_all_or_exit(paths: tuple[str, ...], check_files: bool = True,
                     load: Callable[[str, bool], Cluster] | None = None) -> list[Cluster]:
    """Each of `paths` loaded (by `load`, default `load_or_exit`), in order; exit 2 on the
    first bad file or a repeated cluster name, exit 3 when the open files the nodes of all
    of them need cannot be had."""
    from clustertui.cli.loading import load_or_exit
    from clustertui.transport.open_files import OpenFilesLimit, ensure_open_files

    clusters: list[Cluster] = []
    for path in paths:
        cluster = (load or load_or_exit)(path, check_files)
        clash = next((other for other in clusters if other.name == cluster.name), None)
        if clash is not None and clash.source == cluster.source:
            fail(f"{path}: given twice", USAGE)
        if clash is not None:
            fail(f"{path}: cluster name {cluster.name!r} is also {clash.source}'s; each file on the command line "
                 "needs its own cluster name (the `name:` field)", USAGE)
        clusters.append(cluster)
    if check_files and len(clusters) > 1:
        try:
            ensure_open_files(sum(len(cluster.nodes) for cluster in clusters))
        except OpenFilesLimit as exc:
            fail(str(exc), CANNOT_RUN)
    return clusters


def heading(cluster: Cluster) -> str:
    """The line naming a cluster and its file above its part of a several-file output."""
    return f"== cluster {cluster.name} ({cluster.source}) =="


def per_cluster_path(template: str, cluster: str) -> str:
    """`-o report-{cluster}.html` for one cluster: the placeholder replaced by its name."""
    return template.replace(CLUSTER_PLACEHOLDER, cluster)
