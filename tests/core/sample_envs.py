"""Small environments with misbehaving verifiers, built ad hoc (registered by the tests)."""

from __future__ import annotations

import os
import time

from envsdk import Environment, Rubric, reward


@reward(cpu_heavy=True)
def misbehave(completion: str, answer: str) -> float:
    """Correct when equal; 'hang', 'crash', 'bloat' and 'raise' trigger verifier failures."""
    if completion == "hang":
        while True:
            time.sleep(0.01)
    if completion == "crash":
        os._exit(3)
    if completion == "bloat":
        hog = bytearray(600 << 20)  # touched pages count towards RSS
        for i in range(0, len(hog), 4096):
            hog[i] = 1
        time.sleep(30)
    if completion == "raise":
        raise ValueError("verifier bug")
    return float(completion == answer)


def load_misbehaving(**_: object) -> Environment:
    """An environment whose verifier can hang, crash, bloat or raise on purpose."""
    return Environment(rubric=Rubric([misbehave]), required_fields=("answer",))


@reward(group=True)
def rank_in_group(completions: list[str]) -> list[float]:
    """Group-level: reward 1 for the longest completion of the group."""
    longest = max(len(c) for c in completions)
    return [float(len(c) == longest) for c in completions]


def load_grouped(**_: object) -> Environment:
    """An environment with a group-level reward function."""
    return Environment(rubric=Rubric([rank_in_group]))
