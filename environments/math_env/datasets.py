"""Math datasets as environment rows: HF hub sets (GSM8K, MATH, MATH-500, AIME, AMC, OlympiadBench) through
`datasets`, local JSONL with the same schemas, and seeded offline reasoning-gym tasks.

Every row is `{"id", "prompt", "answer", "info": {"source", "question", ...}}`; the gold is a string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from envsdk.errors import require

from .extract import find_boxes
from .prompts import boxed_prompt


@dataclass(frozen=True)
class Source:
    """Where a dataset lives on the hub (the revision the tests' fixtures imitate)."""

    hub_id: str
    config: str | None
    split: str
    revision: str = "main"


SOURCES: dict[str, Source] = {
    "gsm8k": Source("openai/gsm8k", "main", "test"),
    "math": Source("DigitalLearningGmbH/MATH-lighteval", "default", "test"),
    "math500": Source("HuggingFaceH4/MATH-500", None, "test"),
    "aime24": Source("HuggingFaceH4/aime_2024", None, "train"),
    "aime25": Source("math-ai/aime25", None, "test"),
    "amc23": Source("math-ai/amc23", None, "test"),
    "olympiadbench": Source("Hothan/OlympiadBench", "OE_TO_maths_en_COMP", "train"),
}
DEFAULT_TASKS = ("basic_arithmetic", "fraction_simplification", "simple_equations", "lcm", "gcd")
_KEEP_INFO = ("level", "type", "subject", "subfield", "answer_type", "unit", "url", "year")


def _number_text(value: Any) -> str:
    """27.0 → "27"; other numbers as written."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def gold_of(raw: dict) -> str:
    """The gold answer of a raw row, whichever published schema it follows."""
    if raw.get("gt") is not None:
        return _number_text(raw["gt"])
    final = raw.get("final_answer")
    if final is not None:
        items = final if isinstance(final, list) else [final]
        return ", ".join(str(item).strip().strip("$").strip() for item in items)
    answer = raw.get("answer")
    if isinstance(answer, str) and "####" in answer:  # GSM8K: reasoning, then "#### 18"
        return answer.rsplit("####", 1)[1].strip().replace(",", "")
    if answer is not None:
        return _number_text(answer)
    solution = raw.get("solution")
    if isinstance(solution, list):
        solution = solution[-1] if solution else None
    if isinstance(solution, str):
        boxes, _ = find_boxes(solution)
        if boxes:
            return boxes[-1].content.strip()
    raise ValueError(f"row has no gold answer field (gt, final_answer, answer, or a \\boxed solution): {sorted(raw)}")


def question_of(raw: dict) -> str:
    """The problem text; OlympiadBench's shared `context` goes first."""
    question = raw.get("problem") or raw.get("question")
    if not isinstance(question, str):
        raise ValueError(f"row has no 'problem' or 'question' text: {sorted(raw)}")
    context = raw.get("context")
    return f"{context.strip()}\n\n{question}" if isinstance(context, str) and context.strip() else question


def to_row(raw: dict, source: str, index: int) -> dict:
    """One environment row from one raw dataset row."""
    question = question_of(raw)
    raw_id = raw.get("unique_id") or raw.get("id") or raw.get("idx")
    info = {"source": source, "question": question, **{k: raw[k] for k in _KEEP_INFO if raw.get(k) is not None}}
    return {
        "id": f"{source}-{raw_id if raw_id is not None else index}",
        "prompt": boxed_prompt(question),
        "answer": gold_of(raw),
        "info": info,
    }


def _convert(raws: Iterable[dict], source: str, limit: int | None) -> list[dict]:
    rows = []
    for index, raw in enumerate(raws):
        if limit is not None and index >= limit:
            break
        rows.append(to_row(dict(raw), source, index))
    return rows


def load_source(
    name: str, *, path: str | Path | None = None, split: str | None = None, revision: str | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Rows of a named hub set, or of a local JSONL/Parquet file in that set's schema when `path` is given."""
    datasets = require("datasets", "math")
    if path is not None:
        kind = "parquet" if str(path).endswith(".parquet") else "json"
        data = datasets.load_dataset(kind, data_files=str(path), split="train")
        return _convert(data, name, limit)
    if name not in SOURCES:
        raise ValueError(f"unknown math dataset {name!r}; known: {sorted(SOURCES)} (or pass path=...)")
    src = SOURCES[name]
    data = datasets.load_dataset(src.hub_id, src.config, split=split or src.split, revision=revision or src.revision)
    return _convert(data, name, limit)


def load_reasoning_gym(tasks: Iterable[str] = DEFAULT_TASKS, *, size: int = 100, seed: int = 0) -> list[dict]:
    """Seeded procedural problems from reasoning-gym (offline): `size` per task, same seed → same rows."""
    reasoning_gym = require("reasoning_gym", "math")
    rows = []
    for task in tasks:
        for index, entry in enumerate(reasoning_gym.create_dataset(task, size=size, seed=seed)):
            question = re.sub(r"\s+$", "", entry["question"])
            rows.append({
                "id": f"rg-{task}-{seed}-{index}",
                "prompt": boxed_prompt(question),
                "answer": str(entry["answer"]),
                "info": {"source": f"reasoning_gym/{task}", "question": question, "seed": seed},
            })
    return rows
