"""Open files for a large cluster: the soft limit raised toward the hard one at start.

Every node holds one SSH connection for its probe stream, and while it runs a controller
may open one more per node (chaos and `check` commands on a shared connection, an HTTP
check), each a file descriptor.  The common default soft limit (`ulimit -n`) of 1,024
stops a cluster at a few hundred nodes with "Too many open files" in the middle of a run;
the hard limit is usually far higher, and a process may raise its own soft limit up to it.
So a command that connects raises it as far as the cluster needs, before any connection,
and where even the hard limit is too low, says so in one line instead of failing nodes.
"""

from __future__ import annotations

import resource

#: Descriptors per node: its probe connection and one more (a command's, an HTTP check's).
PER_NODE = 2
#: Descriptors of the process itself: the terminal, logs, the history database, pipes.
RESERVE = 256


class OpenFilesLimit(Exception):
    """The hard limit on open files is below what the cluster needs."""


def needed(nodes: int) -> int:
    return PER_NODE * nodes + RESERVE


def ensure_open_files(nodes: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE so that `nodes` nodes fit (up to the hard
    limit); returns the soft limit in effect.  Raises OpenFilesLimit when the hard limit is
    lower than they need."""
    need = needed(nodes)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return soft
    if hard != resource.RLIM_INFINITY and hard < need:
        raise OpenFilesLimit(
            f"{nodes} nodes need about {need} open files, but this process may open at most {hard} "
            f"(hard limit, `ulimit -Hn`): raise it (LimitNOFILE= in a systemd unit, nofile in "
            "/etc/security/limits.conf, or `ulimit -n` as root)")
    raised = need if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    return raised
