"""Rollouts stored by other frameworks, as rows `envsdk verify` scores again.

Field mapping (docs/interop.md has the table):
- TRL (`GRPOConfig(log_completions=True)` writes `OUTPUT_DIR/completions/completions_NNNNN.parquet`):
  `prompt` → prompt, `completion` → completion, `step`, `advantage` and every reward column → `source`.
  TRL does not log the answer: rows are matched to the environment's dataset by prompt text.
- verifiers 0.4 (`traces.jsonl`, one Episode per line, each trace a record): `task.data.prompt` → prompt, `root_reply` (else the last
  sampled assistant message) → completion, `task.data.id` (else `task.key`) → id, the other `task.data`
  fields (`answer`, `info`, an exported envsdk `row`) → row fields, `rewards` → `source`.
- verifiers ≤ 0.3 (`results.jsonl`): `prompt`, `completion`, `answer`, `info`, `task` as they are,
  `example_id` → id, `reward` and the reward-function columns → `source`.
Fields a record lacks are taken from the environment row with the same prompt text, when there is one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from ..environment import Environment
from ..errors import EnvsdkError, require
from ..messages import prompt_text

Format = Literal["trl", "verifiers"]
FORMATS: tuple[str, ...] = ("trl", "verifiers")
# verifiers TaskData fields that describe how to run a task, not what to score it with.
_VF_RUNTIME_FIELDS = {"idx", "id", "name", "description", "prompt", "system_prompt", "image", "workdir", "agent_user",
                      "skills", "network_allow", "network_block", "artifacts", "artifact_max_bytes", "timeout",
                      "resources"}
_LEGACY_VF_FIELDS = ("prompt", "completion", "answer", "info", "task")


def read_trl_completions(path: Path) -> Iterator[dict[str, Any]]:
    """Records of TRL completion logs: one parquet file, or a folder of them (`completions_*.parquet`)."""
    pandas = require("pandas", "train")
    files = sorted(path.glob("completions_*.parquet")) if path.is_dir() else [path]
    if not files:
        raise EnvsdkError(f"{path}: no completions_*.parquet files (TRL writes them with log_completions=True)")
    for file in files:
        frame = pandas.read_parquet(file)
        for record in json.loads(frame.to_json(orient="records")):
            extra = {k: v for k, v in record.items() if k not in ("prompt", "completion")}
            yield {"prompt": record["prompt"], "completion": record["completion"],
                   "source": {"framework": "trl", "file": file.name, **extra}}


def read_verifiers(path: Path) -> Iterator[dict[str, Any]]:
    """Records of verifiers output: 0.4 `traces.jsonl` (an Episode of Traces per line) or ≤ 0.3 `results.jsonl`."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EnvsdkError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if isinstance(data.get("traces"), list):  # 0.4: an Episode per line, one Trace per agent
                yield from (_from_trace(trace) for trace in data["traces"])
            else:
                yield _from_results(data)


def _from_trace(trace: dict[str, Any]) -> dict[str, Any]:
    task = trace["task"]
    data = task["data"]
    record = {k: v for k, v in data.items() if k not in _VF_RUNTIME_FIELDS}
    record.update(record.pop("row", None) or {})  # a task exported from envsdk carries its whole row
    record.update(prompt=data.get("prompt"), completion=_trace_reply(trace))
    if data.get("id") is not None or task.get("key"):
        record["id"] = data.get("id") if data.get("id") is not None else task["key"]
    rewards = {name: (r or {}).get("score") for name, r in (trace.get("rewards") or {}).items()}
    record["source"] = {"framework": "verifiers", "trace_id": trace.get("id"), "rewards": rewards}
    return record


def _trace_reply(trace: dict[str, Any]) -> str:
    if trace.get("root_reply") is not None:
        return trace["root_reply"]
    for node in reversed(trace.get("nodes") or []):
        message = node.get("message") or {}
        if node.get("sampled") and message.get("role") == "assistant":
            return message.get("content") or ""
    return ""


def _from_results(result: dict[str, Any]) -> dict[str, Any]:
    record = {k: result[k] for k in _LEGACY_VF_FIELDS if k in result}
    if "example_id" in result:
        record["id"] = result["example_id"]
    scores = {k: v for k, v in result.items() if k not in record and isinstance(v, (int, float)) and k != "example_id"}
    record["source"] = {"framework": "verifiers", **scores}
    return record


def read_rollouts(fmt: str, path: Path) -> Iterator[dict[str, Any]]:
    """Records of a stored rollout file in `fmt` ("trl" or "verifiers")."""
    if fmt == "trl":
        return read_trl_completions(path)
    if fmt == "verifiers":
        return read_verifiers(path)
    raise EnvsdkError(f"unknown rollout format {fmt!r}; known: {', '.join(FORMATS)}")


def attach_rows(records: Iterable[dict[str, Any]], env: Environment) -> Iterator[dict[str, Any]]:
    """Each record completed with the fields of the environment row that has its prompt text (the
    record's own fields win); records whose prompt matches no row pass through unchanged."""
    by_prompt: dict[str, dict[str, Any]] = {}
    for split in ("train", "eval"):
        for row in env.rows(split):
            by_prompt.setdefault(prompt_text(row.get("prompt")).strip(), row)
    for record in records:
        row = by_prompt.get(prompt_text(record.get("prompt")).strip())
        yield {**row, **record} if row is not None else record
