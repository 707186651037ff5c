"""Reading what a command left on disk into one `Run`: a trainer run directory, an eval output or a verify output.

    trainer run   DIR/metrics.jsonl + DIR/run.json (+ DIR/completions.jsonl, the rollouts of every step)
    eval output   OUT.jsonl + OUT.meta.json ("command": "eval") + OUT.summary.json
    verify output OUT.jsonl + OUT.meta.json ("command": "verify"); the rollouts' texts come from the input it names
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from envsdk.errors import EnvsdkError
from envsdk.messages import content_text

Kind = Literal["train", "eval", "verify"]
VERDICTS = ("passed", "failed", "unjudged", "error", "timeout")  # the verdict words, in the filter's order


class ReportInputError(EnvsdkError):
    """A path that is not a run `envsdk report` can read (missing, or of an unknown layout)."""


@dataclass
class Rollout:
    """One row of the rollout table."""

    group: str  # the example id (or the prompt) its group belongs to
    index: int
    completion: str | None
    reward: float
    passed: bool | None
    error: str | None
    timed_out: bool
    details: dict[str, Any] = field(default_factory=dict)
    step: int | None = None
    prompt: str | None = None
    final_reward: float | None = None  # after the group transforms (trainer runs)
    advantage: float | None = None
    group_metrics: dict[str, float] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """One word for the filter: error, timeout, passed, failed, or unjudged (no pass flag, no error)."""
        if self.error is not None:
            return "error"
        if self.timed_out:
            return "timeout"
        return {True: "passed", False: "failed", None: "unjudged"}[self.passed]


@dataclass
class Run:
    """What one run recorded: training steps, evaluations, a summary and its rollouts."""

    kind: Kind
    path: Path
    label: str
    meta: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)  # training metric lines, in step order
    evals: list[dict[str, Any]] = field(default_factory=list)  # evaluation lines (pass@k, coverage@k ...)
    summary: dict[str, Any] = field(default_factory=dict)  # the final numbers
    base: dict[str, Any] = field(default_factory=dict)  # a trainer run's evaluation before training (step 0), if any
    rollouts: list[Rollout] = field(default_factory=list)
    rollouts_total: int = 0  # before `max_rollouts` kept the latest ones


def load_run(path: Path, max_rollouts: int = 2000) -> Run:
    """Read a trainer run directory, or an eval/verify output (its .jsonl, .meta.json or .summary.json)."""
    if not path.exists():
        raise ReportInputError(f"{path} does not exist")
    if path.is_dir():
        if (path / "metrics.jsonl").is_file() and (path / "run.json").is_file():
            return _train_run(path, max_rollouts)
        inside = sorted(str(m.parent.relative_to(path)) for pattern in ("*/metrics.jsonl", "*/*/metrics.jsonl")
                        for m in path.glob(pattern))  # e.g. an `envsdk train experiment` output
        hint = (f"it holds trainer runs: {', '.join(inside)}" if inside
                else "give an `envsdk train --output` directory, or an eval/verify OUT.jsonl")
        raise ReportInputError(f"{path} is a directory without metrics.jsonl and run.json, so not a trainer run "
                               f"({hint})")
    out = _output_jsonl(path)
    meta_path = out.with_name(out.name.removesuffix(".jsonl") + ".meta.json")
    if not meta_path.is_file():
        raise ReportInputError(f"{path}: no {meta_path.name} next to it, so not an `envsdk eval` or `verify` output")
    meta = _read_json(meta_path)
    command = meta.get("command")
    if command == "eval":
        return _eval_run(out, meta, max_rollouts)
    if command == "verify":
        return _verify_run(out, meta, max_rollouts)
    raise ReportInputError(f"{meta_path}: command {command!r}; expected an `envsdk eval` or `verify` output")


def _output_jsonl(path: Path) -> Path:
    for suffix in (".meta.json", ".summary.json"):
        if path.name.endswith(suffix):
            return path.with_name(path.name.removesuffix(suffix) + ".jsonl")
    if path.suffix != ".jsonl":
        raise ReportInputError(f"{path}: expected a trainer run directory or an eval/verify .jsonl output")
    return path


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportInputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ReportInputError(f"{path}: expected a JSON object")
    return data


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file, blank lines skipped; a bad line is an error naming it."""
    records = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line.rstrip("\r\n"))  # a truncated line's error then points into the line
            except json.JSONDecodeError as exc:
                raise ReportInputError(f"{path}:{number}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(record, dict):
                raise ReportInputError(f"{path}:{number}: expected a JSON object")
            records.append(record)
    return records


def _train_run(path: Path, max_rollouts: int) -> Run:
    meta = _read_json(path / "run.json")
    lines = read_jsonl(path / "metrics.jsonl")
    method = "+".join(meta.get("transforms") or []) or "grpo"
    completions = path / "completions.jsonl"
    records = read_jsonl(completions) if completions.is_file() else []
    evals = [line for line in lines if line.get("eval")]
    return Run(
        kind="train",
        path=path,
        label=method if path.name == method else f"{method} · {path.name}",
        meta=meta,
        steps=[line for line in lines if not line.get("eval")],
        evals=evals,
        summary=evals[-1] if evals else {},
        base=evals[0] if len(evals) > 1 and evals[0].get("step") == 0 else {},
        rollouts=[_train_rollout(r) for r in _whole_groups(_latest(records, max_rollouts))],
        rollouts_total=len(records),
    )


def _whole_groups(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records without a leading partial group (what cutting to the latest N may leave)."""
    if not records or records[0]["rollout_index"] == 0:
        return records
    first = (records[0]["step"], records[0]["group_id"])
    return [r for r in records if (r["step"], r["group_id"]) != first]


def _train_rollout(r: dict[str, Any]) -> Rollout:
    return Rollout(
        group=str(r.get("example_id") or r.get("prompt")), index=r["rollout_index"], completion=r["completion"],
        reward=r["reward"], passed=r["passed"], error=r["error"], timed_out=r["timed_out"], details=r["details"],
        step=r["step"], prompt=r["prompt"], final_reward=r["final_reward"], advantage=r["advantage"],
        group_metrics=r["group_metrics"],
    )


def _eval_run(out: Path, meta: dict[str, Any], max_rollouts: int) -> Run:
    records = read_jsonl(out) if out.is_file() else []
    summary_path = out.with_name(out.name.removesuffix(".jsonl") + ".summary.json")
    env = meta.get("environment", {}).get("name")
    return Run(
        kind="eval",
        path=out,
        label=f"{meta.get('model', 'eval')} · {env}",
        meta=meta,
        summary=_read_json(summary_path) if summary_path.is_file() else {},
        rollouts=[_verdict_rollout(r, r.get("id") or r.get("group_id"), r.get("rollout_index", 0), r.get("completion"))
                  for r in _latest(records, max_rollouts)],
        rollouts_total=len(records),
    )


def _verify_run(out: Path, meta: dict[str, Any], max_rollouts: int) -> Run:
    records = read_jsonl(out) if out.is_file() else []
    inputs = _verify_inputs(out, meta)
    rollouts, seen = [], {}
    for i, record in enumerate(records):
        row = inputs[i] if i < len(inputs) else {}
        group = str(row.get("group_id") or record.get("id") or i)
        seen[group] = seen.get(group, -1) + 1
        rollouts.append(_verdict_rollout(record, group, seen[group], _text(row.get("completion"))))
    env = meta.get("environment", {}).get("name")
    return Run(
        kind="verify",
        path=out,
        label=f"verify · {env}",
        meta=meta,
        summary=verdict_summary(rollouts),
        rollouts=_latest(rollouts, max_rollouts),
        rollouts_total=len(rollouts),
    )


def _verify_inputs(out: Path, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows `verify` read (one output line per input row, in order); none when the input is gone."""
    name = meta.get("input")
    if not name:
        return []
    for candidate in (Path(name), out.parent / name, out.parent / Path(name).name):
        if candidate.is_file():
            return read_jsonl(candidate)
    return []


def _latest(items: list, count: int) -> list:
    """The last `count` items (none for 0)."""
    return items[max(len(items) - count, 0):]


def _verdict_rollout(record: dict[str, Any], group: Any, index: int, completion: Any) -> Rollout:
    return Rollout(
        group=str(group), index=int(index), completion=_text(completion), reward=float(record.get("reward", 0.0)),
        passed=record.get("passed"), error=record.get("error"), timed_out=bool(record.get("timed_out")),
        details=record.get("details") or {},
    )


def _text(completion: Any) -> str | None:
    """A completion as text: a string as is, chat messages as a transcript (`_message_text`)."""
    if completion is None or isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "\n".join(_message_text(m) for m in completion if isinstance(m, dict))
    return json.dumps(completion, ensure_ascii=False)


def _message_text(message: dict[str, Any]) -> str:
    """`role: content`; a tool result names its tool, and each tool call follows as `-> name(arguments)`."""
    role = f"tool {message.get('name') or ''}".strip() if message.get("role") == "tool" else message.get("role", "?")
    calls = "".join(f"\n  -> {(c.get('function') or {}).get('name')}({(c.get('function') or {}).get('arguments')})"
                    for c in message.get("tool_calls") or [] if isinstance(c, dict))
    return f"{role}: {content_text(message)}{calls}"


def verdict_summary(rollouts: list[Rollout]) -> dict[str, Any]:
    """Counts and rates over rollouts: what a verify output's page shows at the top."""
    total = max(len(rollouts), 1)
    verdicts = [r.verdict for r in rollouts]
    return {
        "rollouts": len(rollouts),
        "reward_mean": sum(r.reward for r in rollouts) / total,
        **{f"{word}_rate": verdicts.count(word) / total for word in VERDICTS},
    }
