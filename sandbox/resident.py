"""The caller's side of resident tier-1 workers: a pool of long-lived sandboxed workers, each serving one
run at a time (the worker itself is `_resident_worker.py`; docs/sandbox.md, "Resident workers").

A worker is built once through the fork server, in its own cgroup, with two host uids of its own (root
callers: one for the worker, one for its runs). `acquire` hands out a worker that has said it is clean
and has its next run's process waiting; `release` takes it back when the run has been reported, and
drops it (with its cgroup and uids) when it died or the pool holds enough idle workers.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import threading
from dataclasses import dataclass
from typing import Callable

from ._cgroups import Cgroup, CgroupPool

READY = b"ready"
BUILD_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 30.0  # a worker wiping a run's leftovers for longer than this is given up on
MAX_IDLE = 8  # idle workers kept; more are closed when released


class WorkerFailed(RuntimeError):
    """A worker could not be built (the message says why)."""


@dataclass(eq=False)
class Worker:
    """One resident worker: its channel, host pid, cgroup and uids."""

    sock: socket.socket
    pid: int
    pidfd: int  # the host's handle on the worker process (no pid reuse can misdirect a kill)
    cgroup: Cgroup | None
    uids: list[int] | None
    ready: bool = False
    dead: bool = False
    runs: int = 0
    dropped: bool = False  # set once, under the pool's lock: a worker is dropped (closed, its cgroup and uids given back) once

    def wait_ready(self, timeout: float) -> bool:
        """Consume the worker's "ready" (it wiped the last run and forked the next run's process)."""
        if self.dead:
            return False
        if not self.ready:
            readable, _, _ = select.select([self.sock], [], [], timeout)
            try:
                msg = self.sock.recv(64) if readable else b""
            except OSError:
                msg = b""
            self.ready = msg == READY
            self.dead = not self.ready
        return self.ready

    def kill(self) -> None:
        """SIGKILL the worker (pid 1 of its namespaces: everything in them dies with it)."""
        self.dead = True
        if self.pidfd >= 0:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def alive(self) -> bool:
        """False once the worker process has exited (its pidfd turns readable)."""
        self.dead = self.dead or self.pidfd < 0 or _readable(self.pidfd)
        return not self.dead

    def close(self) -> None:
        self.sock.close()
        if self.pidfd >= 0:
            os.close(self.pidfd)
            self.pidfd = -1


class ResidentPool:
    """Resident workers of one embedded backend. `build(sock, header)` asks its fork server for one."""

    def __init__(self, build: Callable[[socket.socket, dict], None], cgroups: CgroupPool | None,
                 uids: Callable[[], int] | None, release_uid: Callable[[int], None]) -> None:
        self._build, self._cgroups = build, cgroups
        self._uids, self._release_uid = uids, release_uid
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def acquire(self) -> Worker:
        """A clean worker with its next run's process waiting: an idle one, else a new one."""
        while True:
            with self._lock:
                if self._closed:
                    raise WorkerFailed("the sandbox was closed")
                idle, self._idle = self._idle, []
            if not idle:
                return self._new()
            worker = _first_ready(idle)  # the first one done wiping its last run
            with self._lock:
                self._idle.extend(w for w in idle if w is not worker)
            if worker.wait_ready(0) and worker.alive():
                return worker
            self._drop(worker)

    def release(self, worker: Worker) -> None:
        """Take a worker back after its run was reported (it wipes itself and then says ready)."""
        worker.runs += 1
        worker.ready = False
        with self._lock:
            keep = not self._closed and not worker.dead and len(self._idle) < MAX_IDLE
            if keep:
                self._idle.append(worker)
        if not keep:
            self._drop(worker)

    def _new(self) -> Worker:
        cgroup = self._cgroups.acquire() if self._cgroups else None
        uids = [self._uids(), self._uids()] if self._uids else None
        if cgroup is not None:
            cgroup.configure(512, 64, None)  # build-time limits; every run sets its own
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._build(theirs, {"mode": "worker", "cgroups": cgroup.procs_files if cgroup else [], "uids": uids})
        finally:
            theirs.close()
        worker = Worker(ours, 0, -1, cgroup, uids)
        try:
            reply = _recv_json(ours, BUILD_TIMEOUT_S)
            if "pid" not in reply:
                raise WorkerFailed(f"the resident worker failed to start: {reply.get('setup_error', reply)}")
            worker.pid, worker.pidfd = reply["pid"], os.pidfd_open(reply["pid"])
            if not worker.wait_ready(BUILD_TIMEOUT_S):
                raise WorkerFailed("the resident worker failed to start: " +
                                   _recv_json(ours, 0).get("setup_error", "it exited while building its root"))
        except BaseException:
            self._drop(worker)
            raise
        with self._lock:
            self._all.add(worker)
        return worker

    def _drop(self, worker: Worker) -> None:
        """Close a worker for good and give its cgroup and uids back once it is gone. Idempotent: the run's
        reporting thread and `close()` may both drop the same worker, and a second close of its pidfd could
        close a descriptor that has since been reused for something else."""
        with self._lock:
            if worker.dropped:
                return
            worker.dropped = True
            self._all.discard(worker)
        worker.kill()
        if worker.pidfd >= 0:
            select.select([worker.pidfd], [], [], 5.0)  # gone (its uids are then free)
        worker.close()
        if worker.cgroup is not None:
            self._cgroups.release(worker.cgroup)  # waits until its processes have left the cgroup
        for uid in worker.uids or ():
            self._release_uid(uid)

    def workers(self) -> list[Worker]:
        with self._lock:
            return list(self._all)

    def forget(self) -> None:
        """In a forked child of the owner: let go of the parent's workers without touching them."""
        with self._lock:
            self._closed = True
            workers, self._idle, self._all = list(self._all), [], set()
        for worker in workers:
            worker.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._idle = list(self._all), []
        for worker in workers:
            self._drop(worker)


def _first_ready(workers: list[Worker]) -> Worker:
    """The most recently used worker that is ready (or has died), waiting up to READY_TIMEOUT_S."""
    done = [w for w in workers if w.ready or w.dead]
    if not done:
        readable = set(select.select([w.sock for w in workers], [], [], READY_TIMEOUT_S)[0])
        done = [w for w in workers if w.sock in readable] or workers[-1:]
    return done[-1]


def _readable(handle: socket.socket | int) -> bool:
    return bool(select.select([handle], [], [], 0)[0])


def _recv_json(sock: socket.socket, timeout: float) -> dict:
    if not select.select([sock], [], [], timeout)[0]:
        return {"setup_error": f"no answer within {timeout:g} s"}
    try:
        msg = sock.recv(1 << 16)
    except OSError as exc:
        return {"setup_error": str(exc)}
    try:
        return json.loads(msg) if msg else {"setup_error": "the worker's builder exited"}
    except ValueError:
        return {"setup_error": f"unexpected message {msg[:100]!r}"}
