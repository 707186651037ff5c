"""Saved rollouts (`envsdk verify`, the server's `/verify`): rows that carry their own `completion`.

Rows sharing a `group_id` are scored as one group (group reward functions see it whole); the others are
independent and go to the executor in chunks of consecutive rows (`Executor.chunk_size`), so per-task
overhead is paid per chunk.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Sequence

from ..errors import RowError
from ..verdict import Verdict
from .batch import check_rollout_row, group_key


def saved_tasks(rows: Sequence[dict], chunk: int) -> list[list[int]]:
    """Indices of the executor tasks: rows with a `group_id` grouped by `group_key`, the rest in chunks."""
    grouped: dict[str, list[int]] = {}
    loose: list[int] = []
    for i, row in enumerate(rows):
        if row.get("group_id") is not None:
            grouped.setdefault(group_key(row), []).append(i)
        else:
            loose.append(i)
    return list(grouped.values()) + [loose[i : i + chunk] for i in range(0, len(loose), chunk)]


async def verify_saved(
    executor: Any, rows: Sequence[Any], *, on_task: Callable[[list[int], list[Verdict]], None] | None = None
) -> list[Verdict]:
    """Verdicts for saved rollouts, in input order. A row that is not a JSON object with a `completion`
    is flagged (`bad row: ...`) and the environment flags its own missing fields; `on_task(indices,
    verdicts)` is called as each task finishes (progress, journals)."""
    verdicts: list[Verdict | None] = [None] * len(rows)
    todo: list[int] = []
    for i, row in enumerate(rows):
        try:
            check_rollout_row(row)
            todo.append(i)
        except RowError as exc:
            verdicts[i] = Verdict.from_error(f"bad row: {exc}")
    chunk = executor.chunk_size(len(todo))

    async def run(task: list[int]) -> None:
        scored = await executor.score_group([rows[i] for i in task], [rows[i]["completion"] for i in task])
        for i, verdict in zip(task, scored):
            verdicts[i] = verdict
        if on_task is not None:
            on_task(task, scored)

    await asyncio.gather(*(run([todo[j] for j in task]) for task in saved_tasks([rows[i] for i in todo], chunk)))
    return verdicts  # type: ignore[return-value]
