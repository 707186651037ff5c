"""Buffers samples that arrive one by one (server requests, verl reward-loop calls) until a whole group is in.

OpenRLHF sends samples as they finish, one request per sample or per small batch, so the n samples of
one prompt arrive in separate requests. A group that does not fill within `timeout_s` of its first
sample is scored without the transforms, and its records carry the group metric `PARTIAL_GROUP` = 1.
Each waiter gets its sample's `RolloutRecord`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ..record import RolloutRecord
from .batch import BatchScorer, group_key

PARTIAL_GROUP = "partial_group"  # group metric: 1 when the group timed out before it was whole


@dataclass
class _Pending:
    rows: list[dict] = field(default_factory=list)
    completions: list[str] = field(default_factory=list)
    futures: list[asyncio.Future] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None


class GroupBuffer:
    """Collects samples per group key and scores each group once `group_size` samples are in."""

    def __init__(self, scorer: BatchScorer, group_size: int, timeout_s: float):
        self.scorer, self.group_size, self.timeout_s = scorer, group_size, timeout_s
        self._pending: dict[str, _Pending] = {}
        self._tasks: set[asyncio.Task] = set()

    async def submit(self, row: dict, completion: str) -> RolloutRecord:
        """Wait for this sample's group (`group_key`) to fill or time out, and return the sample's record."""
        key = group_key(row)
        loop = asyncio.get_running_loop()
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending()
            pending.timer = loop.call_later(self.timeout_s, self._flush, key, pending, True)
        future = loop.create_future()
        pending.rows.append(row)
        pending.completions.append(completion)
        pending.futures.append(future)
        if len(pending.rows) == self.group_size:
            self._flush(key, pending, False)
        return await future

    def _flush(self, key: str, pending: _Pending, partial: bool) -> None:
        if self._pending.get(key) is not pending:
            return  # already flushed as a full group
        del self._pending[key]
        if pending.timer is not None:
            pending.timer.cancel()
        task = asyncio.get_running_loop().create_task(self._score(pending, partial))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _score(self, pending: _Pending, partial: bool) -> None:
        try:
            scored = await self.scorer.score(
                pending.rows,
                [r.get("prompt") for r in pending.rows],
                pending.completions,
                group_size=len(pending.rows),
                transform=not partial,
            )
        except Exception as exc:  # never leave a client hanging: every waiter gets the failure
            for future in pending.futures:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, record in zip(pending.futures, scored.records):
            if partial:
                record = record.model_copy(update={"group_metrics": {**record.group_metrics, PARTIAL_GROUP: 1.0}})
            if not future.done():
                future.set_result(record)


class RowBatcher:
    """Coalesces rows from concurrent requests into executor batches (no transforms involved).

    At most `slots` batches are in flight; rows arriving meanwhile wait and leave together as the next
    batch, so per-task overhead is paid once per batch under load and an idle server adds no delay.
    """

    def __init__(self, scorer: BatchScorer, slots: int, max_rows: int = 256):
        self.scorer, self.max_rows = scorer, max_rows
        self._slots = asyncio.Semaphore(max(1, slots))
        self._queue: list[tuple[dict, str, asyncio.Future]] = []
        self._wakeup: asyncio.Event | None = None
        self._runner: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()

    async def submit(self, row: dict, completion: str) -> RolloutRecord:
        if self._runner is None:
            self._wakeup = asyncio.Event()
            self._runner = asyncio.get_running_loop().create_task(self._run())
        future = asyncio.get_running_loop().create_future()
        self._queue.append((row, completion, future))
        self._wakeup.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            await self._slots.acquire()
            batch, self._queue = self._queue[: self.max_rows], self._queue[self.max_rows :]
            if not self._queue:
                self._wakeup.clear()
            task = asyncio.get_running_loop().create_task(self._score(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _score(self, batch: list[tuple[dict, str, asyncio.Future]]) -> None:
        try:
            rows = [r for r, _, _ in batch]
            scored = await self.scorer.score(rows, [r.get("prompt") for r in rows], [c for _, c, _ in batch])
            for (_, _, future), record in zip(batch, scored.records):
                future.done() or future.set_result(record)
        except Exception as exc:  # every waiter learns of the failure
            for _, _, future in batch:
                future.done() or future.set_exception(exc)
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
