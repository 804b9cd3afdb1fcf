"""Building remote shell text: quoting, and the small sh function library the scripts share.

Every value that reaches a node goes through `q` (shlex.quote) or `cmd`; the only unquoted
text in a script is text written here, in this package.  Scripts run under POSIX sh on the
node whatever the login shell is (`sh -c SCRIPT`, or `sudo -n -- sh -c SCRIPT` with
`become: sudo`), and use only sh, coreutils, procps and util-linux tools.
"""

from __future__ import annotations

import shlex

from clustertui.transport.ssh import SSHTarget


def q(value: object) -> str:
    """One shell word, quoted: the value can never be read as shell syntax."""
    return shlex.quote(str(value))


def cmd(*argv: object) -> str:
    """A simple command whose every word is quoted."""
    return " ".join(q(arg) for arg in argv)


def remote(target: SSHTarget, script: str) -> str:
    """The exact command sent over SSH: the script runs in sh, with sudo when configured."""
    return target.privileged(script) if target.become else f"sh -c {q(script)}"


#: Shell functions used by the apply and revert scripts (and the survey).  They take their
#: values as arguments, never by interpolation; names are prefixed because sh has no locals.
#:
#: - ctui_until N CMD...   retry CMD every 20 ms for up to N tenths of a second (verifications wait)
#: - ctui_state PID        the process's state letter from /proc/PID/stat (empty if gone)
#: - ctui_uid OWNER        the uid OWNER names: a user name, a uid, or `@UNIT` (the unit's
#:                         User=, root when it sets none) — see `Service.owner`
#: - ctui_live NAME OWNER  PIDs of live (not zombie) processes whose comm is NAME and whose
#:                         effective uid is OWNER's: a same-named process of another user
#:                         is not the service (it cannot pass for it, nor be killed for it)
#: - ctui_family NAME OWNER  ctui_live, plus the NAME children of those (nginx's workers run
#:                         as another user but belong to the master)
#: - ctui_running/none NAME OWNER  whether a live process of the service exists
#: - ctui_gone PID...      none of these PIDs is a live process
#: - ctui_all_paused NAME OWNER  every live process of the service is stopped (SIGSTOP), and there is one
#: - ctui_none_paused NAME OWNER no live process of the service (or child) is stopped
#: - ctui_launch COMMAND   start COMMAND detached (a new session, no terminal, no output)
#: - ctui_unmarked PID TEXT  PID is gone, or its command line no longer contains TEXT
#: - ctui_group_has PGID TEXT N  at least N live processes of the group carry TEXT in argv
#: - ctui_mem_held PGID KB  a dd of the group holds at least KB kB resident
#: - ctui_not CMD...       negate CMD (for ctui_until)
HELPERS = r"""ctui_until() { ctui_n=$(($1 * 5)); shift; until "$@"; do [ "$ctui_n" -gt 0 ] || return 1; ctui_n=$((ctui_n - 1)); sleep 0.02; done; }
ctui_state() { sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null; }
ctui_uid() { ctui_o=$1; case $ctui_o in @*) ctui_o=$(systemctl show -p User --value "${ctui_o#@}" 2>/dev/null); ctui_o=${ctui_o:-root} ;; esac; case $ctui_o in *[!0-9]*) id -u "$ctui_o" 2>/dev/null ;; *) echo "$ctui_o" ;; esac; }
ctui_alive() { for ctui_p in "$@"; do case $(ctui_state "$ctui_p") in ''|Z|X) ;; *) echo "$ctui_p" ;; esac; done; }
ctui_live() { ctui_u=$(ctui_uid "$2"); [ -n "$ctui_u" ] || return 0; ctui_alive $(pgrep -u "$ctui_u" -x -- "$1"); }
ctui_family() { ctui_l=$(ctui_live "$1" "$2"); [ -n "$ctui_l" ] || return 0; echo "$ctui_l"; ctui_alive $(pgrep -P "$(echo $ctui_l | tr ' ' ,)" -x -- "$1"); }
ctui_running() { [ -n "$(ctui_live "$1" "$2")" ]; }
ctui_none() { [ -z "$(ctui_live "$1" "$2")" ]; }
ctui_gone() { for ctui_p in "$@"; do case $(ctui_state "$ctui_p") in ''|Z|X) ;; *) return 1 ;; esac; done; }
ctui_all_paused() { ctui_l=$(ctui_live "$1" "$2"); [ -n "$ctui_l" ] || return 1; for ctui_p in $ctui_l; do case $(ctui_state "$ctui_p") in T|t) ;; *) return 1 ;; esac; done; }
ctui_none_paused() { for ctui_p in $(ctui_family "$1" "$2"); do case $(ctui_state "$ctui_p") in T|t) return 1 ;; esac; done; }
ctui_launch() { setsid nohup sh -c "$1" </dev/null >/dev/null 2>&1 & }
ctui_unmarked() { ! grep -qF -- "$2" "/proc/$1/cmdline" 2>/dev/null; }
ctui_group_has() { ctui_c=0; for ctui_p in $(pgrep -g "$1"); do case $(ctui_state "$ctui_p") in ''|Z|X) ;; *) ctui_unmarked "$ctui_p" "$2" || ctui_c=$((ctui_c + 1)) ;; esac; done; [ "$ctui_c" -ge "$3" ]; }
ctui_mem_held() { for ctui_p in $(pgrep -g "$1" -x dd); do [ "$(awk '/^VmRSS:/ {print $2}' "/proc/$ctui_p/status" 2>/dev/null)" -ge "$2" ] 2>/dev/null && return 0; done; return 1; }
ctui_not() { ! "$@"; }"""
