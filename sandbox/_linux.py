"""Thin ctypes wrappers for the Linux calls the sandbox needs (namespaces, mounts, capabilities,
seccomp and Landlock); stdlib only, because the fork server loads this file before any isolation."""

from __future__ import annotations

import ctypes
import os
import platform
import stat
import struct

_libc = ctypes.CDLL(None, use_errno=True)

# Syscall numbers missing from glibc wrappers, per architecture.
_NR = {
    "x86_64": {"pivot_root": 155, "capset": 126},
    "aarch64": {"pivot_root": 41, "capset": 91},
}.get(platform.machine(), {})
_NR_LANDLOCK_CREATE, _NR_LANDLOCK_ADD, _NR_LANDLOCK_RESTRICT = 444, 445, 446  # same on all arches

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 16384, 1 << 18, 1 << 21
MNT_DETACH = 2

PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4
PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 22, 38, 36
SECCOMP_MODE_FILTER = 2

# statvfs f_flag bit -> mount flag that a user namespace must preserve on remount ("locked" flags).
_LOCKED_FLAGS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC,
                 1024: MS_NOATIME, 2048: MS_NODIRATIME, 4096: MS_RELATIME}


def _check(ret: int, what: str) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


def _syscall(name: str, *args) -> int:
    if name not in _NR:
        raise OSError(38, f"{name}: unsupported architecture {platform.machine()}")
    return _check(_libc.syscall(_NR[name], *args), name)


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def bind_readonly(source: str, target: str) -> None:
    """Bind `source` at `target` read-only, keeping the flags the kernel locks inside a user namespace."""
    mount(source, target, None, MS_BIND | MS_REC)
    locked = 0
    for bit, flag in _LOCKED_FLAGS.items():
        if os.statvfs(target).f_flag & bit:
            locked |= flag
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | locked)


def umount_detach(target: str) -> None:
    _check(_libc.umount2(target.encode(), MNT_DETACH), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    _syscall("pivot_root", new_root.encode(), put_old.encode())


def sethostname(name: str) -> None:
    raw = name.encode()
    _check(_libc.sethostname(raw, len(raw)), "sethostname")


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), 0, 0), f"prctl {option}")


def drop_capabilities() -> None:
    """Clear the effective, permitted and inheritable capability sets of this thread."""
    header = struct.pack("II", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = bytes(24)  # two zeroed __user_cap_data_struct
    _syscall("capset", header, data)


def install_seccomp(bpf: bytes) -> None:
    """Load a compiled classic-BPF seccomp program (as exported by libseccomp) for this process."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    count = len(bpf) // 8
    buf = ctypes.create_string_buffer(bpf, len(bpf))

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = _Prog(count, ctypes.addressof(buf))
    _check(_libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(prog), 0, 0),
           "seccomp")


# ---- Landlock -------------------------------------------------------------------------------
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_TRUNCATE, LL_IOCTL_DEV = 1 << 14, 1 << 15
LL_FILE_RIGHTS = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV
_LL_FS_BITS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}


def landlock_abi() -> int:
    ret = _libc.syscall(_NR_LANDLOCK_CREATE, None, 0, 1)
    return ret if ret > 0 else 0


def landlock_fs_rights(abi: int) -> int:
    return _LL_FS_BITS_BY_ABI.get(abi, (1 << 16) - 1)


def landlock_restrict(rules: list[tuple[int, int]], abi: int) -> None:
    """Confine this process: only the (O_PATH fd, rights) pairs are reachable; TCP and (ABI>=6)
    abstract sockets and signals outside the domain are denied too."""
    handled_fs = landlock_fs_rights(abi)
    handled_net = 3 if abi >= 4 else 0  # BIND_TCP | CONNECT_TCP, no rule = denied
    scoped = 3 if abi >= 6 else 0  # ABSTRACT_UNIX_SOCKET | SIGNAL
    attr = struct.pack("QQQ", handled_fs, handled_net, scoped)
    size = 24 if abi >= 6 else 16
    ruleset = _check(_libc.syscall(_NR_LANDLOCK_CREATE, attr, size, 0), "landlock_create_ruleset")
    try:
        for fd, rights in rules:
            if not stat.S_ISDIR(os.fstat(fd).st_mode):
                rights &= LL_FILE_RIGHTS
            rule = struct.pack("=Qi", rights & handled_fs, fd)
            _check(_libc.syscall(_NR_LANDLOCK_ADD, ruleset, 1, rule, 0), "landlock_add_rule")
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        _check(_libc.syscall(_NR_LANDLOCK_RESTRICT, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
