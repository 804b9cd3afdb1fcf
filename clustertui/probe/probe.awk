# clustertui probe: one long-lived POSIX awk process per node that prints one framed
# sample per interval on stdout.
#
# Why awk and not a sh loop around cat/grep: a sh loop forks one process per /proc file per
# interval; one awk process reads every file itself and forks only for `sleep`, for `df`,
# and (when services are configured) for listing process names and systemd states.  That
# keeps the probe's own cost on the node far below 1% of a core at a 1 s interval.
#
# Variables (-v): interval (seconds), count (0 = forever), procs (space-separated comm
# names), ports (space-separated 4-digit upper-case hex ports), units (systemd units),
# paths (filesystems for df), faults (ledger directory), root (prefix for /proc, tests only).
#
# Frame grammar (one record per line, first field is the record kind):
#   H hostname kernel-release page-size  once, before the first frame
#   F seq                                frame start
#   u uptime-seconds
#   c user nice system idle iowait irq softirq steal guest guest_nice   (all CPUs)
#   k index user nice ... guest_nice     (one per core)
#   m MemTotal MemFree MemAvailable Buffers Cached SReclaimable Shmem SwapTotal SwapFree Active(file) Inactive(file)  (kB, "-" when absent)
#   z sum-of-zone-low-watermarks (pages)  only when MemAvailable is absent or 0
#   l load1 load5 load15 running/total
#   n iface rx-bytes tx-bytes
#   p cpu-some-avg10 io-some-avg10 memory-some-avg10   (only where /proc/pressure exists)
#   d path total-kB used-kB avail-kB
#   r process-count
#   s kind name value                    kind: P (pid count of comm name), L (port hex, 1 if listening), U (unit, active state)
#   x fault-id                           one per entry in the node's chaos ledger
#   E                                    frame end (a constant line, so the reader can readuntil it)
BEGIN {
    if (interval <= 0) interval = 1
    # `root` (default empty) prefixes every /proc path, so tests can run this very program
    # on /proc files captured from other kernels.
    F_HOSTNAME = root "/proc/sys/kernel/hostname"
    F_OSRELEASE = root "/proc/sys/kernel/osrelease"
    F_UPTIME = root "/proc/uptime"
    F_STAT = root "/proc/stat"
    F_MEMINFO = root "/proc/meminfo"
    F_LOADAVG = root "/proc/loadavg"
    F_NETDEV = root "/proc/net/dev"
    F_PSI_CPU = root "/proc/pressure/cpu"
    F_PSI_IO = root "/proc/pressure/io"
    F_PSI_MEM = root "/proc/pressure/memory"
    F_TCP = root "/proc/net/tcp"
    F_TCP6 = root "/proc/net/tcp6"
    F_ZONEINFO = root "/proc/zoneinfo"
    nproc_names = split(procs, proc_name, " ")
    nports = split(ports, port_hex, " ")
    nunits = split(units, unit_name, " ")
    npaths = split(paths, path_name, " ")
    host = first_line(F_HOSTNAME)
    kernel = first_line(F_OSRELEASE)
    pagesize = 4096
    cmd = "getconf PAGESIZE 2>/dev/null"
    if ((cmd | getline line) > 0 && line + 0 > 0) pagesize = line + 0
    close(cmd)
    printf "H %s %s %d\n", host, kernel, pagesize
    fflush()
    seq = 0
    next_due = uptime() + interval
    while (count == 0 || seq < count) {
        seq++
        frame(seq)
        if (count != 0 && seq >= count) break
        now = uptime()
        wait = next_due - now
        # Fell behind (suspended node, slow disk): skip missed slots, never burst.
        if (wait < 0) { next_due = now + interval; wait = interval }
        next_due += interval
        system(sprintf("exec sleep %.3f", wait))
    }
    exit 0
}

function first_line(path,    line) {
    line = "-"
    if ((getline line < path) <= 0) line = "-"
    close(path)
    return line
}

function uptime(    line, parts) {
    line = first_line(F_UPTIME)
    split(line, parts, " ")
    return parts[1] + 0
}

function frame(seq,    line, f, n, i, name, mem, key, cmd, count_by, listening, states, nf) {
    printf "F %d\n", seq
    printf "u %.2f\n", uptime()

    while ((getline line < F_STAT) > 0) {
        if (substr(line, 1, 3) != "cpu") continue
        n = split(line, f, " ")
        if (f[1] == "cpu") printf "c"
        else printf "k %s", substr(f[1], 4)
        for (i = 2; i <= 11; i++) printf " %s", (i <= n ? f[i] : 0)
        printf "\n"
    }
    close(F_STAT)

    split("", mem)
    while ((getline line < F_MEMINFO) > 0) {
        split(line, f, " ")
        key = f[1]; sub(/:$/, "", key)
        mem[key] = f[2]
    }
    close(F_MEMINFO)
    printf "m %s %s %s %s %s %s %s %s %s %s %s\n", m(mem, "MemTotal"), m(mem, "MemFree"), \
        m(mem, "MemAvailable"), m(mem, "Buffers"), m(mem, "Cached"), m(mem, "SReclaimable"), \
        m(mem, "Shmem"), m(mem, "SwapTotal"), m(mem, "SwapFree"), m(mem, "Active(file)"), \
        m(mem, "Inactive(file)")
    # Kernels before 3.14 have no MemAvailable: send the zone low watermarks so the
    # controller can estimate it the way the kernel (and psutil) do.
    if (!("MemAvailable" in mem) || mem["MemAvailable"] == 0) {
        n = 0
        while ((getline line < F_ZONEINFO) > 0) {
            split(line, f, " ")
            if (f[1] == "low") n += f[2]
        }
        close(F_ZONEINFO)
        printf "z %d\n", n
    }

    line = first_line(F_LOADAVG)
    split(line, f, " ")
    printf "l %s %s %s %s\n", f[1], f[2], f[3], f[4]

    while ((getline line < F_NETDEV) > 0) {
        i = index(line, ":")
        if (i == 0) continue
        name = substr(line, 1, i - 1); gsub(/ /, "", name)
        if (name == "lo") continue
        split(substr(line, i + 1), f, " ")
        printf "n %s %s %s\n", name, f[1], f[9]
    }
    close(F_NETDEV)

    if ((getline line < F_PSI_CPU) > 0) {
        close(F_PSI_CPU)
        printf "p %s %s %s\n", avg10(line), avg10(first_line(F_PSI_IO)), \
            avg10(first_line(F_PSI_MEM))
    }

    for (i = 1; i <= npaths; i++) {
        cmd = "exec df -P -k " path_name[i] " 2>/dev/null"
        nf = 0
        while ((cmd | getline line) > 0) {
            nf++
            if (nf < 2) continue
            split(line, f, " ")
            printf "d %s %s %s %s\n", path_name[i], f[2], f[3], f[4]
        }
        close(cmd)
    }

    split("", count_by)
    n = 0
    cmd = "cat " root "/proc/[0-9]*/comm 2>/dev/null"
    while ((cmd | getline line) > 0) { n++; count_by[line]++ }
    close(cmd)
    printf "r %d\n", n
    for (i = 1; i <= nproc_names; i++)
        printf "s P %s %d\n", proc_name[i], count_by[proc_name[i]] + 0

    if (nports > 0) {
        split("", listening)
        scan_listen(F_TCP, listening)
        scan_listen(F_TCP6, listening)
        for (i = 1; i <= nports; i++)
            printf "s L %s %d\n", port_hex[i], (port_hex[i] in listening) ? 1 : 0
    }

    if (nunits > 0) {
        cmd = "exec systemctl is-active " units " 2>/dev/null"
        i = 0
        while ((cmd | getline line) > 0) { i++; states[i] = line }
        close(cmd)
        for (i = 1; i <= nunits; i++)
            printf "s U %s %s\n", unit_name[i], (i in states) ? states[i] : "unknown"
    }

    if (faults != "") {
        cmd = "cd " faults " 2>/dev/null && for f in *.json; do [ -e \"$f\" ] && echo \"$f\"; done"
        while ((cmd | getline line) > 0) { sub(/\.json$/, "", line); printf "x %s\n", line }
        close(cmd)
    }

    printf "E\n"
    fflush()
}

function m(mem, key) { return (key in mem) ? mem[key] : "-" }

function avg10(line,    i, rest) {
    i = index(line, "avg10=")
    if (i == 0) return "-"
    rest = substr(line, i + 6)
    return substr(rest, 1, index(rest " ", " ") - 1)
}

function scan_listen(path, listening,    line, f, i) {
    while ((getline line < path) > 0) {
        split(line, f, " ")
        if (f[4] != "0A") continue
        i = index(f[2], ":")
        listening[substr(f[2], i + 1)] = 1
    }
    close(path)
}
