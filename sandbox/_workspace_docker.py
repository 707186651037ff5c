"""Docker workspaces: one locked-down container per workspace (no network but its own loopback, read-only
root, tmpfs /work /tmp /hidden, all capabilities dropped, no-new-privileges, uid 65534, memory/pids/CPU
limits), commands by `docker exec`, fork by streaming the work dir as a tar into a fresh container, close by
removing the container (its tmpfs go with it).

With `image=` (a task's own image, e.g. a Harbor task's): the image's filesystem is the agent's world, so the
root is writable and commands run as the image's user in its WORKDIR (root and / when it names none), still
without network, capabilities or new privileges."""

from __future__ import annotations

import os
import shlex
import socket
import struct
import time

from .docker_backend import INIT_USER, LABEL, LOCAL_IMAGE, REAPER, USER, _host_usr_view, _oom_kills, _remove, _ulimits
from .models import RunResult
from .workspace import HIDDEN, WORK, Workspace, WorkspaceLimits, classify, workspace_env

SCRATCH = "/envsdk"  # per-command output files (a background process may keep writing them)
TRAILER = "\n__envsdk_ws__ "
# Output goes to files, not to the exec stream, so a background process cannot hold the command open;
# `timeout` kills the command's whole process group at the wall clock.
WRAPPER = ('o=$(mktemp -p {scratch}); e=$(mktemp -p {scratch}); '
           'timeout -s KILL {timeout} bash -c \'ulimit -H -t {hard} 2>/dev/null; ulimit -S -t {cpu} 2>/dev/null; eval "$1"\' bash {cmd} '
           '>"$o" 2>"$e"; rc=$?; head -c {cap} "$o"; head -c {cap} "$e" >&2; '
           'printf "{trailer}%s %s %s\\n" "$rc" "$(stat -c %s "$o")" "$(stat -c %s "$e")" >&2; rm -f "$o" "$e"')
KILL_ALL = "import os, signal\ntry: os.kill(-1, signal.SIGKILL)\nexcept OSError: pass\n"
WRITE = ("import os, sys\npath = sys.argv[1]\nos.makedirs(os.path.dirname(path), exist_ok=True)\n"
         "data = sys.stdin.buffer.read()\nwith open(path, 'wb') as f: f.write(data)\nos.chmod(path, int(sys.argv[2]))\n")


class DockerWorkspace(Workspace):
    """A workspace held by one container."""

    backend = "docker"
    tier = "docker"

    def __init__(self, backend, limits: WorkspaceLimits, image: str | None) -> None:
        super().__init__(limits)
        self.docker = backend
        self.task_image = image
        self.image = image or backend.image
        self.api = backend.client.api
        self.user = USER
        if image is not None:
            config = backend.client.images.get(image).attrs.get("Config") or {}
            self.workdir, self.user = config.get("WorkingDir") or "/", config.get("User") or "0:0"
        mounts, hidden = _host_usr_view() if _on_local_image(backend.client, self.image) else ({}, [])
        tmpfs = f"rw,exec,nosuid,nodev,size={limits.disk_mb}m,uid=65534,gid=65534"
        # A task image's user (root, or whoever it names) owns its scratch dirs; without capabilities root
        # cannot write into a directory it does not own.
        private = (f"rw,nosuid,nodev,size={limits.disk_mb}m,uid=65534,gid=65534,mode=700" if image is None else
                   f"rw,nosuid,nodev,size={limits.disk_mb}m,mode=1777")
        run_limits = limits.run_limits()
        self.container = backend.client.containers.run(
            self.image, ["python3", "-c", REAPER], detach=True, network_mode="none", read_only=image is None,
            user=INIT_USER, working_dir=self.workdir, volumes=mounts,
            tmpfs={**({} if image else {WORK: tmpfs}), "/tmp": tmpfs, "/dev/shm": tmpfs, HIDDEN: private,
                   SCRATCH: private,
                   **{path: "ro,nosuid,nodev,size=64k,mode=755" for path in hidden}},
            mem_limit=f"{limits.memory_mb}m", memswap_limit=f"{limits.memory_mb}m", pids_limit=limits.pids,
            nano_cpus=1_000_000_000, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            ulimits=_ulimits(run_limits.model_copy(update={"cpu_s": None})), environment={},
            labels={LABEL: str(os.getpid())}, hostname="workspace", ipc_mode="private")
        self._started()

    # -- exec ------------------------------------------------------------------------------
    def _exec(self, argv: list[str], stdin: bytes = b"", env: dict[str, str] | None = None,
              workdir: str | None = None) -> tuple[int | None, bytes, bytes]:
        """Run argv in the container as the workspace user with `stdin`; (exit code, stdout, stderr)."""
        exec_id = self.api.exec_create(self.container.id, argv, stdin=True, user=self.user,
                                       workdir=workdir or self.workdir,
                                       environment=workspace_env(env or {}))["Id"]
        sock = self.api.exec_start(exec_id, socket=True)
        raw: socket.socket = getattr(sock, "_sock", sock)
        try:
            raw.sendall(stdin)
            raw.shutdown(socket.SHUT_WR)
            out, err = bytearray(), bytearray()
            buf = bytearray()
            while True:
                chunk = raw.recv(1 << 16)
                if not chunk:
                    break
                buf += chunk
                while len(buf) >= 8:
                    stream, size = buf[0], struct.unpack(">I", buf[4:8])[0]
                    if len(buf) < 8 + size:
                        break
                    (out if stream == 1 else err).extend(buf[8:8 + size])
                    del buf[:8 + size]
        finally:
            raw.close()
        return self.api.exec_inspect(exec_id).get("ExitCode"), bytes(out), bytes(err)

    def _run(self, cmd: str, timeout: float, stdin: bytes, env: dict[str, str], cwd: str) -> RunResult:
        limits = self.limits.run_limits(timeout)
        cpu = int((limits.cpu_s or timeout) + 0.999)
        script = WRAPPER.format(scratch=SCRATCH, timeout=timeout, cpu=cpu, hard=cpu + 1, cmd=shlex.quote(cmd),
                                cap=limits.output_bytes, trailer=TRAILER)
        oom_before = _oom_kills(self.container.id)
        start = time.monotonic()
        _, out, err = self._exec(["sh", "-c", script], stdin, env, cwd)
        duration = time.monotonic() - start
        text, _, trailer = err.decode(errors="replace").rpartition(TRAILER)
        fields = trailer.split()
        if len(fields) != 3:
            return RunResult(status="sandbox_error", exit_code=None, stdout=out.decode(errors="replace"),
                             stderr=err.decode(errors="replace"), duration_s=round(duration, 4),
                             backend=self.backend, tier=self.tier)
        rc, out_size, err_size = (int(f) for f in fields)
        timed_out = rc == 137 and duration >= timeout - 0.05
        exit_code = 128 - rc if rc > 128 else rc  # a signal (128+n), as the embedded backend reports it: -n
        truncated = max(out_size, err_size) > limits.output_bytes
        status = classify(exit_code, timed_out=timed_out, oom=_oom_kills(self.container.id) > oom_before,
                          truncated=truncated)
        return RunResult(status=status, exit_code=exit_code, stdout=out.decode(errors="replace"), stderr=text,
                         duration_s=round(duration, 4), backend=self.backend, tier=self.tier)

    # -- files and processes ------------------------------------------------------------------
    def _write(self, path: str, data: bytes, mode: int, hidden: bool = False) -> None:
        target = f"{HIDDEN if hidden else self.workdir.rstrip('/')}/{path}"
        code, _, err = self._exec(["python3", "-c", WRITE, target, str(mode)], data)
        if code != 0:
            raise OSError(f"cannot write {path}: {err.decode(errors='replace').strip().splitlines()[-1:]}")

    def _read(self, path: str, limit: int) -> bytes:
        code, out, err = self._exec(["head", "-c", str(limit), "--", f"{self.workdir.rstrip('/')}/{path}"])
        if code != 0:
            raise FileNotFoundError(f"cannot read {path}: {err.decode(errors='replace').strip()}")
        return out

    def _kill_all(self) -> None:
        self._exec(["python3", "-c", KILL_ALL])

    def _clear_hidden(self) -> None:
        self._exec(["find", HIDDEN, "-mindepth", "1", "-delete"])

    def _fork(self) -> "DockerWorkspace":
        code, tar, err = self._exec(["tar", "-C", self.workdir, "-cf", "-", "."])
        if code != 0:
            raise OSError(f"cannot snapshot the workspace: {err.decode(errors='replace').strip()}")
        child = DockerWorkspace(self.docker, self.limits, self.task_image)
        code, _, err = child._exec(["tar", "-C", child.workdir, "-xf", "-"], tar)
        if code != 0:
            child.close()
            raise OSError(f"cannot fill the forked workspace: {err.decode(errors='replace').strip()}")
        return child

    def _close(self) -> None:
        _remove(self.container)


def _on_local_image(client, image: str) -> bool:
    """Whether `image` is the local host-files image or built on it (a task's Dockerfile `FROM` it): such
    images get the host's /usr read-only over them, as the sandbox's own containers do."""
    try:
        base = client.images.get(LOCAL_IMAGE).attrs["RootFS"]["Layers"]
        layers = client.images.get(image).attrs["RootFS"]["Layers"]
    except Exception:  # noqa: BLE001 - no local image (or no such image): nothing to show over it
        return False
    return layers[:len(base)] == base
