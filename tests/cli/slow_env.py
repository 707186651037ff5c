"""A slow toy environment for interrupting commands mid-run (registered ad hoc by `launcher`)."""

from __future__ import annotations

import time

from envsdk import Environment, Rubric, reward

DELAY_S = 0.15


@reward(cpu_heavy=True)
def slow_exact(completion: str, answer: str) -> float:
    """Exact match, after a pause (so a run can be killed half-way)."""
    time.sleep(DELAY_S)
    return float(completion.strip() == answer)


def load_slow(size: int = 40) -> Environment:
    """Rows `{"id": i, "prompt": "say w<i>", "answer": "w<i>"}`; rewards take DELAY_S each."""
    rows = [{"id": str(i), "prompt": f"say w{i}", "answer": f"w{i}"} for i in range(size)]
    return Environment(dataset=rows, rubric=Rubric([slow_exact]), required_fields=("answer",))


# `python -c LAUNCHER ARGS...` is `envsdk ARGS...` with the `slow` environment registered.
LAUNCHER = (
    "import sys; from envsdk.registry import register_environment; from tests.cli.slow_env import load_slow; "
    "register_environment('slow', load_slow); from envsdk.cli.main import main; sys.exit(main(sys.argv[1:]))"
)
