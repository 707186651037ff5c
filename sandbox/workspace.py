"""Workspaces: a persistent, forkable sandboxed directory where an agent runs shell commands over many
turns (`Sandbox(...).workspace(files=...)`; docs/workspaces.md).

A workspace keeps its files, /tmp and background processes between commands; `put(..., hidden=True)`
files are never in the agent's view and appear (under /hidden) only while `run_hidden` runs the
verifier's command, after every process the agent left has been killed; `fork()` copies the work tree
into a new, independent workspace; `close()` leaves no process and no file. Backends: the embedded tier 1
(`_workspace_server.py`, namespaces held by a per-workspace init) and Docker (`_workspace_docker.py`).
"""

from __future__ import annotations

import abc
import threading
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from . import _workspace_files as F
from .models import Limits, RunResult

if TYPE_CHECKING:
    from .sandbox import Sandbox

WORK, HIDDEN = "/work", "/hidden"


class WorkspaceLimits(BaseModel):
    """Limits of one workspace: per command (wall, CPU, output, file size) and for the whole workspace
    (memory, processes, disk, lifetime)."""

    timeout_s: float = Field(60.0, gt=0, description="wall clock of one command, its whole session")
    cpu_s: float | None = Field(None, gt=0, description="CPU seconds of one command's processes, each; default: timeout_s")
    output_bytes: int = Field(1 << 20, gt=0, description="stdout and stderr kept per command, each")
    file_size_mb: int = Field(64, gt=0, description="largest file a command may write")
    memory_mb: int = Field(1024, gt=0, description="memory of the whole workspace (cgroup)")
    pids: int = Field(256, gt=0, description="processes and threads of the whole workspace")
    disk_mb: int = Field(256, gt=0, description="size of /work (and of /tmp, each)")
    wall_s: float = Field(3600.0, gt=0, description="lifetime of the workspace; past it, it is closed")

    def run_limits(self, timeout_s: float | None = None) -> Limits:
        """The per-command part as the sandbox's `Limits` (for its rlimit rules)."""
        return Limits(timeout_s=timeout_s or self.timeout_s, cpu_s=self.cpu_s, memory_mb=self.memory_mb,
                      pids=self.pids, output_bytes=self.output_bytes, file_size_mb=self.file_size_mb,
                      tmpfs_mb=max(self.disk_mb, self.file_size_mb))


class WorkspaceUnavailable(RuntimeError):
    """This sandbox cannot hold workspaces (the message says why and what to use instead)."""


class WorkspaceClosed(RuntimeError):
    """The workspace was closed (by `close()`, or because its lifetime `wall_s` ran out)."""


class Workspace(abc.ABC):
    """A persistent sandboxed work dir (/work); see the module docstring for the guarantees."""

    backend: str
    tier: str
    workdir: str = WORK  # where commands start and relative paths point (a task image's WORKDIR on Docker)

    def __init__(self, limits: WorkspaceLimits) -> None:
        self.limits = limits
        self.hidden: dict[str, bytes] = {}
        self.closed = False
        self._lock = threading.RLock()
        self._timer = threading.Timer(limits.wall_s, self._expire)
        self._timer.daemon = True

    # -- the API ----------------------------------------------------------------------------
    def run(self, cmd: str, *, timeout: float | None = None, stdin: bytes | str = b"",
            env: dict[str, str] | None = None, cwd: str | None = None) -> RunResult:
        """Run `cmd` with the workspace's shell (bash, else sh) in `cwd` (default: the work dir). Files, /tmp and background
        processes persist; the command's session is killed at `timeout` (default `limits.timeout_s`).
        Status: ok, error (non-zero exit), timeout (wall or CPU), memory_exceeded, output_limit (more
        output than kept, or a file past file_size_mb), killed (a signal)."""
        data = stdin.encode() if isinstance(stdin, str) else bytes(stdin)
        with self._lock:
            self._check_open()
            return self._run(cmd, timeout or self.limits.timeout_s, data, dict(env or {}), cwd or self.workdir)

    def put(self, path: str, data: bytes | str, *, hidden: bool = False, mode: int = 0o644) -> None:
        """Write a file at `path` (relative to the work dir). `hidden=True`: kept outside the agent's view and
        placed under /hidden only while `run_hidden` runs."""
        raw = data.encode() if isinstance(data, str) else bytes(data)
        F.components(path)
        with self._lock:
            self._check_open()
            if hidden:
                self.hidden[path] = raw
            else:
                self._write(path, raw, mode)

    def read(self, path: str, limit: int = 16 << 20) -> bytes:
        """At most `limit` bytes of the regular file `path` (relative to the work dir); a symlink is refused."""
        with self._lock:
            self._check_open()
            return self._read(path, limit)

    def run_hidden(self, cmd: str, *, timeout: float | None = None,
                   env: dict[str, str] | None = None) -> RunResult:
        """Run the verifier's `cmd` on the current files with the hidden ones under /hidden ($HIDDEN).
        Every process of the workspace is killed first (nothing the agent left can read the hidden
        files, rewrite files during the check or answer in its place) and again afterwards, and /hidden
        is emptied before and after. To check without disturbing the agent's processes, run it on a
        `fork()`."""
        with self._lock:
            self._check_open()
            self._kill_all()
            self._place_hidden()
            try:
                return self._run(cmd, timeout or self.limits.timeout_s, b"", {"HIDDEN": HIDDEN, **(env or {})},
                                 self.workdir)
            finally:
                self._kill_all()
                self._clear_hidden()

    def fork(self) -> "Workspace":
        """An independent copy: the work tree (/work) and the hidden files, same limits and backend; no
        processes, no /tmp. Changes in either never reach the other."""
        with self._lock:
            self._check_open()
            child = self._fork()
            child.hidden = dict(self.hidden)
            return child

    def close(self) -> None:
        """Kill every process and drop every file of the workspace (idempotent)."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._timer.cancel()
            self._close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- for backends ---------------------------------------------------------------------
    def _started(self) -> None:
        self._timer.start()

    def _expire(self) -> None:
        self.close()

    def _check_open(self) -> None:
        if self.closed:
            raise WorkspaceClosed("the workspace is closed")

    def _place_hidden(self) -> None:
        self._clear_hidden()
        for path, data in self.hidden.items():
            self._write(path, data, 0o644, hidden=True)

    @abc.abstractmethod
    def _run(self, cmd: str, timeout: float, stdin: bytes, env: dict[str, str], cwd: str) -> RunResult: ...

    @abc.abstractmethod
    def _write(self, path: str, data: bytes, mode: int, hidden: bool = False) -> None: ...

    @abc.abstractmethod
    def _read(self, path: str, limit: int) -> bytes: ...

    @abc.abstractmethod
    def _kill_all(self) -> None: ...

    @abc.abstractmethod
    def _clear_hidden(self) -> None: ...

    @abc.abstractmethod
    def _fork(self) -> "Workspace": ...

    @abc.abstractmethod
    def _close(self) -> None: ...


def classify(exit_code: int | None, *, timed_out: bool, oom: bool, truncated: bool) -> str:
    """A command's status from how it ended (the same words as a sandbox run's)."""
    if timed_out or exit_code == -24:  # the wall clock, or SIGXCPU at the CPU limit
        return "timeout"
    if oom:
        return "memory_exceeded"
    if truncated or exit_code == -25:  # more output than kept, or SIGXFSZ past file_size_mb
        return "output_limit"
    if exit_code is None or exit_code < 0:
        return "killed"
    return "ok" if exit_code == 0 else "error"


def open_workspace(sandbox: "Sandbox", files: dict[str, bytes | str] | None, image: str | None,
                   limits: WorkspaceLimits | None) -> Workspace:
    """A new workspace on `sandbox`'s backend, holding `files` under /work."""
    limits = limits or WorkspaceLimits()
    if sandbox.backend == "docker":
        from ._workspace_docker import DockerWorkspace

        ws: Workspace = DockerWorkspace(sandbox._impl, limits, image)
    elif sandbox.backend == "embedded":
        if image is not None:
            raise ValueError("image= is for backend='docker'; the embedded workspace shows the host's view")
        from ._workspace_embedded import host_for

        ws = host_for(sandbox).create(limits)
    else:
        raise WorkspaceUnavailable(f"backend {sandbox.backend!r} has no workspaces: use 'embedded' (tier 1) or "
                                   "'docker'")
    try:
        for path, data in (files or {}).items():
            ws.put(path, data)
    except BaseException:
        ws.close()
        raise
    return ws


def workspace_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a command: a fixed base (nothing of the caller's) plus `extra`."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": WORK, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1", "TERM": "dumb", **extra}


__all__ = ["Workspace", "WorkspaceLimits", "WorkspaceUnavailable", "WorkspaceClosed", "open_workspace", "classify"]
