"""Question sets: the built-in Ardessa questions, and NQ / HotpotQA / SimpleQA-style sets through `datasets`.

Rows: `{"id", "prompt": question, "answer": [aliases], "info": {...}}`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from envsdk.errors import require

from .corpus import BUILTIN_QUESTIONS

# name -> (Hub dataset, config, question field, answer field)
PUBLIC_SETS: dict[str, tuple[str, str | None, str, str]] = {
    "nq": ("google-research-datasets/nq_open", None, "question", "answer"),
    "hotpotqa": ("hotpotqa/hotpot_qa", "distractor", "question", "answer"),
    "simpleqa": ("basicv8vc/SimpleQA", None, "problem", "answer"),
}


def _aliases(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):  # e.g. TriviaQA-style {"value", "aliases"}
        return [str(value.get("value", ""))] + [str(a) for a in value.get("aliases", [])]
    return [str(v) for v in value]


def builtin_rows(path: str | Path = BUILTIN_QUESTIONS) -> list[dict]:
    """The questions written for the built-in corpus (fictional, so no model knows the answers)."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            info = {k: v for k, v in q.items() if k not in ("id", "question", "answer")}
            rows.append({"id": q["id"], "prompt": q["question"], "answer": _aliases(q["answer"]), "info": info})
    return rows


def public_rows(name: str, *, path: str | None = None, split: str = "validation", limit: int | None = None) -> list[dict]:
    """Rows of a public QA set via `datasets`: from the Hub by `name`, or from a local JSON/JSONL/Parquet
    file at `path` laid out like it (same question and answer fields)."""
    if name not in PUBLIC_SETS:
        raise ValueError(f"unknown QA set {name!r}; known: {sorted(PUBLIC_SETS)}")
    datasets = require("datasets", "webqa")
    hub, config, q_field, a_field = PUBLIC_SETS[name]
    if path:
        kind = "parquet" if str(path).endswith(".parquet") else "json"
        data = datasets.load_dataset(kind, data_files={split: str(path)}, split=split)
    else:
        data = datasets.load_dataset(hub, config, split=split)
    if limit is not None:
        data = data.select(range(min(limit, len(data))))
    rows = []
    for i, record in enumerate(data):
        row_id = record.get("id") or f"{name}-{split}-{i}"
        info = {"source": name, **({"type": record["type"]} if "type" in record else {})}
        rows.append({"id": str(row_id), "prompt": record[q_field], "answer": _aliases(record[a_field]), "info": info})
    return rows
