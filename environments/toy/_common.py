"""Shared pieces of the numeric toy tasks: parsing a reply and the warm-start hook the trainer reads."""

from __future__ import annotations

import random
from typing import Callable

from envsdk import Environment
from envsdk.messages import completion_text

EVENS = [str(n) for n in range(10, 99, 2)]  # the 45 answers of toy-even


def reply(completion) -> str:
    """The reply as the graders see it: stripped text."""
    return completion_text(completion).strip()


def zipf_weights(count: int, exponent: float) -> list[float]:
    """Weights 1/rank^exponent for ranks 1..count."""
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


class ToyEnvironment(Environment):
    """An environment that also knows the default tiny policy's warm start and each row's answer space.

    `warm_start(rng)` draws one supervised (prompt, completion) pair: the trainer fits its tiny model on
    such pairs before RL so the policy starts with a preference, like a pretrained model does.
    `answer_space(row)` lists every correct answer of a row (for coverage@k).
    """

    def __init__(
        self,
        *,
        warm_start: Callable[[random.Random], tuple[str, str]],
        answer_space: Callable[[dict], list[str]],
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.warm_start = warm_start
        self.answer_space = answer_space
