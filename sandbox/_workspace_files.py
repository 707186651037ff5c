"""Host-side file operations inside a workspace's tree, by descriptor-relative walks.

The host reaches an embedded workspace's files through /proc/<init>/root, where an absolute symlink
the agent planted would resolve against the *host's* root. So no path here is ever resolved as a
string: every component is opened relative to its parent's descriptor with O_NOFOLLOW (a symlink, or
a directory swapped for one mid-walk, fails with ELOOP/ENOTDIR instead of leading out), files are
opened O_NONBLOCK and checked to be regular (a FIFO cannot block the host), and symlinks are copied
as link text, never followed.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
MAX_DEPTH = 256


def components(path: str) -> list[str]:
    """The parts of a workspace-relative path; ValueError for one that leaves the tree."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ValueError(f"path {path!r} must name a file inside the workspace (no '..')")
    return parts


def open_dir(root_fd: int, parts: list[str], *, create: bool, owner: int | None) -> int:
    """A descriptor of the directory `parts` below `root_fd` (made on the way when `create`)."""
    fd = os.dup(root_fd)
    try:
        for name in parts:
            try:
                nxt = os.open(name, DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(name, 0o755, dir_fd=fd)
                nxt = os.open(name, DIR_FLAGS, dir_fd=fd)
                _chown(nxt, owner)
            os.close(fd)
            fd = nxt
        return fd
    except BaseException:
        os.close(fd)
        raise


def write_file(root_fd: int, path: str, data: bytes, *, owner: int | None, mode: int = 0o644) -> None:
    """Create or replace the regular file `path` below `root_fd`."""
    *dirs, name = components(path)
    dir_fd = open_dir(root_fd, dirs, create=True, owner=owner)
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, mode,
                     dir_fd=dir_fd)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise IsADirectoryError(errno.EISDIR, f"{path} is not a regular file")
            os.ftruncate(fd, 0)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
            _chown(fd, owner)
        finally:
            os.close(fd)
    finally:
        os.close(dir_fd)


def read_file(root_fd: int, path: str, limit: int) -> bytes:
    """At most `limit` bytes of the regular file `path` below `root_fd`."""
    *dirs, name = components(path)
    dir_fd = open_dir(root_fd, dirs, create=False, owner=None)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(errno.EISDIR, f"{path} is not a regular file")
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def clear_dir(dir_fd: int) -> None:
    """Remove everything inside the directory `dir_fd` (shutil's fd-based, symlink-safe rmtree)."""
    for name in os.listdir(dir_fd):
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(name, dir_fd=dir_fd)
        else:
            os.unlink(name, dir_fd=dir_fd)


def copy_tree(src_fd: int, dst_fd: int, *, owner: int | None, depth: int = 0) -> int:
    """Copy the tree below `src_fd` into the (empty) directory `dst_fd`: regular files (in-kernel
    copies), directories and symlinks (as link text); sockets, FIFOs and devices are skipped. Returns
    the bytes copied."""
    if depth > MAX_DEPTH:
        raise OSError(errno.ELOOP, "workspace tree deeper than the copy allows")
    copied = 0
    for name in os.listdir(src_fd):
        info = os.stat(name, dir_fd=src_fd, follow_symlinks=False)
        if stat.S_ISDIR(info.st_mode):
            os.mkdir(name, stat.S_IMODE(info.st_mode) | 0o700, dir_fd=dst_fd)
            sub_src = os.open(name, DIR_FLAGS, dir_fd=src_fd)
            sub_dst = os.open(name, DIR_FLAGS, dir_fd=dst_fd)
            try:
                _chown(sub_dst, owner)
                copied += copy_tree(sub_src, sub_dst, owner=owner, depth=depth + 1)
            finally:
                os.close(sub_src)
                os.close(sub_dst)
        elif stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(name, dir_fd=src_fd), name, dir_fd=dst_fd)
            if owner is not None:
                os.chown(name, owner, owner, dir_fd=dst_fd, follow_symlinks=False)
        elif stat.S_ISREG(info.st_mode):
            copied += _copy_file(src_fd, dst_fd, name, stat.S_IMODE(info.st_mode), owner)
    return copied


def _copy_file(src_dir: int, dst_dir: int, name: str, mode: int, owner: int | None) -> int:
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=src_dir)
    try:
        if not stat.S_ISREG(os.fstat(src).st_mode):
            return 0
        dst = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode,
                      dir_fd=dst_dir)
        try:
            total = 0
            while True:
                sent = os.sendfile(dst, src, None, 1 << 30)
                if not sent:
                    break
                total += sent
            os.fchmod(dst, mode)
            _chown(dst, owner)
            return total
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _chown(fd: int, owner: int | None) -> None:
    if owner is not None:
        os.fchown(fd, owner, owner)
