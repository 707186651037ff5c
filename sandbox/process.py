"""A running sandboxed program seen from the trusted side: its pipes, its control channel, and the
loop that reads output under a cap and turns the supervisor's report into a RunResult."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import BinaryIO, Callable

from .models import Limits, RunResult, Status

# Wall-clock slack for set-up before the trusted side stops trusting the supervisor's own deadline.
SUPERVISOR_GRACE_S = 10.0


@dataclass
class Report:
    """What the control channel said, plus what we observed while reading."""

    messages: dict = field(default_factory=dict)
    output_capped: bool = False
    killed_by_caller: bool = False
    timed_out_by_caller: bool = False
    oom: bool = False


def classify(report: Report, stderr: str) -> tuple[Status, int | None]:
    """Map a finished run to the contract's status and exit code (signals are -signum)."""
    msg = report.messages
    if "setup_error" in msg:
        return "sandbox_error", None
    if report.output_capped or msg.get("reason") == "disk":
        return "output_limit", None
    if report.timed_out_by_caller or msg.get("reason") == "timeout":
        return "timeout", None
    code = msg.get("exit")
    if report.oom:
        return "memory_exceeded", code
    if report.killed_by_caller or msg.get("reason") == "killed" or code is None:
        return "killed", code
    if code == 0:
        return "ok", 0
    if code == -signal.SIGXCPU or (code < 0 and msg.get("cpu_exceeded")):
        return "timeout", code
    if code < 0:
        return "killed", code
    lines = stderr.rstrip().splitlines()
    if lines and lines[-1].startswith("MemoryError"):
        return "memory_exceeded", code
    return "error", code


class SandboxProcess:
    """Interactive handle on one sandboxed program.

    `stdin` (binary, writable) and `stdout` (binary, unbuffered pipe) are yours; stderr is captured
    (capped at `limits.output_bytes`). `wait()` returns the RunResult; `kill()` ends the whole tree;
    as a context manager it kills on exit. The run's wall-clock limit applies regardless.
    """

    def __init__(self, *, stdin_w: int, stdout_r: int, stderr_r: int, ctl: socket.socket,
                 limits: Limits, backend: str, tier: str, capture_stdout: bool = False,
                 on_exit: Callable[[], bool] | None = None, fallback_kill: Callable[[int | None], None] | None = None):
        self.stdin: BinaryIO = open(stdin_w, "wb", buffering=0)
        self.stdout: BinaryIO = open(stdout_r, "rb", buffering=0)
        self._stderr = open(stderr_r, "rb", buffering=0)
        self._ctl = ctl
        self._limits = limits
        self.backend, self.tier = backend, tier
        self._capture = capture_stdout
        self._on_exit = on_exit  # returns True when the run was OOM-killed; releases resources
        self._fallback_kill = fallback_kill
        self._report = Report()
        self._out = bytearray()
        self._err = bytearray()
        self._start = time.monotonic()
        self._result: RunResult | None = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if not capture_stdout:
            self._thread = threading.Thread(target=self._pump, args=(b"",), daemon=True)
            self._thread.start()

    # -- public ---------------------------------------------------------------------------
    def kill(self) -> None:
        """End the program and everything it started (idempotent)."""
        with self._lock:
            msgs = self._report.messages
            if self._done.is_set() or {"exit", "reason", "setup_error"} & msgs.keys():
                return
            self._report.killed_by_caller = True
        self._send_kill()

    def wait(self, timeout: float | None = None) -> RunResult:
        """Wait for the program; after `timeout` seconds kill it and report status "timeout"."""
        if self._thread is None:
            raise RuntimeError("wait() is for spawned processes; run() already collected the result")
        if not self._done.wait(timeout):
            self._report.timed_out_by_caller = True
            self._send_kill()
            self._done.wait()
        assert self._result is not None
        return self._result

    def communicate(self, stdin: bytes) -> RunResult:
        """Feed stdin, capture stdout and stderr (capped), return the result (used by run())."""
        self._pump(stdin)
        assert self._result is not None
        return self._result

    def __enter__(self) -> "SandboxProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
        if self._thread is not None:
            self._done.wait()
        self._close_pipes()

    # -- internals ------------------------------------------------------------------------
    def _send_kill(self) -> None:
        try:
            self._ctl.send(b"K")
        except OSError:
            pass

    def _pump(self, stdin: bytes) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._ctl, selectors.EVENT_READ, "ctl")
        sel.register(self._stderr, selectors.EVENT_READ, "err")
        if self._capture:
            sel.register(self.stdout, selectors.EVENT_READ, "out")
            if stdin:
                os.set_blocking(self.stdin.fileno(), False)
                sel.register(self.stdin, selectors.EVENT_WRITE, "in")
            else:
                self.stdin.close()
        ctl_buf = bytearray()
        view, hard_deadline = memoryview(stdin), self._start + self._limits.timeout_s + SUPERVISOR_GRACE_S
        while sel.get_map():
            left = hard_deadline - time.monotonic()
            if left <= 0:
                self._give_up(sel)
                break
            for key, _ in sel.select(left):
                if key.data == "in":
                    view = self._feed(sel, view)
                    continue
                try:
                    chunk = os.read(key.fd, 1 << 16)
                except OSError:  # e.g. ECONNRESET on the control socket when a kill races the exit
                    chunk = b""
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.data == "ctl":
                    ctl_buf += chunk
                    self._parse_ctl(ctl_buf)
                else:
                    self._keep(key.data, chunk)
        sel.close()
        self._finish()

    def _feed(self, sel: selectors.BaseSelector, view: memoryview) -> memoryview:
        try:
            view = view[os.write(self.stdin.fileno(), view[: 1 << 16]):]
        except (BrokenPipeError, OSError):
            view = view[len(view):]
        if not view:
            sel.unregister(self.stdin)
            self.stdin.close()
        return view

    def _keep(self, which: str, chunk: bytes) -> None:
        buf = self._out if which == "out" else self._err
        room = self._limits.output_bytes - len(buf)
        buf += chunk[: max(room, 0)]
        if len(chunk) > room and not self._report.output_capped:
            self._report.output_capped = True
            self._send_kill()

    def _parse_ctl(self, buf: bytearray) -> None:
        while b"\n" in buf:
            line, _, rest = bytes(buf).partition(b"\n")
            buf[:] = rest
            for key, value in json.loads(line).items():
                self._report.messages.setdefault(key, value)  # first report wins

    def _give_up(self, sel: selectors.BaseSelector) -> None:
        """The supervisor missed its own deadline: kill it from here and stop reading."""
        self._report.timed_out_by_caller = True
        if self._fallback_kill:  # a resident worker reports no pid: it is killed as a whole
            self._fallback_kill(self._report.messages.get("pid"))
        for key in list(sel.get_map().values()):
            sel.unregister(key.fileobj)

    def _finish(self) -> None:
        if self._on_exit is not None:
            self._report.oom = self._on_exit()
        stderr = self._err.decode("utf-8", "replace")
        if "setup_error" in self._report.messages:
            stderr += f"sandbox set-up failed: {self._report.messages['setup_error']}\n"
        if self._report.messages.get("reason") == "disk":
            stderr += f"sandbox: the work dir grew past tmpfs_mb={self._limits.tmpfs_mb}\n"
        status, code = classify(self._report, stderr)
        self._result = RunResult(
            status=status, exit_code=code, stdout=self._out.decode("utf-8", "replace"), stderr=stderr,
            duration_s=round(time.monotonic() - self._start, 6), backend=self.backend, tier=self.tier)
        self._ctl.close()
        self._stderr.close()
        if self._capture:
            self._close_pipes()
        self._done.set()

    def _close_pipes(self) -> None:
        for f in (self.stdin, self.stdout):
            try:
                f.close()
            except OSError:
                pass
