"""Sandboxed driver processes started ahead of need, so a verification never waits for a sandbox to boot.

A candidate process is used once: it is started before its sample is known, holds nothing but the driver
until the host sends the program, and is killed after that sample. A checker process (trusted test code
only) is reused while it stays in step with the host, and replaced after an error or when it gets old.
Every driver says hello first, so a process that died while idle is told apart from a candidate that
exits on purpose.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from .codec import DecodeError, dumps, loads
from .lines import ChannelClosed, ChannelOverflow, ChannelTimeout, LineReader, write_all

MAX_LINE = 16 << 20  # a checker's message (trusted test code's calls)
# A driver's boot (the sandbox's spawn, the interpreter's start, the driver's hello) is trusted work done
# before any candidate code exists, so it has this budget of its own, outside every test's and row's time.
BOOT_TIMEOUT_S = 20.0


class Child:
    """One spawned sandbox process and its framed channel (lines longer than `max_line` overflow)."""

    def __init__(self, proc: Any, life_s: float, max_line: int = MAX_LINE):
        self.proc = proc
        self.reader = LineReader(proc.stdout.fileno(), max_line)
        self.expires = time.monotonic() + life_s
        self.greeted = False

    def send(self, message: dict, deadline: float) -> bool:
        return write_all(self.proc.stdin.fileno(), dumps(message), deadline)

    def recv(self, deadline: float) -> dict:
        return loads(self.reader.readline(deadline))

    def greet(self, boot_s: float) -> bool:
        """Consume the driver's hello (True) or find the process dead or mute for `boot_s` (False)."""
        try:
            self.greeted = self.recv(time.monotonic() + boot_s).get("op") == "hello"
        except (ChannelClosed, ChannelTimeout, ChannelOverflow, DecodeError):
            self.greeted = False
        return self.greeted


class WarmPool:
    """Keeps up to `size` started, idle processes of one driver.

    `life_s` is the sandbox's wall-clock limit per process (a backstop; the host enforces per-test
    deadlines); a process is handed out only while the caller's `needed_s` of its life remains. `boot_s`
    bounds each process's boot: one that has not said hello by then is a sandbox failure.
    """

    def __init__(self, spawn: Callable[[float], Any], life_s: float, size: int = 1, max_line: int = MAX_LINE,
                 boot_s: float = BOOT_TIMEOUT_S):
        self._spawn, self.life_s, self.size, self.max_line = spawn, life_s, size, max_line
        self.boot_s = boot_s
        self._idle: list[Child] = []
        self._lock = threading.Lock()
        self._closed = False
        self._filling = False

    def take(self, needed_s: float) -> Child:
        """A greeted process with `needed_s` of life left: an idle one, else a new one. RuntimeError when
        a new one does not boot within `boot_s` (the sandbox's failure, never a candidate's)."""
        now = time.monotonic()
        with self._lock:
            idle, self._idle = self._idle, []
        fresh = [c for c in idle if c.expires - now > needed_s]
        for child in idle:
            if child not in fresh:
                child.proc.kill()
        for child in fresh:
            if child.greeted or child.greet(self.boot_s):
                for spare in fresh[fresh.index(child) + 1 :]:
                    self.give_back(spare)
                return child
            child.proc.kill()
        child = Child(self._spawn(self.life_s), self.life_s, self.max_line)
        if not child.greet(self.boot_s):
            child.proc.kill()
            result = child.proc.wait(5)
            raise RuntimeError(f"a sandboxed driver did not boot within its {self.boot_s:g}s budget "
                               f"({result.status}): {result.stderr[-500:]}")
        return child

    def give_back(self, child: Child) -> None:
        """Return a reusable process (checkers only); extra or late ones are killed."""
        with self._lock:
            if not self._closed and len(self._idle) < self.size:
                self._idle.append(child)
                return
        child.proc.kill()

    def refill(self) -> None:
        """Start processes until `size` are idle, in a background thread (one at a time), so that neither
        their spawning nor their boot delays whatever the caller does next."""
        with self._lock:
            if self._closed or self._filling or len(self._idle) >= self.size:
                return
            self._filling = True
        threading.Thread(target=self._fill, daemon=True).start()

    def _fill(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._closed or len(self._idle) >= self.size:
                        return
                child = Child(self._spawn(self.life_s), self.life_s, self.max_line)
                with self._lock:
                    if not self._closed:
                        self._idle.append(child)
                        continue
                child.proc.kill()
                return
        except Exception:  # noqa: BLE001 - e.g. the sandbox closed meanwhile: take() spawns (and reports) itself
            return
        finally:
            with self._lock:
                self._filling = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.proc.kill()
