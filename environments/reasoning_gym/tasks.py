"""reasoning-gym task families: seeded rows that carry their entry, and the live entries their scorers need.

A row keeps everything needed to score it again later (task, config, seed, size, index, the entry's
question, answer and metadata). Scoring regenerates the entry from (task, config, seed, size, index):
reasoning-gym is deterministic, and the regenerated entry keeps Python types (tuples) that a JSON round
trip loses (`arc_agi` compares tuple boards). When the regenerated question differs from the stored one
(another reasoning-gym version), the stored entry is scored instead and the verdict says so.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.metadata import version
from typing import Any

from envsdk.errors import UnknownNameError, require

# Metadata keys holding a known-correct answer for families whose `answer` is None (the scorer
# checks a solution instead of comparing with one gold string).
_EXAMPLE_KEYS = ("possible_answer", "example_answer", "example_correct_answer")
_ENTRIES: dict[tuple, dict] = {}  # live entries of rows built in this process, by _entry_key


def families() -> dict[str, str]:
    """Every task family the installed reasoning-gym ships, with a one-line description."""
    datasets = require("reasoning_gym.factory", "reasoning-gym").DATASETS
    return {name: _summary(datasets[name][0], name) for name in sorted(datasets)}


def _summary(cls: type, name: str) -> str:
    doc = (cls.__doc__ or "").strip().splitlines()
    return doc[0].rstrip(".") if doc else name.replace("_", " ")


def rg_version() -> str:
    """The installed reasoning-gym version (recorded in every row)."""
    return version("reasoning-gym")


def check_task(task: str) -> str:
    """`task` itself, or UnknownNameError listing the installed families."""
    known = families()
    if task not in known:
        raise UnknownNameError("reasoning-gym task", task, list(known))
    return task


def _config_json(config: dict[str, Any]) -> str:
    return json.dumps(config, sort_keys=True, default=str)


@lru_cache(maxsize=256)
def dataset(task: str, config_json: str, seed: int, size: int):
    """The reasoning-gym dataset object of a task (cached: scorers are methods of it)."""
    config = json.loads(config_json)
    if task == "composite" and "datasets" in config:
        # CompositeConfig wants DatasetSpec objects; rows keep them as plain dicts.
        from reasoning_gym.composite import DatasetSpec

        config["datasets"] = [DatasetSpec(**spec) for spec in config["datasets"]]
    return require("reasoning_gym", "reasoning-gym").create_dataset(task, size=size, seed=seed, **config)


def _entry_key(task: str, config_json: str, seed: int, size: int, index: int) -> tuple:
    return (task, config_json, seed, size, index)


def reference_answer(entry: dict[str, Any]) -> str | None:
    """A known-correct answer: the entry's `answer`, else an example solution from its metadata
    (graph_color, propositional_logic, rubiks_cube); None when reasoning-gym gives none (boxnet, rush_hour)."""
    if entry.get("answer") is not None:
        return str(entry["answer"])
    for key in _EXAMPLE_KEYS:
        value = entry.get("metadata", {}).get(key)
        if value is not None:
            return value if isinstance(value, str) else json.dumps(value)
    return None


def make_rows(task: str, *, size: int, seed: int, config: dict[str, Any] | None = None) -> list[dict]:
    """`size` seeded rows of one family; the same arguments always give the same rows."""
    config = dict(config or {})
    config_json = _config_json(config)
    data = dataset(task, config_json, seed, size)
    rg = rg_version()
    rows = []
    for index in range(size):
        entry = data[index]
        _ENTRIES[_entry_key(task, config_json, seed, size, index)] = entry
        rows.append({
            "id": f"rg-{task}-{seed}-{index}",
            "prompt": entry["question"],
            "answer": reference_answer(entry),
            "info": {
                "task": task,
                "config": config,
                "seed": seed,
                "size": size,
                "index": index,
                "entry": json.loads(json.dumps(entry, default=str)),
                "reasoning_gym": rg,
            },
        })
    return rows


def live_entry(info: dict[str, Any]) -> tuple[Any, dict[str, Any], str]:
    """(dataset, entry, source) for a row's `info`: the regenerated entry ("generated"), or the stored
    one ("stored") when this reasoning-gym generates a different question for the same coordinates."""
    try:
        task, seed, size, index = info["task"], int(info["seed"]), int(info["size"]), int(info["index"])
        stored = info["entry"]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"info lacks the reasoning-gym coordinates (task, seed, size, index, entry): {exc}") from None
    config_json = _config_json(info.get("config") or {})
    data = dataset(check_task(task), config_json, seed, size)
    key = _entry_key(task, config_json, seed, size, index)
    if key not in _ENTRIES:
        _ENTRIES[key] = data[index]
    entry = _ENTRIES[key]
    if entry["question"] == stored.get("question"):
        return data, entry, "generated"
    return data, stored, "stored"
