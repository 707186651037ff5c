"""The seccomp filter of workspace commands: the sandbox's deny-list (`_seccomp.base_filter`: no ptrace,
mounts, new namespaces, ...), with the sockets a workspace needs allowed.

A workspace's commands run servers and clients on the workspace's own loopback (its own network
namespace, which holds nothing but `lo`) and talk over UNIX sockets whose paths and abstract names exist
only inside the workspace's mount and network namespaces. Every other family (netlink, packet, ...)
still gets EAFNOSUPPORT."""

from __future__ import annotations

import errno

from ._seccomp import base_filter, export

ALLOWED_FAMILIES = (1, 2, 10)  # AF_UNIX, AF_INET, AF_INET6
MAX_FAMILY = 64  # above every AF_* the kernel knows (AF_MAX is 46 in 6.x)


def compile_workspace_filter() -> bytes:
    """The BPF program; raises ImportError/OSError when libseccomp is unavailable."""
    import pyseccomp as sc

    filt = base_filter(sc)
    refused = sc.ERRNO(errno.EAFNOSUPPORT)
    for family in range(MAX_FAMILY):
        if family not in ALLOWED_FAMILIES:
            filt.add_rule(refused, "socket", sc.Arg(0, sc.EQ, family))
    filt.add_rule(refused, "socket", sc.Arg(0, sc.GE, MAX_FAMILY))
    return export(filt)
