"""The `http` backend: programs run on remote SandboxFusion-protocol servers (`envsdk sandbox serve`, or a
SandboxFusion deployment) listed by URL, through `ServerPool` (choice, health, retries, back-pressure).

`run` is one `POST /run_code` (every language the server has). `spawn` gives the interactive face of
`SandboxProcess` to a protocol that has none, by replay: each time the caller has written whole lines to
the program's stdin and stops writing, the program is run again from the start with every line so far as
its stdin, and the output lines the caller has not seen yet are handed on (counted in lines: a reply may
carry a timing that differs between steps). That is exact for a program that answers each input line with
output lines and whose answers depend only on its input (the code environment's candidate driver: the
module is loaded, then each call answered); a step that ends the program, or adds no line, ends the
process as the caller sees it; a step that overruns its time stays silent, as a hung process would.
A replayed process has no life between steps: `limits.timeout_s` bounds each step's own work on the
server, on top of the time the previous step took there (the part replayed). A step whose server dies
is re-run elsewhere; when no server is left the process ends with a `sandbox_error` result (the caller's
flagged verdict).
"""

from __future__ import annotations

import base64
import os
import select
import threading
import time
from typing import Any

from .backend import BackendOptions
from .http_pool import ServerPool
from .models import Limits, RunResult

NAME = "http"
TIER = "remote"
REPLY_GRACE_S = 10.0  # on top of a run's own time limits: transport and the server's queue


class HttpBackend:
    """Runs programs on the servers of `urls`; see the module docstring."""

    name = NAME
    tier = TIER

    def __init__(self, urls: list[str] | tuple[str, ...], *, per_server: int = 4, retries: int | None = None,
                 token_env: str | None = None) -> None:
        kwargs = {"token_env": token_env} if token_env else {}
        self.pool = ServerPool(urls, per_server=per_server, retries=retries, **kwargs)

    def run(self, code: str, *, stdin: bytes = b"", files: dict[str, bytes | str] | None = None,
            limits: Limits | None = None, argv: list[str] | None = None, language: str = "python",
            compile_limits: Limits | None = None) -> RunResult:
        """One program, start to end, on one server (another one if that server fails)."""
        if argv:
            raise ValueError("the http backend cannot pass argv: SandboxFusion's /run_code has no such field")
        limits = limits or Limits()
        compile_s = compile_limits.timeout_s if compile_limits is not None else 10.0
        body = {"code": code, "language": language, "run_timeout": limits.timeout_s, "compile_timeout": compile_s,
                "memory_limit_MB": limits.memory_mb, "stdin": stdin.decode("utf-8", "replace"),
                "files": {name: base64.b64encode(data.encode() if isinstance(data, str) else data).decode()
                          for name, data in (files or {}).items()}}
        started = time.perf_counter()
        try:
            status, reply, _url = self.pool.post("/run_code", body,
                                                 timeout_s=limits.timeout_s + compile_s + REPLY_GRACE_S)
        except RuntimeError as exc:  # Unavailable, Refused, or a backend closed under a running step
            return _error_result(str(exc), time.perf_counter() - started)
        if status >= 400:
            return _error_result(f"the sandbox server refused the run (HTTP {status}): "
                                 f"{str(reply.get('message') or reply.get('detail'))[:300]}",
                                 time.perf_counter() - started)
        return from_fusion(reply, time.perf_counter() - started)

    def spawn(self, code: str | bytes, *, files: dict[str, bytes | str] | None = None, limits: Limits | None = None,
              argv: list[str] | None = None, capture_stdout: bool = False) -> "ReplayProcess":
        return ReplayProcess(self, code if isinstance(code, str) else code.decode(), files or {}, limits or Limits())

    def close(self) -> None:
        self.pool.close()


def make_http(options: BackendOptions) -> HttpBackend:
    """The `envsdk.sandbox_backends` factory: `Sandbox(backend="http", urls=[...])`."""
    return HttpBackend(options.urls)


# ---- SandboxFusion reply -> RunResult ------------------------------------------------------------
def _error_result(why: str, duration: float) -> RunResult:
    return RunResult(status="sandbox_error", exit_code=None, stdout="", stderr=why, duration_s=duration,
                     backend=NAME, tier=TIER)


def _step(step: dict[str, Any], duration: float) -> RunResult:
    """One compile or run step. A program stopped for memory, output or a signal is "killed": the
    protocol reports them all as Error."""
    code = step.get("return_code")
    status = {"Finished": "ok" if code == 0 else "error", "TimeLimitExceeded": "timeout"}.get(
        str(step.get("status")), "killed")
    elapsed = step.get("execution_time")
    return RunResult(status=status, exit_code=code if isinstance(code, int) else None,
                     stdout=str(step.get("stdout") or ""), stderr=str(step.get("stderr") or ""),
                     duration_s=float(elapsed) if isinstance(elapsed, (int, float)) else duration,
                     backend=NAME, tier=TIER)


def from_fusion(reply: dict[str, Any], duration: float) -> RunResult:
    """The RunResult a local Sandbox.run would give for this /run_code reply (same status rules: a
    failed compile is "compile_error" with the compiler's output as stderr)."""
    if reply.get("status") == "SandboxError":
        return _error_result(f"sandbox server error: {str(reply.get('message'))[:500]}", duration)
    compiled = _step(reply["compile_result"], duration) if isinstance(reply.get("compile_result"), dict) else None
    if compiled is not None and compiled.status != "ok":
        status = "compile_error" if compiled.status == "error" else compiled.status
        return compiled.model_copy(update={"status": status, "compile_result": compiled})
    if not isinstance(reply.get("run_result"), dict):
        return _error_result(f"the sandbox server's reply has no run_result: {str(reply)[:300]}", duration)
    return _step(reply["run_result"], duration).model_copy(update={"compile_result": compiled})


# ---- spawn by replay -----------------------------------------------------------------------------
class ReplayProcess:
    """`SandboxProcess`'s face (stdin, stdout, wait, kill, backend, tier) over one-shot remote runs."""

    def __init__(self, backend: HttpBackend, code: str, files: dict[str, bytes | str], limits: Limits) -> None:
        self.backend, self.tier = NAME, TIER
        self._remote, self._code, self._files, self._limits = backend, code, files, limits
        in_r, in_w = os.pipe()
        out_r, self._out_w = os.pipe()
        self._in_r = in_r
        self.stdin = open(in_w, "wb", buffering=0)
        self.stdout = open(out_r, "rb", buffering=0)
        self._replayed_s = 0.0
        self._killed = threading.Event()
        self._result: RunResult | None = None
        self._done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        transcript, shown, eof = bytearray(), 0, False
        try:
            while not self._killed.is_set():
                result = self._step(bytes(transcript))
                if result is None:
                    return
                lines = result.stdout.encode().splitlines(keepends=True)
                whole = [line for line in lines if line.endswith(b"\n")]  # a step's timings may differ,
                new = whole[shown:]  # so what was shown is counted in lines, not bytes
                if not self._deliver(b"".join(new)):
                    return
                shown += len(new)
                if result.status == "timeout":  # a hung program is silent until the caller gives up on it
                    self._killed.wait()
                    return
                if eof or result.status != "ok" or not new:
                    # it read all its input, ended for good, or ended without answering the last line
                    self._deliver(b"".join(lines[len(whole):]))
                    return
                eof = self._read_lines(transcript)
        finally:
            self._finish()

    def _step(self, transcript: bytes) -> RunResult | None:
        """Run the program on everything written so far: `limits.timeout_s` for this step's own work, plus
        what the previous step took on its server (the part replayed)."""
        limits = self._limits.model_copy(update={"timeout_s": self._limits.timeout_s + self._replayed_s})
        result = self._remote.run(self._code, stdin=transcript, files=self._files, limits=limits)
        self._result, self._replayed_s = result, result.duration_s
        return None if result.status == "sandbox_error" or self._killed.is_set() else result

    def _read_lines(self, transcript: bytearray) -> bool:
        """Append what the caller writes until it has written whole lines and paused; True at EOF."""
        while True:
            chunk = os.read(self._in_r, 1 << 16)
            if not chunk:
                return True
            transcript += chunk
            if transcript.endswith(b"\n") and not select.select([self._in_r], [], [], 0)[0]:
                return False

    def _deliver(self, data: bytes) -> bool:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._out_w, view):]
        except OSError:  # the caller closed its end
            return False
        return True

    def _finish(self) -> None:
        for fd in (self._out_w, self._in_r):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._killed.is_set() and (self._result is None or self._result.status == "ok"):
            self._result = _error_result("", 0.0).model_copy(update={"status": "killed", "stderr": ""})
        self._done.set()

    # -- SandboxProcess's face ---------------------------------------------------------------
    def kill(self) -> None:
        """End the program now: no further step starts (one in flight finishes on its server, unread)."""
        self._killed.set()
        for pipe in (self.stdin, self.stdout):  # wakes the step loop, whether reading or writing
            try:
                pipe.close()
            except OSError:
                pass

    def wait(self, timeout: float | None = None) -> RunResult:
        """The last step's result once the program ended; after `timeout` it is killed (status "timeout").
        After a kill this returns at once, without waiting for a step still running on its server."""
        if not self._done.wait(0 if self._killed.is_set() else timeout):
            timed_out = not self._killed.is_set()
            self.kill()
            last = self._result or _error_result("", 0.0)
            keep = last.status == "sandbox_error"
            return last if keep else last.model_copy(update={"status": "timeout" if timed_out else "killed"})
        assert self._result is not None
        return self._result

    def communicate(self, stdin: bytes) -> RunResult:
        self.stdin.write(stdin)
        self.stdin.close()
        return self.wait()

    def __enter__(self) -> "ReplayProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
