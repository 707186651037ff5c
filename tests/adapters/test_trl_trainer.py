"""A real trl.GRPOTrainer trains 2 steps on a tiny local model with envsdk math rewards (± DARLING)."""

import math

import pytest
import torch
from envsdk.adapters.trl import reward_funcs, to_trl_dataset
from transformers import GPT2Config, GPT2LMHeadModel
from trl import GRPOConfig, GRPOTrainer

from tests.helpers.tokenizers import char_tokenizer

PLAIN_TEMPLATE = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"



def _train(tmp_path, transforms, scale):
    torch.manual_seed(0)
    tokenizer = char_tokenizer(unk=" ", chat_template=PLAIN_TEMPLATE, padding_side="left")
    model = GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=32, n_layer=2, n_head=2,
                                       bos_token_id=1, eos_token_id=1, pad_token_id=0))
    dataset = to_trl_dataset("math").select(range(4))
    args = GRPOConfig(
        output_dir=str(tmp_path), max_steps=2, per_device_train_batch_size=4, num_generations=4,
        max_completion_length=8, use_cpu=True, bf16=False, report_to="none", logging_steps=1,
        scale_rewards=scale, save_strategy="no", gradient_checkpointing=False, dataloader_num_workers=0,
    )
    funcs = reward_funcs("math", transforms=transforms, executor={"workers": 1})
    trainer = GRPOTrainer(model=model, reward_funcs=funcs, args=args, train_dataset=dataset,
                          processing_class=tokenizer)
    trainer.train()
    return [entry for entry in trainer.state.log_history if "loss" in entry]


def test_grpo_trainer_trains_two_steps_with_math_rewards(tmp_path):
    logs = _train(tmp_path, [], "group")
    assert len(logs) == 2
    assert all(math.isfinite(entry["loss"]) for entry in logs)
    assert all(entry["envsdk/verify/error_rate"] == 0.0 for entry in logs)


def test_grpo_trainer_trains_two_steps_with_darling(tmp_path):
    pytest.importorskip("envsdk_darling")
    logs = _train(tmp_path, [("darling", {"classifier": "lexical"})], "none")
    assert len(logs) == 2
    assert all(math.isfinite(entry["loss"]) for entry in logs)
    assert any(key.startswith("envsdk/transform/darling/") for key in logs[0])
