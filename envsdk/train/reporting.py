"""Where a training run's numbers go besides `metrics.jsonl`: TensorBoard, Weights & Biases, `completions.jsonl`.

`--report-to tensorboard|wandb|none` picks the logger backends (imported only when chosen). Each metric line
is logged under TRL's name for the same metric, with the Hugging Face Trainer's `train/` and `eval/`
prefixes, so a dashboard built for TRL's `GRPOTrainer` reads envsdk runs too (docs/report.md lists the names).
`completions.jsonl` keeps every rollout of every step as a `RolloutRecord` line (`envsdk.record`: source
"train", the step, prompt, completion, verdict, transformed reward, advantage, the transforms' annotations and
group metrics): `envsdk report` shows it as the rollout table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol, Sequence

from envsdk.errors import EnvsdkError, require
from envsdk.record import RolloutRecord, write_records

BACKENDS = ("tensorboard", "wandb", "none")

# metrics.jsonl name → TRL GRPOTrainer's name (trl 1.16, `GRPOTrainer._metrics`); the others are the same in both
TRL_NAMES = {
    "reward_mean": "reward",
    "completion_len_mean": "completions/mean_length",
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

    def log(self, line: dict[str, Any], records: Sequence[RolloutRecord] = ()) -> None:
        """One metrics.jsonl line (a training step or an eval) and, for a step, its rollouts' records."""
        scalars = trl_tags(line)
        for backend in self.backends:
            backend.log(scalars, line["step"])
        if self.completions is not None and records:
            with self.completions.open("a", encoding="utf-8") as fh:
                write_records(fh, records)

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
