"""toy-copy: copy a digit from the prompt. Shows plain learning (≈10% → ≈100%) within a minute on a CPU."""

from __future__ import annotations

import random

from envsdk import Rubric, reward

from ._common import ToyEnvironment, reply

DIGITS = "0123456789"


def prompt_for(digit: str) -> str:
    return f"Copy this digit: {digit}"


@reward
def copied(completion, answer) -> bool:
    """1 when the reply is exactly the digit."""
    return reply(completion) == answer


def make_rows(size: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [{"id": f"copy-{seed}-{i}", "prompt": prompt_for(d), "answer": d}
            for i, d in enumerate(rng.choice(DIGITS) for _ in range(size))]


def random_digit(rng: random.Random) -> tuple[str, str]:
    """Warm start: replies are single digits unrelated to the prompt, so copying is left to RL."""
    return prompt_for(rng.choice(DIGITS)), rng.choice(DIGITS)


def load_environment(size: int = 512, eval_size: int = 50, seed: int = 0) -> ToyEnvironment:
    """Copy a digit from the prompt (toy; plain learning within a minute)."""
    return ToyEnvironment(
        dataset=lambda: make_rows(size, seed),
        eval_dataset=lambda: make_rows(eval_size, seed + 1),
        rubric=Rubric([copied]),
        required_fields=("answer",),
        sampling_args={"max_tokens": 3},
        description="Copy a digit from the prompt",
        warm_start=random_digit,
        answer_space=lambda row: [row["answer"]],
    )
