"""Saved rollouts (`envsdk verify`, the server's `/verify`): rows that carry their own `completion`.

For an environment with group reward functions the rows are scored group by group (`group_key`, the rule every
face uses), so a group function sees each group whole; otherwise rows are independent and go to the executor in
chunks of consecutive rows (`Executor.chunk_size`), so per-task overhead is paid per chunk. `saved_records` turns the verdicts into the rollout records `envsdk verify` writes
and the server's `/verify` logs: no transform touches a saved rollout, so each is `RolloutRecord.of` its
verdict, with the group id every face gives the row (`group_id`) and its place among its group's rows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, Callable, Sequence

from ..errors import RowError
from ..executor import ExecutorLike
from ..messages import is_messages
from ..record import RolloutRecord
from ..verdict import Verdict
from .batch import check_rollout_row, group_id, group_key


def saved_tasks(rows: Sequence[dict], chunk: int, whole_groups: bool) -> list[list[int]]:
    """Indices of the executor tasks: one per group (`group_key`) when `whole_groups`, else chunks of rows."""
    if not whole_groups:
        return [list(range(i, min(i + chunk, len(rows)))) for i in range(0, len(rows), chunk)]
    grouped: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        grouped.setdefault(group_key(row), []).append(i)
    return list(grouped.values())


async def verify_saved(
    executor: ExecutorLike, rows: Sequence[Any], *, whole_groups: bool,
    on_task: Callable[[list[int], list[Verdict]], None] | None = None,
) -> list[Verdict]:
    """Verdicts for saved rollouts, in input order. A row that is not a JSON object with a `completion`
    is flagged (`bad row: ...`) and the environment flags its own missing fields; `on_task(indices,
    verdicts)` is called as each task finishes (progress, journals). `whole_groups` (the environment has group
    reward functions) sends each group to the executor whole."""
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

    tasks = saved_tasks([rows[i] for i in todo], chunk, whole_groups)
    await asyncio.gather(*(run([todo[j] for j in task]) for task in tasks))
    return verdicts  # type: ignore[return-value]


def saved_records(env_name: str, rows: Sequence[Any], verdicts: Sequence[Verdict], *, on_error: str = "abstain",
                  **fields: Any) -> list[RolloutRecord]:
    """One record per saved row, in input order. `rollout_index` counts the rows of each group in input order;
    a row that is not a JSON object (flagged by its verdict) gets no id, group or texts, and a prompt or
    completion that is neither a string nor chat messages is left out (the verdict says what was wrong)."""
    seen: Counter[str] = Counter()
    records = []
    for row, verdict in zip(rows, verdicts, strict=True):
        if not isinstance(row, dict):
            records.append(RolloutRecord.of(verdict, on_error=on_error, env=env_name, **fields))
            continue
        gid = group_id(env_name, row)
        records.append(RolloutRecord.of(
            verdict, on_error=on_error, env=env_name, id=None if row.get("id") is None else str(row["id"]),
            group_id=gid, rollout_index=seen[gid], prompt=_text(row.get("prompt")),
            completion=_text(row.get("completion")), **fields,
        ))
        seen[gid] += 1
    return records


def _text(value: Any) -> Any:
    """`value` when it is a record's text (a string or chat messages), else None."""
    return value if isinstance(value, str) or is_messages(value) else None
