"""`--report-to tensorboard|wandb` (offline) with TRL's metric names, and the completions log."""

from __future__ import annotations

import json

import pytest

from envsdk.errors import EnvsdkError
from envsdk.group import Group
from envsdk.record import RolloutRecord, group_records
from envsdk.train.reporting import RunReporter, trl_tags
from envsdk.verdict import Verdict

# TRL GRPOTrainer's names for the metrics both trainers log, as the HF Trainer's TensorBoard/W&B callbacks
# write them (trl 1.16 grpo_trainer.py `_metrics`, transformers `rewrite_logs`)
TRL_TRAIN_TAGS = {"train/reward", "train/reward_std", "train/frac_reward_zero_std", "train/completions/mean_length",
                  "train/completions/clipped_ratio", "train/loss", "train/grad_norm", "train/learning_rate",
                  "train/num_tokens", "train/kl", "train/clip_ratio/region_mean", "train/rewards/valid/mean"}


def test_metric_lines_get_trl_names_and_trainer_prefixes():
    line = {"step": 3, "reward_mean": 0.5, "reward_std": 0.1, "completion_len_mean": 4.0, "kl": 0.02, "loss": 0.3,
            "transform/darling/num_classes": 5.0}
    assert trl_tags(line) == {"train/reward": 0.5, "train/reward_std": 0.1, "train/completions/mean_length": 4.0,
                              "train/kl": 0.02, "train/loss": 0.3, "train/transform/darling/num_classes": 5.0}
    evaluation = {"step": 4, "eval": True, "reward_mean": 0.25, "pass@1": 0.25, "coverage@4": 0.5}
    assert trl_tags(evaluation) == {"eval/reward": 0.25, "eval/pass@1": 0.25, "eval/coverage@4": 0.5}


def test_tensorboard_event_file_holds_every_step_under_trl_names(runs):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(runs.grpo / "runs"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert TRL_TRAIN_TAGS <= tags and {"eval/pass@1", "eval/pass@16", "eval/reward"} <= tags
    lines = [json.loads(t) for t in (runs.grpo / "metrics.jsonl").read_text().splitlines()]
    steps = [line for line in lines if not line.get("eval")]
    for tag, key in (("train/reward", "reward_mean"), ("train/kl", "kl")):
        scalars = events.Scalars(tag)
        assert [e.step for e in scalars] == [line["step"] for line in steps]
        # float32 in the event file: approx on the values alone (pytest 9 compares no nested sequences)
        assert [e.value for e in scalars] == pytest.approx([line[key] for line in steps])
    assert [e.step for e in events.Scalars("eval/pass@1")] == [line["step"] for line in lines if line.get("eval")]


def test_wandb_offline_run_is_written_with_trl_names(runs):
    (run_dir,) = (runs.grpo / "wandb").glob("offline-run-*")
    (log,) = run_dir.glob("run-*.wandb")
    data = log.read_bytes()
    for tag in ("train/reward", "train/kl", "train/completions/mean_length", "eval/pass@1"):
        assert tag.encode() in data


def test_unknown_backend_is_refused_with_the_choices(tmp_path):
    with pytest.raises(EnvsdkError, match="^unknown --report-to mlflow; choose from tensorboard, wandb, none$"):
        RunReporter(tmp_path, ["mlflow"], {})


def _records(step: int, example_id: str, texts: list[str]) -> list[RolloutRecord]:
    verdicts = [Verdict(reward=float(t == "42"), passed=t == "42") for t in texts]
    group = Group.from_verdicts(prompt="even?", completions=texts, verdicts=verdicts, env="toy", example_id=example_id)
    return [r.model_copy(update={"source": "train", "step": step}) for r in group_records(group)]


def test_completions_log_one_line_per_rollout_and_resume_drops_later_steps(tmp_path):
    reporter = RunReporter(tmp_path, ["none"], {})
    for step in (1, 2, 3):
        reporter.log({"step": step, "reward_mean": 0.5}, _records(step, f"e{step}", ["42", "7"]))
    reporter.log({"step": 3, "eval": True, "pass@1": 0.5})  # evaluations add no rollouts
    lines = [json.loads(t) for t in (tmp_path / "completions.jsonl").read_text().splitlines()]
    assert [(r["step"], r["id"], r["completion"], r["passed"]) for r in lines] == [
        (1, "e1", "42", True), (1, "e1", "7", False), (2, "e2", "42", True), (2, "e2", "7", False),
        (3, "e3", "42", True), (3, "e3", "7", False)]
    RunReporter(tmp_path, ["none"], {}, start_step=2)
    kept = [json.loads(t)["step"] for t in (tmp_path / "completions.jsonl").read_text().splitlines()]
    assert kept == [1, 1, 2, 2]
    RunReporter(tmp_path, ["none"], {}, start_step=0)
    assert not (tmp_path / "completions.jsonl").exists()


def test_a_run_without_completions_log_removes_an_earlier_runs_file(tmp_path):
    RunReporter(tmp_path, ["none"], {}).log({"step": 1}, _records(1, "e1", ["42"]))
    RunReporter(tmp_path, ["none"], {}, log_completions=False, start_step=1).log({"step": 2}, _records(2, "e2", ["7"]))
    assert not (tmp_path / "completions.jsonl").exists()
