"""Records of saved rollouts: what `envsdk verify` writes and the reward server's `/verify` logs.

A saved rollout is a row that carries its own `completion` (docs/reference.md, "Verify rows"); it is verified
without transforms (`envsdk.scoring.saved.verify_saved`), so its record is `RolloutRecord.of` its verdict, with the
group id every face gives the row (`envsdk.scoring.batch.group_id`) and its position among its group's rows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from .messages import is_messages
from .record import RolloutRecord
from .scoring.batch import group_id
from .verdict import Verdict


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
