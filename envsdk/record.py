"""One rollout record and one summary: what every face writes, what `envsdk report` reads, what every command prints.

A `RolloutRecord` is one completion with everything the spine learnt about it: its row (id, group, prompt), its
`Verdict`, the reward after the group transforms, its advantage, the transforms' per-rollout annotations (DARLING's
equivalence class and diversity, an exploration bonus) and the group's transform metrics. `BatchScorer.score`
returns one per input rollout (`Scored.records`); `envsdk verify`, `envsdk eval`, the trainer's `completions.jsonl`
and the reward server's `--log-rollouts` write them with `write_records`; `envsdk report` reads them back with
`read_records`. `summarize(records)` is the one summary: the commands, the trainer's metric lines, the server's logs
and the report all print what it returns. docs/reference.md, "Rollout records", lists the fields.

On disk a record is one flat JSON object: the verdict's fields at the top level (so a line is still what `verify`
always wrote, a verdict plus its row's id), and `version` (`RECORD_VERSION`). `read_records` also reads the lines
that carried no version (version 1: `verify`'s id + verdict, `eval`'s lines, the trainer's `example_id` lines).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, Any, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import validation_message
from .group import Group, OnError, baseline_entry
from .jsonl import JsonlError, json_objects
from .messages import Text, completion_text
from .metrics import mean_pass_at_k
from .verdict import Verdict

RECORD_VERSION = 2
_VERDICT_FIELDS = tuple(Verdict.model_fields)


class RecordError(JsonlError):
    """A rollout file line that is not a record (bad JSON, not an object, a field of the wrong type); names the line."""


class RolloutRecord(BaseModel):
    """One rollout as every face records it (docs/reference.md, "Rollout records").

    `final_reward` is the reward after the group transforms (the verifier's own is `verdict.reward`); it is None
    for a rollout left out of its group's baseline (`kept=False`: an abstained verifier failure or a filtered
    rollout). `annotations` maps a transform's name to what it says of this rollout; `group_metrics` are the
    group's `transform/<name>/...` metrics. `source` names the face that wrote it, `step` the training step.
    """

    model_config = ConfigDict(extra="forbid")

    version: int = RECORD_VERSION
    source: str = ""
    env: str = ""
    step: int | None = None
    id: str | None = None
    group_id: str | None = None
    rollout_index: int = 0
    prompt: Text | None = None
    completion: Text | None = None
    verdict: Verdict = Field(default_factory=Verdict)
    final_reward: float | None = None
    advantage: float | None = None
    kept: bool = True
    truncated: bool = False
    usage: dict[str, int] = Field(default_factory=dict)
    annotations: dict[str, dict[str, Any]] = Field(default_factory=dict)
    group_metrics: dict[str, float] = Field(default_factory=dict)

    @field_validator("id", "group_id", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        """Ids are text on every face: a dataset's integer id 5 is the record's "5"."""
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @classmethod
    def of(cls, verdict: Verdict, *, on_error: OnError = "abstain", **fields: Any) -> RolloutRecord:
        """A record for a rollout no transform touched: kept and rewarded as its group's baseline would take it
        (`baseline_entry`), its final reward None when it is left out."""
        kept, reward = baseline_entry(verdict, on_error)
        return cls(verdict=verdict, kept=kept, final_reward=reward if kept else None, **fields)

    def to_line(self) -> dict[str, Any]:
        """The flat JSON object written to disk: the record's fields with the verdict's spread among them."""
        data = self.model_dump(exclude={"verdict"})
        return {**data, **self.verdict.model_dump()}

    @classmethod
    def from_line(cls, data: Mapping[str, Any]) -> RolloutRecord:
        """A record from a line of any version (see the module docstring); ValidationError on a wrong field.
        Fields this version does not know are skipped, so a newer writer's added fields never stop a reader."""
        known = cls.model_fields.keys() | {"example_id"}
        fields = {k: v for k, v in data.items() if k in known}
        verdict = Verdict.model_validate({k: data[k] for k in _VERDICT_FIELDS if k in data})
        if "version" not in fields:  # version 1: the trainer named the row id `example_id`; kept = not abstained
            fields["version"] = 1
            if "example_id" in fields:
                fields["id"] = fields.pop("example_id")
            fields.setdefault("kept", not verdict.failed)
            fields.setdefault("final_reward", verdict.reward if fields["kept"] else None)
        return cls(verdict=verdict, **fields)

    @property
    def group(self) -> str | None:
        """What groups this rollout with others: its group id, else its row id (version-1 `verify` lines)."""
        return self.group_id if self.group_id is not None else self.id


def group_records(group: Group) -> list[RolloutRecord]:
    """The records of a scored (and maybe transformed) group, in rollout order: the spine's output per rollout."""
    advantages = group.advantages or [None] * group.n
    notes = group.annotations or [{} for _ in range(group.n)]
    return [
        RolloutRecord(
            env=group.env, id=group.example_id, group_id=group.group_id, rollout_index=rollout.rollout_index,
            prompt=group.prompt, completion=rollout.completion, verdict=rollout.verdict,
            final_reward=reward if kept else None, advantage=advantage, kept=kept,
            truncated=rollout.state.get("finish_reason") == "length", annotations=note,
            group_metrics=dict(group.metrics),
        )
        for rollout, reward, kept, advantage, note in zip(group.rollouts, group.rewards, group.keep, advantages, notes)
    ]


def write_records(out: IO[str], records: Iterable[RolloutRecord]) -> None:
    """Append records to an open text file, one JSON line each."""
    out.writelines(json.dumps(r.to_line(), ensure_ascii=False, default=str) + "\n" for r in records)


def read_records(path: Path) -> list[RolloutRecord]:
    """The records of a JSONL file, blank lines skipped; a line that is not a JSON object raises JsonlError, one
    that is not a record RecordError, each naming `path:line`."""
    records = []
    for number, data in json_objects(path):
        try:
            records.append(RolloutRecord.from_line(data))
        except ValidationError as exc:
            raise RecordError(f"{path}:{number}: {validation_message(exc)}") from None
    return records


# ---- the one summary -------------------------------------------------------------------------
def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _groups(records: Sequence[RolloutRecord]) -> list[list[RolloutRecord]]:
    """Records by group (`RolloutRecord.group`), in order of first appearance; a record without one is its own."""
    by_key: dict[Any, list[RolloutRecord]] = {}
    for i, r in enumerate(records):
        by_key.setdefault((r.step, r.group) if r.group is not None else ("#", i), []).append(r)
    return list(by_key.values())


def summarize(records: Sequence[RolloutRecord], ks: Sequence[int] = ()) -> dict[str, float]:
    """Every summary envsdk prints, from records alone (docs/reference.md, "Summaries" lists the names).

    Counts (`rollouts`, `groups`); the verifier's `reward_mean`/`reward_std`; `correct_rate` (`Verdict.correct`);
    verifier health (`verify/error_rate`, `verify/timeout_rate`, `verify/budget_exceeded_rate`, and
    `verify/abstain_rate`: rollouts left out of their baseline); each reward component's mean; per group (the
    same `group_id`, within one step): `distinct_correct`, `frac_reward_zero_std` (share of rollouts in groups of
    two or more whose verifier rewards do not vary) and unbiased `pass@k` for each k in `ks`; the groups' transform
    metrics (means over groups); `transformed_reward_mean` when the transforms changed any kept reward.
    """
    verdicts = [r.verdict for r in records]
    rewards = [v.reward for v in verdicts]
    mean = _mean(rewards)
    groups = _groups(records)
    out: dict[str, float] = {
        "rollouts": len(records),
        "groups": len(groups),
        "reward_mean": mean,
        "reward_std": math.sqrt(sum((x - mean) ** 2 for x in rewards) / max(len(rewards) - 1, 1)),
        "correct_rate": _mean([float(v.correct) for v in verdicts]),
        "verify/error_rate": _mean([float(v.error is not None) for v in verdicts]),
        "verify/timeout_rate": _mean([float(v.timed_out) for v in verdicts]),
        # a comparison stopped by its own CPU budget: a 0 (not an abstention), counted so a rise is visible
        "verify/budget_exceeded_rate": _mean([float(bool(v.details.get("budget_exceeded"))) for v in verdicts]),
        "verify/abstain_rate": _mean([float(not r.kept) for r in records]),
    }
    components: dict[str, list[float]] = {}
    for v in verdicts:
        for name, value in v.components.items():
            components.setdefault(name, []).append(value)
    out.update({f"rewards/{k}/mean": _mean(v) for k, v in sorted(components.items()) if all(map(math.isfinite, v))})
    multi = [g for g in groups if len(g) > 1]
    flat = sum(len(g) for g in multi if max(r.verdict.reward for r in g) - min(r.verdict.reward for r in g) < 1e-12)
    out["frac_reward_zero_std"] = flat / max(sum(len(g) for g in multi), 1)
    out["distinct_correct"] = _mean([float(len({_text(r) for r in g if r.verdict.correct})) for g in groups])
    out.update(mean_pass_at_k([(len(g), sum(r.verdict.correct for r in g)) for g in groups], ks))
    extra: dict[str, list[float]] = {}
    for g in groups:
        for name, value in g[0].group_metrics.items():
            extra.setdefault(name, []).append(value)
    out.update({k: _mean(v) for k, v in sorted(extra.items()) if all(map(math.isfinite, v))})
    kept = [r for r in records if r.kept and r.final_reward is not None]
    if any(r.final_reward != (0.0 if r.verdict.failed else r.verdict.reward) for r in kept):
        out["transformed_reward_mean"] = _mean([r.final_reward for r in kept])
    return out


def _text(record: RolloutRecord) -> str:
    """A completion's text, stripped: what `distinct_correct` counts."""
    return completion_text(record.completion or "").strip()
