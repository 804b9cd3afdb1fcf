#!/bin/sh
# PID 1 of a clustertui lab node (copied into the node's directory by `clustertui lab up`).
#
# Started as: ip netns exec ctui-NODE unshare --uts --pid --mount --fork --mount-proc \
#                 --kill-child sh init.sh NODE NODE_DIR LXCFS_DIR
# already inside the node's cgroup.  It makes the node's mount namespace look like a small
# container (LXCFS over /proc, tmpfs over per-node state), starts the node's daemons and then
# stays alive as the namespace's init, reaping orphans.  Killing it kills the whole node.
set -u
NODE=$1
NODE_DIR=$2
LXCFS=$3
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
LANG=C.UTF-8
export PATH HOME LANG
umask 022

log() { echo "init[$NODE]: $*"; }
die() { log "FATAL: $*"; exit 1; }
start_service() {
    name=$1
    shift
    "$@" || log "could not start $name (exit $?): $*"
}
start_background() {
    # For daemons that log only to syslog when they fork (a node has no syslog).
    shift
    "$@" </dev/null &
}

hostname "$NODE" || die "cannot set hostname"

# LXCFS views of /proc, as LXC mounts them: the node sees its own cgroup's CPU time,
# memory limit, load and uptime.  Only files this lxcfs provides and /proc has.
for f in stat meminfo loadavg uptime cpuinfo diskstats swaps; do
    if [ -e "$LXCFS/proc/$f" ] && [ -e "/proc/$f" ]; then
        mount --bind "$LXCFS/proc/$f" "/proc/$f" || log "lxcfs: cannot bind /proc/$f"
    fi
done

# Keep a handle on the node's directory (it may live under /root or /tmp, which are about
# to be hidden), cover the per-node directories with tmpfs, then put the handle back at the
# same absolute path so configs can name it.
TMPFS_LIST=$(cat "$NODE_DIR/tmpfs.list") || die "cannot read tmpfs.list"
mount --bind "$NODE_DIR" /mnt || die "cannot bind $NODE_DIR"
echo "$TMPFS_LIST" | while read -r dir mode size; do
    [ -n "$dir" ] || continue
    mkdir -p "$dir"
    mount -t tmpfs -o "mode=$mode,size=$size" "lab-$NODE" "$dir" || die "cannot mount tmpfs on $dir"
done || exit 1
mkdir -p "$NODE_DIR" || die "cannot recreate $NODE_DIR"
mount --move /mnt "$NODE_DIR" || die "cannot move $NODE_DIR back"

# Node-specific files over the host's (/etc/hosts, daemon configs): private to this node.
# A directory bound below a per-node tmpfs (/var/log/pacemaker) gets its mountpoint made.
while read -r src dst; do
    [ -n "$src" ] || continue
    if [ -d "$src" ] && [ ! -e "$dst" ]; then mkdir -p "$dst" || die "cannot make $dst"; fi
    mount --bind "$src" "$dst" || die "cannot bind $src on $dst"
done < "$NODE_DIR/binds.list"

mkdir -p /run/sshd /run/redis /run/haproxy /var/log/nginx /var/log/redis /root/.ssh
chmod 0700 /root

. "$NODE_DIR/services.sh"
log "started"

# Stay alive as PID 1 and reap orphans: `wait` collects any exited child while it waits
# for the sleep.  PID 1 of a namespace ignores signals it has no handler for, except
# SIGKILL from the parent namespace (how `lab down` stops the node).
while :; do
    sleep 3600 &
    wait
done
