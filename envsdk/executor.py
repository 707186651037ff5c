"""Runs verification: I/O-bound rubrics on the event loop, CPU-heavy ones in a killable process pool.

Pool workers are fresh interpreters started from a tiny bootstrap (`_BOOTSTRAP`), never through
multiprocessing's spawn, so they never import the caller's `__main__`: scripts without a main guard,
stdin, `python -c`, notebooks and REPLs all work. A worker rebuilds the environment from its `EnvSpec`
(an ad hoc factory defined in `__main__` travels by value, through cloudpickle). With `start="fork"`
(the CLI's choice) a worker is instead a fork of this process when that is safe (Linux, one thread, a
small parent): no interpreter start and no imports, so a worker is ready in milliseconds, not seconds.
A task is one group (or a chunk of independent rows); the worker reports each row as it finishes, so the
parent measures a wall-clock deadline per row from the moment that row's work starts. A row that hangs,
crashes its worker or pushes the worker over its memory cap gets a flagged verdict; the worker is killed
and replaced and the rest of the task carries on. No signals are used inside workers, so verifiers may run
in any thread.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol, Sequence, runtime_checkable

from .environment import Environment
from .messages import Text
from .verdict import Verdict

Mode = Literal["auto", "pool", "inline"]
Start = Literal["fresh", "fork"]
_POLL_S = 0.1
ROW_TIMEOUT_S = 60.0
"""The default wall-clock seconds one row's verification may take, on every face (the commands' `--timeout`,
`ExecutorConfig.timeout_s`, the trainer's `verify_timeout_s`); an environment's `row_budget_s` raises it."""


@dataclass
class ExecutorConfig:
    """How verification runs. `timeout_s` is the wall clock per row; `memory_mb` caps a worker's RSS."""

    workers: int = os.cpu_count() or 1
    timeout_s: float = ROW_TIMEOUT_S
    memory_mb: int | None = 4096
    max_concurrency: int = 64
    mode: Mode = "auto"
    rows_per_task: int = 8
    start: Start = "fresh"
    """How pool workers start: "fresh" interpreters (safe in any process), or "fork" of this process,
    which falls back to "fresh" unless `_can_fork` says a fork is safe here."""


@runtime_checkable
class ExecutorLike(Protocol):
    """What the scoring spine asks of an executor object: `Executor`, `RayExecutor`, or one of your own.

    Both scoring calls return one verdict per rollout, in input order, and never raise for a verifier's failure
    (a crash or a hang is a flagged verdict). `config` carries the settings the callers size themselves by
    (`workers`: the reward server's batch slots); `chunk_size(n)` is how many independent rows one task takes."""

    config: ExecutorConfig

    def chunk_size(self, n_rows: int) -> int: ...

    async def score_group(
        self, rows: Sequence[dict], completions: Sequence[Text], states: Sequence[dict] | None = None
    ) -> list[Verdict]: ...

    async def score_rows(self, rows: Sequence[dict], completions: Sequence[Text]) -> list[Verdict]: ...

    async def aclose(self) -> None: ...


ExecutorChoice = ExecutorLike | ExecutorConfig | dict[str, Any]
"""What `executor=` takes wherever a scorer is built: an executor object, or settings for the local one
(an `ExecutorConfig` or a dict of its fields)."""


@dataclass
class _Task:
    rows: list[dict]
    completions: list[Text]
    states: list[dict]
    whole_group: bool


# The whole of a worker's `__main__`: restore the caller's import path, then enter `_worker_entry`.
_BOOTSTRAP = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from envsdk.executor import _worker_entry; _worker_entry(int(sys.argv[2]), int(sys.argv[3]))"
)


def _exit_with_parent(alive_fd: int) -> None:
    """Block until the parent's end of the alive pipe closes (the parent exited or died), then exit,
    so a worker stuck in a verifier never outlives the process that started it."""
    while os.read(alive_fd, 1):
        pass
    os._exit(1)


def _worker_entry(conn_fd: int, alive_fd: int) -> None:
    """A worker's start: read the pickled `(EnvSpec, factory)`, build the environment, say ready
    (or why not), then serve tasks."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: the worker exits with it
    threading.Thread(target=_exit_with_parent, args=(alive_fd,), daemon=True).start()
    conn = Connection(conn_fd)
    try:
        from .registry import rebuild_environment

        env = rebuild_environment(*pickle.loads(conn.recv_bytes()))
        _warm_up(env)
    except Exception as exc:  # reported to the parent, which raises it as one clear line
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready",))
    _worker_main(conn, env)


def _warm_up(env: Environment) -> None:
    """Run the environment's optional `warm_up()` hook: one-off imports before a worker takes rows, so no row's
    deadline or budget pays for them (a verdict must not depend on which row a worker took first)."""
    warm_up = getattr(env, "warm_up", None)
    if callable(warm_up):
        warm_up()


def _worker_main(conn: Connection, env: Environment) -> None:
    """Worker loop: receive a task, score it, stream verdicts back as plain dicts."""
    loop = asyncio.new_event_loop()
    while True:
        try:
            task: _Task | None = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        if task.whole_group:
            verdicts = loop.run_until_complete(_safe_score(env, task.rows, task.completions, task.states))
            conn.send(("group", [v.model_dump() for v in verdicts]))
            continue
        for i, (row, completion, state) in enumerate(zip(task.rows, task.completions, task.states)):
            (verdict,) = loop.run_until_complete(_safe_score(env, [row], [completion], [state]))
            conn.send(("row", i, verdict.model_dump()))


async def _safe_score(env: Environment, rows, completions, states, timeout: float | None = None) -> list[Verdict]:
    """`env.score_group`, never raising: a crash is a flagged verdict per row, and so is a missed `timeout` (the
    inline path's deadline; a pool worker runs without one, as its parent keeps the deadline and kills it)."""
    started = time.perf_counter()
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            return list(await env.score_group(rows, completions, states))
    except Exception as exc:  # an environment bug must not kill the worker or the caller
        if deadline.expired():
            return [_timeout_verdict(timeout) for _ in rows]
        message = f"{type(exc).__name__}: {exc}"
        return [Verdict.from_error(message, duration_s=time.perf_counter() - started) for _ in rows]


def _can_fork(memory_mb: int | None) -> bool:
    """A fork is safe and cheap here: Linux, a single thread (no lock another thread could be holding),
    and a parent small enough that the child's inherited memory stays far below its cap."""
    if sys.platform != "linux" or threading.active_count() != 1:
        return False
    return memory_mb is None or _rss_mb(os.getpid()) < memory_mb / 4


class _Forked:
    """The `subprocess.Popen` face (pid, poll, wait, kill, returncode) of a forked worker."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.005)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def _fork(conn_fd: int, alive_fd: int, close: Sequence[int]) -> _Forked:
    """Fork a worker that serves on `conn_fd`; it closes the parent's fds in `close` and leaves the
    parent's running event loop for its own."""
    sys.stdout.flush()  # else the child could write the parent's buffered output a second time
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return _Forked(pid)
    code = 1
    try:
        for fd in close:
            try:
                os.close(fd)
            except OSError:
                pass
        asyncio.events._set_running_loop(None)
        signal.set_wakeup_fd(-1)  # the parent's loop may have one: a signal here must not wake it
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _worker_entry(conn_fd, alive_fd)
        code = 0
    finally:
        os._exit(code)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


class _Worker:
    """One worker process, its message socket and the pipe whose closing tells it to exit."""

    def __init__(self, payload: bytes, *, fork: bool = False, inherited: Sequence[int] = ()):
        ours, theirs = socket.socketpair()
        alive_r, self._alive_w = os.pipe()
        if fork:  # the fork must not keep this pool's other workers' pipes open (`inherited`)
            self.proc: subprocess.Popen | _Forked = _fork(
                theirs.fileno(), alive_r, [ours.fileno(), self._alive_w, *inherited]
            )
        else:
            args = [json.dumps(sys.path), str(theirs.fileno()), str(alive_r)]
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, *args],
                pass_fds=(theirs.fileno(), alive_r),
                stdin=subprocess.DEVNULL,  # a script piped on stdin stays the caller's
            )
        theirs.close()
        os.close(alive_r)
        self.conn = Connection(ours.detach())
        self.conn.send_bytes(payload)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _exit_code(self) -> int | None:
        try:
            return self.proc.wait(1)
        except subprocess.TimeoutExpired:
            return None

    async def _readable(self, timeout: float) -> bool:
        if self.conn.poll():
            return True
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        fd = self.conn.fileno()
        loop.add_reader(fd, lambda: fut.done() or fut.set_result(None))
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            loop.remove_reader(fd)

    async def recv(self, deadline: float, memory_mb: int | None) -> tuple:
        """The next message, or ("timeout",) / ("crash", why) / ("memory", mb)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return ("timeout",)
            if await self._readable(min(remaining, _POLL_S)):
                try:
                    return self.conn.recv()
                except (EOFError, OSError):
                    return ("crash", f"worker died (exit code {self._exit_code()})")
            if memory_mb is not None and (rss := _rss_mb(self.proc.pid)) > memory_mb:
                return ("memory", rss)
            if not self.alive:
                return ("crash", f"worker died (exit code {self.proc.returncode})")

    def kill(self) -> None:
        if self.alive:
            self.proc.kill()
        self._exit_code()
        self.conn.close()
        if self._alive_w is not None:  # kill() may run twice; the fd number could be reused by then
            os.close(self._alive_w)
            self._alive_w = None

    @property
    def parent_fds(self) -> list[int]:
        """This worker's fds held by the parent (a forked sibling closes its copies)."""
        return [] if self.conn.closed else [self.conn.fileno(), self._alive_w]


class _Pool:
    """A fixed number of worker slots; dead workers are replaced on demand."""

    def __init__(self, payload: bytes, config: ExecutorConfig):
        self.payload, self.config = payload, config
        self.started: list[_Worker] = []
        self.idle: asyncio.Queue[_Worker | None] = asyncio.Queue()
        for _ in range(max(1, config.workers)):
            self.idle.put_nowait(None)  # a free slot; the worker is started lazily

    async def acquire(self) -> _Worker:
        worker = await self.idle.get()
        if worker is None or not worker.alive:
            try:
                worker = await self._start()
            except BaseException:  # a failed or cancelled start keeps the slot free
                self.idle.put_nowait(None)
                raise
        return worker

    async def _start(self) -> _Worker:
        self.started = [w for w in self.started if not w.conn.closed]
        fork = self.config.start == "fork" and _can_fork(self.config.memory_mb)
        worker = _Worker(self.payload, fork=fork, inherited=[fd for w in self.started for fd in w.parent_fds])
        self.started.append(worker)
        try:
            message = await worker.recv(time.monotonic() + 600, None)
        except BaseException:  # cancelled while starting: nobody else holds this worker
            worker.kill()
            raise
        if message[0] != "ready":
            worker.kill()
            raise RuntimeError(f"verification worker failed to start: {message[-1]}")
        return worker

    def release(self, worker: _Worker | None) -> None:
        self.idle.put_nowait(worker)

    def close(self) -> None:
        while not self.idle.empty():
            worker = self.idle.get_nowait()
            if worker is not None:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
                worker.kill()


class Executor:
    """Scores groups of rollouts with per-row timeouts; never raises for a verifier's failure."""

    def __init__(self, env: Environment, config: ExecutorConfig | None = None, **overrides: Any):
        self.env = env
        self.config = config or ExecutorConfig(**overrides)
        mode = self.config.mode
        if mode == "auto":
            mode = "pool" if env.cpu_heavy else "inline"
        self.mode = mode
        self._pool: _Pool | None = None
        self._sem: asyncio.Semaphore | None = None

    @property
    def row_deadline_s(self) -> float:
        """Wall-clock seconds a row may take: `timeout_s`, raised to the environment's own `row_budget_s`."""
        return max(self.config.timeout_s, self.env.row_budget_s)

    # ---- public ----------------------------------------------------------------------------
    async def score_group(
        self, rows: Sequence[dict], completions: Sequence[Text], states: Sequence[dict] | None = None
    ) -> list[Verdict]:
        """Verdicts for one group, in order. Group-level rubrics see the whole group at once (under the deadline of
        all its rows); otherwise every row has its own deadline. Inline, the rows run here, concurrently (at most
        `max_concurrency` at a time on the event loop); in the pool, `_pooled` sends them to the workers."""
        states = list(states) if states is not None else [{} for _ in completions]
        task = _Task(list(rows), list(completions), states, whole_group=self.env.has_group_funcs)
        if self.mode != "inline":
            return await self._pooled(task)
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.config.max_concurrency)
        async with self._sem:
            deadline = self.row_deadline_s
            if task.whole_group:
                return await _safe_score(self.env, task.rows, task.completions, task.states, deadline * len(task.rows))
            singles = [_safe_score(self.env, [r], [c], [s], deadline)
                       for r, c, s in zip(task.rows, task.completions, task.states)]
            return [v[0] for v in await asyncio.gather(*singles)]

    def chunk_size(self, n_rows: int) -> int:
        """Rows per task when `n_rows` independent rows are scored together (1 with group functions).

        On the event loop: `rows_per_task`. In the pool, chunks grow to about four per worker: verdicts
        stream back row by row, so a long chunk keeps per-row deadlines, and a worker waits for its next
        task (a round trip through the parent) four times per batch instead of once per eight rows.
        """
        if self.env.has_group_funcs:
            return 1
        size = max(1, self.config.rows_per_task)
        if self.mode == "pool":
            size = max(size, -(-n_rows // (4 * max(1, self.config.workers))))
        return size

    async def score_rows(self, rows: Sequence[dict], completions: Sequence[Text]) -> list[Verdict]:
        """Score independent rows in chunks of `chunk_size` (no group functions run across rows)."""
        size = self.chunk_size(len(rows))
        chunks = [(rows[i : i + size], completions[i : i + size]) for i in range(0, len(rows), size)]
        results = await asyncio.gather(*(self.score_group(r, c) for r, c in chunks))
        return [v for chunk in results for v in chunk]

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    async def __aenter__(self) -> Executor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- process pool ---------------------------------------------------------------------
    def _payload(self) -> bytes:
        """What a worker rebuilds the environment from: its spec and its factory, resolved here so a
        worker skips the entry-point scan. cloudpickle sends a factory defined in `__main__` by value
        (workers never import `__main__`) and an importable one by reference."""
        if self.env.spec is None:
            raise RuntimeError(
                "this environment has no EnvSpec, so worker processes cannot rebuild it: load it with "
                "envsdk.load_environment(name, ...) or register its factory with envsdk.register_environment"
            )
        import cloudpickle

        from .registry import ENV_GROUP, resolve

        return cloudpickle.dumps((self.env.spec, resolve(ENV_GROUP, self.env.spec.name, "environment")))

    async def _pooled(self, task: _Task) -> list[Verdict]:
        if self._pool is None:
            if self.config.start == "fork" and _can_fork(self.config.memory_mb):
                _warm_up(self.env)  # once here: the forked workers inherit it instead of each paying for it
            self._pool = _Pool(self._payload(), self.config)
        results: list[Verdict | None] = [None] * len(task.rows)
        start = 0
        while start < len(task.rows):
            sub = _Task(task.rows[start:], task.completions[start:], task.states[start:], task.whole_group)
            worker = await self._pool.acquire()
            try:
                done, healthy = await self._run_on(worker, sub, results, start)
            except BaseException:  # cancelled (Ctrl-C, a caller's timeout): the worker's answer would go unread
                self._pool.release(_kill(worker))
                raise
            self._pool.release(worker if healthy else _kill(worker))
            start += done
        return [v if v is not None else Verdict.from_error("internal: no verdict") for v in results]

    async def _run_on(self, worker: _Worker, task: _Task, results: list, offset: int) -> tuple[int, bool]:
        """Run a task on a worker; returns (rows finished or flagged, worker still usable)."""
        timeout, memory = self.row_deadline_s, self.config.memory_mb
        worker.conn.send(task)
        span = len(task.rows) if task.whole_group else 1
        done = 0
        while done < len(task.rows):
            started = time.monotonic()
            message = await worker.recv(started + timeout * span, memory)
            kind = message[0]
            if kind == "group":
                for i, v in enumerate(message[1]):
                    results[offset + i] = _verdict(v)
                return len(task.rows), True
            if kind == "row":
                results[offset + done] = _verdict(message[2])
                done += 1
                continue
            failed = _failure_verdict(message, timeout * span)
            for i in range(done, done + span):
                results[offset + i] = failed
            return done + span, False
        return done, True


def _verdict(dumped: dict) -> Verdict:
    """A verdict a worker dumped: our own model's fields, so it is rebuilt without validating again."""
    return Verdict.model_construct(**dumped)


def _kill(worker: _Worker) -> None:
    worker.kill()
    return None


def _timeout_verdict(timeout: float) -> Verdict:
    return Verdict.from_error(f"verification timed out after {timeout:g}s", timed_out=True, duration_s=timeout)


def _failure_verdict(message: tuple, timeout: float) -> Verdict:
    kind = message[0]
    if kind == "timeout":
        return _timeout_verdict(timeout)
    if kind == "memory":
        return Verdict.from_error(f"verification worker exceeded its memory cap ({message[1]:.0f} MiB); killed")
    return Verdict.from_error(f"verification crashed: {message[1]}")
