"""Embedded (tier 1) workspaces: one workspace server per Sandbox (`_workspace_server.py`), one init
process per workspace, the workspace's cgroup and uid from the embedded backend's pools, and the
workspace's files reached through /proc/<init>/root by descriptor-relative walks."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from . import _workspace_files as F
from ._workspace_server import recv_frame, send_frame
from ._workspace_seccomp import compile_workspace_filter
from .embedded import BASE_ENV, EmbeddedBackend, _rlimits
from .models import RunResult
from .workspace import WORK, Workspace, WorkspaceLimits, WorkspaceUnavailable, classify, workspace_env

if TYPE_CHECKING:
    from .sandbox import Sandbox

SERVER_SCRIPT = Path(__file__).with_name("_workspace_server.py")
REPLY_GRACE_S = 30.0  # the init enforces each command's wall clock; past this much more, it is broken
_hosts: "weakref.WeakKeyDictionary[Sandbox, WorkspaceHost]" = weakref.WeakKeyDictionary()
_hosts_lock = threading.Lock()


def host_for(sandbox: "Sandbox") -> "WorkspaceHost":
    """The Sandbox's workspace server (started on first use, stopped by `sandbox.close()`)."""
    with _hosts_lock:
        host = _hosts.get(sandbox)
        if host is None or not host.alive():
            host = _hosts[sandbox] = WorkspaceHost(sandbox._impl)
            sandbox._on_close.append(host.close)
        return host


class WorkspaceHost:
    """Owns one `_workspace_server.py` process; starts workspaces through it."""

    def __init__(self, impl: EmbeddedBackend) -> None:
        if impl.tier_num != 1:
            raise WorkspaceUnavailable(f"workspaces need the embedded tier 1 (namespaces); this machine gave tier "
                                       f"{impl.tier} (docs/sandbox.md, Platform support): use backend='docker'")
        self.impl = impl
        self.bpf = compile_workspace_filter().hex()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.proc = subprocess.Popen(
            [impl.python, "-E", "-s", "-S", str(SERVER_SCRIPT), str(theirs.fileno())], pass_fds=[theirs.fileno()],
            env={"PATH": BASE_ENV["PATH"], "LANG": "C.UTF-8"}, cwd="/", stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.sock = ours
        self.owner = os.getpid()
        ours.send(json.dumps({"tier": 1, "uid": impl.uid, "view": impl.view.to_config()}).encode())
        reply = json.loads(ours.recv(1 << 16) or b'{"error": "the workspace server exited"}')
        if "error" in reply:
            self.close()
            raise WorkspaceUnavailable(f"the workspace server failed to start: {reply['error']}")
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None and self.owner == os.getpid()

    def create(self, limits: WorkspaceLimits) -> "EmbeddedWorkspace":
        impl = self.impl
        uid = impl.uids.acquire() if impl.uid is not None else None
        cgroup = impl.cgroups.acquire() if impl.cgroups else None
        try:
            if cgroup is not None:
                cgroup.configure(limits.memory_mb, limits.pids, uid)
            ours, theirs = socket.socketpair()
            header = {"run_uid": uid, "cgroups": cgroup.procs_files if cgroup else [], "disk_mb": limits.disk_mb,
                      "bpf": self.bpf}
            with self._lock:
                socket.send_fds(self.sock, [json.dumps(header).encode()], [theirs.fileno()])
            theirs.close()
            return EmbeddedWorkspace(self, ours, limits, uid, cgroup)
        except BaseException:
            self._release(uid, cgroup)
            raise

    def _release(self, uid, cgroup) -> None:
        if cgroup is not None:
            self.impl.cgroups.release(cgroup)
        if uid is not None:
            self.impl.uids.release(uid)

    def close(self) -> None:
        self.sock.close()
        if self.owner != os.getpid():
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class EmbeddedWorkspace(Workspace):
    """A workspace held by an init process in its own namespaces (tier 1)."""

    backend = "embedded"
    tier = "1"

    def __init__(self, host: WorkspaceHost, sock: socket.socket, limits: WorkspaceLimits, uid: int | None,
                 cgroup) -> None:
        super().__init__(limits)
        self.host, self.sock, self.uid, self.cgroup = host, sock, uid, cgroup
        self.owner_uid = uid if os.geteuid() == 0 else None  # who host-written files must belong to
        self.pidfd = -1
        try:
            first = recv_frame(sock) or {"error": "the workspace launcher exited"}
            if "init_pid" in first:
                self.init_pid = first["init_pid"]
                self.pidfd = os.pidfd_open(self.init_pid)
                first = recv_frame(sock) or {"error": "the workspace init exited during set-up"}
            if "root" in first:  # its root is final: hold it (every file access is relative to this fd)
                self.root_fd = os.open(f"/proc/{self.init_pid}/root", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
                send_frame(sock, {"op": "go"})
                first = recv_frame(sock) or {"error": "the workspace init exited during set-up"}
            if "error" in first:
                raise WorkspaceUnavailable(f"the workspace failed to start: {first['error']}")
        except BaseException:
            self.closed = True
            self._close()
            raise
        self.python_dir = os.path.dirname(host.impl.python)
        self._started()

    # -- commands ---------------------------------------------------------------------------
    def _run(self, cmd: str, timeout: float, stdin: bytes, env: dict[str, str], cwd: str) -> RunResult:
        limits = self.limits.run_limits(timeout)
        oom_before = self.cgroup.oom_kills() if self.cgroup else 0
        path = f"{self.python_dir}:{BASE_ENV['PATH']}"
        full_env = workspace_env({"PATH": path, **env})
        if self.cgroup is None:
            full_env["MALLOC_ARENA_MAX"] = "2"
        rlimits = _rlimits(limits, self.cgroup)
        rlimits["NOFILE"] = (1024, 1024)
        reply = self._call({"op": "run", "cmd": cmd, "stdin": stdin, "timeout": timeout, "cwd": cwd,
                            "env": full_env, "rlimits": rlimits, "output_bytes": limits.output_bytes},
                           timeout + REPLY_GRACE_S)
        if "error" in reply:
            return RunResult(status="sandbox_error", exit_code=None, stdout="", stderr=reply["error"],
                             duration_s=0.0, backend=self.backend, tier=self.tier)
        oom = bool(self.cgroup) and self.cgroup.oom_kills() > oom_before
        status = classify(reply["exit"], timed_out=reply["timed_out"], oom=oom, truncated=reply["truncated"])
        return RunResult(status=status, exit_code=reply["exit"], stdout=reply["stdout"].decode(errors="replace"),
                         stderr=reply["stderr"].decode(errors="replace"), duration_s=round(reply["duration"], 4),
                         backend=self.backend, tier=self.tier)

    def _call(self, msg: dict, timeout: float) -> dict:
        """One request to the init and its reply; a dead or stuck init closes the workspace."""
        try:
            send_frame(self.sock, msg)
            ready, _, _ = select.select([self.sock], [], [], timeout)
            reply = recv_frame(self.sock) if ready else None
        except OSError:
            reply = None
        if reply is None:
            self.closed = True
            self._close()
            raise WorkspaceUnavailable("the workspace's init stopped answering; the workspace was closed")
        return reply

    def _kill_all(self) -> None:
        self._call({"op": "kill_all"}, REPLY_GRACE_S)

    # -- files ------------------------------------------------------------------------------
    def _dir(self, name: str) -> int:
        return os.open(name.lstrip("/"), F.DIR_FLAGS, dir_fd=self.root_fd)

    def _write(self, path: str, data: bytes, mode: int, hidden: bool = False) -> None:
        top = self._dir("/hidden" if hidden else WORK)
        try:
            F.write_file(top, path, data, owner=self.owner_uid, mode=mode)
        finally:
            os.close(top)

    def _read(self, path: str, limit: int) -> bytes:
        top = self._dir(WORK)
        try:
            return F.read_file(top, path, limit)
        finally:
            os.close(top)

    def _clear_hidden(self) -> None:
        top = self._dir("/hidden")
        try:
            F.clear_dir(top)
        finally:
            os.close(top)

    def _fork(self) -> "EmbeddedWorkspace":
        child = self.host.create(self.limits)
        src, dst = self._dir(WORK), child._dir(WORK)
        try:
            F.copy_tree(src, dst, owner=child.owner_uid)
        except BaseException:
            child.close()
            raise
        finally:
            os.close(src)
            os.close(dst)
        return child

    # -- end --------------------------------------------------------------------------------
    def _close(self) -> None:
        """Tell init to exit (the kernel then kills the pid namespace and drops its mounts), wait until it
        is gone, then empty and return the cgroup and the uid."""
        try:
            send_frame(self.sock, {"op": "exit"})
        except OSError:
            pass
        self.sock.close()
        if getattr(self, "root_fd", -1) >= 0:
            os.close(self.root_fd)
            self.root_fd = -1
        if self.pidfd >= 0:
            if not select.select([self.pidfd], [], [], 5.0)[0]:
                try:
                    signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                select.select([self.pidfd], [], [], 5.0)
            os.close(self.pidfd)
            self.pidfd = -1
        self.host._release(self.uid, self.cgroup)
        self.cgroup = None
        self.uid = None
