"""A resident tier-1 worker: pid 1 of one long-lived set of namespaces that serves runs one at a time.

Loaded by the fork server (`_zygote.py`, which it imports back as `_zygote`); stdlib + `_linux.py` only.

Built once (`build`): fork server -> builder (host side) -> ns child, which (root callers: as the
worker's own host uid) unshares user/mount/pid/net/ipc/uts namespaces; the builder writes its uid map
(root callers: the worker's uid and the runs' uid, two host uids; others: the caller's uid only) -> the
worker, pid 1 of the new pid namespace, which finishes the private root (the tier-1 view, size-capped
tmpfs /work, /tmp, /dev/shm, its own /proc), pivots into it and becomes non-dumpable. The builder and ns
child exit; the worker's host pid is sent to the owner first.

Per run (`Worker.serve`): a child forked ahead of need (while idle) has already become the run's uid,
dropped capabilities and loaded seccomp; it receives the run's pipes, control socket and data socket,
reads code and files from the data socket itself (the worker never holds a run's data), writes them,
sets the run's rlimits and starts the program. The worker enforces the wall clock, then `kill(-1)`s every other
process of its namespace, reaps them all, reports, wipes the tmpfs dirs and forks the next child.
"""

from __future__ import annotations

import json
import marshal
import os
import resource
import select
import signal
import socket
import struct
import time

import _linux as L
import _zygote as Z

WORKER_ID = 65533  # the worker's uid/gid inside the namespace (root callers: its own host uid)
RUN_DIRS = ("/work", "/tmp", "/dev/shm")
WIPE_BY_REMOUNT_INODES = 2000  # a run that left more inodes than this is wiped by a fresh tmpfs mount
READY = b"ready"


def build(srv: "Z.Server", header: dict, fds: list[int]) -> None:
    """In a fresh fork of the fork server: make one worker and report its host pid (or why not)."""
    sock = socket.socket(fileno=fds[0])
    try:
        for procs in header["cgroups"]:  # once per worker: its runs never move between cgroups
            Z._write(procs, str(os.getpid()))
        uids = header.get("uids")  # [worker uid, run uid] for root callers, else None
        to_child, from_parent = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            to_child.close()
            _ns_child(srv, sock, from_parent, uids)
            os._exit(0)
        from_parent.close()
        if to_child.recv(16) != b"unshared":
            raise OSError("the worker's namespaces could not be created")
        outer_uid, outer_gid = os.getuid(), os.getgid()
        if uids:
            uid_map = f"{WORKER_ID} {uids[0]} 1\n{Z.SANDBOX_ID} {uids[1]} 1"
            Z._write(f"/proc/{pid}/uid_map", uid_map)
            Z._write(f"/proc/{pid}/gid_map", uid_map)
        else:
            Z._write(f"/proc/{pid}/setgroups", "deny")
            Z._write(f"/proc/{pid}/uid_map", f"{Z.SANDBOX_ID} {outer_uid} 1")
            Z._write(f"/proc/{pid}/gid_map", f"{Z.SANDBOX_ID} {outer_gid} 1")
        to_child.send(b"mapped")
        os.waitpid(pid, 0)
    except Exception as exc:  # tell the owner why instead of vanishing
        _say(sock, setup_error=f"{type(exc).__name__}: {exc}")


def _ns_child(srv: "Z.Server", sock: socket.socket, parent: socket.socket, uids: list[int] | None) -> None:
    """Create the namespaces, wait for the uid map, then fork the worker (pid 1) and report its pid."""
    try:
        if uids:  # the worker's own host uid creates (and so owns) the user namespace: per-user kernel
            os.setgroups([])  # quotas of its runs are charged to it, never to root's shared count
            os.setresgid(uids[0], uids[0], uids[0])
            os.setresuid(uids[0], uids[0], uids[0])
        L.unshare(Z.NS_FLAGS)
        parent.send(b"unshared")
        if parent.recv(16) != b"mapped":
            return
        pid = os.fork()
        if pid == 0:
            parent.close()
            Worker(srv, sock, privileged=bool(uids)).main()
            os._exit(0)
        _say(sock, pid=pid)
    except Exception as exc:
        _say(sock, setup_error=f"{type(exc).__name__}: {exc}")


def _say(sock: socket.socket, **msg) -> None:
    try:
        sock.send(json.dumps(msg).encode())
    except OSError:
        pass


class Worker:
    """pid 1 of the worker's namespaces: builds the root once, then serves runs until its owner leaves."""

    def __init__(self, srv: "Z.Server", sock: socket.socket, privileged: bool) -> None:
        self.srv, self.sock, self.privileged = srv, sock, privileged
        self.tmpfs_mb = 0
        self.run_id = Z.SANDBOX_ID
        self.last_pid = -1  # /proc/sys/kernel/ns_last_pid of the namespace: every run starts at pid 2

    def main(self) -> None:
        try:
            self.build_root()
        except Exception as exc:
            _say(self.sock, setup_error=f"{type(exc).__name__}: {exc}")
            return
        L.prctl(L.PR_SET_DUMPABLE, 0)  # runs cannot open /proc/1/mem, fd/, environ, nor ptrace it
        for low, high in _gaps(3, 1 << 16, sorted((self.sock.fileno(), self.last_pid))):
            os.closerange(low, high)  # the server's O_PATH handles reach host paths outside the new root
        for sig in (signal.SIGINT, signal.SIGCHLD):  # pid 1 ignores what it has no handler for
            signal.signal(sig, signal.SIG_DFL)
        while True:
            os.pwrite(self.last_pid, b"1", 0)
            child = Child(self)
            try:
                self.sock.send(READY)
                msg, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 5)
            except OSError:
                msg, fds = b"", []
            if not msg or len(fds) != 5:  # the owner has gone: end the namespace (the kernel kills the rest)
                return
            self.serve(child, json.loads(msg), fds)
            self.wipe()

    def build_root(self) -> None:
        stage = Z.STAGE
        if self.privileged:  # the fork server holds the static root; a fresh bind of it can be pivoted to
            L.mount(stage, stage, None, L.MS_BIND | L.MS_REC)
        else:
            Z.build_static_root(self.srv, stage)
        self.mount_run_dirs(stage, 64)
        # A full /proc just long enough to open ns_last_pid (the runs' /proc has no sys/): resetting it
        # before each fork gives every run pid 2, so no run learns how many processes earlier ones made.
        L.mount("proc", f"{stage}/proc", "proc", L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC)
        self.last_pid = os.open(f"{stage}/proc/sys/kernel/ns_last_pid", os.O_WRONLY | os.O_CLOEXEC)
        L.umount_detach(f"{stage}/proc")
        Z.mount_proc(f"{stage}/proc")
        os.chdir(stage)
        L.pivot_root(".", ".")
        L.umount_detach(".")
        os.chdir("/")
        L.sethostname("sandbox")

    def mount_run_dirs(self, root: str, size_mb: int) -> None:
        flags = L.MS_NOSUID | L.MS_NODEV
        owner = f"uid={self.run_id},gid={self.run_id}"
        for path, mode in zip(RUN_DIRS, ("755," + owner, "1777", "1777")):
            L.mount("tmpfs", root + path, "tmpfs", flags, f"size={size_mb}m,mode={mode}")
        self.tmpfs_mb = size_mb

    def resize(self, size_mb: int) -> None:
        """Give the (empty) run dirs this run's size cap."""
        if size_mb != self.tmpfs_mb:
            for path in RUN_DIRS:
                L.mount(None, path, None, L.MS_REMOUNT | L.MS_NOSUID | L.MS_NODEV, f"size={size_mb}m")
            self.tmpfs_mb = size_mb

    def serve(self, child: "Child", hdr: dict, fds: list[int]) -> None:
        """One run: hand it to the waiting child, watch it, end everything, report."""
        stdin, stdout, stderr, ctl_fd, data = fds
        ctl = socket.socket(fileno=ctl_fd)
        reason = None
        try:
            self.resize(hdr["tmpfs_mb"])
            socket.send_fds(child.sock, [json.dumps(hdr).encode()], [stdin, stdout, stderr, ctl_fd, data])
        except OSError as exc:
            _say_line(ctl, setup_error=f"{type(exc).__name__}: {exc}")
            reason = "setup"
        for fd in (stdin, stdout, stderr, data):
            os.close(fd)
        if reason is None:
            reason = self.watch(child, ctl, hdr["timeout"])
        if reason:
            _kill(child.pid)
        _, status, usage = os.wait4(child.pid, 0)
        cpu = usage.ru_utime + usage.ru_stime
        os.close(child.pidfd)
        child.sock.close()
        end_namespace()
        if reason == "owner":
            os._exit(0)
        if reason in ("timeout", "killed"):
            _say_line(ctl, reason=reason)
        elif reason is None:
            _say_line(ctl, exit=os.waitstatus_to_exitcode(status),
                      cpu_exceeded=cpu >= hdr["rlimits"]["CPU"][0] - 0.05)
        ctl.close()

    def watch(self, child: "Child", ctl: socket.socket, timeout: float) -> str | None:
        """Wait for the program's end, a kill request, the deadline or the owner's departure."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            ready, _, _ = select.select([child.pidfd, self.sock, ctl], [], [], left)
            if child.pidfd in ready:
                return None
            if self.sock in ready:
                return "owner"
            if ctl in ready and _recv(ctl)[-1:] in (b"", b"K"):
                return "killed"

    def wipe(self) -> None:
        """Empty the run dirs for the next run (a fresh tmpfs where a run left many inodes)."""
        for path in RUN_DIRS:
            st = os.statvfs(path)
            if st.f_files - st.f_ffree > WIPE_BY_REMOUNT_INODES or not _empty_dir(path):
                L.umount_detach(path)
                mode = f"755,uid={self.run_id},gid={self.run_id}" if path == "/work" else "1777"
                L.mount("tmpfs", path, "tmpfs", L.MS_NOSUID | L.MS_NODEV, f"size={self.tmpfs_mb}m,mode={mode}")
        for path, mode in zip(RUN_DIRS, (0o755, 0o1777, 0o1777)):  # the roots themselves survive a wipe
            os.chmod(path, mode)
            for name in os.listxattr(path):  # user.* attributes and ACLs a run may set on its own /work
                os.removexattr(path, name)
            os.utime(path)
        os.chown("/work", self.run_id, self.run_id)


def _gaps(low: int, high: int, keep: list[int]) -> list[tuple[int, int]]:
    """The [low, high) ranges around the sorted descriptors in `keep`."""
    out = []
    for fd in keep:
        out.append((low, fd))
        low = fd + 1
    return out + [(low, high)]


def _empty_dir(path: str) -> bool:
    """Delete everything under `path`; False when something could not be deleted."""
    import shutil

    ok = True
    with os.scandir(path) as entries:
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            except (OSError, RecursionError):  # e.g. a tree nested deeper than rmtree recurses
                ok = False
    return ok


def end_namespace() -> None:
    """From pid 1: SIGKILL every other process of the namespace and reap them all, until none is left."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            return
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _recv(sock: socket.socket) -> bytes:
    """A short message; b"" at EOF or when the peer went away with data unread (ECONNRESET)."""
    try:
        return sock.recv(64)
    except OSError:
        return b""


def _say_line(ctl: socket.socket, **msg) -> None:
    try:
        ctl.sendall(json.dumps(msg).encode() + b"\n")
    except OSError:
        pass


class Child:
    """The next run's process, forked while the worker is idle: it becomes the run's uid, drops every
    capability and loads seccomp ahead of time, then waits for its run."""

    def __init__(self, worker: Worker) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.pid = os.fork()
        if self.pid == 0:
            try:
                ours.close()
                worker.sock.close()
                os.close(worker.last_pid)
                _child_main(worker, theirs)
            finally:  # never return into the worker's loop
                os._exit(125)
        theirs.close()
        self.sock = ours
        self.pidfd = os.pidfd_open(self.pid)


def _child_main(worker: Worker, sock: socket.socket) -> None:
    """In the pre-forked child: confine, wait for the run, take its payload, start the program."""
    srv = worker.srv
    L.prctl(L.PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setsid()
    L.prctl(L.PR_SET_DUMPABLE, 1)  # the worker is not dumpable; its /proc/self files are root's until then
    Z._write("/proc/self/oom_score_adj", "1000")  # under memory pressure the run goes, not the worker
    if worker.privileged:
        os.setgroups([])
        os.setresgid(Z.SANDBOX_ID, Z.SANDBOX_ID, Z.SANDBOX_ID)
        os.setresuid(Z.SANDBOX_ID, Z.SANDBOX_ID, Z.SANDBOX_ID)
    L.prctl(L.PR_SET_DUMPABLE, 1)  # the run's /proc/self files belong to the run, as in a per-run sandbox
    os.chdir("/work")
    L.prctl(L.PR_SET_NO_NEW_PRIVS, 1)
    L.drop_capabilities()
    if srv.cfg["bpf"]:
        L.install_seccomp(bytes.fromhex(srv.cfg["bpf"]))
    msg, fds, _, _ = socket.recv_fds(sock, 1 << 16, 5)
    if not msg:
        os._exit(0)
    hdr = json.loads(msg)
    stdin, stdout, stderr, ctl_fd, data_fd = fds
    ctl, data = socket.socket(fileno=ctl_fd), socket.socket(fileno=data_fd)
    try:
        (size,) = struct.unpack("!Q", Z._recv_exact(data, 8))
        payload = marshal.loads(Z._recv_exact(data, size))
        data.close()
        Z.write_files("/work", payload)
        argv = Z.program_argv(srv.cfg, payload["argv"])
        for name, (soft, hard) in hdr["rlimits"].items():
            resource.setrlimit(getattr(resource, "RLIMIT_" + name), (soft, hard))
    except Exception as exc:
        Z._send(ctl, setup_error=f"{type(exc).__name__}: {exc}")
        os._exit(125)
    ctl.close()
    sock.close()
    for src, dst in ((stdin, 0), (stdout, 1), (stderr, 2)):
        os.dup2(src, dst)
    Z.start_program(hdr["mode"], "/work", srv.cfg, hdr["env"], argv)
