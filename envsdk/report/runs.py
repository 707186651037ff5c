"""Reading what a command left on disk into one `Run`: a trainer run directory, an eval or verify output, or a
file of rollout records (the reward server's `--log-rollouts`).

    trainer run   DIR/metrics.jsonl + DIR/run.json (+ DIR/completions.jsonl, the rollouts of every step)
    eval output   OUT.jsonl + OUT.meta.json ("command": "eval") (+ OUT.summary.json: the k's of its pass@k)
    verify output OUT.jsonl + OUT.meta.json ("command": "verify"); a version-1 output's texts come from its input
    record file   OUT.jsonl of version-2 records and no meta (the `source` of its records names the face)

The rollouts are `envsdk.record.RolloutRecord`s, read with `read_records` (which also reads version-1 lines), and
every summary on the page is `envsdk.record.summarize` of them (a trainer run's evaluations already are).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envsdk.errors import EnvsdkError
from envsdk.jsonl import json_objects
from envsdk.record import RECORD_VERSION, RolloutRecord, read_records, summarize
from envsdk.scoring.batch import group_id

_PASS_AT = re.compile(r"^pass@(\d+)$")


class ReportInputError(EnvsdkError):
    """A path that is not a run `envsdk report` can read (missing, or of an unknown layout)."""


@dataclass
class Run:
    """What one run recorded: training steps, evaluations, a summary and its rollouts.

    `kind` is "train", "eval", "verify", or the `source` of a record file's records (e.g. "serve")."""

    kind: str
    path: Path
    label: str
    meta: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)  # training metric lines, in step order
    evals: list[dict[str, Any]] = field(default_factory=list)  # evaluation lines (pass@k, coverage@k ...)
    summary: dict[str, Any] = field(default_factory=dict)  # the final numbers
    base: dict[str, Any] = field(default_factory=dict)  # a trainer run's evaluation before training (step 0), if any
    rollouts: list[RolloutRecord] = field(default_factory=list)  # the table's: the latest whole groups
    rollouts_total: int = 0  # before `max_rollouts` kept the latest ones


def load_run(path: Path, max_rollouts: int = 2000) -> Run:
    """Read a trainer run directory, an eval/verify output (its .jsonl, .meta.json or .summary.json) or a
    record file; `max_rollouts` bounds the table (the latest whole groups), never the summary."""
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
        return _record_run(out, meta_path, max_rollouts)
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
    """The JSON objects of a JSONL file that holds no records (metrics.jsonl, a verify input); a bad line is a
    JsonlError naming it."""
    return [data for _, data in json_objects(path)]


def _records(path: Path) -> list[RolloutRecord]:
    """A face's rollout records; none when it wrote no file (an eval that sampled nothing, a run without a log)."""
    return read_records(path) if path.is_file() else []


def _run(kind: str, path: Path, label: str, meta: dict[str, Any], records: list[RolloutRecord], max_rollouts: int,
         **fields: Any) -> Run:
    """A run of these records: the table keeps the latest `max_rollouts` of them (whole groups)."""
    return Run(kind=kind, path=path, label=label, meta=meta, rollouts=_latest_groups(records, max_rollouts),
               rollouts_total=len(records), **fields)


def _latest_groups(records: list[RolloutRecord], count: int) -> list[RolloutRecord]:
    """The latest `count` records (none for 0), without a leading partial group (what the cut may leave)."""
    latest = records[max(len(records) - count, 0):] if count else []
    if not latest or latest[0].rollout_index == 0:
        return latest
    first = (latest[0].step, latest[0].group)
    return [r for r in latest if (r.step, r.group) != first]


def _env_name(meta: dict[str, Any]) -> str | None:
    return (meta.get("environment") or {}).get("name")


def _train_run(path: Path, max_rollouts: int) -> Run:
    meta = _read_json(path / "run.json")
    lines = read_jsonl(path / "metrics.jsonl")
    method = "+".join(meta.get("transforms") or []) or "grpo"
    records = _records(path / "completions.jsonl")
    evals = [line for line in lines if line.get("eval")]
    return _run(
        "train", path, method if path.name == method else f"{method} · {path.name}", meta, records, max_rollouts,
        steps=[line for line in lines if not line.get("eval")],
        evals=evals,
        summary=evals[-1] if evals else {},  # the trainer's final evaluation: summarize() of its samples, + coverage@k
        base=evals[0] if len(evals) > 1 and evals[0].get("step") == 0 else {},
    )


def _eval_run(out: Path, meta: dict[str, Any], max_rollouts: int) -> Run:
    records = _records(out)
    summary_path = out.with_name(out.name.removesuffix(".jsonl") + ".summary.json")
    written = _read_json(summary_path) if summary_path.is_file() else {}
    ks = sorted(int(m.group(1)) for key in written if (m := _PASS_AT.match(key)))  # the k's the eval was asked for
    label = f"{meta.get('model', 'eval')} · {_env_name(meta)}"
    return _run("eval", out, label, meta, records, max_rollouts, summary=summarize(records, ks))


def _verify_run(out: Path, meta: dict[str, Any], max_rollouts: int) -> Run:
    records = _records(out)
    if any(r.version == 1 for r in records):
        records = _with_inputs(records, _verify_inputs(out, meta), _env_name(meta) or "")
    return _run("verify", out, f"verify · {_env_name(meta)}", meta, records, max_rollouts, summary=summarize(records))


def _with_inputs(records: list[RolloutRecord], rows: list[dict[str, Any]], env: str) -> list[RolloutRecord]:
    """Version-1 verify lines (a row id and a verdict) completed from the input rows they score, one line per row
    in order: the completion, the group id every face gives that row (`envsdk.scoring.batch.group_id`) and the
    rollout's place in its group, as a version-2 verify line carries them."""
    out, seen = [], {}
    for i, record in enumerate(records):
        row = rows[i] if i < len(rows) else {}
        if record.version != 1 or not row:
            out.append(record)
            continue
        group = group_id(env, row)
        seen[group] = index = seen.get(group, -1) + 1
        out.append(record.model_copy(update={"completion": row.get("completion"), "group_id": group,
                                             "rollout_index": index}))
    return out


def _verify_inputs(out: Path, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows `verify` read (one output line per input row, in order); none when the input is gone."""
    name = meta.get("input")
    if not name:
        return []
    for candidate in (Path(name), out.parent / name, out.parent / Path(name).name):
        if candidate.is_file():
            return read_jsonl(candidate)
    return []


def _record_run(out: Path, meta_path: Path, max_rollouts: int) -> Run:
    """A file of version-2 records with no meta beside it (the reward server's log); anything else without a
    meta is not a run."""
    if not _holds_records(out):
        raise ReportInputError(f"{out}: no {meta_path.name} next to it, so not an `envsdk eval` or `verify` output "
                               f"(nor a file of version-{RECORD_VERSION} rollout records)")
    records = read_records(out)
    sources = "+".join(sorted({r.source for r in records if r.source})) or "records"
    env = ", ".join(sorted({r.env for r in records if r.env}))
    return _run(sources, out, f"{sources} · {env or out.name}", {"environment": {"name": env}}, records, max_rollouts,
                summary=summarize(records))


def _holds_records(path: Path) -> bool:
    """Whether the file's first line says it is a versioned rollout record (older lines need their meta)."""
    if not path.is_file():
        return False
    with path.open(encoding="utf-8") as fh:
        first = next((line for line in fh if line.strip()), "")
    try:
        data = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] >= RECORD_VERSION
