"""Resident workers (docs/sandbox.md, "Resident workers"): what a run could leave for the next run on the
same worker, measured by one observer program run before and after a hostile "leaver" on the same
worker (tiers 1 and 1-fast) or the same warm container (Docker); the worker's own reachability; its
death during a run; the per-run path (`resident=False`)."""

from __future__ import annotations

import json
import os
import select
import signal
import threading
import uuid

import pytest

from envsdk_sandbox import Limits, Sandbox

from .conftest import make_sandbox, processes_named
from .test_sandbox_nonroot import account, as_user  # noqa: F401 - the throwaway user's fixture

LEAKY = ["tier1", "tier1-fast", "docker"]
LIMITS = Limits(timeout_s=20, memory_mb=256)

# Everything a run could leave behind, read back as data. Pids and clocks differ from run to run by
# nature and are left out; the process list is compared by command line.
OBSERVER = r'''
import ctypes, errno, json, os, resource, signal, socket, sys
def tree(root):
    out = []
    for base, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = os.path.join(base, name)
            st = os.lstat(path)
            out.append([path, oct(st.st_mode), st.st_uid, st.st_size])
    return out
def attrs(path):
    try:
        return sorted(os.listxattr(path))
    except OSError as exc:
        return errno.errorcode[exc.errno]
procs = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) not in (os.getpid(), 1):
        try:
            procs.append(open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace"))
        except OSError:
            procs.append("<unreadable>")
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
a, b = socket.socketpair()
try:
    a.connect(b"\0envsdk-resident-leak")
    abstract = "connected"
except OSError as exc:
    abstract = errno.errorcode.get(exc.errno, str(exc.errno))
libc = ctypes.CDLL(None, use_errno=True)
keyring = libc.syscall(250, 0, -3, 0)  # keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING)
keyring_err = errno.errorcode.get(ctypes.get_errno(), "") if keyring < 0 else "allowed"
mask = os.umask(0o22)
print(json.dumps({
    "work": tree("/work"), "tmp": tree("/tmp"), "shm": tree("/dev/shm"),
    "root_modes": [oct(os.stat(p).st_mode) for p in ("/work", "/tmp", "/dev/shm")],
    "xattrs": [attrs(p) for p in ("/work", "/tmp", "/dev/shm")],
    "procs": sorted(procs), "env": dict(os.environ), "cwd": os.getcwd(), "umask": oct(mask),
    "rlimits": {n: resource.getrlimit(getattr(resource, n)) for n in dir(resource) if n.startswith("RLIMIT_")},
    "signals": [status[k].strip() for k in ("SigIgn", "SigCgt", "SigBlk", "SigPnd", "ShdPnd")],
    "timers": [signal.getitimer(t) for t in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF)],
    "nice": os.getpriority(os.PRIO_PROCESS, 0), "hostname": socket.gethostname(),
    "abstract": abstract, "keyring": keyring_err, "oom_score_adj": open("/proc/self/oom_score_adj").read(),
    "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
}, sort_keys=True))
'''

# Leaves everything it can: files (a locked directory and a 1200-deep tree too), xattrs, modes, a
# setsid daemon holding an abstract socket name, timers, ignored and blocked signals, rlimits,
# environment, cwd, umask, nice.
LEAVER = r'''
import ctypes, os, resource, signal, socket, sys, time
TAG = sys.argv[1]
for root in ("/work", "/tmp", "/dev/shm"):
    with open(f"{root}/left-{TAG}", "w") as f:
        f.write(TAG)
os.makedirs("/work/locked/inner")
open("/work/locked/inner/f", "w").write(TAG)
os.chmod("/work/locked/inner", 0)
os.chmod("/work/locked", 0)
deep = "/tmp/deep"
for _ in range(1200):  # deeper than a recursive delete goes
    os.mkdir(deep)
    deep += "/d"
for path in ("/work", "/work/left-" + TAG):
    try:
        os.setxattr(path, "user.leak", TAG.encode())
    except OSError:
        pass
try:
    os.chmod("/work", 0o777)
except OSError:
    pass
os.environ["LEAK"] = TAG
os.chdir("/tmp")
os.umask(0)
os.nice(5)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
signal.setitimer(signal.ITIMER_REAL, 3.0, 3.0)
signal.signal(signal.SIGALRM, lambda *a: None)
a, b = socket.socketpair()
try:
    a.bind(b"\0envsdk-resident-leak")
    a.listen(1)
except OSError:
    pass
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, TAG[:15].encode(), 0, 0, 0)  # PR_SET_NAME: find it on the host
        while True:
            time.sleep(1)
    os._exit(0)
time.sleep(0.2)
print(TAG + sys.stdin.read())
'''

# Searches this process's own memory for a token given in two halves (the whole token never exists
# in this program, so only a copy inherited from an earlier run could match).
MEMORY_SCAN = r'''
import re, sys
head, tail = sys.argv[1].encode(), sys.argv[2].encode()
found = 0
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", buffering=0) as mem:
    for line in maps:
        span, perms = line.split()[:2]
        if not perms.startswith("r"):
            continue
        start, end = (int(x, 16) for x in span.split("-"))
        try:
            mem.seek(start)
            chunk = mem.read(end - start)
        except (OSError, OverflowError, ValueError):
            continue
        for m in re.finditer(re.escape(head), chunk):
            found += chunk[m.end():m.end() + len(tail)] == tail
print(found)
'''


@pytest.fixture(scope="module")
def boxes():
    """This module's own sandboxes (a shared one may hold several workers from other tests' runs)."""
    made: dict[str, Sandbox] = {}
    yield made
    for box in made.values():
        box.close()


def box_for(boxes: dict, kind: str) -> Sandbox:
    if kind not in boxes:
        boxes[kind] = make_sandbox(kind)
    return boxes[kind]


@pytest.fixture(params=LEAKY)
def any_box(request, boxes) -> Sandbox:
    return box_for(boxes, request.param)


@pytest.fixture(params=["tier1", "tier1-fast"])
def sb(request, boxes) -> Sandbox:
    """A resident tier-1 or tier-1-fast sandbox of this module's own."""
    return box_for(boxes, request.param)


def observe(sb: Sandbox) -> dict:
    res = sb.run(OBSERVER, limits=LIMITS)
    assert res.status == "ok", res.stderr[-2000:]
    return json.loads(res.stdout)


def workers(sb: Sandbox) -> list:
    pool = getattr(sb._impl, "pool", None)
    return pool.workers() if pool is not None else []


def test_a_run_finds_nothing_an_earlier_run_left_on_its_worker(any_box):
    sb = any_box
    if sb.backend == "embedded":
        assert sb.resident  # the default where it starts
    before = observe(sb)
    tag = "leak" + uuid.uuid4().hex[:10]
    left = sb.run(LEAVER, argv=[tag], stdin="-stdin", limits=LIMITS)
    assert left.status == "ok" and left.stdout == f"{tag}-stdin\n", left.stderr[-2000:]
    assert processes_named(tag[:15]) == []  # the daemon died before the run was reported
    after = observe(sb)
    assert after == before
    assert tag not in json.dumps(after)
    if sb.backend == "embedded":  # and it really was the same worker, serving again
        (worker,) = workers(sb)
        assert worker.runs >= 3


def test_a_run_cannot_find_an_earlier_runs_code_or_stdin_in_its_own_memory(sb):
    secret = uuid.uuid4().hex
    head, tail = secret[:16], secret[16:]
    first = sb.run(f"import sys\nS = {secret!r}\nprint(len(sys.stdin.read()))\n", stdin=secret * 4, limits=LIMITS)
    assert first.stdout == f"{4 * len(secret)}\n"
    (worker,) = workers(sb)
    runs = worker.runs
    res = sb.run(MEMORY_SCAN, argv=[head, tail], limits=Limits(timeout_s=60, memory_mb=512))
    assert res.status == "ok", res.stderr[-2000:]
    assert worker.runs == runs + 1 and workers(sb) == [worker]  # the same worker served it
    assert res.stdout == "0\n"
    control = sb.run(MEMORY_SCAN + f"\nS = {secret!r}\n", argv=[head, tail], limits=Limits(timeout_s=60, memory_mb=512))
    assert int(control.stdout) >= 1  # the scan does find a token that is in its own memory


WORKER_PROBE = r'''
import ctypes, errno, json, os, signal
out = {"ppid": os.getppid()}
for name in ("mem", "environ", "fd", "maps"):
    try:
        open(f"/proc/1/{name}", "rb").read(1) if name != "fd" else os.listdir("/proc/1/fd")
        out[name] = "readable"
    except OSError as exc:
        out[name] = errno.errorcode[exc.errno]
libc = ctypes.CDLL(None, use_errno=True)
out["ptrace"] = libc.ptrace(16, 1, 0, 0) == 0 or errno.errorcode[ctypes.get_errno()]  # PTRACE_ATTACH
uids = [line.split()[1:] for line in open("/proc/1/status") if line.startswith(("Uid:", "Gid:"))]
out["worker_ids"] = sorted({int(x) for ids in uids for x in ids})
for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGSTOP, signal.SIGCHLD):
    try:
        os.kill(1, sig)
        out[sig.name] = "sent"
    except OSError as exc:
        out[sig.name] = errno.errorcode[exc.errno]
print(json.dumps(out))
'''


def test_the_worker_is_out_of_the_runs_reach(sb):
    (worker,) = workers(sb) or [None]
    res = sb.run(WORKER_PROBE, limits=LIMITS)
    assert res.status == "ok", res.stderr[-2000:]
    got = json.loads(res.stdout)
    assert got["ppid"] == 1  # the worker is the run's parent (per-run namespaces: 0, see docs)
    assert {got[k] for k in ("mem", "environ", "fd", "maps")} == {"EACCES"}  # not dumpable
    assert got["ptrace"] == "EPERM"  # seccomp
    if os.geteuid() == 0:  # its own uid: signals cannot reach it at all
        assert got["worker_ids"] == [65533]
        assert {got[s] for s in ("SIGKILL", "SIGTERM", "SIGINT", "SIGSTOP", "SIGCHLD")} == {"EPERM"}
    again = sb.run("print('still here')", limits=LIMITS)  # the same worker goes on serving
    assert again.stdout == "still here\n"
    assert workers(sb) == [worker] and worker is not None


def test_a_worker_killed_during_a_run_gives_that_run_a_verdict_and_is_replaced():
    """What an OOM kill of the worker (pid 1 of its namespaces) does, by the same signal: the run in
    flight is reported, the worker's namespace is gone, the next run gets a fresh worker."""
    with Sandbox(tier="1-fast", resident=True) as sb:
        with sb.spawn("import sys\nprint('up', flush=True)\nsys.stdin.read()\n", limits=LIMITS) as proc:
            assert proc.stdout.readline() == b"up\n"
            (worker,) = workers(sb)
            os.kill(worker.pid, signal.SIGKILL)
            result = proc.wait(timeout=15)
        assert result.status == "killed"
        res = sb.run("print('next')", limits=LIMITS)
        assert res.status == "ok" and res.stdout == "next\n"
        assert worker not in workers(sb)


def test_a_worker_that_died_while_idle_costs_no_run():
    with Sandbox(tier=1, resident=True) as sb:
        (worker,) = workers(sb)
        os.kill(worker.pid, signal.SIGKILL)
        assert select.select([worker.pidfd], [], [], 10)[0]  # it is gone before the next run is asked for
        res = sb.run("print('fine')", limits=LIMITS)
        assert res.status == "ok" and res.stdout == "fine\n"
        assert worker not in workers(sb)


def test_a_run_over_its_memory_limit_is_the_one_killed_not_the_worker(sb):
    res = sb.run("x = bytearray(400 << 20)\nfor i in range(0, len(x), 4096): x[i] = 1\n",
                 limits=Limits(timeout_s=20, memory_mb=128))
    assert res.status == "memory_exceeded"
    (worker,) = workers(sb)
    runs = worker.runs
    again = sb.run("x = bytearray(100 << 20)\nfor i in range(0, len(x), 4096): x[i] = 1\nprint('ok')\n",
                   limits=Limits(timeout_s=20, memory_mb=128))
    assert again.stdout == "ok\n"  # the run gets its whole limit on top of the idle worker
    assert workers(sb) == [worker] and worker.runs == runs + 1


def test_concurrent_runs_get_their_own_workers_and_uids():
    with Sandbox(tier="1-fast") as sb:
        barrier = threading.Barrier(2)
        busy: list[int] = []

        def one() -> None:
            with sb.spawn("import sys\nprint('up', flush=True)\nsys.stdin.read()\n", limits=LIMITS) as proc:
                proc.stdout.readline()
                barrier.wait(timeout=20)  # both runs are up at once here
                busy.append(len(workers(sb)))
                barrier.wait(timeout=20)
        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert busy == [2, 2]
        if os.geteuid() == 0:  # four distinct host uids: two workers, two runs' uids
            assert len({uid for w in workers(sb) for uid in w.uids}) == 4


def test_the_per_run_path_stays_available():
    with Sandbox(tier="1-fast", resident=False) as sb:
        assert not sb.resident and sb.tier == "1-fast"
        res = sb.run("import os\nprint(os.getpid(), os.getppid())\n", limits=LIMITS)
        assert res.stdout == "1 0\n"  # the program is pid 1 of namespaces of its own


def test_resident_workers_serve_a_non_root_caller_without_leaks(account):
    """As a non-root caller the worker and its runs share the caller's uid (a single-uid user
    namespace); what a run leaves is still gone for the next one."""
    leaver = f"import sys\nsys.argv[1:] = ['leak{uuid.uuid4().hex[:10]}']\n" + LEAVER.replace("sys.stdin.read()", "''")
    limits = {"timeout_s": 20, "memory_mb": 256}
    ppid, before, left, after = as_user(account, [("import os\nprint(os.getppid())\n", limits), (OBSERVER, limits),
                                                  (leaver, limits), (OBSERVER, limits)], tier="1-fast")
    assert ppid["stdout"] == "1\n"  # served by a resident worker (per-run namespaces: 0)
    assert left["status"] == "ok", left["stderr"][-2000:]
    assert json.loads(after["stdout"]) == json.loads(before["stdout"])


def test_a_forked_caller_gets_workers_of_its_own_and_a_closed_sandbox_stays_resident():
    with Sandbox(tier="1-fast") as sb:
        parents = workers(sb)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # never returns into pytest
            try:
                res = sb.run("import os\nprint(os.getppid())\n", limits=LIMITS)
                mine = workers(sb)
                os.write(write, json.dumps([res.stdout, bool(mine) and not set(mine) & set(parents)]).encode())
            finally:
                os._exit(0)
        os.close(write)
        with os.fdopen(read) as fh:
            stdout, own_pool = json.loads(fh.read())
        os.waitpid(pid, 0)
        assert stdout == "1\n" and own_pool
        assert sb.run("print('parent')", limits=LIMITS).stdout == "parent\n" and workers(sb) == parents
        sb.close()
        res = sb.run("import os\nprint(os.getppid())\n", limits=LIMITS)  # used again after close()
        assert res.stdout == "1\n" and sb.resident


def test_every_run_is_pid_2_whatever_earlier_runs_started(sb):
    """Pid numbers would tell a run how many processes earlier runs of its worker started: the worker
    resets its namespace's last pid before each run's fork."""
    spawner = ("import os\nprint(os.getpid())\nfor _ in range(30):\n    if os.fork() == 0:\n        os._exit(0)\n"
               "    os.wait()\n")
    first, second = (sb.run(spawner, limits=LIMITS) for _ in range(2))
    assert first.stdout == second.stdout == "2\n"
    assert sb.run("import os\nprint(os.getpid())\n", limits=LIMITS).stdout == "2\n"
