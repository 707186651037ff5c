"""Tokens per second of `envsdk train`'s loop vs TRL 1.16.0's GRPOTrainer, same tiny model and settings.

Both train the same freshly built tiny GPT-2 (char tokenizer, no warm start) on toy-even prompts:
8 prompts x 8 completions per step, <= 4 new tokens, dapo, beta 0, lr 1e-3, fp32 on CPU, one thread.
Tokens = prompt + completion tokens processed (TRL's `num_tokens`); time = wall clock of the steps.

    python benchmarks/train_throughput.py [--steps 30]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch


def ours(steps: int, out: str) -> float:
    from envsdk.train import GRPOConfig, GRPOTrainer, TinyConfig

    config = GRPOConfig(output_dir=out, env="toy-even", max_steps=steps, prompts_per_step=8, num_generations=8,
                        max_completion_length=4, learning_rate=1e-3, threads=1, progress=False,
                        tiny=TinyConfig(warm_start_steps=0))
    trainer = GRPOTrainer(config)
    tokens, started = 0, time.perf_counter()
    for _ in range(steps):
        tokens += trainer.train_step()["num_tokens"]
    elapsed = time.perf_counter() - started
    trainer.close()
    return tokens / elapsed


def trl(steps: int, out: str) -> float:
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from envsdk.train.tiny import TinyConfig, char_tokenizer, tiny_model
    from envsdk_env_toy.even import EVENS, PROMPT

    tokenizer = char_tokenizer()
    model = tiny_model(tokenizer, TinyConfig(), seed=0)

    def valid(completions, **_):
        return [1.0 if c.strip() in EVENS else 0.0 for c in completions]

    class Clock(TrainerCallback):
        def on_train_begin(self, *a, **k):
            self.started = time.perf_counter()

        def on_log(self, args, state, control, logs=None, **k):
            self.tokens = state.num_input_tokens_seen or (logs or {}).get("num_tokens", 0)
            self.elapsed = time.perf_counter() - self.started

    clock = Clock()
    args = GRPOConfig(output_dir=out, use_cpu=True, bf16=False, per_device_train_batch_size=64, num_generations=8,
                      max_completion_length=4, max_steps=steps, learning_rate=1e-3, logging_steps=steps,
                      report_to=[], gradient_checkpointing=False, save_strategy="no", disable_tqdm=True, beta=0.0,
                      loss_type="dapo", seed=0)
    dataset = Dataset.from_dict({"prompt": [PROMPT + "\n"] * (64 * steps)})
    trainer = GRPOTrainer(model=model, reward_funcs=valid, args=args, train_dataset=dataset,
                          processing_class=tokenizer, callbacks=[clock])
    trainer.train()
    return clock.tokens / clock.elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    steps = parser.parse_args().steps
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        theirs = trl(steps, b)
        mine = ours(steps, a)
    print(f"{'loop':<22}{'tokens/s':>12}")
    print(f"{'TRL 1.16 GRPOTrainer':<22}{theirs:>12.0f}")
    print(f"{'envsdk train':<22}{mine:>12.0f}")
    print(f"ratio envsdk/TRL: {mine / theirs:.2f}x  (goal >= 1.2x)")


if __name__ == "__main__":
    main()
