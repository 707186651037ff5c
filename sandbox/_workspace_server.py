"""Workspace server (run as a script, stdlib + _linux.py + _zygote.py only): starts workspaces and is
the init of each one.

Unlike a run (`_zygote.py`), a workspace outlives its commands: its namespaces are held by an init
process that stays alive between commands, so files, /tmp and background processes persist, and a
server started by one command answers on the workspace's own loopback in the next.

Process tree of one workspace:  server -> launcher (joins the workspace's cgroup, builds the root, drops
to the workspace's uid, creates the namespaces) -> init (pid 1 of fresh user/pid/net/ipc/uts/mount
namespaces: mounts /work, /tmp, /hidden, brings `lo` up, then forks one shell per command). When init
exits, the kernel kills everything left in the pid namespace and the tmpfs mounts go with the mount
namespace: nothing of a closed workspace survives. The host reaches the workspace's files through
/proc/<init>/root (descriptor-relative walks, see workspace.py); code, stdin and output travel over the
workspace's own control socket; hidden files never pass through this process.
"""

from __future__ import annotations

import fcntl
import json
import marshal
import os
import resource
import select
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _linux as L  # noqa: E402
import _zygote as Z  # noqa: E402

SHELLS = ("/bin/bash", "/usr/bin/bash", "/bin/sh", "/usr/bin/sh")
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
IDLE_REAP_S = 1.0  # how often an idle init reaps the orphans of finished commands


def send_frame(sock: socket.socket, msg: dict) -> None:
    blob = marshal.dumps(msg)
    sock.sendall(struct.pack("!Q", len(blob)) + blob)


def recv_frame(sock: socket.socket) -> dict | None:
    head = _recv_exact(sock, 8)
    if head is None:
        return None
    (size,) = struct.unpack("!Q", head)
    blob = _recv_exact(sock, size)
    return None if blob is None else marshal.loads(blob)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class Launcher:
    """One workspace's set-up (host side of the namespaces), then its init's supervisor."""

    def __init__(self, srv: Z.Server, header: dict, sock: socket.socket) -> None:
        self.srv, self.hdr, self.sock = srv, header, sock
        self.uid = header.get("run_uid")

    def main(self) -> None:
        try:
            for procs in self.hdr["cgroups"]:
                with open(procs, "w") as f:
                    f.write(str(os.getpid()))
            privileged = os.geteuid() == 0
            if privileged:  # the server holds the static root in its own mount namespace: copy it
                L.unshare(L.CLONE_NEWNS)
                self.mount_dirs(Z.STAGE, owner=self.uid)
                self.srv.drop_privileges(self.uid)
            L.prctl(L.PR_SET_DUMPABLE, 1)  # else /proc/self/*_map belong to root and cannot be written
            outer_uid, outer_gid = os.getuid(), os.getgid()
            L.unshare(Z.NS_FLAGS)
            Z._write("/proc/self/setgroups", "deny")
            Z._write("/proc/self/uid_map", f"{Z.SANDBOX_ID} {outer_uid} 1")
            Z._write("/proc/self/gid_map", f"{Z.SANDBOX_ID} {outer_gid} 1")
            go_r, go_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(go_w)
                Init(self, build=not privileged, go=go_r).main()
                os._exit(0)
            os.close(go_r)
            send_frame(self.sock, {"init_pid": pid})
            os.write(go_w, b"g")
            os.close(go_w)
        except Exception as exc:  # tell the owner why instead of vanishing
            send_frame(self.sock, {"error": f"{type(exc).__name__}: {exc}"})
            return
        self.sock.close()
        os.waitpid(pid, 0)

    def mount_dirs(self, root: str, owner: int | None) -> None:
        """The workspace's own parts of the root: size-capped tmpfs for /work, /tmp, /dev/shm, /hidden."""
        flags = L.MS_NOSUID | L.MS_NODEV
        uid = owner if owner is not None and os.geteuid() == 0 else Z.SANDBOX_ID
        disk = self.hdr["disk_mb"]
        # Files are bounded too, not only bytes: the host walks /work to fork it.
        inodes = f"nr_inodes={max(4096, disk * 256)}"
        L.mount("tmpfs", f"{root}/work", "tmpfs", flags, f"size={disk}m,{inodes},mode=755,uid={uid},gid={uid}")
        L.mount("tmpfs", f"{root}/tmp", "tmpfs", flags, f"size={disk}m,mode=1777")
        L.mount("tmpfs", f"{root}/dev/shm", "tmpfs", flags, f"size={disk}m,mode=1777")
        L.mount("tmpfs", f"{root}/hidden", "tmpfs", flags, f"size={disk}m,mode=700,uid={uid},gid={uid}")


class Init:
    """pid 1 of the workspace: finishes the root, then runs the commands the owner sends, one at a time."""

    def __init__(self, launcher: Launcher, build: bool, go: int) -> None:
        L.prctl(L.PR_SET_PDEATHSIG, signal.SIGKILL)
        self.launcher, self.build, self.go = launcher, build, go
        self.sock = launcher.sock
        self.hdr = launcher.hdr
        self.statuses: dict[int, int] = {}
        self.waiting: int | None = None

    def main(self) -> None:
        os.read(self.go, 1)  # the launcher has told the owner our pid
        os.close(self.go)
        try:
            if self.build:
                Z.build_static_root(self.launcher.srv, Z.STAGE)
                add_mount_point(Z.STAGE, "hidden")
                self.launcher.mount_dirs(Z.STAGE, owner=None)
            else:  # the copied stage is locked in this namespace; a fresh bind of it can be pivoted to
                L.mount(Z.STAGE, Z.STAGE, None, L.MS_BIND | L.MS_REC)
            Z.mount_proc(f"{Z.STAGE}/proc")
            os.chdir(Z.STAGE)
            L.pivot_root(".", ".")
            L.umount_detach(".")
            os.chdir("/work")
            L.sethostname("workspace")
            loopback_up()
            # The owner opens /proc/<init>/root now, while init is still dumpable (an unprivileged owner could
            # not afterwards); then init becomes non-dumpable: commands run as its uid, and none of them may
            # open /proc/1/mem or /proc/1/environ.
            send_frame(self.sock, {"root": True})
            if recv_frame(self.sock) is None:
                return
            L.prctl(L.PR_SET_DUMPABLE, 0)
            send_frame(self.sock, {"ready": True})
        except Exception as exc:
            send_frame(self.sock, {"error": f"{type(exc).__name__}: {exc}"})
            return
        self.serve()

    def serve(self) -> None:
        while True:
            ready, _, _ = select.select([self.sock], [], [], IDLE_REAP_S)
            self.reap()
            if not ready:
                continue
            try:
                msg = recv_frame(self.sock)
            except OSError:
                msg = None
            if msg is None or msg.get("op") == "exit":
                return  # the owner has gone or closed the workspace: the kernel kills the rest
            try:
                reply = self.run(msg) if msg["op"] == "run" else self.kill_all()
            except Exception as exc:  # report, keep serving
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            send_frame(self.sock, reply)

    # -- processes ---------------------------------------------------------------------------
    def reap(self) -> None:
        """Collect every exited child (orphans of finished commands are re-parented to init)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.waiting:
                self.statuses[pid] = status

    def kill_all(self) -> dict:
        """SIGKILL every process of the workspace but init, until none is left."""
        killed = 0
        while True:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and p != "1"]
            if not pids:
                return {"killed": killed}
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                pass
            self.reap()

    def run(self, msg: dict) -> dict:
        """One shell command in its own session: memfd stdin/stdout/stderr (a background process may keep
        writing after the shell has gone without blocking anyone), wall clock on the whole session."""
        fds = {name: os.memfd_create(name, 0) for name in ("stdin", "stdout", "stderr")}
        os.write(fds["stdin"], msg["stdin"])
        os.lseek(fds["stdin"], 0, os.SEEK_SET)
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            self.exec_shell(msg, fds)
        self.waiting = pid
        os.close(fds.pop("stdin"))
        pidfd = os.pidfd_open(pid)
        timed_out = False
        try:
            while pid not in self.statuses:
                left = msg["timeout"] - (time.monotonic() - start)
                if left <= 0:
                    timed_out = True
                    _killpg(pid)
                    select.select([pidfd], [], [])
                else:
                    select.select([pidfd], [], [], left)
                self.reap()
            status = self.statuses.pop(pid)
        finally:
            os.close(pidfd)
            self.waiting = None
        duration = time.monotonic() - start
        cap = msg["output_bytes"]
        out, out_more = _read_memfd(fds.pop("stdout"), cap)
        err, err_more = _read_memfd(fds.pop("stderr"), cap)
        return {"exit": None if status is None else os.waitstatus_to_exitcode(status), "stdout": out,
                "stderr": err, "timed_out": timed_out, "truncated": out_more or err_more, "duration": duration}

    def exec_shell(self, msg: dict, fds: dict[str, int]) -> None:
        """Child: limits and confinement, then `shell -c command` (never returns)."""
        try:
            os.setsid()
            # Under memory pressure the OOM killer takes a command, never the init that holds the workspace
            # (raising one's own score needs no privilege; its /proc files are its own once dumpable again).
            L.prctl(L.PR_SET_DUMPABLE, 1)
            Z._write("/proc/self/oom_score_adj", "1000")
            os.chdir(msg.get("cwd") or "/work")
            for name, (soft, hard) in msg["rlimits"].items():
                resource.setrlimit(getattr(resource, "RLIMIT_" + name), (soft, hard))
            L.prctl(L.PR_SET_NO_NEW_PRIVS, 1)
            L.drop_capabilities()
            L.install_seccomp(bytes.fromhex(self.hdr["bpf"]))
            for name, target in (("stdin", 0), ("stdout", 1), ("stderr", 2)):
                os.dup2(fds[name], target)
            os.closerange(3, 1 << 16)
            shell = next(s for s in SHELLS if os.path.exists(s))
            os.execve(shell, [os.path.basename(shell), "-c", msg["cmd"]], msg["env"])
        except BaseException as exc:  # noqa: BLE001 - report on the command's stderr, never return
            try:
                os.write(2, f"workspace: {type(exc).__name__}: {exc}\n".encode())
            finally:
                os._exit(126)


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_memfd(fd: int, cap: int) -> tuple[bytes, bool]:
    """The first `cap` bytes of a memfd and whether there was more; closes our copy."""
    try:
        size = os.fstat(fd).st_size
        return os.pread(fd, cap, 0), size > cap
    finally:
        os.close(fd)


def add_mount_point(root: str, name: str) -> None:
    """A directory in the (already read-only) static root, for a mount added afterwards."""
    flags = L.MS_NOSUID | L.MS_NODEV
    L.mount(None, root, None, L.MS_REMOUNT | flags)
    os.makedirs(f"{root}/{name}", exist_ok=True)
    L.mount(None, root, None, L.MS_REMOUNT | L.MS_RDONLY | flags)


def loopback_up() -> None:
    """Bring `lo` up in the workspace's network namespace (background servers listen there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        raw = fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH14x", b"lo", 0))
        flags = struct.unpack("16sH14x", raw)[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def serve(srv: Z.Server, sock: socket.socket) -> None:
    """Fork one launcher per request; each request carries its workspace's control socket."""
    signal.signal(signal.SIGCHLD, Z._reap)
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 16, 1)
        except InterruptedError:
            continue
        if not msg:
            return
        header = json.loads(msg)
        if os.fork() == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sock.close()
            try:
                Launcher(srv, header, socket.socket(fileno=fds[0])).main()
            finally:
                os._exit(0)
        for fd in fds:
            os.close(fd)


def main() -> None:
    os.umask(0o022)
    sock = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sock.recv(1 << 20))
    try:
        srv = Z.Server(sock, config)
        if os.geteuid() == 0:
            L.unshare(L.CLONE_NEWNS)
            Z.build_static_root(srv, Z.STAGE)
            add_mount_point(Z.STAGE, "hidden")
    except Exception as exc:
        sock.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        return
    sock.send(json.dumps({"pid": os.getpid()}).encode())
    serve(srv, sock)


if __name__ == "__main__":
    main()
