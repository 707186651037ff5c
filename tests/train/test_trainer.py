"""The GRPO loop end to end on toy tasks: learning, determinism, resume, transforms, CLI outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from envsdk.train import GRPOConfig, GRPOTrainer, TinyConfig
from envsdk.train.cli import main

FAST = TinyConfig(n_layer=1, warm_start_steps=5, warm_start_batch=16)


def _config(tmp_path: Path, **kw) -> GRPOConfig:
    settings = dict(output_dir=str(tmp_path), env="toy-even", max_steps=3, num_generations=8, eval_samples=16,
                    eval_k=(1, 4, 16), threads=1, progress=False, tiny=FAST)
    return GRPOConfig(**{**settings, **kw})


def _lines(path: Path) -> list[dict]:
    return [json.loads(t) for t in (path / "metrics.jsonl").read_text().splitlines()]


def _without_times(lines: list[dict]) -> list[dict]:
    return [{k: v for k, v in line.items() if not k.endswith("_s")} for line in lines]


def test_grpo_learns_toy_even(tmp_path):
    config = _config(tmp_path, max_steps=40, num_generations=32, learning_rate=3e-3, eval_samples=64,
                     tiny=TinyConfig(n_layer=1, warm_start_steps=40, warm_start_batch=32))
    final = GRPOTrainer(config).train()
    train = [l for l in _lines(tmp_path) if not l.get("eval")]
    assert train[0]["reward_mean"] < 0.8
    assert final["pass@1"] >= 0.9


def test_grpo_learns_toy_copy_from_the_warm_start(tmp_path):
    config = _config(tmp_path, env="toy-copy", max_steps=60, num_generations=32, eval_samples=16, eval_at_start=True,
                     tiny=TinyConfig())
    final = GRPOTrainer(config).train()
    start = _lines(tmp_path)[0]
    assert start["eval"] and start["pass@1"] < 0.5
    assert final["pass@1"] >= 0.85


def test_metrics_lines_carry_the_contract_fields(tmp_path):
    GRPOTrainer(_config(tmp_path)).train()
    train, final = _lines(tmp_path)[0], _lines(tmp_path)[-1]
    summary = {"rollouts", "groups", "reward_mean", "reward_std", "correct_rate", "frac_reward_zero_std",
               "distinct_correct", "rewards/valid/mean", "verify/error_rate", "verify/timeout_rate",
               "verify/budget_exceeded_rate", "verify/abstain_rate"}  # envsdk.record.summarize's names
    for name in ("step", *sorted(summary), "loss", "completion_len_mean", "step_s", "generate_s", "reward_s",
                 "transform_s", "train_s"):
        assert name in train, name
    assert final["eval"] is True
    assert summary | {"pass@1", "pass@4", "pass@16", "coverage@16"} <= set(final)
    assert "eval_reward_mean" not in final


def test_kl_is_logged_with_a_reference_model(tmp_path):
    GRPOTrainer(_config(tmp_path, max_steps=1, beta=0.04)).train()
    assert _lines(tmp_path)[0]["kl"] == 0.0  # the reference is the starting policy: no divergence at step 1


def test_same_seed_gives_identical_metrics(tmp_path):
    GRPOTrainer(_config(tmp_path / "a", num_iterations=2, gradient_accumulation_steps=2)).train()
    GRPOTrainer(_config(tmp_path / "b", num_iterations=2, gradient_accumulation_steps=2)).train()
    assert _without_times(_lines(tmp_path / "a")) == _without_times(_lines(tmp_path / "b"))


def test_evaluating_never_changes_the_training_samples(tmp_path):
    GRPOTrainer(_config(tmp_path / "a", eval_every=1, eval_at_start=True)).train()
    GRPOTrainer(_config(tmp_path / "b")).train()
    train = [[line for line in _lines(tmp_path / run) if not line.get("eval")] for run in ("a", "b")]
    assert _without_times(train[0]) == _without_times(train[1])


def test_resume_continues_exactly_where_the_checkpoint_left_off(tmp_path):
    GRPOTrainer(_config(tmp_path / "full", max_steps=4, save_every=2)).train()
    shutil.copytree(tmp_path / "full", tmp_path / "cut")
    shutil.rmtree(tmp_path / "cut" / "checkpoint-4")  # as if the run had died after step 2's checkpoint
    GRPOTrainer(_config(tmp_path / "cut", max_steps=4, resume=True)).train()
    assert _without_times(_lines(tmp_path / "cut")) == _without_times(_lines(tmp_path / "full"))


def test_checkpoint_is_save_pretrained_plus_trainer_state(tmp_path):
    GRPOTrainer(_config(tmp_path, max_steps=2, save_every=1)).train()
    for step in (1, 2):
        folder = tmp_path / f"checkpoint-{step}"
        assert (folder / "config.json").exists() and (folder / "trainer_state.pt").exists()


def test_darling_transform_runs_with_scale_none(tmp_path):
    trainer = GRPOTrainer(_config(tmp_path, transforms=["darling"], transform_kwargs={"darling": {"classifier": None}}))
    assert trainer.scale == "none"
    line = trainer.train_step()
    assert any(key.startswith("transform/darling/") for key in line)
    trainer.close()


def test_cli_writes_metrics_run_json_and_checkpoint(tmp_path, capsys):
    code = main(["toy-even", "--output", str(tmp_path), "--max-steps", "2", "--num-generations", "8",
                 "--eval-samples", "8", "--threads", "1", "--seed", "3", "--no-progress", "--warm-start-steps", "3"])
    assert code == 0
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["seed"] == 3 and run["environment"]["name"] == "toy-even" and "torch" in run["packages"]
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["eval"] is True
    assert (tmp_path / "checkpoint-2" / "model.safetensors").exists()


def test_import_envsdk_does_not_import_the_trainer():
    import subprocess
    import sys

    code = "import envsdk, sys; assert 'envsdk.train' not in sys.modules and 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
