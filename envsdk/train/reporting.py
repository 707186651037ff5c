"""Where a training run's numbers go besides `metrics.jsonl`: TensorBoard, Weights & Biases, `completions.jsonl`.

`--report-to tensorboard|wandb|none` picks the logger backends (imported only when chosen). Each metric line
is logged under TRL's name for the same metric, with the Hugging Face Trainer's `train/` and `eval/`
prefixes, so a dashboard built for TRL's `GRPOTrainer` reads envsdk runs too (docs/report.md lists the names).
`completions.jsonl` keeps every rollout of every step (prompt, completion, verdict, transformed reward,
advantage, the group's transform metrics): `envsdk report` shows it as the rollout table.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

from envsdk.errors import EnvsdkError, require
from envsdk.group import Group
from envsdk.messages import prompt_text

BACKENDS = ("tensorboard", "wandb", "none")

# metrics.jsonl name → TRL GRPOTrainer's name (trl 1.16, `GRPOTrainer._metrics`); the others are the same in both
TRL_NAMES = {
    "reward_mean": "reward",
    "completion_len_mean": "completions/mean_length",
    "eval_reward_mean": "reward",
}
# bookkeeping fields of a metric line, not metrics
_NOT_METRICS = ("step", "eval")


def trl_tags(line: dict[str, Any]) -> dict[str, float]:
    """A metric line as TensorBoard/W&B scalars: TRL's names, prefixed `train/` or `eval/` as the HF Trainer does."""
    prefix = "eval/" if line.get("eval") else "train/"
    return {
        prefix + TRL_NAMES.get(key, key): float(value)
        for key, value in line.items()
        if key not in _NOT_METRICS and isinstance(value, (int, float)) and not isinstance(value, bool)
    }


class Backend(Protocol):
    """A logger that receives scalar metrics at a step."""

    def log(self, scalars: dict[str, float], step: int) -> None: ...

    def close(self) -> None: ...


class TensorBoardBackend:
    """Event files under `RUN_DIR/runs/` (the HF Trainer's `logging_dir` layout)."""

    def __init__(self, run_dir: Path, config: dict[str, Any]):
        tensorboard = require("torch.utils.tensorboard", "tensorboard")
        self.writer = tensorboard.SummaryWriter(log_dir=str(run_dir / "runs"))
        self.writer.add_text("config", "```json\n" + json.dumps(config, indent=2, default=str) + "\n```")

    def log(self, scalars: dict[str, float], step: int) -> None:
        for tag, value in scalars.items():
            self.writer.add_scalar(tag, value, global_step=step)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class WandbBackend:
    """A W&B run in `RUN_DIR/wandb/`; the mode (online, offline, disabled) comes from `WANDB_MODE` as usual."""

    def __init__(self, run_dir: Path, config: dict[str, Any]):
        wandb = require("wandb", "wandb")
        self.run = wandb.init(dir=str(run_dir), config=config, name=run_dir.name, reinit="create_new")

    def log(self, scalars: dict[str, float], step: int) -> None:
        self.run.log(scalars, step=step)

    def close(self) -> None:
        self.run.finish()


def open_backends(report_to: Sequence[str], run_dir: Path, config: dict[str, Any]) -> list[Backend]:
    """The backends named in `report_to` ("none" alone, or an empty list: none)."""
    unknown = sorted(set(report_to) - set(BACKENDS))
    if unknown:
        raise EnvsdkError(f"unknown --report-to {', '.join(unknown)}; choose from {', '.join(BACKENDS)}")
    kinds = {"tensorboard": TensorBoardBackend, "wandb": WandbBackend}
    return [kinds[name](run_dir, config) for name in dict.fromkeys(report_to) if name != "none"]


@dataclass
class CompletionRecord:
    """One line of `completions.jsonl`: a rollout as the trainer saw it at one step."""

    step: int
    group_id: str
    example_id: str | None
    prompt: str
    rollout_index: int
    completion: str
    reward: float  # the verifier's
    final_reward: float  # after the group transforms
    advantage: float | None
    kept: bool  # counted in the group baseline (False: abstained error or filtered)
    passed: bool | None
    error: str | None
    timed_out: bool
    details: dict[str, Any] = field(default_factory=dict)
    group_metrics: dict[str, float] = field(default_factory=dict)


def completion_records(step: int, groups: Sequence[Group]) -> list[CompletionRecord]:
    """The rollouts of one step's transformed groups, flattened."""
    out = []
    for g in groups:
        advantages = g.advantages or [None] * g.n
        for rollout, final, advantage, kept in zip(g.rollouts, g.rewards, advantages, g.keep):
            v = rollout.verdict
            out.append(CompletionRecord(
                step=step, group_id=g.group_id, example_id=g.example_id, prompt=prompt_text(g.prompt),
                rollout_index=rollout.rollout_index, completion=rollout.text, reward=v.reward, final_reward=final,
                advantage=advantage, kept=kept, passed=v.passed, error=v.error, timed_out=v.timed_out,
                details=v.details, group_metrics=dict(g.metrics),
            ))
    return out


class RunReporter:
    """Sends each metric line to the chosen backends and each step's rollouts to `completions.jsonl`.

    `start_step` is the step a resumed run continues from: completion lines after it are dropped (they are
    sampled again), like `metrics.jsonl`; a fresh run (start_step 0), or one with `log_completions` off, removes
    an earlier run's file.
    """

    def __init__(self, run_dir: Path, report_to: Sequence[str], config: dict[str, Any], *,
                 log_completions: bool = True, start_step: int = 0):
        self.backends = open_backends(report_to, run_dir, config)
        path = run_dir / "completions.jsonl"
        _keep_steps_up_to(path, start_step if log_completions else 0)  # never leave an earlier run's lines behind
        self.completions = path if log_completions else None

    def log(self, line: dict[str, Any], groups: Sequence[Group] = ()) -> None:
        """One metrics.jsonl line (a training step or an eval) and, for a step, its transformed groups."""
        scalars = trl_tags(line)
        for backend in self.backends:
            backend.log(scalars, line["step"])
        if self.completions is not None and groups:
            with self.completions.open("a", encoding="utf-8") as fh:
                for record in completion_records(line["step"], groups):
                    fh.write(json.dumps(asdict(record), ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        for backend in self.backends:
            backend.close()


def _keep_steps_up_to(path: Path, step: int) -> None:
    if not path.exists():
        return
    if step == 0:
        path.unlink()
        return
    kept = [t for t in path.read_text(encoding="utf-8").splitlines(keepends=True) if json.loads(t)["step"] <= step]
    path.write_text("".join(kept), encoding="utf-8")
