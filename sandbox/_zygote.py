"""Fork server that runs every sandboxed program (run as a script, stdlib + _linux.py only).

It starts with a minimal environment, opens O_PATH handles to the read-only system paths, drops to
the sandbox uid and then only ever receives small run headers: code, files and stdin reach the
per-run child through that run's own control socket, so the server never holds any run's data.

Process tree of one run (tier 1):  server -> supervisor (host pid ns, enforces the wall clock)
  -> program, as pid 1 of fresh user/pid/net/ipc/uts/mount namespaces (it builds the root first).
Tier 2/3: server -> supervisor (child subreaper, kills every descendant) -> program.
"""

from __future__ import annotations

import atexit
import gc
import json
import marshal
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _linux as L  # noqa: E402

NS_FLAGS = L.CLONE_NEWUSER | L.CLONE_NEWNS | L.CLONE_NEWPID | L.CLONE_NEWNET | L.CLONE_NEWIPC | L.CLONE_NEWUTS
SANDBOX_ID = 65534  # uid/gid the program sees inside the user namespace
STAGE = "/tmp"  # host directory the new root is mounted over (inside the private mount namespace)
DEVICES = ("null", "zero", "full", "random", "urandom")
PASSWD = "root:x:0:0:root:/:/bin/false\nnobody:x:65534:65534:nobody:/work:/bin/false\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
DISK_POLL_S = 0.05  # tier 2 without a tmpfs: how often the work dir's size is checked
MAX_WATCHED_ENTRIES = 20000  # more files than this in a watched work dir counts as over the cap
# Stdlib modules imported once by the server so that fast-path runs (forked from it) do not pay for them
# at every run: what HumanEval-style programs and the code verifier's drivers import (typing alone is
# ~4 ms of CPU per run). Each run gets its own copy-on-write copy, so nothing a run does to them reaches
# another run; none of them holds secrets or per-process state a fork would wrongly share.
PRELOAD = ("typing", "re", "collections", "math", "base64", "string", "heapq", "bisect", "itertools",
           "functools", "ast", "fractions", "decimal", "statistics", "operator", "copy")


class Server:
    """Holds the immutable configuration and the path handles; forks one supervisor per run."""

    def __init__(self, sock: socket.socket, config: dict) -> None:
        self.sock = sock
        self.cfg = config
        self.tier = config["tier"]
        view = config["view"]
        self.hidden, self.shown = view["hidden"], view["shown"]
        self.paths = []  # (path, "link", target) | (path, "dir"|"file", O_PATH fd)
        for path, kind, target in view["entries"]:
            if kind == "link":
                self.paths.append((path, "link", target))
            elif os.path.exists(path):
                self.paths.append((path, kind, os.open(path, os.O_PATH | os.O_CLOEXEC)))
        self.dev_fds = {d: os.open(f"/dev/{d}", os.O_PATH | os.O_CLOEXEC) for d in DEVICES}
        self.landlock = landlock_rules(self) if self.tier == 2 else []

    def drop_privileges(self, uid: int | None) -> None:
        """Become the run's own unprivileged uid and gid, with no supplementary groups (root only)."""
        if uid is None or self.cfg.get("uid") is None or os.geteuid() != 0:
            return
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    def serve(self) -> None:
        signal.signal(signal.SIGCHLD, _reap)
        # Everything imported so far is shared with every fork: keep the collector off those pages
        # (fewer copy-on-write faults per run).
        gc.freeze()
        while True:
            try:
                msg, fds, _, _ = socket.recv_fds(self.sock, 1 << 16, 4)
            except InterruptedError:
                continue
            if not msg:
                return  # the owning process has gone
            header = json.loads(msg)
            if os.fork() == 0:
                try:
                    if header.get("mode") == "worker":  # a resident worker (see _resident_worker.py)
                        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                        self.sock.close()
                        import _resident_worker

                        _resident_worker.build(self, header, fds)
                    else:
                        Supervisor(self, header, fds).main()
                finally:
                    os._exit(0)
            for fd in fds:
                os.close(fd)
            del msg, header


def _reap(_signum, _frame) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _send(ctl: socket.socket, **msg) -> None:
    try:
        ctl.sendall(json.dumps(msg).encode() + b"\n")
    except OSError:
        pass


def _recv_exact(ctl: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = ctl.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("control socket closed while reading the payload")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


class Supervisor:
    """One run: receives its payload, builds the isolation, enforces the wall clock, reports."""

    def __init__(self, server: Server, header: dict, fds: list[int]) -> None:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        server.sock.close()
        self.srv = server
        self.hdr = header
        self.uid = header.get("run_uid")  # this run's own uid (root callers only; None otherwise)
        self.stdin, self.stdout, self.stderr = fds[:3]
        self.ctl = socket.socket(fileno=fds[3])
        self.payload: dict = {}

    def main(self) -> None:
        try:
            for procs in self.hdr["cgroups"]:
                with open(procs, "w") as f:
                    f.write(str(os.getpid()))
            _send(self.ctl, pid=os.getpid())
            (size,) = struct.unpack("!Q", _recv_exact(self.ctl, 8))
            self.payload = marshal.loads(_recv_exact(self.ctl, size))
            if self.srv.tier == 1:
                self.run_namespaced()
            else:
                self.run_confined()
        except Exception as exc:  # report any set-up failure instead of dying silently
            _send(self.ctl, setup_error=f"{type(exc).__name__}: {exc}")

    # -- tier 1 -------------------------------------------------------------------------
    def run_namespaced(self) -> None:
        # As root, host paths such as a 0700 /root holding the interpreter are only reachable before
        # the uid drop, so the server builds the static root once in its own mount namespace; each
        # run copies it, adds its tmpfs, and the namespaces created next copy that (locked).
        # Unprivileged callers build the whole root inside their user namespace, per run.
        privileged = os.geteuid() == 0
        if privileged:  # the server already holds the static root in its own mount namespace
            L.unshare(L.CLONE_NEWNS)
            mount_run_dirs(self, STAGE)
            self.srv.drop_privileges(self.uid)
        L.prctl(L.PR_SET_DUMPABLE, 1)  # else /proc/self/*_map belong to root and cannot be written
        outer_uid, outer_gid = os.getuid(), os.getgid()
        L.unshare(NS_FLAGS)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{SANDBOX_ID} {outer_uid} 1")
        _write("/proc/self/gid_map", f"{SANDBOX_ID} {outer_gid} 1")
        pid = os.fork()
        if pid == 0:
            try:
                Init(self, build=not privileged).main()
            except Exception as exc:
                _send(self.ctl, setup_error=f"{type(exc).__name__}: {exc}")
            os._exit(0)
        self.watch(pid, sweep=False)

    # -- tiers 2 and 3 --------------------------------------------------------------------
    def run_confined(self) -> None:
        L.prctl(L.PR_SET_CHILD_SUBREAPER, 1)
        work = os.path.join(self.srv.cfg["workroot"], f"run-{os.getpid()}-{time.monotonic_ns()}")
        os.mkdir(work, 0o700)
        capped = self.srv.tier == 2 and private_tmpfs(work, self.hdr["tmpfs_mb"])
        try:
            write_files(work, self.payload, owner=self.uid)
            os.mkdir(os.path.join(work, ".tmp"))
            if self.uid is not None and os.geteuid() == 0:
                for path in (work, os.path.join(work, ".tmp")):
                    os.chown(path, self.uid, self.uid)
            pid = os.fork()
            if pid == 0:
                self.exec_program(work, landlock_work=work if self.srv.tier == 2 else None)
            watched = self.srv.tier == 2 and not capped
            self.watch(pid, sweep=True, disk=(work, self.hdr["tmpfs_mb"] << 20) if watched else None)
        finally:
            if capped:
                L.umount_detach(work)
            _rmtree(work)

    def watch(self, pid: int, sweep: bool, disk: tuple[str, int] | None = None) -> None:
        """Wait for `pid`, the parent's kill request or the deadline; afterwards nothing survives.
        `disk` = (work dir, bytes): where no tmpfs caps the work dir, its size is checked every
        DISK_POLL_S and the run is killed once it is over."""
        for fd in (self.stdin, self.stdout, self.stderr):  # only the program holds its pipes
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        deadline = time.monotonic() + self.hdr["timeout"]
        reason = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                reason = "timeout"
                break
            ready, _, _ = select.select([pidfd, self.ctl], [], [], min(left, DISK_POLL_S) if disk else left)
            if pidfd in ready:
                break
            if self.ctl in ready and self.ctl.recv(64)[-1:] in (b"", b"K"):
                reason = "killed"
                break
            if disk and not _fits(*disk):
                reason = "disk"
                break
        if reason:
            os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        if sweep:
            kill_descendants()
        if reason:
            _send(self.ctl, reason=reason)
        else:
            # RLIMIT_CPU's SIGXCPU is ignored by a namespace's pid 1, which then gets SIGKILL: say so.
            cpu_limit = self.hdr["rlimits"]["CPU"][0]
            _send(self.ctl, exit=os.waitstatus_to_exitcode(status),
                  cpu_exceeded=usage.ru_utime + usage.ru_stime >= cpu_limit - 0.05)

    def exec_program(self, work: str, landlock_work: str | None) -> None:
        """Final child: limits, confinement, then the program itself (never returns)."""
        try:
            os.setsid()
            os.chdir(work)
            if landlock_work is not None:  # before RLIMIT_NOFILE: the view's rules hold many fds
                self.confine_landlock(landlock_work)
            for name, (soft, hard) in self.hdr["rlimits"].items():
                resource.setrlimit(getattr(resource, "RLIMIT_" + name), (soft, hard))
            if self.srv.tier == 1:
                L.prctl(L.PR_SET_NO_NEW_PRIVS, 1)
                L.drop_capabilities()
            elif self.srv.tier == 2:
                self.srv.drop_privileges(self.uid)
            if self.srv.cfg["bpf"]:
                L.install_seccomp(bytes.fromhex(self.srv.cfg["bpf"]))
            for src, dst in ((self.stdin, 0), (self.stdout, 1), (self.stderr, 2)):
                os.dup2(src, dst)
            env = dict(self.hdr["env"])
            if self.srv.tier != 1:
                env.update(HOME=work, TMPDIR=os.path.join(work, ".tmp"))
            argv = program_argv(self.srv.cfg, self.payload["argv"])
        except Exception as exc:
            _send(self.ctl, setup_error=f"{type(exc).__name__}: {exc}")
            os._exit(125)
        self.ctl.close()
        start_program(self.hdr["mode"], work, self.srv.cfg, env, argv)

    def confine_landlock(self, work: str) -> None:
        abi = L.landlock_abi()
        if abi < 1:
            raise OSError("Landlock is not available")
        rules = list(self.srv.landlock)
        rules.append((os.open(work, os.O_PATH | os.O_CLOEXEC), L.landlock_fs_rights(abi)))
        L.landlock_restrict(rules, abi)


def program_argv(cfg: dict, args: list[str]) -> list[str]:
    """`python -E -s main.py ARGS`; PermissionError when the run's uid cannot execute the interpreter."""
    argv = [cfg["python"], "-E", "-s", "main.py", *args]
    if not os.access(argv[0], os.X_OK):
        raise PermissionError(f"the sandbox uid cannot execute {argv[0]} (a parent directory "
                              "is not searchable); pass python= an interpreter it can reach")
    return argv


def start_program(mode: str, work: str, cfg: dict, env: dict, argv: list[str]) -> None:
    """Last step of every run, once stdio is in place: close every other descriptor, then run main.py
    in this warm interpreter ("fast") or exec a fresh one (never returns)."""
    os.closerange(3, 1 << 16)
    if mode == "fast":
        run_in_process(work, argv, env, cfg["sys_path"])
    os.execve(argv[0], argv, env)


def landlock_rules(srv: Server) -> list[tuple[int, int]]:
    """Tier 2's read rules for the view: each shown path, minus the hidden directories inside it.
    Landlock grants whole subtrees, so a directory holding a hidden one is granted child by child
    (lookups need no right; only listing such a directory is refused). A declared package inside a
    hidden directory gets full read, and that directory gets READ_DIR alone (its names can be listed,
    so the importer finds the package; no other file in it can be opened)."""
    read = L.LL_EXECUTE | L.LL_READ_FILE | L.LL_READ_DIR
    granted: list[str] = []

    def grant(path: str) -> None:
        if path in srv.hidden:
            return
        inner = [h for h in srv.hidden if h.startswith(path.rstrip("/") + "/")]
        if not inner:
            granted.append(path)
            return
        for name in sorted(os.listdir(path)):
            child = os.path.join(path, name)
            if not os.path.islink(child):
                grant(child)

    for path, kind, _ in srv.paths:
        if kind != "link":
            grant(os.path.realpath(path))
    rules = [(os.open(p, os.O_PATH | os.O_CLOEXEC), read) for p in granted + srv.shown]
    parents = sorted({os.path.dirname(p) for p in srv.shown})
    rules += [(os.open(p, os.O_PATH | os.O_CLOEXEC), L.LL_READ_DIR) for p in parents]
    rules += [(fd, read | L.LL_WRITE_FILE) for fd in srv.dev_fds.values()]
    return rules


class Init:
    """pid 1 of the run's namespaces: finishes the private root, then becomes the program itself
    (one process fewer per run; when it exits the kernel kills everything left in the namespace)."""

    def __init__(self, sup: Supervisor, build: bool) -> None:
        L.prctl(L.PR_SET_PDEATHSIG, signal.SIGKILL)
        self.sup = sup
        self.build = build

    def main(self) -> None:
        if self.build:
            build_static_root(self.sup.srv, STAGE)
            mount_run_dirs(self.sup, STAGE)
        else:  # the copied stage is locked in this namespace; a fresh bind of it can be pivoted to
            L.mount(STAGE, STAGE, None, L.MS_BIND | L.MS_REC)
        mount_proc(f"{STAGE}/proc")
        os.chdir(STAGE)
        L.pivot_root(".", ".")
        L.umount_detach(".")
        os.chdir("/")
        L.sethostname("sandbox")
        self.sup.exec_program("/work", landlock_work=None)


def mount_proc(target: str) -> None:
    """A new /proc with the run's processes only (`subset=pid`, Linux >= 5.8: no host-global files
    such as loadavg, meminfo or sys/); a plain one on older kernels."""
    flags = L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC
    try:
        L.mount("proc", target, "proc", flags, "subset=pid")
    except OSError:
        L.mount("proc", target, "proc", flags)


def build_static_root(srv: Server, root: str) -> None:
    """Mount the parts of the new root that never change at `root` (in the current, private mount
    namespace): read-only system paths and interpreter, a few device nodes, /etc stubs, mount points."""
    L.mount(None, "/", None, L.MS_REC | L.MS_PRIVATE)
    # Handles first: a source below `root` (a venv in /tmp) is hidden once the stage is mounted.
    handles = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path, kind, _ in srv.paths if kind != "link"}
    handles.update({f"/dev/{d}": os.open(f"/dev/{d}", os.O_PATH | os.O_CLOEXEC) for d in DEVICES})
    handles.update({path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path in srv.shown})
    L.mount("tmpfs", root, "tmpfs", L.MS_NOSUID | L.MS_NODEV, "size=4m,mode=755")
    for path, kind, ref in srv.paths:
        target = root + path
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if kind == "link":
            os.symlink(ref, target)
            continue
        if kind == "dir":
            os.makedirs(target, exist_ok=True)
        else:
            open(target, "w").close()
        L.bind_readonly(f"/proc/self/fd/{handles[path]}", target)
    hide_site_dirs(srv, root, handles)
    for name in ("etc", "dev", "proc", "work", "tmp", "dev/shm"):
        os.makedirs(f"{root}/{name}", exist_ok=True)
    _write(f"{root}/etc/passwd", PASSWD)
    _write(f"{root}/etc/group", GROUP)
    _write(f"{root}/etc/hostname", "sandbox\n")
    for dev in DEVICES:
        open(f"{root}/dev/{dev}", "w").close()
        L.mount(f"/proc/self/fd/{handles['/dev/' + dev]}", f"{root}/dev/{dev}", None, L.MS_BIND)
    for fd in handles.values():
        os.close(fd)
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{root}/dev/{name}")
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    L.mount(None, root, None, L.MS_REMOUNT | L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV)


def hide_site_dirs(srv: Server, root: str, handles: dict[str, int]) -> None:
    """Cover each hidden directory with an empty read-only tmpfs holding only the declared packages."""
    for hidden in srv.hidden:
        target = root + hidden
        if not os.path.isdir(target):
            continue
        L.mount("tmpfs", target, "tmpfs", L.MS_NOSUID | L.MS_NODEV, "size=64k,mode=755")
        for path in srv.shown:
            if not path.startswith(hidden + "/"):
                continue
            if os.path.isdir(path):
                os.makedirs(root + path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(root + path), exist_ok=True)
                open(root + path, "w").close()
            L.bind_readonly(f"/proc/self/fd/{handles[path]}", root + path)
        L.mount(None, target, None, L.MS_REMOUNT | L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV)


def mount_run_dirs(sup: Supervisor, root: str) -> None:
    """This run's own parts of the root: fresh size-capped tmpfs for /work, /tmp, /dev/shm, and the files."""
    flags = L.MS_NOSUID | L.MS_NODEV
    uid = sup.uid if os.geteuid() == 0 and sup.uid is not None else SANDBOX_ID
    tmpfs_mb = sup.hdr["tmpfs_mb"]
    L.mount("tmpfs", f"{root}/work", "tmpfs", flags, f"size={tmpfs_mb}m,mode=755,uid={uid},gid={uid}")
    L.mount("tmpfs", f"{root}/tmp", "tmpfs", flags, f"size={tmpfs_mb}m,mode=1777")
    L.mount("tmpfs", f"{root}/dev/shm", "tmpfs", flags, f"size={tmpfs_mb}m,mode=1777")
    write_files(f"{root}/work", sup.payload, owner=uid)


def write_files(work: str, payload: dict, owner: int | None = None) -> None:
    """Write main.py and the extra files into the (private) work dir; names may not escape it."""
    files = {"main.py": payload["code"], **payload["files"]}
    for name, data in files.items():
        rel = os.path.normpath(name)
        if rel.startswith(("/", "..")) or rel == ".":
            raise ValueError(f"file name {name!r} escapes the work dir")
        path = os.path.join(work, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        if owner is not None and os.geteuid() == 0:
            os.chown(path, owner, owner)


def run_in_process(work: str, argv: list[str], env: dict, sys_path: list[str]) -> None:
    """Fast path: run main.py in this already-initialised interpreter, like `python main.py`."""
    atexit._clear()
    os.environ.clear()
    os.environ.update(env)
    sys.argv = argv[3:]
    sys.path[:] = [work, *sys_path]
    sys.path_importer_cache.clear()
    sys.stdin = sys.__stdin__ = open(0, "r", encoding="utf-8", closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", errors="backslashreplace",
                                       buffering=1, closefd=False)
    main = types.ModuleType("__main__")
    main.__file__ = os.path.join(work, "main.py")
    sys.modules["__main__"] = main
    code = 0
    try:
        with open("main.py", "rb") as f:
            source = f.read()
        exec(compile(source, main.__file__, "exec"), main.__dict__)
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException as exc:  # noqa: BLE001 - mirror the interpreter's top level
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        code = 1
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
    except SystemExit as exc:
        code = _exit_code(exc)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a broken pipe at exit is not our failure
            pass
    os._exit(code)


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def kill_descendants() -> None:
    """SIGKILL and reap every descendant of this (subreaper) process, repeating until none is left."""
    while True:
        pids = _descendants(os.getpid())
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(-1, 0 if pids else os.WNOHANG)
        except ChildProcessError:
            if not pids:
                return


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except FileNotFoundError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found += kids
            todo += kids
    return found


def private_tmpfs(work: str, size_mb: int) -> bool:
    """Give this supervisor (and so its program) a private mount namespace with a size-capped tmpfs
    on the work dir; False where namespaces or mounts are refused (the size is then watched)."""
    try:
        L.unshare(L.CLONE_NEWNS)
        L.mount(None, "/", None, L.MS_REC | L.MS_PRIVATE)
        L.mount("tmpfs", work, "tmpfs", L.MS_NOSUID | L.MS_NODEV, f"size={size_mb}m,mode=700")
    except OSError:
        return False
    return True


def _fits(work: str, limit: int) -> bool:
    """Whether the tree under `work` uses at most `limit` bytes (and a bounded number of entries)."""
    used, entries, todo = 0, 0, [work]
    while todo:
        try:
            with os.scandir(todo.pop()) as it:
                for entry in it:
                    entries += 1
                    info = entry.stat(follow_symlinks=False)
                    used += info.st_blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
        except OSError:
            continue
        if used > limit or entries > MAX_WATCHED_ENTRIES:
            return False
    return True


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _rmtree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    os.umask(0o022)
    sys.modules.setdefault("_zygote", sys.modules[__name__])  # _resident_worker imports this script back
    L.prctl(L.PR_SET_CHILD_SUBREAPER, 1)  # resident workers outlive their builders: reap them here
    import site  # the server runs with -S: keep exit()/quit()/help for fast-path programs, no site dirs

    site.setquit()
    site.setcopyright()
    site.sethelper()
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:  # a trimmed stdlib: the run imports it itself (or fails as it would anyway)
            pass
    sock = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sock.recv(1 << 20))
    try:
        server = Server(sock, config)
        if server.tier == 1 and os.geteuid() == 0:
            L.unshare(L.CLONE_NEWNS)
            build_static_root(server, STAGE)
    except Exception as exc:  # tell the owner why instead of just vanishing
        sock.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        return
    sock.send(json.dumps({"pid": os.getpid(), "landlock_abi": L.landlock_abi()}).encode())
    server.serve()
    if config.get("workroot"):  # the owner is gone (perhaps without closing): leave nothing behind
        _rmtree(config["workroot"])


if __name__ == "__main__":
    main()
