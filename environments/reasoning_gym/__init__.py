"""reasoning-gym: every procedural task family of the installed reasoning-gym as an envsdk environment.

`load_environment(task="chain_sum", size=100, seed=0)`; each family is scored by its own
`score_answer` under a committed-answer policy (`scoring=`, environments/reasoning_gym/scoring.py).
Details: docs/interop.md.
"""

from __future__ import annotations

from typing import Any

from envsdk import Environment, Rubric, Verdict, reward
from envsdk.errors import EnvsdkError
from envsdk.messages import completion_text

from .scoring import SCORINGS, Scoring, grade
from .tasks import check_task, families, live_entry, make_rows

__all__ = ["families", "load_environment", "scorer", "variants"]


def _system_prompt() -> str:
    from reasoning_gym.utils import SYSTEM_PROMPTS

    return SYSTEM_PROMPTS["default"]


def scorer(scoring: Scoring = "binary"):
    """The reward: the family's own `score_answer` on the text inside the last `<answer>` tags (reasoning-gym's
    format), under the `scoring` policy (environments/reasoning_gym/scoring.py)."""

    @reward(cpu_heavy=True)
    def score_answer(completion, info) -> Verdict:
        from reasoning_gym.utils import extract_answer

        data, entry, source = live_entry(info)
        answer = extract_answer(completion_text(completion))
        score, details = grade(data, answer, entry, scoring)
        return Verdict(reward=score, passed=score >= 1.0,
                       details={"extracted": answer, "entry_source": source, "scoring": scoring, **details})

    return score_answer


def variants() -> dict[str, str]:
    """The task families `envsdk list reasoning-gym` shows (name → description)."""
    return families()


def load_environment(
    task: str | None = None,
    size: int = 100,
    seed: int = 0,
    eval_size: int = 50,
    config: dict[str, Any] | None = None,
    system_prompt: str | None = None,
    scoring: Scoring = "binary",
) -> Environment:
    """Every reasoning-gym task family, scored by its own score_answer (task=NAME; `envsdk list reasoning-gym`).

    `scoring`: "binary" (default: 1 for one committed, fully correct answer, else 0), "partial" (the family's
    own partial credit, never the inherited substring credit) or "upstream" (reasoning-gym's scorer as is)."""
    if task is None:
        raise EnvsdkError(f"reasoning-gym needs task=NAME, one of {len(families())} families (`envsdk list reasoning-gym`)")
    check_task(task)
    if scoring not in SCORINGS:
        raise EnvsdkError(f"scoring must be one of {', '.join(SCORINGS)}, got {scoring!r}")
    if size < 1 or eval_size < 1:
        raise EnvsdkError(f"size and eval_size must be at least 1, got size={size}, eval_size={eval_size}")
    return Environment(
        dataset=lambda: make_rows(task, size=size, seed=seed, config=config),
        eval_dataset=lambda: make_rows(task, size=eval_size, seed=seed + 1, config=config),
        rubric=Rubric([scorer(scoring)]),
        system_prompt=_system_prompt() if system_prompt is None else system_prompt,
        required_fields=("info",),
        description=f"reasoning-gym {task}",
    )


load_environment.variants = variants
