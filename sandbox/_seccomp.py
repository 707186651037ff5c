"""The seccomp deny-list, compiled once with libseccomp (pyseccomp) into classic BPF bytes that the
fork server installs in each program with a single prctl."""

from __future__ import annotations

import errno
import tempfile

# Syscalls no sandboxed program needs and that widen the kernel attack surface or escape isolation.
DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
    "unshare", "setns", "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "open_by_handle_at",
    "name_to_handle_at", "fsopen", "fsmount", "fsconfig", "fspick", "move_mount", "open_tree",
    "mount_setattr", "swapon", "swapoff", "reboot", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "acct", "quotactl", "iopl", "ioperm", "syslog", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "pidfd_getfd", "lookup_dcookie", "vhangup", "personality",
)
AF_UNIX = 1
# clone() flags that would create namespaces (a fresh user namespace re-grants capabilities).
NAMESPACE_FLAGS = (0x10000000, 0x00020000, 0x20000000, 0x40000000, 0x08000000, 0x04000000, 0x02000000)


def compile_filter() -> bytes:
    """Return the BPF program; raises ImportError/OSError when libseccomp is unavailable."""
    import pyseccomp as sc

    filt = sc.SyscallFilter(defaction=sc.ALLOW)
    deny = sc.ERRNO(errno.EPERM)
    for name in DENIED:
        try:
            filt.add_rule(deny, name)
        except (RuntimeError, ValueError, OSError):
            pass  # syscall unknown on this architecture
    # Only AF_UNIX sockets (asyncio needs socketpair): no IPv4/IPv6 (loopback included), netlink, packet.
    filt.add_rule(deny, "socket", sc.Arg(0, sc.NE, AF_UNIX))
    for flag in NAMESPACE_FLAGS:
        filt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    filt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # flags unreadable by seccomp; libc falls back to clone
    with tempfile.TemporaryFile() as out:
        filt.export_bpf(out)
        out.seek(0)
        return out.read()
