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
    # SysV IPC and POSIX message queues: kernel objects named globally (outside tier 1's IPC
    # namespace they would outlive a run and be read by the next one).
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semtimedop", "semctl",
    "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive",
    "mq_notify", "mq_getsetattr",
)
# clone() flags that would create namespaces (a fresh user namespace re-grants capabilities).
NAMESPACE_FLAGS = (0x10000000, 0x00020000, 0x20000000, 0x40000000, 0x08000000, 0x04000000, 0x02000000)


def compile_filter() -> bytes:
    """Return the BPF program; raises ImportError/OSError when libseccomp is unavailable."""
    import pyseccomp as sc

    filt = base_filter(sc)
    # No socket() at all: no IPv4/IPv6 (loopback included), netlink or packet sockets, and no AF_UNIX
    # socket that could connect() to a host socket file by path (Landlock does not mediate connect)
    # or bind an abstract name a host client would trust. The sandbox's own control channel is created
    # by the supervisor outside the filter and closed before exec.
    filt.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socket")
    _only_stream_pairs(sc, filt)
    return export(filt)


def base_filter(sc):
    """A filter that allows by default and denies DENIED (EPERM) and namespace-creating clone flags;
    callers add their socket rules (`sc` is the pyseccomp module)."""
    filt = sc.SyscallFilter(defaction=sc.ALLOW)
    deny = sc.ERRNO(errno.EPERM)
    for name in DENIED:
        try:
            filt.add_rule(deny, name)
        except (RuntimeError, ValueError, OSError):
            pass  # syscall unknown on this architecture
    for flag in NAMESPACE_FLAGS:
        filt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    filt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # flags unreadable by seccomp; libc falls back to clone
    return filt


def export(filt) -> bytes:
    """The filter as classic BPF bytes (installed with one prctl)."""
    with tempfile.TemporaryFile() as out:
        filt.export_bpf(out)
        out.seek(0)
        return out.read()


SOCKET_TYPE_MASK = 0xF  # the kernel's SOCK_TYPE_MASK: the type's low bits, below SOCK_NONBLOCK/SOCK_CLOEXEC
# Calls that give a socket an address or a peer. On a connected stream pair (the only socket left)
# each one can only escape it: connect(AF_UNSPEC) disconnects it, connect()/sendto() with an address
# reach a host socket file (/dev/log) or an abstract name, bind() squats a name a host client trusts.
ADDRESSING = ("bind", "connect", "listen", "accept", "accept4")


def _only_stream_pairs(sc, filt) -> None:
    """socketpair() stays, for AF_UNIX SOCK_STREAM only (asyncio's self-pipe, multiprocessing.Pipe):
    such a pair reaches nothing else. A datagram or seqpacket pair could be pointed at any host
    datagram socket file it can write, so every other family and type is refused (EAFNOSUPPORT /
    EPROTONOSUPPORT, as the kernel would for an unsupported one), and so is every call that addresses
    a socket: bind, connect, listen, accept and sendto with a destination (EPERM). sendmsg's address is
    behind a pointer seccomp cannot read, but a connected stream socket refuses one (EISCONN)."""
    filt.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socketpair", sc.Arg(0, sc.NE, 1))  # AF_UNIX = 1
    for kind in range(SOCKET_TYPE_MASK + 1):
        if kind != 1:  # SOCK_STREAM
            filt.add_rule(sc.ERRNO(errno.EPROTONOSUPPORT), "socketpair",
                          sc.Arg(1, sc.MASKED_EQ, SOCKET_TYPE_MASK, kind))
    deny = sc.ERRNO(errno.EPERM)
    for name in ADDRESSING:
        filt.add_rule(deny, name)
    filt.add_rule(deny, "sendto", sc.Arg(4, sc.NE, 0))  # a destination address given

