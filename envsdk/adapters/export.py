"""Export an environment's rows as trainer datasets: TRL (HF `datasets`) and verl (parquet).

Each exported row carries the full envsdk row as JSON (`envsdk_row`, or `extra_info.envsdk_row` for
verl) so the reward adapters score it exactly as `envsdk verify` would, whatever its fields are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..environment import Environment
from ..errors import require
from ..scoring.batch import resolve_env
from ..scoring.labels import encode_label

ROW_COLUMN = "envsdk_row"


def decode_row(blob: str | dict | None) -> dict:
    """The envsdk row carried by an exported dataset row ({} when there is none)."""
    if not blob:
        return {}
    return dict(blob) if isinstance(blob, dict) else json.loads(blob)


def trl_records(env: Environment | str, split: str = "train") -> list[dict[str, Any]]:
    """Plain dicts in TRL's conversational format: `prompt` messages, `id`, `answer`, `envsdk_row`."""
    env = resolve_env(env)
    return [
        {
            "prompt": env.format_prompt(row),
            "id": str(row["id"]),
            "answer": encode_label(row.get("answer")),
            ROW_COLUMN: json.dumps(row, ensure_ascii=False, default=str),
        }
        for row in env.rows(split)
    ]


def to_trl_dataset(env: Environment | str, split: str = "train"):
    """A `datasets.Dataset` for `trl.GRPOTrainer(train_dataset=...)` with the adapter's reward functions."""
    datasets = require("datasets", "trl")
    return datasets.Dataset.from_list(trl_records(env, split))


def verl_records(env: Environment | str, split: str = "train", data_source: str | None = None) -> list[dict]:
    """Rows in verl's RL dataset schema: data_source, prompt, ability, reward_model, extra_info."""
    env = resolve_env(env)
    source = data_source or env.name
    return [
        {
            "data_source": source,
            "prompt": env.format_prompt(row),
            "ability": source,
            "reward_model": {"style": "rule", "ground_truth": encode_label(row.get("answer"))},
            "extra_info": {
                "split": split,
                "index": i,
                "id": str(row["id"]),
                ROW_COLUMN: json.dumps(row, ensure_ascii=False, default=str),
            },
        }
        for i, row in enumerate(env.rows(split))
    ]


def to_verl_parquet(env: Environment | str, path: str | Path, split: str = "train", data_source: str | None = None) -> Path:
    """Write verl's parquet (`data.train_files=PATH`); `data_source` defaults to the environment name."""
    pa = require("pyarrow", "verl")
    pq = require("pyarrow.parquet", "verl")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(verl_records(env, split, data_source)), path)
    return path
