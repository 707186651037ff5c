"""A thin stand-in with the sandbox's API that runs plain subprocesses (no isolation), for tests of the
verdict logic while the real sandbox is unavailable. Same names: Sandbox, Limits, RunResult, SandboxProcess."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass


@dataclass
class Limits:
    timeout_s: float = 10.0
    memory_mb: int = 512


@dataclass
class RunResult:
    status: str
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    backend: str = "local-subprocess"
    tier: str = "none"


class SandboxProcess:
    """A child in its own session and temp dir; stderr drained by a thread; kill() ends the group."""

    def __init__(self, code: str, files: dict, limits: Limits, drain: bool = True):
        self.workdir = tempfile.mkdtemp(prefix="codeenv-test-")
        for name, data in {"main.py": code, **files}.items():
            mode = "wb" if isinstance(data, bytes) else "w"
            with open(os.path.join(self.workdir, name), mode) as fh:
                fh.write(data)
        self.limits, self.started = limits, time.monotonic()
        self.popen = subprocess.Popen([sys.executable, "main.py"], cwd=self.workdir, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                      env={"PATH": os.environ.get("PATH", "")})
        self.stdin, self.stdout = self.popen.stdin, self.popen.stdout
        self._err = bytearray()
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        if drain:
            self._drain.start()
        self._killed = False

    def _read_stderr(self) -> None:
        for chunk in iter(lambda: self.popen.stderr.read1(65536), b""):
            self._err += chunk[: max(0, (1 << 20) - len(self._err))]

    def kill(self) -> None:
        if self.popen.poll() is None:
            self._killed = True
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float | None = None) -> RunResult:
        status = "ok"
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            code, status = self.popen.wait(), "timeout"
        if self._drain.is_alive():
            self._drain.join(5)
        if status == "ok":
            status = "killed" if self._killed else "ok" if code == 0 else "error"
        shutil.rmtree(self.workdir, ignore_errors=True)
        return RunResult(status, code, "", self._err.decode(errors="replace"), time.monotonic() - self.started)

    def __enter__(self) -> "SandboxProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


class Sandbox:
    backend, tier = "local-subprocess", "none"

    def __init__(self, backend: str = "none", tier=None, **_ignored):
        pass

    def spawn(self, code: str, *, files: dict | None = None, limits: Limits | None = None, argv=None):
        return SandboxProcess(code, files or {}, limits or Limits())

    def run(self, code: str, *, stdin: bytes | str = b"", files: dict | None = None, limits: Limits | None = None,
            argv=None) -> RunResult:
        limits = limits or Limits()
        proc = SandboxProcess(code, files or {}, limits, drain=False)
        status = None
        try:
            out, err = proc.popen.communicate(stdin if isinstance(stdin, bytes) else stdin.encode(), limits.timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.popen.communicate()
            status = "timeout"
        result = proc.wait()
        result.stdout, result.stderr = out.decode(errors="replace"), err.decode(errors="replace")
        result.status = status or result.status
        return result

    def close(self) -> None:
        pass
