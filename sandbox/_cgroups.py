"""Per-run cgroups (memory, pids, CPU) from a reusable pool: creating and removing memcg directories
per run costs more than the namespaces themselves. cgroup v1 and v2 (root-level subtree) are handled;
anything else is reported as unsupported so the caller can say so loudly."""

from __future__ import annotations

import itertools
import os
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
BASE_NAME = "envsdk-sandbox"
V1_CONTROLLERS = ("memory", "pids", "cpu")
# cgroup v1 CPU: each run's cgroup sits at the top of the cpu hierarchy, so under contention it weighs
# what one unconfined task weighs; under a shared parent, all runs together would weigh one task.
CPU_PREFIX = f"{BASE_NAME}-"
_names = itertools.count()


def read_oom_kills(path: Path) -> int | None:
    """The `oom_kill` counter of a v1 memory.oom_control or v2 memory.events file; None when the file
    is unreadable or has no such counter."""
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
    except OSError:
        pass
    return None


@dataclass
class Cgroup:
    """One run's cgroup (one directory per v1 controller, or one v2 directory)."""

    dirs: list[Path]
    version: int
    _oom_before: int = 0

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def configure(self, memory_mb: int, pids: int, uid: int | None, extra_bytes: int = 0) -> None:
        """Set one run's limits and reset the counters; `extra_bytes` on top of the memory limit is what
        a resident worker already uses while idle (so the run itself gets `memory_mb`)."""
        mem = (memory_mb << 20) + extra_bytes
        if self.version == 1:
            memory, pid_dir, cpu = self.dirs
            _write(memory / "memory.limit_in_bytes", -1)  # lowering below usage fails; reset first
            _write(memory / "memory.limit_in_bytes", mem)
            _write(memory / "memory.failcnt", 0)
            _write(memory / "memory.max_usage_in_bytes", 0)
            _write(pid_dir / "pids.max", pids)
            _write(cpu / "cpu.cfs_period_us", 100000)
            _write(cpu / "cpu.cfs_quota_us", 100000)  # one core per run
        else:
            (d,) = self.dirs
            _write(d / "memory.max", mem)
            _try_write(d / "memory.swap.max", 0)
            _write(d / "pids.max", pids)
            _try_write(d / "cpu.max", "100000 100000")
        if uid is not None:
            for procs in self.procs_files:
                os.chown(procs, uid, -1)
        self._oom_before = self.oom_kills()

    def anon_bytes(self) -> int:
        """Anonymous memory charged to the cgroup now (what its processes hold; page cache left out,
        since the kernel reclaims it before it counts against a run)."""
        key = "total_rss" if self.version == 1 else "anon"
        for line in (self.dirs[0] / "memory.stat").read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
        return 0

    def oom_kills(self) -> int:
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        return read_oom_kills(self.dirs[0] / name) or 0

    def oom_killed(self) -> bool:
        return self.oom_kills() > self._oom_before

    def pids(self) -> list[int]:
        return [int(p) for p in Path(self.procs_files[0]).read_text().split()]

    def kill_all(self) -> None:
        """SIGKILL every process still in the cgroup (a safety net; supervisors normally leave none)."""
        if self.version == 2 and (self.dirs[0] / "cgroup.kill").exists():
            _write(self.dirs[0] / "cgroup.kill", 1)
            return
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@dataclass
class CgroupPool:
    """Hands out empty, reusable cgroups under one base directory per controller."""

    bases: list[Path]
    version: int
    _free: list[Cgroup] = field(default_factory=list)
    _all: list[Cgroup] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def detect(cls) -> tuple["CgroupPool | None", str]:
        """Return a pool, or None and the reason cgroup limits are unavailable."""
        try:
            if (ROOT / "cgroup.controllers").exists():
                return cls._v2(), "cgroup v2"
            if all((ROOT / c / "cgroup.procs").exists() for c in V1_CONTROLLERS):
                bases = [ROOT / c / BASE_NAME for c in V1_CONTROLLERS[:2]]
                for b in bases:
                    b.mkdir(exist_ok=True)
                    _remove_orphans(b)
                    _probe_writable(b)
                _remove_orphans(ROOT / "cpu", CPU_PREFIX)
                _probe_writable(ROOT / "cpu", CPU_PREFIX)
                return cls(bases + [ROOT / "cpu"], 1), "cgroup v1"
            return None, "no cgroup v1 memory/pids/cpu hierarchy and no cgroup v2 mount"
        except OSError as exc:
            return None, f"cgroups not writable ({exc.strerror}); run as root or delegate a cgroup"

    @classmethod
    def _v2(cls) -> "CgroupPool":
        wanted = {"memory", "pids", "cpu"}
        if not wanted <= set((ROOT / "cgroup.controllers").read_text().split()):
            raise OSError(95, "the cgroup v2 root lacks the memory/pids/cpu controllers")
        base = ROOT / BASE_NAME
        base.mkdir(exist_ok=True)
        _remove_orphans(base)
        _probe_writable(base)
        for ctrl in wanted:
            _try_write(ROOT / "cgroup.subtree_control", f"+{ctrl}")
        _write(base / "cgroup.subtree_control", " ".join(f"+{c}" for c in sorted(wanted)))
        return cls([base], 2)

    def place_server(self, pid: int, uid: int | None) -> None:
        """v2 only lets a process move between cgroups it can write the common ancestor of, so the
        fork server lives in a leaf under our base and the base's cgroup.procs is given to its uid."""
        if self.version != 2:
            return
        leaf = self.bases[0] / f"server-{os.getpid()}-{pid}"
        leaf.mkdir(exist_ok=True)
        _write(leaf / "cgroup.procs", pid)
        self._all.append(Cgroup([leaf], 2))
        if uid is not None:
            os.chown(self.bases[0] / "cgroup.procs", uid, -1)
            os.chown(leaf / "cgroup.procs", uid, -1)

    def acquire(self) -> Cgroup:
        with self._lock:
            if self._free:
                return self._free.pop()
            name = f"run-{os.getpid()}-{next(_names)}"
            dirs = [b / name for b in self.bases]
            if self.version == 1:  # a run's CPU weight is one task's, beside the host's own tasks
                dirs[-1] = self.bases[-1] / (CPU_PREFIX + name)
            cg = Cgroup(dirs, self.version)
            self._all.append(cg)
        for d in cg.dirs:
            d.mkdir(exist_ok=True)
        return cg

    def release(self, cg: Cgroup) -> None:
        """Return a cgroup once its processes are gone (kill stragglers first); one that `close()`
        already removed is dropped."""
        for _ in range(1000):
            try:
                if not cg.pids():
                    with self._lock:
                        if cg in self._all:
                            self._free.append(cg)
                    return
                cg.kill_all()
            except OSError:  # removed by close() while its run was ending
                return
            threading.Event().wait(0.001)
        # still busy after a second: leave it out of the pool; close() retries removal

    def close(self) -> None:
        """Kill what is left in every cgroup of the pool, wait for it to go, and remove the cgroups."""
        with self._lock:
            groups, self._all, self._free = self._all, [], []
        for cg in groups:
            for _ in range(1000):  # a killed process leaves its cgroup only once the kernel reaped it
                try:
                    if not cg.pids():
                        break
                    cg.kill_all()
                except OSError:
                    break
                threading.Event().wait(0.002)
            for d in cg.dirs:
                try:
                    d.rmdir()
                except OSError:
                    pass


def _remove_orphans(base: Path, prefix: str = "") -> None:
    """rmdir the empty cgroups (named `prefix`run-PID-N) of processes that exited without closing their pool."""
    for d in base.iterdir():
        name = d.name.removeprefix(prefix) if d.name.startswith(prefix) else ""
        owner = name.split("-")[1] if name.count("-") >= 2 else ""
        if d.is_dir() and owner.isdigit() and not Path(f"/proc/{owner}").exists():
            try:
                d.rmdir()
            except OSError:
                pass  # still has processes, or not ours to remove


def _probe_writable(base: Path, prefix: str = "") -> None:
    """Raise OSError unless we may create (and remove) cgroups under `base`."""
    probe = base / f"{prefix}probe-{os.getpid()}-{next(_names)}"
    probe.mkdir()
    probe.rmdir()


def _write(path: Path, value: object) -> None:
    path.write_text(str(value))


def _try_write(path: Path, value: object) -> None:
    try:
        _write(path, value)
    except OSError:
        pass
