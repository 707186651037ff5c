"""toy-even: reply with an even number from 10 to 98 (45 equally correct answers): the DARLING testbed."""

from __future__ import annotations

import random

from envsdk import Rubric, reward

from ._common import EVENS, ToyEnvironment, reply, zipf_weights

PROMPT = "Reply with an even number from 10 to 98."
ODDS = [str(n) for n in range(11, 100, 2)]


@reward
def valid(completion) -> bool:
    """1 when the reply is exactly an even number from 10 to 98."""
    return reply(completion) in EVENS


def make_rows(size: int) -> list[dict]:
    """`size` copies of the one prompt, each a separate example id (one group per row)."""
    return [{"id": f"even-{i}", "prompt": PROMPT} for i in range(size)]


def skewed_sampler(seed: int, valid_share: float, exponent: float):
    """A warm-start sampler: valid answers with Zipf weights over a seeded order, else an odd number.

    The fitted policy prefers a few answers (like a pretrained model) and is valid about `valid_share`
    of the time, leaving room to learn.
    """
    order = random.Random(seed).sample(EVENS, len(EVENS))
    weights = zipf_weights(len(order), exponent)

    def sample(rng: random.Random) -> tuple[str, str]:
        if rng.random() < valid_share:
            return PROMPT, rng.choices(order, weights)[0]
        return PROMPT, rng.choice(ODDS)

    return sample


def load_environment(size: int = 64, eval_size: int = 1, seed: int = 0, valid_share: float = 0.45,
                     zipf_exponent: float = 1.0) -> ToyEnvironment:
    """Reply with an even number from 10 to 98 (toy; 45 equally correct answers, DARLING testbed)."""
    return ToyEnvironment(
        dataset=lambda: make_rows(size),
        eval_dataset=lambda: make_rows(eval_size),
        rubric=Rubric([valid]),
        sampling_args={"max_tokens": 4},
        description="Reply with an even number from 10 to 98",
        warm_start=skewed_sampler(seed, valid_share, zipf_exponent),
        answer_space=lambda row: list(EVENS),
    )
