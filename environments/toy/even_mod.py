"""toy-even-mod: an even number from 10 to 98 with a given remainder mod 9; each instance accepts a few.

Each prompt admits the 5 even numbers ≡ r (mod 9); each instance's checker accepts a seeded subset of
them (`accepted`, default 2), like a question whose reference keeps only some plausible answers. A
policy collapsed onto one answer per prompt therefore solves a fixed share of instances whatever k is,
while a policy that keeps several answers gains with k: pass@k measures what collapse loses.
"""

from __future__ import annotations

import random

from envsdk import Rubric, reward

from ._common import EVENS, ToyEnvironment, reply, zipf_weights

ODDS = [str(n) for n in range(11, 100, 2)]


def admitted(remainder: int) -> list[str]:
    """The even numbers from 10 to 98 that leave `remainder` when divided by 9 (always 5)."""
    return [e for e in EVENS if int(e) % 9 == remainder]


def prompt_for(remainder: int) -> str:
    return f"Reply with an even number from 10 to 98 whose remainder mod 9 is {remainder}"


@reward
def accepted(completion, answer) -> bool:
    """1 when the reply is one of this instance's accepted answers."""
    return reply(completion) in answer


def make_rows(size: int, seed: int, accept: int) -> list[dict]:
    """Deterministic instances: remainders cycle 0..8, accepted subsets drawn from `seed`."""
    rng = random.Random(seed)
    rows = []
    for i in range(size):
        r = i % 9
        rows.append({"id": f"mod-{seed}-{i}", "prompt": prompt_for(r), "answer": sorted(rng.sample(admitted(r), accept)),
                     "info": {"remainder": r}})
    return rows


def skewed_sampler(seed: int, valid_share: float, exponent: float):
    """Warm start: per remainder, admitted answers with Zipf weights over a seeded order, else an odd number."""
    rng0 = random.Random(seed)
    orders = {r: rng0.sample(admitted(r), 5) for r in range(9)}
    weights = zipf_weights(5, exponent)

    def sample(rng: random.Random) -> tuple[str, str]:
        r = rng.randrange(9)
        if rng.random() < valid_share:
            return prompt_for(r), rng.choices(orders[r], weights)[0]
        return prompt_for(r), rng.choice(ODDS)

    return sample


def load_environment(size: int = 720, eval_size: int = 90, seed: int = 0, accept: int = 2,
                     valid_share: float = 0.9, zipf_exponent: float = 1.5) -> ToyEnvironment:
    """An even number with a given remainder mod 9 (toy; each instance accepts a hidden few: pass@k)."""
    if not 1 <= accept <= 5:
        raise ValueError(f"accept must be between 1 and 5 (each prompt admits 5 answers), got {accept}")
    return ToyEnvironment(
        dataset=lambda: make_rows(size, seed, accept),
        eval_dataset=lambda: make_rows(eval_size, seed + 1, accept),
        rubric=Rubric([accepted]),
        required_fields=("answer",),
        sampling_args={"max_tokens": 4},
        description="An even number with a given remainder mod 9",
        warm_start=skewed_sampler(seed, valid_share, zipf_exponent),
        answer_space=lambda row: list(row["answer"]),
    )
