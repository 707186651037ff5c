"""toy-copy: reply with exactly the digit in the prompt. Plain learning (≈30% → ≈99%) within a minute on a CPU."""

from __future__ import annotations

import random

from envsdk import Rubric, reward

from ._common import ToyEnvironment, reply

DIGITS = "0123456789"
STRAY = ".!?,;:"  # what the warm-started policy sometimes appends


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


def sloppy_copier(exact_share: float):
    """Warm start: always copy the digit, but add a stray character after it unless drawn `exact_share`.

    Copying is learned reliably only from a full signal (from a partial one a model this small may not
    pick it up within the warm start); the stray character leaves RL something to learn: reply with the
    digit alone. The fitted policy succeeds about `exact_share` of the time.
    """

    def sample(rng: random.Random) -> tuple[str, str]:
        digit = rng.choice(DIGITS)
        return prompt_for(digit), digit if rng.random() < exact_share else digit + rng.choice(STRAY)

    return sample


def load_environment(size: int = 512, eval_size: int = 50, seed: int = 0, exact_share: float = 0.3) -> ToyEnvironment:
    """Copy a digit from the prompt (toy; plain learning within a minute)."""
    return ToyEnvironment(
        dataset=lambda: make_rows(size, seed),
        eval_dataset=lambda: make_rows(eval_size, seed + 1),
        rubric=Rubric([copied]),
        required_fields=("answer",),
        sampling_args={"max_tokens": 3},
        description="Copy a digit from the prompt",
        warm_start=sloppy_copier(exact_share),
        answer_space=lambda row: [row["answer"]],
    )
