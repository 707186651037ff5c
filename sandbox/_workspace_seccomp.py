"""The seccomp filter of workspace commands: the sandbox's deny-list (`_seccomp.DENIED`, no new
namespaces), except that sockets of the families a workspace needs are allowed.

A workspace's commands run servers and clients on the workspace's own loopback (its own network
namespace, which holds nothing but `lo`) and talk over UNIX sockets whose paths and abstract names exist
only inside the workspace's mount and network namespaces. Every other family (netlink, packet, ...)
still gets EAFNOSUPPORT."""

from __future__ import annotations

import errno
import tempfile

from ._seccomp import DENIED, NAMESPACE_FLAGS

ALLOWED_FAMILIES = (1, 2, 10)  # AF_UNIX, AF_INET, AF_INET6
MAX_FAMILY = 64  # above every AF_* the kernel knows (AF_MAX is 46 in 6.x)


def compile_workspace_filter() -> bytes:
    """The BPF program; raises ImportError/OSError when libseccomp is unavailable."""
    import pyseccomp as sc

    filt = sc.SyscallFilter(defaction=sc.ALLOW)
    deny = sc.ERRNO(errno.EPERM)
    for name in DENIED:
        try:
            filt.add_rule(deny, name)
        except (RuntimeError, ValueError, OSError):
            pass  # syscall unknown on this architecture
    refused = sc.ERRNO(errno.EAFNOSUPPORT)
    for family in range(MAX_FAMILY):
        if family not in ALLOWED_FAMILIES:
            filt.add_rule(refused, "socket", sc.Arg(0, sc.EQ, family))
    filt.add_rule(refused, "socket", sc.Arg(0, sc.GE, MAX_FAMILY))
    for flag in NAMESPACE_FLAGS:
        filt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    filt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")  # flags unreadable by seccomp; libc falls back to clone
    with tempfile.TemporaryFile() as out:
        filt.export_bpf(out)
        out.seek(0)
        return out.read()
