"""Small environments for the bridge tests: a tool environment and a multi-turn guessing game."""

from __future__ import annotations

from envsdk import MultiTurnEnv, Rubric, ToolEnv, reward
from envsdk.messages import completion_text

CODES = {"red": "7431", "blue": "2290"}


def lookup(key: str) -> str:
    """Look up the code stored under a key.

    Args:
        key: the vault key
    """
    return CODES.get(key, "no such key")


@reward
def right_code(completion, answer) -> bool:
    """1 when the final reply is the code."""
    return completion_text(completion).strip() == answer


def load_vault(**_: object) -> ToolEnv:
    """Find a code with the lookup tool, then say it."""
    rows = [{"id": key, "prompt": f"What is the code under {key}?", "answer": code} for key, code in CODES.items()]
    return ToolEnv(tools=[lookup], dataset=rows, rubric=Rubric([right_code]), max_turns=3, description="vault")


class Guess(MultiTurnEnv):
    """Guess a number; the environment says higher/lower; the last guess is scored."""

    async def env_response(self, messages, state):
        guess = completion_text(messages).strip()
        if guess == state["answer"]:
            state["done"] = True
            return []
        return [{"role": "user", "content": "higher" if int(guess) < int(state["answer"]) else "lower"}]


def load_guess(**_: object) -> Guess:
    """Guess a number from 1 to 9 in at most 4 turns."""
    rows = [{"id": "g7", "prompt": "Guess my number (1-9).", "answer": "7"}]
    return Guess(dataset=rows, rubric=Rubric([right_code]), max_turns=4, description="guess")


SCORED: list[float] = []  # every score `shared_letters` gave, in order (the servers run in the test process)


@reward
def shared_letters(completion, answer) -> float:
    """Partial credit: the share of the answer's letters that occur in the reply."""
    text = completion_text(completion)
    score = sum(letter in text for letter in answer) / len(answer)
    SCORED.append(score)
    return score


def load_letters(**_: object):
    """Say a word; partial credit for its letters (a reward an untrained model already earns some of)."""
    from envsdk import Environment

    rows = [{"id": word, "prompt": f"Say the word {word}", "answer": word} for word in ("apple", "river")]
    return Environment(dataset=rows, rubric=Rubric([shared_letters]), description="letters")
