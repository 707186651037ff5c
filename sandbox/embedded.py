"""The embedded backend: isolation tiers on plain Linux, no Docker, no system packages.

Tier 1: user/pid/net/ipc/uts/mount namespaces, read-only system files, private tmpfs work dir,
        seccomp, cgroup limits, rlimits.  Tier 2 (namespaces refused): seccomp + Landlock + uid drop +
        rlimits + cgroups where writable.  Tier 3: no isolation (rlimits and tree kill only), opt-in.
A "-fast" tier runs the program inside a forked copy of the warm server instead of a fresh python.
"""

from __future__ import annotations

import json
import marshal
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from ._cgroups import Cgroup, CgroupPool
from ._view import View, ViewError, interpreter_view, reachable_by_others
from .backend import BackendOptions
from .models import Limits
from .process import SandboxProcess
from .resident import ResidentPool, Worker, WorkerFailed

SERVER_SCRIPT = Path(__file__).with_name("_zygote.py")
NOBODY = 65534
PRIVATE_DIRS = ("/tmp/", "/work/", "/dev/", "/proc/")
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}


# What tier 2 cannot do, said in its warning and in docs/sandbox.md's tier table.
TIER2_LIMITS = ("seccomp + Landlock + uid drop; shared kernel view: no private pid, network, IPC or mount "
                "namespace; where no mount namespace is allowed /work's size is watched rather than capped by "
                "a tmpfs; as a non-root caller the program keeps your uid and groups (files outside the view "
                "stay unreadable, sockets cannot be opened)")


class SandboxUnavailable(RuntimeError):
    """No tier of the requested strength works on this machine (the message says why)."""


class ForkServer:
    """Owns one `_zygote.py` process and launches runs through it."""

    def __init__(self, tier: int, python: str, view: View, bpf: bytes, uid: int | None) -> None:
        self.tier, self.python, self.uid = tier, python, uid
        shadowed = [p for p, _, _ in view.entries if tier == 1 and p.startswith(PRIVATE_DIRS)]
        if shadowed:
            raise SandboxUnavailable(f"{shadowed[0]} lies under a directory the sandbox replaces with a "
                                     "private one (/tmp, /work, /dev, /proc); install the interpreter "
                                     "elsewhere or pass python=")
        self.workroot = None
        if tier != 1:
            self.workroot = tempfile.mkdtemp(prefix="envsdk-sandbox-")
            os.chmod(self.workroot, 0o711)  # each run's own uid reaches only its own 0700 dir inside
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": BASE_ENV["PATH"], "LANG": "C.UTF-8"}  # nothing of the caller's environment
        self.proc = subprocess.Popen(
            [python, "-E", "-s", "-S", str(SERVER_SCRIPT), str(theirs.fileno())], pass_fds=[theirs.fileno()],
            env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.sock = ours
        config = {"tier": tier, "uid": uid, "gid": uid, "python": python, "bpf": bpf.hex(),
                  "view": view.to_config(), "sys_path": view.sys_path, "workroot": self.workroot}
        ours.send(json.dumps(config).encode())
        reply = ours.recv(1 << 16)
        if not reply:
            self.close()
            raise SandboxUnavailable(f"the sandbox fork server failed to start (python {python})")
        self.info = json.loads(reply)
        self.owner = os.getpid()
        if "error" in self.info:
            self.close()
            raise SandboxUnavailable(f"the sandbox fork server failed to start: {self.info['error']}")

    def launch(self, header: dict, payload: dict) -> tuple[int, int, int, socket.socket]:
        """Start one run; returns our ends (stdin_w, stdout_r, stderr_r, ctl)."""
        return launch(self.sock, header, payload)

    def build_worker(self, theirs: socket.socket, header: dict) -> None:
        """Ask the server to build a resident worker whose channel is `theirs` (see resident.py)."""
        socket.send_fds(self.sock, [json.dumps(header).encode()], [theirs.fileno()])

    def alive(self) -> bool:
        return self.proc.poll() is None and self.owner == os.getpid()

    def close(self) -> None:
        self.sock.close()
        if self.owner != os.getpid():
            return  # inherited through fork(): the server belongs to the parent process
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.workroot:
            shutil.rmtree(self.workroot, ignore_errors=True)


def launch(sock: socket.socket, header: dict, payload: dict,
           data_channel: bool = False) -> tuple[int, int, int, socket.socket]:
    """Send one run's header and pipes to whoever starts it (the fork server or a resident worker), then
    its payload on the run's own control socket, or with `data_channel` on a socket of its own (a
    resident worker hands that to the run's process and never reads the payload itself); returns our
    ends (stdin_w, stdout_r, stderr_r, ctl)."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ctl, ctl_theirs = socket.socketpair()
    data, data_theirs = socket.socketpair() if data_channel else (ctl, None)
    theirs = [in_r, out_w, err_w, ctl_theirs.fileno()] + ([data_theirs.fileno()] if data_theirs else [])
    try:
        socket.send_fds(sock, [json.dumps(header).encode()], theirs)
    except OSError:
        for fd in (in_w, out_r, err_r):
            os.close(fd)
        ctl.close()
        data.close()
        raise
    finally:
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        ctl_theirs.close()
        if data_theirs:
            data_theirs.close()
    blob = marshal.dumps(payload)
    try:
        data.sendall(struct.pack("!Q", len(blob)) + blob)
    except OSError:
        pass  # the supervisor died early; its report (or EOF) says why
    if data is not ctl:
        data.close()
    return in_w, out_r, err_r, ctl


class RunUids:
    """Distinct host uids for concurrent runs (root callers): the kernel's per-user quotas (inotify
    instances, processes, keys, pending signals) and signal permission are then per run, not shared
    by every run. A uid goes back to the pool when its run has ended and its cgroup is empty."""

    BASE = 1_000_000_000  # far above login uids and the usual subordinate-uid ranges

    def __init__(self) -> None:
        self._free: list[int] = []
        self._next = self.BASE + (os.getpid() % 200_000) * 10_000  # other processes' backends: other ranges
        self._lock = threading.Lock()

    def acquire(self) -> int:
        with self._lock:
            if self._free:
                return self._free.pop()
            self._next += 1
            return self._next

    def release(self, uid: int) -> None:
        with self._lock:
            self._free.append(uid)


RUN_UIDS = RunUids()  # one pool per process: concurrent backends in it never hand out the same uid


def _rlimits(limits: Limits, cgroup: Cgroup | None) -> dict[str, tuple[int, int]]:
    """(soft, hard) pairs; CPU gets SIGXCPU at the soft limit (reported as a timeout), SIGKILL 1 s later."""
    cpu = math.ceil(limits.cpu_s or limits.timeout_s) + (0 if limits.cpu_s else 1)
    fsize = min(limits.file_size_mb, limits.tmpfs_mb) << 20  # tier 2's watched work dir: no file past the cap
    out = {"CPU": (cpu, cpu + 1), "FSIZE": (fsize, fsize), "NOFILE": (256, 256), "CORE": (0, 0)}
    if cgroup is None:  # fallbacks: AS breaks many-threaded programs, NPROC is per uid (see docs)
        address_space = (limits.memory_mb + 256) << 20
        out.update(AS=(address_space, address_space), NPROC=(limits.pids, limits.pids))
    return out


def default_python() -> str:
    """The caller's interpreter, or its base interpreter when the caller's lies under a directory the
    sandbox makes private (e.g. a venv in /tmp): sandboxed programs then get the stdlib only."""
    for candidate in (sys.executable, os.path.realpath(sys.executable), getattr(sys, "_base_executable", "")):
        if candidate and os.path.exists(candidate) and not candidate.startswith(PRIVATE_DIRS):
            return candidate
    return sys.executable


def system_python(avoid: str) -> str | None:
    """A python3 on BASE_ENV's PATH that tier 2's per-run uid can execute (not `avoid`), the caller's
    own major.minor first (so that the stdlib behaves the same)."""
    names = (f"python{sys.version_info.major}.{sys.version_info.minor}", "python3")
    for name in names:
        for directory in BASE_ENV["PATH"].split(":"):
            candidate = os.path.join(directory, name)
            if (os.path.isfile(candidate) and os.path.realpath(candidate) != os.path.realpath(avoid)
                    and reachable_by_others(candidate)):
                return candidate
    return None


class EmbeddedBackend:
    """Picks and probes a tier, then runs programs through a warm fork server."""

    name = "embedded"

    def __init__(self, tier: int | None = None, fast: bool = False, python: str | None = None,
                 name: str = "embedded", packages: list[str] | str = (), resident: bool | None = None) -> None:
        self.name = name
        self.resident_wanted = resident
        self.pool: ResidentPool | None = None
        self.resident = False  # runs are served by resident workers (decided by the probe)
        self.python_given = python is not None
        self.python = python or default_python()
        self.fast = fast
        self.packages = packages
        try:
            self.view = self._view(self.python)
        except ViewError as exc:
            raise SandboxUnavailable(str(exc)) from None
        self.uid = NOBODY if os.geteuid() == 0 else None
        self.uids = RUN_UIDS
        self._lock = threading.Lock()
        self.cgroups, self.cgroup_note = CgroupPool.detect()
        if self.cgroups is None:
            warnings.warn(f"envsdk sandbox: cgroup limits unsupported here ({self.cgroup_note}); memory "
                          "falls back to RLIMIT_AS and pids to RLIMIT_NPROC", RuntimeWarning, stacklevel=3)
        self.bpf, self.seccomp_note = _compile_seccomp()
        self.server: ForkServer | None = None
        self.tier_num = self._select(tier)
        self.tier = f"{self.tier_num}-fast" if fast else str(self.tier_num)

    def _view(self, python: str) -> View:
        packages = self.packages
        return interpreter_view(python, [] if packages == "all" else list(packages), all_packages=packages == "all")

    def _select(self, tier: int | None) -> int:
        wanted = [tier] if tier is not None else [1, 2]
        errors = []
        for t in wanted:
            try:
                swapped = self._reachable_python() if t == 2 else ""
            except SandboxUnavailable as exc:
                errors.append(f"tier {t}: {exc}")
                continue
            problem = self._start(t)
            if problem is None:
                if t == 2 and tier is None:
                    warnings.warn("envsdk sandbox: " + errors[0] + "; running at WEAK tier 2 (" + TIER2_LIMITS +
                                  ")" + swapped + ". See docs/sandbox.md.", RuntimeWarning, stacklevel=4)
                elif swapped:
                    warnings.warn("envsdk sandbox: tier 2 runs" + swapped + ".", RuntimeWarning, stacklevel=4)
                return t
            errors.append(f"tier {t}: {problem}")
        raise SandboxUnavailable("no embedded sandbox tier works here: " + "; ".join(errors) +
                                 ". Use backend='docker', or tier=3 to run WITHOUT isolation.")

    def _reachable_python(self) -> str:
        """As root, tier 2 runs each program as an unprivileged per-run uid, which must be able to execute
        the interpreter. When python= was not given and the default one is out of its reach (pyenv under
        a 0700 /root), switch to a system python3 it can reach, with that interpreter's own view (the
        declared packages must be installed for it: never run without them). Returns the warning's
        clause naming the switch ("" when none); raises SandboxUnavailable when no interpreter fits."""
        if self.python_given or self.uid is None or reachable_by_others(self.python):
            return ""
        default, why = self.python, "a parent directory is not searchable by the per-run uid"
        substitute = system_python(avoid=default)
        if substitute is None:
            raise SandboxUnavailable(f"cannot run {default} ({why}) and no python3 on {BASE_ENV['PATH']} is "
                                     "reachable either; pass python= an interpreter every user can execute")
        try:
            view = self._view(substitute)
        except ViewError as exc:
            raise SandboxUnavailable(f"cannot run {default} ({why}), and the reachable {substitute} does not "
                                     f"fit: {exc}; install them for it or pass python=") from None
        self.python, self.view = substitute, view
        packages = ("packages='all' shows its installed packages, not yours" if self.packages == "all" else
                    "the declared packages are its own installs, whose versions may differ from yours"
                    if self.packages else "stdlib only")
        return f" with {substitute} (Python {view.version}) instead of {default} ({why}; {packages})"

    def _start(self, tier: int) -> str | None:
        """Start a server at `tier` and probe it with a trivial program; return the problem or None."""
        if tier in (1, 2) and not self.bpf:
            return f"seccomp unavailable ({self.seccomp_note})"
        try:
            server = self._server(tier)
        except (OSError, SandboxUnavailable) as exc:
            return str(exc)
        if tier == 2 and server.info.get("landlock_abi", 0) < 1:
            server.close()
            return "Landlock unavailable (kernel < 5.13 or disabled)"
        self.server, self.tier_num = server, tier
        self.tier = f"{tier}-fast" if self.fast else str(tier)
        if tier == 1 and self.resident_wanted is not False:
            problem = self._probe(resident=True)
            if problem is None or self.resident_wanted:
                return problem
            fallback = self._probe(resident=False)
            if fallback is None:  # only the resident workers fail here: say so, run per-run namespaces
                warnings.warn(f"envsdk sandbox: resident workers unavailable ({problem}); every run builds "
                              "its own namespaces (slower). See docs/sandbox.md.", RuntimeWarning, stacklevel=4)
            return fallback
        return self._probe(resident=False)

    def _probe(self, resident: bool) -> str | None:
        """Run a trivial program (through resident workers or not); the problem, or None."""
        self.resident = resident
        if resident:
            self.pool = self._new_pool()
        try:
            probe = self.spawn("print('ok')", limits=Limits(timeout_s=20), capture_stdout=True).communicate(b"")
        except (OSError, WorkerFailed) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            if probe.status == "ok" and probe.stdout == "ok\n":
                return None
            problem = f"probe run ended {probe.status}: " + (probe.stderr.strip().splitlines() or [""])[-1]
        self.resident = False
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if not resident:
            self.server.close()
            self.server = None
        return problem

    def _new_pool(self) -> ResidentPool:
        return ResidentPool(lambda theirs, header: self.server.build_worker(theirs, header), self.cgroups,
                            self.uids.acquire if self.uid is not None else None, self.uids.release)

    def _server(self, tier: int) -> ForkServer:
        confined = tier != 3
        return ForkServer(tier, self.python, self.view, self.bpf if confined else b"", self.uid if confined else None)

    def spawn(self, code: str | bytes, *, files: dict[str, bytes | str] | None = None,
              limits: Limits | None = None, argv: list[str] | None = None,
              capture_stdout: bool = False) -> SandboxProcess:
        limits = limits or Limits()
        with self._lock:
            if self.server is None or not self.server.alive():
                if self.server is not None:
                    self.server.close()
                self.server = self._server(self.tier_num)
                if self.resident:  # a forked caller (the parent's workers are not ours), or after close()
                    if self.pool is not None:
                        self.pool.forget()
                    self.pool = self._new_pool()
            server, pool = self.server, self.pool
        if pool is not None:
            return self._spawn_resident(pool, code, files, limits, argv, capture_stdout)
        run_uid = self.uids.acquire() if server.uid is not None else None
        cgroup = self.cgroups.acquire() if self.cgroups else None
        if cgroup is not None:
            cgroup.configure(limits.memory_mb, limits.pids, run_uid)
        header = {"mode": "fast" if self.fast else "exec", "timeout": limits.timeout_s,
                  "tmpfs_mb": limits.tmpfs_mb, "rlimits": _rlimits(limits, cgroup),
                  "env": self._env(cgroup is not None),
                  "cgroups": cgroup.procs_files if cgroup else [], "run_uid": run_uid}
        payload = {"code": _bytes(code), "argv": list(argv or []),
                   "files": {name: _bytes(data) for name, data in (files or {}).items()}}
        stdin_w, stdout_r, stderr_r, ctl = server.launch(header, payload)
        return SandboxProcess(stdin_w=stdin_w, stdout_r=stdout_r, stderr_r=stderr_r, ctl=ctl, limits=limits,
                              backend=self.name, tier=self.tier, capture_stdout=capture_stdout,
                              on_exit=lambda: self._release(cgroup, run_uid), fallback_kill=self._kill_pid)

    def _spawn_resident(self, pool: ResidentPool, code: str | bytes, files: dict[str, bytes | str] | None,
                        limits: Limits, argv: list[str] | None, capture_stdout: bool) -> SandboxProcess:
        """One run on a resident worker: reset its cgroup to this run's limits, hand it the run."""
        header = {"mode": "fast" if self.fast else "exec", "timeout": limits.timeout_s,
                  "tmpfs_mb": limits.tmpfs_mb, "env": self._env(self.cgroups is not None)}
        payload = {"code": _bytes(code), "argv": list(argv or []),
                   "files": {name: _bytes(data) for name, data in (files or {}).items()}}
        for attempt in range(3):  # a worker that died while idle is replaced, never reported as a run
            worker = pool.acquire()
            if worker.cgroup is not None:  # the idle worker's own usage rides on top of the run's limit
                worker.cgroup.configure(limits.memory_mb, limits.pids, None, extra_bytes=worker.cgroup.anon_bytes())
            header["rlimits"] = _rlimits(limits, worker.cgroup)
            try:
                stdin_w, stdout_r, stderr_r, ctl = launch(worker.sock, header, payload, data_channel=True)
            except OSError:
                worker.dead = True
                pool.release(worker)
                if attempt == 2:
                    raise
                continue
            return SandboxProcess(stdin_w=stdin_w, stdout_r=stdout_r, stderr_r=stderr_r, ctl=ctl, limits=limits,
                                  backend=self.name, tier=self.tier, capture_stdout=capture_stdout,
                                  on_exit=lambda: _finish_resident(pool, worker),
                                  fallback_kill=lambda _pid: worker.kill())
        raise AssertionError("unreachable")

    @staticmethod
    def _env(cgroups: bool) -> dict[str, str]:
        env = dict(BASE_ENV, HOME="/work", TMPDIR="/tmp")
        if not cgroups:
            env["MALLOC_ARENA_MAX"] = "2"
        return env

    def _release(self, cgroup: Cgroup | None, run_uid: int | None) -> bool:
        if run_uid is not None:
            self.uids.release(run_uid)
        if cgroup is None:
            return False
        oom = cgroup.oom_killed()
        self.cgroups.release(cgroup)
        return oom

    @staticmethod
    def _kill_pid(pid: int | None) -> None:
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        with self._lock:
            if self.pool is not None:
                self.pool.close()
                self.pool = None
            if self.server is not None:
                self.server.close()
                self.server = None
        if self.cgroups is not None:
            self.cgroups.close()


def _finish_resident(pool: ResidentPool, worker: Worker) -> bool:
    """A resident run was reported: whether its cgroup saw an OOM kill; the worker goes back to the pool."""
    oom = worker.cgroup is not None and worker.cgroup.oom_killed()
    pool.release(worker)
    return oom


def _compile_seccomp() -> tuple[bytes, str]:
    from ._seccomp import compile_filter

    try:
        return compile_filter(), "libseccomp"
    except (ImportError, OSError, RuntimeError) as exc:
        return b"", f"{type(exc).__name__}: {exc} (pip install pyseccomp; needs libseccomp2)"


def _bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)


def make_embedded(options: BackendOptions) -> EmbeddedBackend:
    """The `embedded` backend: tiers 1 and 2 (and 3 on request)."""
    if options.tier not in (None, 1, 2, 3):
        raise ValueError(f"unknown tier {options.tier!r}: expected 1, 2, 3 (optionally '-fast') or None")
    return EmbeddedBackend(tier=options.tier, fast=options.fast, python=options.python, packages=options.packages,
                           resident=options.resident)


def make_unisolated(options: BackendOptions) -> EmbeddedBackend:
    """The `none` backend: tier 3, no isolation (explicit opt-in)."""
    return EmbeddedBackend(tier=3, fast=options.fast, python=options.python, name="none", packages=options.packages)
