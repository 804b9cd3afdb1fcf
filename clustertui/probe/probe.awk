# clustertui probe: one long-lived POSIX awk process per node that prints one framed
# sample per interval on stdout.
#
# Why awk and not a sh loop around cat/grep: a sh loop forks one process per /proc file per
# interval; one awk process reads every file itself and forks one shell per frame (which
# sleeps, lists the chaos ledger and the process directories, and runs `ss` when ports are
# checked), plus df every tenth frame and systemctl when units are configured.
#
# Why rates are computed here and not on the controller: this process lives as long as the
# stream, so it keeps the previous counters itself and sends finished figures (CPU %,
# bytes/s, memory %) by psutil's formulas.  Frames stay a few hundred bytes and the
# controller, which handles every node, parses a handful of numbers per sample.
#
# Variables (-v): interval (seconds), count (0 = forever), procs (comm names), owners (one
# per proc: user, uid or @unit whose processes count), ports
# (decimal TCP ports), units (systemd units), paths (filesystems for df), faults (the
# chaos ledger directory), roots (tests only: directories holding proc/ captures, one per
# frame, the last one repeating; empty means the live /proc), watch ("on": fd 3 is the
# watch queue the wrapper in probe/watch.py made, see below; "off:REASON": it could not;
# empty: nothing to watch), wdir (the queue's private directory, for the watchers' pid files).
#
# The service watch (watch=on).  The wrapper opened a private FIFO on fd 3 and started a
# ticker that writes `T` into it every interval.  After each scan, every watched process
# name that runs gets one watcher: `tail --pid=PID -s 0.05` on its lowest pid, which writes
# `X index pid` into the FIFO when that pid ends.  The scan's shell blocks on the FIFO
# between lines, so a frame is taken on `T` and an ended pid is answered at once: the processes and
# ports are scanned again, and if a service's process or port sign flipped since the last
# frame or event, a `W` block (the frame's `s P` and `s L` records) goes out before the next
# frame.  awk stays the stream's only writer, so an event never splits a frame.
#
# Frame grammar (one record per line, the first field names the record):
#   H hostname kernel-release page-size   once, before the first frame
#   F seq uptime-seconds                  frame start
#   c busy user system iowait steal       CPU % since the last frame ("-" on the first)
#   k busy busy ...                       per-core busy %, in core order ("-" where unknown)
#   m total-kB available-kB used-% swap-total-kB swap-used-kB
#   l load1 load5 load15
#   n iface rx-bytes/s tx-bytes/s         one per interface but lo (not on the first)
#   p cpu-some-avg10 io-some-avg10 memory-some-avg10   where /proc/pressure exists
#   d path total-kB used-kB available-kB
#   r process-count
#   s P comm pid-count (of the owner's) | s L port 0|1 | s U unit active-state
#   x fault-id                            one per record in the node's chaos ledger
#   w on | w off REASON                   the service watch (only when processes are watched)
#   E                                     frame end (a constant line)
# Watch event (between frames, when a sign flipped; ends with E like a frame):
#   W seq-of-last-frame uptime-seconds, then every `s P` and `s L` record, then E
BEGIN {
    if (interval <= 0) interval = 1
    nroots = split(roots, root_dir, " ")
    use_root(1)
    nproc_names = split(procs, proc_name, " ")
    # A service's process counts only when its effective uid is its owner's: a same-named
    # process of another user is not the service.  Owners resolve once, here: a user name,
    # a uid, or @UNIT (the unit's User=, root when it sets none); unknown: nothing counts.
    split(owners, proc_owner, " ")
    for (i = 1; i <= nproc_names; i++) {
        want_uid[proc_name[i]] = "none"
        if (proc_owner[i] == "root" || proc_owner[i] ~ /^[0-9]+$/) {
            want_uid[proc_name[i]] = (proc_owner[i] == "root") ? 0 : proc_owner[i] + 0
            continue
        }
        cmd = "o='" proc_owner[i] "'; case $o in @*) o=$(systemctl show -p User --value \"${o#@}\" 2>/dev/null); o=${o:-root} ;; esac; " \
            "case $o in *[!0-9]*) id -u \"$o\" 2>/dev/null ;; *) echo \"$o\" ;; esac"
        if ((cmd | getline line) > 0 && line ~ /^[0-9]+$/) want_uid[proc_name[i]] = line
        close(cmd)
    }
    nports = split(ports, port_num, " ")
    have_ss = 0
    if (nports > 0) {
        cmd = "command -v ss >/dev/null 2>&1 && echo yes"
        if ((cmd | getline line) > 0 && line == "yes") have_ss = 1
        close(cmd)
    }
    nunits = split(units, unit_name, " ")
    npaths = split(paths, path_name, " ")
    pagesize = 4096
    cmd = "getconf PAGESIZE 2>/dev/null"
    if ((cmd | getline line) > 0 && line + 0 > 0) pagesize = line + 0
    close(cmd)
    printf "H %s %s %d\n", first_line(F_HOSTNAME), first_line(F_OSRELEASE), pagesize
    fflush()
    LEDGER_END = "@@clustertui: end of ledger@@"  # longer than any comm (15 bytes)
    seq = 0
    wait = 0
    nwatch = 0
    if (watch == "on") {
        # Driven by the watch queue: `T` from the ticker, `X` from a watcher.  The scan's
        # shell reads the next line from the queue (fd 3) first: awk's own reads of a pipe
        # wait for a full buffer (mawk), a shell's `read` takes one line.  A tick that comes
        # under half an interval after the last frame (the node stalled and ticks queued up)
        # is dropped, never bursts.
        frame(++seq, scan(1, 0, 0))
        while (count == 0 || seq < count) {
            n = scan(1, 0, 1)
            if (QUEUED == "T") {
                if (uptime() - prev_uptime >= interval / 2) frame(++seq, n)
            } else if (substr(QUEUED, 1, 2) == "X ") {
                ended(QUEUED)
            } else {
                exit 1  # the queue is gone
            }
        }
        exit 0
    }
    next_due = uptime()
    while (count == 0 || seq < count) {
        seq++
        if (nroots > 1) use_root(seq)
        frame(seq, scan(1, wait, 0))
        next_due += interval
        # Fell behind (suspended node, slow disk, a busy core): skip the slots that would
        # come under half an interval after this frame, never burst (a back-to-back pair
        # would turn the CPU counters' tiny delta into noise).
        while (next_due - prev_uptime < interval / 2) next_due += interval
        wait = next_due - uptime()
        if (wait < 0) wait = 0
    }
    exit 0
}

function use_root(i,    r) {
    r = (nroots == 0) ? "" : root_dir[i <= nroots ? i : nroots]
    P = r "/proc"
    F_HOSTNAME = P "/sys/kernel/hostname"
    F_OSRELEASE = P "/sys/kernel/osrelease"
    F_UPTIME = P "/uptime"
    F_STAT = P "/stat"
    F_MEMINFO = P "/meminfo"
    F_ZONEINFO = P "/zoneinfo"
    F_LOADAVG = P "/loadavg"
    F_NETDEV = P "/net/dev"
    F_PSI_CPU = P "/pressure/cpu"
    F_PSI_IO = P "/pressure/io"
    F_PSI_MEM = P "/pressure/memory"
    F_TCP = P "/net/tcp"
    F_TCP6 = P "/net/tcp6"
}

function first_line(path,    line) {
    line = "-"
    if ((getline line < path) <= 0) line = "-"
    close(path)
    return line
}

function uptime(    parts) {
    split(first_line(F_UPTIME), parts, " ")
    return parts[1] + 0
}

# CPU busy % of one /proc/stat line against the previous frame's, by psutil's formula:
# guest and guest_nice are already inside user and nice, idle and iowait are not busy.
# Sets CU, CS, CI, CT (user, system, iowait, steal %); returns busy %, or -1 when unknown.
function cpu_busy(key, f, n,    j, v, d, total) {
    for (j = 1; j <= 10; j++) {
        v = (j + 1 <= n) ? f[j + 1] + 0 : 0
        d[j] = v - cpu_prev[key, j]
        cpu_prev[key, j] = v
    }
    if (!(key in cpu_seen)) { cpu_seen[key] = 1; return -1 }
    total = d[1] + d[2] + d[3] + d[4] + d[5] + d[6] + d[7] + d[8] - d[9] - d[10]
    if (total <= 0) return -1
    CU = (d[1] + d[2] - d[9] - d[10]) * 100 / total
    CS = (d[3] + d[6] + d[7]) * 100 / total
    CI = d[5] * 100 / total
    CT = d[8] * 100 / total
    return (total - d[4] - d[5]) * 100 / total
}

# psutil.virtual_memory's "available": MemAvailable, or where the kernel lacks it (before
# 3.14) the kernel's own estimate from the zone low watermarks, or else free + cached.
function mem_available(mem,    wmark, line, f, pc, avail) {
    if (("MemAvailable" in mem) && mem["MemAvailable"] > 0) return mem["MemAvailable"]
    if (!("SReclaimable" in mem) || !("Active(file)" in mem) || !("Inactive(file)" in mem))
        return mem["MemFree"] + mem["Cached"]
    wmark = -1
    while ((getline line < F_ZONEINFO) > 0) {
        split(line, f, " ")
        if (f[1] == "low") wmark += f[2]
    }
    close(F_ZONEINFO)
    if (wmark < 0) return mem["MemFree"] + mem["Cached"]
    wmark = (wmark + 1) * pagesize / 1024
    avail = mem["MemFree"] - wmark
    pc = mem["Active(file)"] + mem["Inactive(file)"]
    pc -= (pc / 2 < wmark) ? pc / 2 : wmark
    avail += pc
    avail += mem["SReclaimable"] - ((mem["SReclaimable"] / 2 < wmark) ? mem["SReclaimable"] / 2 : wmark)
    return avail
}

# Lists the processes (and the chaos ledger with `ledger`, after sleeping `wait` seconds) and
# the listening ports into COUNT (pids of each watched name, the owner's only), LOW (the
# lowest such pid), LISTEN and FAULT_IDS; returns the number of processes.  With `queue`, it
# first waits for the watch queue's next line into QUEUED, and lists the ledger only for `T`.
# One shell per frame does the waiting, lists the chaos ledger and prints every
# process name: each extra fork per frame would cost the node about a millisecond.
# Listening ports come from `ss` (netlink), not /proc/net/tcp: the kernel builds that
# file by walking the whole TCP hash table, ~10 ms a read on a large-memory host.
# The shell's own glob lists the processes (no `ls`, no `cat`: awk reads each comm).
function scan(ledger, wait, queue,    cmd, line, f, i, n, nf, parts, part, name, pid) {
    # Not the stream's stderr: this shell waits (for the tick or the queue), and sshd ends a
    # channel only once every holder of its stdout and stderr is gone; a probe killed while
    # it waited would be seen only at the next tick.
    cmd = "exec 2>/dev/null; " (wait > 0 ? sprintf("sleep %.3f; ", wait) : "") \
        (queue ? "read -r q <&3 || exit 1; echo \"$q\"; case $q in T) " : "") \
        (ledger ? "for f in " faults "/*.json; do [ -e \"$f\" ] && echo \"${f##*/}\"; done; " : "") \
        (queue ? ";; esac; " : "") \
        "echo '" LEDGER_END "'; echo " P "/[0-9]*" (nports > 0 && have_ss ? "; exec ss -Hltn" : "")
    split("", COUNT)
    split("", LOW)
    split("", LISTEN)
    FAULT_IDS = ""
    QUEUED = ""
    n = 0
    part = queue ? -1 : 0
    while ((cmd | getline line) > 0) {
        if (part == -1) {
            QUEUED = line
            part = 0
        } else if (part == 0) {
            if (line == LEDGER_END) part = 1
            else { sub(/\.json$/, "", line); FAULT_IDS = FAULT_IDS "x " line "\n" }
        } else if (part == 1) {
            part = 2
            nf = split(line, parts, " ")
            for (i = 1; i <= nf; i++) {
                # A process that exited since the glob has no comm left: not counted.
                if ((getline name < (parts[i] "/comm")) > 0) {
                    n++
                    if ((name in want_uid) && euid(parts[i]) == want_uid[name]) {
                        COUNT[name]++
                        pid = substr(parts[i], length(P) + 2) + 0
                        if (!(name in LOW) || pid < LOW[name]) LOW[name] = pid
                    }
                }
                close(parts[i] "/comm")
            }
        } else {
            split(line, f, " ")
            i = split(f[4], parts, ":")
            LISTEN[parts[i]] = 1
        }
    }
    close(cmd)
    if (nports > 0 && !have_ss) {
        scan_listen(F_TCP, LISTEN)
        scan_listen(F_TCP6, LISTEN)
    }
    return n
}

# The service records of a frame or a watch event, from the last scan.
function service_records(    i, out) {
    out = ""
    for (i = 1; i <= nproc_names; i++)
        out = out sprintf("s P %s %d\n", proc_name[i], COUNT[proc_name[i]] + 0)
    for (i = 1; i <= nports; i++)
        out = out sprintf("s L %s %d\n", port_num[i], (port_num[i] in LISTEN) ? 1 : 0)
    return out
}

# What the controller was last told of each sign (up or not), to send an event on a flip.
function remember(    i) {
    for (i = 1; i <= nproc_names; i++) told_proc[i] = (COUNT[proc_name[i]] > 0)
    for (i = 1; i <= nports; i++) told_port[i] = (port_num[i] in LISTEN)
}

function flipped(    i) {
    for (i = 1; i <= nproc_names; i++) if (told_proc[i] != (COUNT[proc_name[i]] > 0)) return 1
    for (i = 1; i <= nports; i++) if (told_port[i] != (port_num[i] in LISTEN)) return 1
    return 0
}

# One watcher per running watched name that has none: `tail --pid` on its lowest pid, in a
# subshell that reports the end into the queue (fd 3) and keeps tail's pid in a file for the
# ticker, which kills what is left when this process ends.
function rewatch(    i, name, pid) {
    for (i = 1; i <= nproc_names; i++) {
        name = proc_name[i]
        if (watching[i] != "" || !(name in LOW)) continue
        pid = LOW[name]
        watching[i] = pid
        nwatch++
        system("(tail --pid=" pid " -s 0.05 -f /dev/null & echo $! >'" wdir "/w" nwatch "'; wait $!; " \
            "rm -f '" wdir "/w" nwatch "'; echo 'X " i " " pid "' >&3) </dev/null >/dev/null 2>&1 &")
    }
}

# `X index pid` from a watcher: that pid ended.  With the scan made since, tell the
# controller at once if a sign flipped, and watch whatever of that name still runs.
function ended(line,    f) {
    if (split(line, f, " ") != 3 || !(f[2] in watching) || watching[f[2]] != f[3]) return
    watching[f[2]] = ""
    if (flipped()) {
        printf "W %d %.2f\n%sE\n", seq, uptime(), service_records()
        fflush()
        remember()
    }
    rewatch()
}

# One frame, from the scan just made (`nprocs` processes).
function frame(seq, nprocs,    line, f, n, i, name, mem, key, cmd, states, nf, up, dt, busy, cores, total, avail, parts, swap_used) {
    up = uptime()
    dt = up - prev_uptime
    OUT = sprintf("F %d %.2f\n", seq, up)

    cores = ""
    while ((getline line < F_STAT) > 0) {
        if (substr(line, 1, 3) != "cpu") continue
        n = split(line, f, " ")
        busy = cpu_busy(f[1], f, n)
        if (f[1] == "cpu") {
            if (busy < 0) OUT = OUT "c - - - - -\n"
            else OUT = OUT sprintf("c %.1f %.1f %.1f %.1f %.1f\n", busy, CU, CS, CI, CT)
        } else {
            cores = cores ((busy < 0) ? " -" : sprintf(" %.1f", busy))
        }
    }
    close(F_STAT)
    OUT = OUT "k" cores "\n"

    split("", mem)
    while ((getline line < F_MEMINFO) > 0) {
        split(line, f, " ")
        key = f[1]; sub(/:$/, "", key)
        mem[key] = f[2] + 0
    }
    close(F_MEMINFO)
    total = mem["MemTotal"]
    avail = mem_available(mem)
    if (avail < 0) avail = 0
    else if (avail > total) avail = mem["MemFree"]
    # %.0f, not %d: mawk's %d stops at 2^31, and kB figures pass that on a 2 TB host (or in
    # an LXCFS view of an unlimited swap).  Swap used is clamped: such views can report
    # more swap free than total.
    swap_used = mem["SwapTotal"] - mem["SwapFree"]
    OUT = OUT sprintf("m %.0f %.0f %.1f %.0f %.0f\n", total, avail, total > 0 ? (total - avail) * 100 / total : 0, \
        mem["SwapTotal"], swap_used > 0 ? swap_used : 0)

    split(first_line(F_LOADAVG), f, " ")
    OUT = OUT sprintf("l %s %s %s\n", f[1], f[2], f[3])

    while ((getline line < F_NETDEV) > 0) {
        i = index(line, ":")
        if (i == 0) continue
        name = substr(line, 1, i - 1); gsub(/ /, "", name)
        if (name == "lo") continue
        split(substr(line, i + 1), f, " ")
        if ((name in rx_prev) && dt > 0)
            OUT = OUT sprintf("n %s %.0f %.0f\n", name, rate(f[1], rx_prev[name], dt), rate(f[9], tx_prev[name], dt))
        rx_prev[name] = f[1] + 0
        tx_prev[name] = f[9] + 0
    }
    close(F_NETDEV)
    prev_uptime = up

    if ((getline line < F_PSI_CPU) > 0) {
        close(F_PSI_CPU)
        OUT = OUT sprintf("p %s %s %s\n", avg10(line), avg10(first_line(F_PSI_IO)), avg10(first_line(F_PSI_MEM)))
    }

    # Filesystem usage moves slowly: df runs every tenth frame, its lines are repeated between.
    if (seq % 10 == 1 || nroots > 1) {
        DISKS = ""
        for (i = 1; i <= npaths; i++) {
            cmd = "exec df -P -k " path_name[i] " 2>/dev/null"
            nf = 0
            while ((cmd | getline line) > 0) {
                if (++nf < 2) continue
                split(line, f, " ")
                DISKS = DISKS sprintf("d %s %s %s %s\n", path_name[i], f[2], f[3], f[4])
            }
            close(cmd)
        }
    }
    OUT = OUT DISKS

    OUT = OUT sprintf("r %d\n", nprocs) service_records()

    if (nunits > 0) {
        cmd = "exec systemctl is-active " units " 2>/dev/null"
        i = 0
        while ((cmd | getline line) > 0) states[++i] = line
        close(cmd)
        for (i = 1; i <= nunits; i++)
            OUT = OUT sprintf("s U %s %s\n", unit_name[i], (i in states) ? states[i] : "unknown")
    }

    OUT = OUT FAULT_IDS
    if (watch == "on") OUT = OUT "w on\n"
    else if (watch != "") OUT = OUT "w off " substr(watch, 5) "\n"

    # One write per frame: mawk flushes stdout before every `cmd | getline`, so printing
    # as we go would split a frame into several SSH packets, each costing the controller.
    printf "%sE\n", OUT
    fflush()
    if (watch == "on") { remember(); rewatch() }
}

# The effective uid of the process whose /proc directory is `dir` ("" once it is gone, or
# while it is a zombie: it has ended, only its parent has not collected it yet; the
# watch's scan comes right after a kill, when nginx's workers can still be zombies).
function euid(dir,    line, f, uid) {
    uid = ""
    while ((getline line < (dir "/status")) > 0) {
        if (substr(line, 1, 6) == "State:") { split(line, f, " "); if (f[2] == "Z" || f[2] == "X") break }
        if (substr(line, 1, 4) == "Uid:") { split(line, f, " "); uid = f[3]; break }
    }
    close(dir "/status")
    return uid
}

# A counter that went backwards (wrapped, or the interface was recreated) counts as zero.
function rate(now, before, dt,    d) {
    d = now - before
    return d < 0 ? 0 : d / dt
}

function avg10(line,    i, rest) {
    i = index(line, "avg10=")
    if (i == 0) return "-"
    rest = substr(line, i + 6)
    return substr(rest, 1, index(rest " ", " ") - 1)
}

# The fallback where `ss` is missing: LISTEN (0A) sockets of /proc/net/tcp{,6}, by port.
function scan_listen(path, listening,    line, f, i) {
    while ((getline line < path) > 0) {
        split(line, f, " ")
        if (f[4] != "0A") continue
        i = index(f[2], ":")
        listening[hex(substr(f[2], i + 1))] = 1
    }
    close(path)
}

function hex(text,    i, value) {
    value = 0
    for (i = 1; i <= length(text); i++)
        value = value * 16 + index("0123456789ABCDEF", toupper(substr(text, i, 1))) - 1
    return value
}
