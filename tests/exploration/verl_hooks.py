"""The exploration transforms behind verl's reward manager, with verl's own objects; runs only inside the
verl venv, via test_paths.py (as tests/adapters/verl_hooks.py does for the adapter)."""

import math

import pytest
from verl.trainer.ppo.reward import load_reward_manager

from tests.adapters.verl_hooks import _config, _run_reward_loop, reward_loop_input, tokenizer  # noqa: F401

PROMPT = "Reply with an even number from 10 to 98."


def _batch(tokenizer, answers, uid="u1"):
    return reward_loop_input(
        tokenizer, answers, data_source=["toy-even"] * len(answers),
        reward_model=[{"ground_truth": None}] * len(answers),
        extra_info=[{"envsdk_row": {"id": "even-0", "prompt": PROMPT}}] * len(answers), uid=[uid] * len(answers),
    )


def test_outcome_ucb_keeps_its_counts_across_batches_in_one_manager(tokenizer):
    cfg = _config(transforms=[["outcome-ucb", {"c": 0.5}]])
    cfg.actor_rollout_ref.rollout.n = 4
    manager = load_reward_manager(cfg, tokenizer)
    answers = ["twelve", "fourteen", "twelve", "seventeen"]
    first = [o["reward_score"] for o in _run_reward_loop(manager, _batch(tokenizer, answers))]
    second = [o["reward_score"] for o in _run_reward_loop(manager, _batch(tokenizer, answers))]
    bonus = lambda n: 0.5 / math.sqrt(n)  # noqa: E731
    assert first == pytest.approx([bonus(2), bonus(1), bonus(2), bonus(1)])
    assert second == pytest.approx([bonus(4), bonus(2), bonus(4), bonus(2)])


def test_pkpo_needs_unnormalised_advantages_in_verl(tokenizer):
    manager = load_reward_manager(_config(transforms=[["pkpo", {"k": 2}]], norm_by_std=True), tokenizer)
    with pytest.raises(ValueError, match="norm_adv_by_std_in_grpo=False"):
        _run_reward_loop(manager, _batch(tokenizer, ["a", "b", "c"]))
