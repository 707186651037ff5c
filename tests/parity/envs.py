"""The parity suite's own environments: a partial-credit rubric that never sets `passed`, tool-env twins of
`partial` and `math` for TRL's `environment_factory` (same rubric, same rows), and `parity-even-credit`: a
reward-only rubric the tiny trained policy both passes and fails (the record round trip)."""

from __future__ import annotations

import envsdk
from envsdk import Environment, Rubric, ToolEnv, reward
from envsdk.messages import completion_text
from envsdk_env_toy._common import EVENS, ToyEnvironment
from envsdk_env_toy.even import make_rows, skewed_sampler

from .rollouts import MATH_ROWS, PARTIAL_ROWS


@reward
def coverage(completion, answer) -> float:
    """Partial credit: the share of the comma-separated gold items named in the completion (a float, so
    the verdict's `passed` stays None). An empty completion makes it raise, standing in for a verifier bug."""
    text = completion_text(completion)
    if not text:
        raise ValueError("nothing to grade")
    said = set(text.lower().split())
    items = answer.split(",")
    return sum(item in said for item in items) / len(items)


def note(text: str) -> str:
    """Write a note to yourself.

    Args:
        text: the note
    """
    return "noted"


def load_partial(**_: object) -> Environment:
    """Name the flag's colours; credit per colour named."""
    return Environment(dataset=list(PARTIAL_ROWS), rubric=Rubric([coverage]), required_fields=("answer",))


def load_partial_tools(**_: object) -> ToolEnv:
    """`parity-partial` as a tool environment (one harmless tool), for TRL's environment_factory."""
    return ToolEnv(tools=[note], dataset=list(PARTIAL_ROWS), rubric=Rubric([coverage]), required_fields=("answer",))


def load_math_tools(**_: object) -> ToolEnv:
    """The shipped math rubric on the parity math rows, as a tool environment."""
    from envsdk_env_math.rubric import make_rubric

    return ToolEnv(tools=[note], dataset=list(MATH_ROWS), rubric=make_rubric(), required_fields=("answer",))


@reward
def even_credit(completion) -> float:
    """Full credit for an even number from 10 to 98, half for an odd one, else nothing: a float, so `passed`
    stays None (the correct/wrong words must come from `Verdict.correct`). A number above 80 makes it raise,
    standing in for a verifier bug (a flagged verdict, left out of the baseline)."""
    text = completion_text(completion).strip()
    if text.isdigit() and int(text) > 80:
        raise ValueError("a verifier bug")
    return 1.0 if text in EVENS else 0.5 if text.isdigit() else 0.0


def load_even_credit(**_: object) -> Environment:
    """toy-even's one prompt and warm start (so the tiny policy replies with numbers), graded by partial credit."""
    return ToyEnvironment(dataset=make_rows(1), rubric=Rubric([even_credit]), sampling_args={"max_tokens": 4},
                          warm_start=skewed_sampler(0, 0.45, 1.0), answer_space=lambda row: list(EVENS))


def register() -> None:
    """Register the parity environments (the CLI and server subprocesses call this too)."""
    envsdk.register_environment("parity-partial", load_partial)
    envsdk.register_environment("parity-partial-tools", load_partial_tools)
    envsdk.register_environment("parity-math-tools", load_math_tools)
    envsdk.register_environment("parity-even-credit", load_even_credit)
