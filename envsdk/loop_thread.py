"""The one bridge from synchronous code to envsdk's coroutines: an event loop that runs on its own thread.

The synchronous faces (the trainer, the TRL, verl, OpenRLHF and Gymnasium adapters) score through async code
whose resources belong to the loop that first used them: the executor's worker pool (its queue, the readers on
its workers' sockets), HTTP clients, a tool environment's per-episode sessions. `asyncio.run` would build and
drop a loop per call, so those resources could not outlive one call. A `LoopThread` keeps one loop alive for as
long as its owner lives, and because that loop runs on a thread of its own:

- `run` works where the calling thread already runs a loop (Jupyter, TRL's async reward path, a reward hook
  called from inside verl's reward loop), where `asyncio.run` and `loop.run_until_complete` raise;
- any number of threads may call `run` at once (verl's and TRL's thread pools, OpenRLHF's `asyncio.to_thread`):
  their coroutines run concurrently on the one loop and share one scorer and one worker pool;
- the loop keeps running between calls, so background tasks (a buffer's flush, a keep-alive) are not frozen;
- a forked child (a data loader's worker) that inherits a `LoopThread` starts a fresh loop of its own, since
  the parent's thread does not exist there.

Ctrl-C while `run` waits cancels the coroutine, so its clean-up runs (a pool kills the worker it was waiting on).
The thread is a daemon: an owner that is never closed does not keep the process alive, and when the owner is
garbage-collected its loop stops.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from concurrent.futures import Future
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")

__all__ = ["LoopThread"]


class LoopThread:
    """An event loop on a daemon thread, started on first use; `run(coro)` from any thread but its own.

    Picklable: a copy carries only the name and starts its own loop when first used."""

    def __init__(self, name: str = "envsdk-loop"):
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stop: weakref.finalize | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop (started here the first time, and again in a forked child)."""
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=_serve, args=(loop,), name=self.name, daemon=True)
                self._thread.start()
                self._loop, self._pid = loop, os.getpid()
                self._stop = weakref.finalize(self, _stop, loop)  # the owner dropped without close(): stop the loop
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        """Schedule `coro` on the loop: a `concurrent.futures.Future` of its result (`asyncio.wrap_future`)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop and block this thread until it returns (or raises)."""
        if self._on_own_thread():
            coro.close()
            raise RuntimeError(f"{self.name}: run() called on its own loop would wait forever; await instead")
        call = _Call(coro)
        loop = self.loop
        try:
            loop.call_soon_threadsafe(call.start)
            return call.result.result()
        except BaseException:  # Ctrl-C (or any failure) here: the coroutine is cancelled, or never starts
            call.cancel(loop)
            raise

    def close(self) -> None:
        """Stop the loop (cancelling what still runs on it) and join its thread; a later `run` starts a new one."""
        if self._on_own_thread():
            raise RuntimeError(f"{self.name}: close() was called on its own loop; call it from another thread")
        with self._lock:
            thread, stop, pid = self._thread, self._stop, self._pid
            self._loop = self._thread = self._stop = self._pid = None
        if stop is not None and pid == os.getpid():
            stop()
            thread.join()

    def _on_own_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["name"])


class _Call:
    """One `run`: the coroutine, its task once the loop starts it, and the result the caller waits on.

    Ctrl-C can reach the waiting thread at any bytecode, also before the caller holds a handle on a task that the
    loop has already started (what `run_coroutine_threadsafe` would return): `cancel` is scheduled on the loop
    after `start`, so it either stops the coroutine from starting or cancels its task; nothing is left running."""

    def __init__(self, coro: Coroutine[Any, Any, Any]):
        self.coro = coro
        self.task: asyncio.Task | None = None
        self.cancelled = False
        self.result: Future = Future()

    def start(self) -> None:
        """On the loop: start the coroutine, unless `cancel` came first."""
        if self.cancelled:
            self.coro.close()
            self.result.cancel()
            return
        self.task = asyncio.ensure_future(self.coro)
        self.task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        if task.cancelled():
            self.result.cancel()
        elif task.exception() is not None:
            self.result.set_exception(task.exception())
        else:
            self.result.set_result(task.result())

    def cancel(self, loop: asyncio.AbstractEventLoop) -> None:
        """From the waiting thread: cancel the task, or keep the coroutine from starting (`start` checks)."""
        self.cancelled = True
        try:
            loop.call_soon_threadsafe(self._cancel)
        except RuntimeError:  # the loop is closed: nothing runs on it any more
            self.coro.close()

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
        else:  # `start` never ran (Ctrl-C before it was scheduled)
            self.coro.close()


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """The thread's body: run the loop until stopped, then cancel what is left and close it."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _stop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.call_soon_threadsafe(loop.stop)
    except RuntimeError:  # already closed
        pass
