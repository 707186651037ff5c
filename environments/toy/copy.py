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


def weak_copier(copy_share: float):
    """Warm start: copy the digit `copy_share` of the time, else reply a random digit.

    The fitted policy starts at about copy_share + (1 - copy_share)/10 success and already looks at the
    prompt, so RL has a signal to sharpen; from replies unrelated to the prompt it first collapses.
    """

    def sample(rng: random.Random) -> tuple[str, str]:
        digit = rng.choice(DIGITS)
        return prompt_for(digit), digit if rng.random() < copy_share else rng.choice(DIGITS)

    return sample


def load_environment(size: int = 512, eval_size: int = 50, seed: int = 0, copy_share: float = 0.2) -> ToyEnvironment:
    """Copy a digit from the prompt (toy; plain learning within a minute)."""
    return ToyEnvironment(
        dataset=lambda: make_rows(size, seed),
        eval_dataset=lambda: make_rows(eval_size, seed + 1),
        rubric=Rubric([copied]),
        required_fields=("answer",),
        sampling_args={"max_tokens": 3},
        description="Copy a digit from the prompt",
        warm_start=weak_copier(copy_share),
        answer_space=lambda row: [row["answer"]],
    )
