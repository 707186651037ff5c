"""toy-echo: repeat a seeded word. The smallest complete environment, used by the core's tests."""

from __future__ import annotations

import random

from envsdk import Environment, Rubric, reward

WORDS = ["apple", "river", "stone", "cloud", "maple", "tiger", "ocean", "lemon", "piano", "comet"]


def make_rows(size: int, seed: int) -> list[dict]:
    """Deterministic rows: the same (size, seed) always gives the same words."""
    rng = random.Random(seed)
    rows = []
    for i in range(size):
        word = rng.choice(WORDS)
        rows.append({"id": f"echo-{seed}-{i}", "prompt": f"Repeat exactly this word: {word}", "answer": word})
    return rows


@reward
def exact(completion: str, answer: str) -> bool:
    """1 when the reply is the word itself (case and surrounding space ignored)."""
    from envsdk.messages import completion_text

    return completion_text(completion).strip().lower() == str(answer).lower()


def load_environment(size: int = 20, seed: int = 0) -> Environment:
    """Repeat a word back (toy, for tests and demos)."""
    rubric = Rubric([exact])
    rubric.add_metric(length)
    return Environment(
        dataset=lambda: make_rows(size, seed),
        rubric=rubric,
        required_fields=("answer",),
        description="Repeat a word back",
    )


def length(completion: str) -> float:
    """Characters in the reply (a zero-weight metric)."""
    from envsdk.messages import completion_text

    return float(len(completion_text(completion)))
