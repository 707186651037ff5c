"""verl's hooks called the way verl 0.9.1 calls them, with verl's own objects (DataProto, its config,
its loaders). Runs only inside the verl venv (tests/adapters/verl_env_setup.sh), via test_verl.py."""

import asyncio
from pathlib import Path

import numpy as np
import pytest
import torch
import verl
from omegaconf import OmegaConf
from verl import DataProto
from verl.trainer.ppo.core_algos import AdvantageEstimator
from verl.trainer.ppo.ray_trainer import compute_advantage
from verl.trainer.ppo.reward import get_custom_reward_fn, load_reward_manager

from tests.helpers.tokenizers import char_tokenizer

CHARS = "abcdefghijklmnopqrstuvwxyz ?"


@pytest.fixture(scope="module")
def tokenizer():
    """A character-level tokenizer built locally (no download)."""
    return char_tokenizer(CHARS, unk="?")


def _config(**reward_kwargs):
    base = OmegaConf.load(Path(verl.__file__).parent / "trainer/config/_generated_ppo_trainer.yaml")
    overrides = OmegaConf.create({
        "actor_rollout_ref": {"rollout": {"n": 3}},
        "algorithm": {"norm_adv_by_std_in_grpo": reward_kwargs.pop("norm_by_std", False)},
        "reward": {
            "custom_reward_function": {"path": "pkg://envsdk.adapters.verl", "name": "compute_score",
                                       "reward_kwargs": reward_kwargs},
            "reward_manager": {"source": "importlib", "name": "EnvsdkRewardManager",
                               "module": {"path": "pkg://envsdk.adapters.verl_manager"}},
        },
    })
    return OmegaConf.merge(base, overrides)


def reward_loop_input(tokenizer, responses, **non_tensors):
    """A DataProto shaped like the reward loop's input: the prompt "say", each response tokenized and
    padded, and per-sample `non_tensors` (data_source, reward_model, extra_info, uid) as object arrays."""
    prompt_ids = torch.tensor([tokenizer.encode("say")] * len(responses))
    encoded = [tokenizer.encode(r) + [tokenizer.eos_token_id] for r in responses]
    width = max(map(len, encoded))
    padded = torch.tensor([e + [0] * (width - len(e)) for e in encoded])
    mask = torch.cat([torch.ones_like(prompt_ids), (padded != 0).long()], dim=1)
    return DataProto.from_dict(
        tensors={"prompts": prompt_ids, "responses": padded, "attention_mask": mask,
                 "response_mask": (padded != 0).long()},
        non_tensors={k: np.array(v, dtype=object) for k, v in non_tensors.items()},
    )


def _batch(tokenizer, samples):
    """The reward loop's input for (uid, answer, response) samples of `adapters-flaky`."""
    return reward_loop_input(
        tokenizer,
        [r for _, _, r in samples],
        data_source=["adapters-flaky"] * len(samples),
        reward_model=[{"ground_truth": a} for _, a, _ in samples],
        extra_info=[{} for _ in samples],
        uid=[u for u, _, _ in samples],
    )


def _run_reward_loop(manager, data):
    """What verl's RewardLoopWorker.compute_score_batch does: run_single on each one-row slice, concurrently."""
    async def go():
        return await asyncio.gather(*(manager.run_single(data[i : i + 1]) for i in range(len(data))))
    return asyncio.run(go())


def test_custom_reward_function_loads_by_module_path_and_scores():
    fn = get_custom_reward_fn(_config())
    result = fn(data_source="adapters-flaky", solution_str="apple", ground_truth="apple", extra_info={})
    assert result["score"] == 1.0 and result["envsdk_error"] == 0.0


def test_verifier_error_scores_zero_with_a_flag():
    fn = get_custom_reward_fn(_config())
    result = fn(data_source="adapters-flaky", solution_str="raise", ground_truth="apple", extra_info={})
    assert result["score"] == 0.0 and result["envsdk_error"] == 1.0


def test_reward_manager_scores_each_sample(tokenizer):
    manager = load_reward_manager(_config(), tokenizer)
    data = _batch(tokenizer, [("u1", "apple", "apple"), ("u1", "apple", "river"), ("u1", "apple", "raise")])
    out = _run_reward_loop(manager, data)
    assert [o["reward_score"] for o in out] == [1.0, 0.0, 0.0]
    assert [o["reward_extra_info"]["envsdk_error"] for o in out] == [0.0, 0.0, 1.0]


def test_group_transform_runs_on_whole_uid_groups(tokenizer):
    from tests.adapters.envs import RankTransform

    RankTransform.seen_sizes.clear()
    manager = load_reward_manager(_config(transforms=["rank"]), tokenizer)
    samples = [("u1", "apple", "apple"), ("u2", "river", "x"), ("u1", "apple", "x"),
               ("u2", "river", "river"), ("u1", "apple", "yy"), ("u2", "river", "zz")]
    out = _run_reward_loop(manager, _batch(tokenizer, samples))
    assert [o["reward_score"] for o in out] == [2.0, 0.0, 0.0, 2.0, 1.0, 1.0]
    assert RankTransform.seen_sizes == [3, 3]


def test_transform_needing_unscaled_advantages_refuses_std_normalisation(tokenizer):
    manager = load_reward_manager(_config(transforms=["rank"], norm_by_std=True), tokenizer)
    with pytest.raises(ValueError, match="norm_adv_by_std_in_grpo=False"):
        _run_reward_loop(manager, _batch(tokenizer, [("u1", "apple", "apple")] * 3))


def test_rewards_flow_into_verl_grpo_advantages(tokenizer):
    manager = load_reward_manager(_config(), tokenizer)
    data = _batch(tokenizer, [("u1", "apple", "apple"), ("u1", "apple", "x"), ("u1", "apple", "y")])
    scores = [o["reward_score"] for o in _run_reward_loop(manager, data)]
    data.batch["token_level_rewards"] = manager.assemble_rm_scores(data, scores)
    data = compute_advantage(data, AdvantageEstimator.GRPO, norm_adv_by_std_in_grpo=False)
    first_token = data.batch["advantages"][:, 0].tolist()
    assert first_token == pytest.approx([2 / 3, -1 / 3, -1 / 3])
