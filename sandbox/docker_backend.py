"""Docker backend: warm, locked-down containers (no network, read-only root, tmpfs work dir, all
capabilities dropped, no-new-privileges, uid 65534, pids/memory/CPU limits) driven through the docker
SDK with `exec`. Each run is cleaned before the container is reused: every process of the sandbox
user killed, /work and /tmp wiped. The Docker socket is never mounted into a container."""

from __future__ import annotations

import base64
import glob
import json
import os
import selectors
import socket
import struct
import threading
import time
from pathlib import Path

from ._cgroups import read_oom_kills
from .backend import BackendOptions
from .models import Limits
from .process import SandboxProcess

LOCAL_IMAGE = "envsdk-sandbox-python:local"  # built by .ci/sandbox-setup from host files
PUBLIC_IMAGE = "python:3.11-slim"
USER = "65534:65534"
# pid 1 outlives runs, so it runs as another uid than they do and is not dumpable: a run can neither
# signal it nor write its memory through /proc/1/mem (ptrace and process_vm_* are denied by seccomp).
INIT_USER = "65533:65533"
LABEL = "envsdk.sandbox"
# pid 1 of each warm container: reaps the orphans that runs leave behind.
REAPER = ("import ctypes, os, signal\nctypes.CDLL(None).prctl(4, 0, 0, 0, 0)\ndef reap(*_):\n    try:\n"
          "        while os.waitpid(-1, os.WNOHANG)[0]: pass\n"
          "    except ChildProcessError: pass\nsignal.signal(signal.SIGCHLD, reap)\nwhile True: signal.pause()\n")
# The boot program: _linux.py (for install_seccomp) followed by _docker_boot.py, run with `python3 -c`.
BOOT = "\n".join(Path(__file__).with_name(n).read_text() for n in ("_linux.py", "_docker_boot.py"))
# Between runs: kill every process of the sandbox uid except pid 1, then empty /work and /tmp.
CLEAN = ("import os, shutil, signal\ntry: os.kill(-1, signal.SIGKILL)\nexcept OSError: pass\n"
         "for d in ('/work', '/tmp', '/dev/shm'):\n    for n in os.listdir(d) if os.path.isdir(d) else []:\n"
         "        p = os.path.join(d, n)\n        shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p)"
         " else os.unlink(p)\n")


class DockerBackend:
    """Runs programs by `docker exec` into a pool of warm containers (one run per container at a time)."""

    name = "docker"
    tier = "docker"

    def __init__(self, image: str | None = None, pool_size: int = 4) -> None:
        import docker  # optional dependency: envsdk[docker]

        self.client = docker.from_env(timeout=30)
        self.client.ping()
        self.image = image or os.environ.get("ENVSDK_SANDBOX_IMAGE") or self._default_image()
        # The local image is built from this host's files, so the host's /usr (its toolchains for the
        # other languages) can be shown read-only over it, with the same installed-package dirs hidden
        # as in the embedded view; any other image is used as it is.
        self.host_usr = self.image == LOCAL_IMAGE
        self.pool_size = pool_size
        self._containers: list = []
        self._lock = threading.Lock()
        self._shape: dict[tuple, list] = {}
        from ._seccomp import compile_filter

        self.bpf = compile_filter()
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Remove warm containers left by sandbox processes that died without closing."""
        for container in self.client.containers.list(all=True, filters={"label": LABEL}):
            owner = container.labels.get(LABEL, "")
            if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
                _remove(container)

    def _default_image(self) -> str:
        from docker.errors import ImageNotFound

        for image in (LOCAL_IMAGE, PUBLIC_IMAGE):
            try:
                self.client.images.get(image)
                return image
            except ImageNotFound:
                continue
        self.client.images.pull(PUBLIC_IMAGE)
        return PUBLIC_IMAGE

    # -- containers ----------------------------------------------------------------------------
    def _create(self, limits: Limits):
        # uid= rather than mode=: Docker copies the image directory's mode onto the tmpfs.
        # exec: compiled programs run from /work (as in the embedded tiers); Docker's default is noexec.
        tmpfs = f"rw,exec,nosuid,nodev,size={limits.tmpfs_mb}m,uid=65534,gid=65534"
        mounts, hidden = _host_usr_view() if self.host_usr else ({}, [])
        return self.client.containers.run(
            self.image, ["python3", "-c", REAPER], detach=True, auto_remove=False,
            network_mode="none", read_only=True, user=INIT_USER, working_dir="/work", volumes=mounts,
            tmpfs={"/work": tmpfs, "/tmp": tmpfs, "/dev/shm": tmpfs,
                   **{path: "ro,nosuid,nodev,size=64k,mode=755" for path in hidden}},
            mem_limit=f"{limits.memory_mb}m", memswap_limit=f"{limits.memory_mb}m", pids_limit=limits.pids + 1,
            nano_cpus=1_000_000_000, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            ulimits=_ulimits(limits), environment={}, labels={LABEL: str(os.getpid())},
            hostname="sandbox", ipc_mode="private")

    def _acquire(self, limits: Limits):
        """A clean container whose limits match `limits` (containers are keyed by all of them, the
        timeout included: a verifier's long-lived trusted checker and its candidates differ there, so
        they never share a container)."""
        key = tuple(sorted(limits.model_dump().items()))
        with self._lock:
            idle = self._shape.setdefault(key, [])
            if idle:
                return key, idle.pop()
        container = self._create(limits)
        with self._lock:
            self._containers.append(container)
        return key, container

    def _release(self, key: tuple, container) -> None:
        try:
            self.client.api.exec_start(self.client.api.exec_create(container.id, ["python3", "-c", CLEAN],
                                                                   user=USER)["Id"])
        except Exception:  # noqa: BLE001 - a container we cannot clean is never reused
            self._discard(container)
            return
        with self._lock:
            if len(self._shape.get(key, [])) < self.pool_size:
                self._shape.setdefault(key, []).append(container)
                return
        self._discard(container)

    def _discard(self, container) -> None:
        with self._lock:
            if container in self._containers:
                self._containers.remove(container)
        _remove(container)

    # -- runs --------------------------------------------------------------------------------
    def spawn(self, code: str | bytes, *, files: dict[str, bytes | str] | None = None,
              limits: Limits | None = None, argv: list[str] | None = None,
              capture_stdout: bool = False) -> SandboxProcess:
        limits = limits or Limits()
        key, container = self._acquire(limits)
        oom_before = _oom_kills(container.id)
        payload = json.dumps({"argv": list(argv or []), "bpf": self.bpf.hex(), "files": {
            name: _b64(data) for name, data in {"main.py": code, **(files or {})}.items()}}).encode()
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/work", "TMPDIR": "/tmp", "LANG": "C.UTF-8"}
        exec_id = self.client.api.exec_create(container.id, ["python3", "-E", "-s", "-c", BOOT], stdin=True,
                                              user=USER, workdir="/work", environment=env)["Id"]
        raw = self.client.api.exec_start(exec_id, socket=True)
        sock = getattr(raw, "_sock", raw)
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        ctl, ctl_theirs = socket.socketpair()
        relay = _Relay(self, key, container, exec_id, sock, in_r, out_w, err_w, ctl_theirs, limits, oom_before)
        sock.sendall(struct.pack("!Q", len(payload)) + payload)
        threading.Thread(target=relay.run, daemon=True).start()
        return SandboxProcess(stdin_w=in_w, stdout_r=out_r, stderr_r=err_r, ctl=ctl, limits=limits,
                              backend=self.name, tier=self.tier, capture_stdout=capture_stdout,
                              on_exit=relay.oom_killed)

    def close(self) -> None:
        with self._lock:
            containers, self._containers, self._shape = list(self._containers), [], {}
        removers = [threading.Thread(target=_remove, args=(c,)) for c in containers]
        for thread in removers:
            thread.start()
        for thread in removers:
            thread.join()


class _Relay:
    """Copies between local pipes and Docker's multiplexed exec stream, enforces the wall clock, and
    reports on the control socket exactly like the embedded supervisor does."""

    def __init__(self, backend: DockerBackend, key, container, exec_id, sock, in_r, out_w, err_w, ctl,
                 limits: Limits, oom_before: int) -> None:
        self.backend, self.key, self.container, self.exec_id = backend, key, container, exec_id
        self.sock, self.in_r, self.out_w, self.err_w, self.ctl = sock, in_r, out_w, err_w, ctl
        self.limits, self.oom_before = limits, oom_before
        self._oom = False

    def oom_killed(self) -> bool:
        return self._oom

    def run(self) -> None:
        reason = None
        try:
            reason = self._pump()
        finally:
            for fd in (self.in_r, self.out_w, self.err_w):
                _close(fd)
            code = None if reason else self.backend.client.api.exec_inspect(self.exec_id).get("ExitCode")
            self._oom = _oom_kills(self.container.id) > self.oom_before  # before a kill drops the cgroup
            reusable = code is not None and code <= 128
            if not reusable:
                # The boot process may not have swept (it was killed, or the run was): kill the whole
                # container before reporting, so nothing outlives the result; it is not reused.
                self._kill_container()
            self.sock.close()
            if code is not None and code > 128:
                code = -(code - 128)  # a signal n is reported as 128 + n
            msg = {"reason": reason} if reason else {"exit": code}
            try:
                self.ctl.sendall(json.dumps(msg).encode() + b"\n")
            except OSError:
                pass
            self.ctl.close()
            if reusable:
                self.backend._release(self.key, self.container)
            else:
                self.backend._discard(self.container)

    def _pump(self) -> str | None:
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ, "docker")
        sel.register(self.in_r, selectors.EVENT_READ, "stdin")
        sel.register(self.ctl, selectors.EVENT_READ, "ctl")
        deadline = time.monotonic() + self.limits.timeout_s
        buf = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            for key, _ in sel.select(left):
                if key.data == "ctl":
                    if self.ctl.recv(64)[-1:] in (b"", b"K"):
                        return "killed"
                elif key.data == "stdin":
                    chunk = os.read(self.in_r, 1 << 16)
                    if chunk:
                        self.sock.sendall(chunk)
                    else:
                        sel.unregister(self.in_r)
                        self.sock.shutdown(socket.SHUT_WR)  # Docker closes the program's stdin
                else:
                    chunk = self.sock.recv(1 << 16)
                    if not chunk:
                        return None
                    buf += chunk
                    self._demux(buf)

    def _demux(self, buf: bytearray) -> None:
        """Docker frames: 1 byte stream id, 3 padding, 4 byte big-endian length, then the data."""
        while len(buf) >= 8:
            stream, size = buf[0], struct.unpack(">I", buf[4:8])[0]
            if len(buf) < 8 + size:
                return
            data = bytes(buf[8:8 + size])
            del buf[:8 + size]
            try:
                os.write(self.out_w if stream == 1 else self.err_w, data)
            except BrokenPipeError:
                pass

    def _kill_container(self) -> None:
        """SIGKILL the container's init (so every process in it), draining the exec's output
        meanwhile: Docker does not finish the kill while that stream is blocked."""
        killer = threading.Thread(target=_kill, args=(self.container,))
        killer.start()
        self.sock.settimeout(30)
        try:
            while self.sock.recv(1 << 16):
                pass
        except OSError:
            pass
        killer.join()


def _host_usr_view() -> tuple[dict[str, dict], list[str]]:
    """Read-only binds of the host's /usr and the toolchain config the view shows, and the
    installed-package directories under /usr to cover with empty tmpfs."""
    from ._view import SITE_GLOBS, TOOLCHAIN_GLOBS

    mounts = {"/usr": {"bind": "/usr", "mode": "ro"}}
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):  # merged /usr: the host's links
        if os.path.islink(top) and os.path.isdir(top):
            mounts[os.path.realpath(top)] = {"bind": top, "mode": "ro"}
    for pattern in TOOLCHAIN_GLOBS:
        for path in glob.glob(pattern):
            mounts[path] = {"bind": path, "mode": "ro"}
    hidden = sorted({os.path.realpath(p) for pattern in SITE_GLOBS for p in glob.glob(pattern.format(root="/usr"))
                     if os.path.isdir(p)})
    return mounts, hidden


def _ulimits(limits: Limits) -> list:
    """Container-wide rlimits; CPU only when asked for (the relay enforces the wall clock)."""
    from docker.types import Ulimit

    fsize = limits.file_size_mb << 20
    out = [Ulimit(name="fsize", soft=fsize, hard=fsize), Ulimit(name="nofile", soft=256, hard=256),
           Ulimit(name="core", soft=0, hard=0)]
    if limits.cpu_s:
        cpu = int(limits.cpu_s + 0.999)
        out.append(Ulimit(name="cpu", soft=cpu, hard=cpu + 1))
    return out


def _oom_kills(container_id: str) -> int:
    """The container's memory-cgroup OOM-kill counter (cgroup v1 or v2), 0 when unreadable."""
    for path in (Path(f"/sys/fs/cgroup/memory/docker/{container_id}/memory.oom_control"),
                 Path(f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/memory.events"),
                 Path(f"/sys/fs/cgroup/docker/{container_id}/memory.events")):
        count = read_oom_kills(path)
        if count is not None:
            return count
    return 0


def _kill(container) -> None:
    try:
        container.kill()
    except Exception:  # noqa: BLE001 - already stopped; it is discarded either way
        pass


def _remove(container) -> None:
    try:
        container.remove(force=True)
    except Exception:  # noqa: BLE001 - already gone
        pass


def _b64(data: str | bytes) -> str:
    """File content for the payload: base64 (binaries such as compiled programs stay 4/3 of their size)."""
    return base64.b64encode(data.encode() if isinstance(data, str) else bytes(data)).decode("ascii")


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def make_docker(options: BackendOptions) -> DockerBackend:
    """The `docker` backend (its image decides what the program sees; `tier` and `python` do not apply)."""
    return DockerBackend(image=options.image)
