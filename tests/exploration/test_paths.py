"""The exploration transforms, unchanged, through every face: the built-in trainer (with checkpoint and
resume), TRL's reward functions, the reward server and verl's reward manager (in the verl venv)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import httpx
import pytest
import torch
from envsdk.adapters.trl import reward_funcs, to_trl_dataset
from envsdk.scoring import BatchScorer
from envsdk.train import GRPOConfig, GRPOTrainer, TinyConfig

from tests.adapters.servers import running
from tests.helpers.verl_venv import run_in_verl_venv

FAST = TinyConfig(n_layer=1, warm_start_steps=5, warm_start_batch=16)
ANSWERS = ["12", "14", "12", "17"]  # toy-even: 17 is odd, the rest correct
UCB_C = 0.5


def _config(tmp_path: Path, **kw) -> GRPOConfig:
    return GRPOConfig(**{**dict(output_dir=str(tmp_path), env="toy-even", max_steps=2, num_generations=8,
                                eval_samples=8, eval_k=(1, 8), threads=1, progress=False, tiny=FAST), **kw})


def _ucb_rewards(counts: dict[str, int]) -> list[float]:
    """What outcome-ucb gives ANSWERS after the answers' running counts reached `counts`."""
    return [float(a != "17") + UCB_C / math.sqrt(counts[a]) for a in ANSWERS]


# what the second batch of ANSWERS earns: counts 12→4, 14→2, 17→2
SECOND = _ucb_rewards({"12": 4, "14": 2, "17": 2})


@pytest.mark.parametrize("name", ["pkpo", "passk-adv", "outcome-ucb", "outcome-batch"])
def test_each_transform_trains_in_the_built_in_trainer_with_its_declared_scale(tmp_path, name):
    trainer = GRPOTrainer(_config(tmp_path, transforms=[name]))
    assert trainer.scale == {"pkpo": "none", "passk-adv": "none"}.get(name, "group")
    line = trainer.train_step()
    assert f"transform/{name}/seconds" in line
    trainer.close()


def _lines(path: Path) -> list[dict]:
    return [{k: v for k, v in json.loads(t).items() if not k.endswith(("_s", "/seconds"))}  # timings differ
            for t in (path / "metrics.jsonl").read_text().splitlines()]


def test_stateful_transforms_resume_bit_identically(tmp_path):
    transforms = ["outcome-ucb", "pkpo"]
    options = {"pkpo": {"k": 8, "k_end": 2, "anneal_steps": 4}}
    full = GRPOTrainer(_config(tmp_path / "full", max_steps=4, save_every=2, transforms=transforms,
                               transform_kwargs=options))
    full.train()
    shutil.copytree(tmp_path / "full", tmp_path / "cut")
    shutil.rmtree(tmp_path / "cut" / "checkpoint-4")  # the run died after step 2's checkpoint
    cut = GRPOTrainer(_config(tmp_path / "cut", max_steps=4, resume=True, transforms=transforms,
                              transform_kwargs=options))
    cut.train()
    assert _lines(tmp_path / "cut") == _lines(tmp_path / "full")
    saved = torch.load(tmp_path / "full" / "checkpoint-4" / "trainer_state.pt", weights_only=False)["transforms"]
    assert [t.state_dict() for t in cut.transforms] == [t.state_dict() for t in full.transforms] == saved
    assert saved[1] == {"steps": 4} and saved[0]["steps"] == 4
    # step 2's checkpoint held the counts of two steps of 8 samples
    mid = torch.load(tmp_path / "full" / "checkpoint-2" / "trainer_state.pt", weights_only=False)["transforms"]
    assert sum(sum(c.values()) for c in mid[0]["counts"].values()) == 16


def _trl_batch():
    row = to_trl_dataset("toy-even")[0]
    columns = {k: [row[k]] * len(ANSWERS) for k in row if k != "prompt"}
    return [row["prompt"]] * len(ANSWERS), [[{"role": "assistant", "content": a}] for a in ANSWERS], columns


def test_trl_reward_function_keeps_the_transform_state_across_calls():
    (fn,) = reward_funcs("toy-even", transforms=[("outcome-ucb", {"c": UCB_C})], num_generations=4)
    prompts, completions, columns = _trl_batch()
    first = fn(prompts, completions, None, **columns)
    assert first == pytest.approx(_ucb_rewards({"12": 2, "14": 1, "17": 1}))
    assert fn(prompts, completions, None, **columns) == pytest.approx(SECOND)
    fn.close()


def test_trl_reward_function_composes_pkpo_after_outcome_batch():
    (fn,) = reward_funcs("toy-even", transforms=["outcome-batch", ("pkpo", {"k": 2, "baseline": "none"})],
                         num_generations=4)
    prompts, completions, columns = _trl_batch()
    rewards = fn(prompts, completions, None, **columns)
    # outcome-batch: 1 − 0.5·share → [0.75, 0.875, 0.75, −0.125]; pkpo k=2 over those (sorted below)
    from envsdk_exploration import pkpo_rewards

    assert rewards == pytest.approx(pkpo_rewards([0.75, 0.875, 0.75, -0.125], 2, "none"))
    fn.close()


def test_reward_server_holds_one_transform_instance_across_requests():
    scorer = BatchScorer("toy-even", transforms=[("outcome-ucb", {"c": UCB_C})], group_size=4)
    prompt = "Reply with an even number from 10 to 98."
    body = {"query": [prompt + a for a in ANSWERS], "prompts": [prompt] * 4, "labels": ["null"] * 4}
    with running(scorer) as url:
        first = httpx.post(url + "/get_reward", json=body, timeout=60).json()["rewards"]
        second = httpx.post(url + "/get_reward", json=body, timeout=60).json()["rewards"]
    assert first == pytest.approx(_ucb_rewards({"12": 2, "14": 1, "17": 1}))
    assert second == pytest.approx(SECOND)


def test_verl_manager_runs_the_transforms_inside_the_verl_venv():
    run_in_verl_venv("tests/exploration/verl_hooks.py")
