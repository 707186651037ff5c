"""The `math` environment: boxed-answer math problems scored by a verifier built on math-verify and sympy.

`load_environment(dataset=...)` picks the rows (hub sets, a local file, or offline reasoning-gym tasks);
`verify_answer(gold, completion)` is the verifier on its own. Policy and figures: docs/math.md.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Iterable

from envsdk import Environment, RowError
from envsdk.errors import require_installed

from .datasets import DEFAULT_TASKS, load_reasoning_gym, load_source
from .prompts import SYSTEM_PROMPT, boxed_prompt
from .budget import DEFAULT_COMPARE_BUDGET_S
from .rubric import make_rubric
from .verifier import MAX_COMPLETION_CHARS, MathResult, verify_answer

__all__ = ["MathEnvironment", "MathResult", "boxed_prompt", "load_environment", "verify_answer"]


class MathEnvironment(Environment):
    """An Environment whose rows need a gold `answer` string (numbers are accepted and stringified)."""

    def validate_row(self, row: dict[str, Any]) -> dict[str, Any]:
        answer = row.get("answer")
        if answer is None:
            raise RowError("missing field 'answer' (the gold answer as a string, LaTeX allowed)")
        if isinstance(answer, bool) or not isinstance(answer, (str, int, float)):
            raise RowError(f"field 'answer' must be a string (LaTeX allowed), got {type(answer).__name__}")
        if not str(answer).strip():
            raise RowError("field 'answer' is empty")
        return {**row, "answer": str(answer)}


def _rows(dataset: str, *, path: str | None, split: str | None, revision: str | None, limit: int | None,
          tasks: Iterable[str], size: int, seed: int) -> list[dict]:
    if dataset == "reasoning_gym":
        return load_reasoning_gym(tasks, size=size, seed=seed)[:limit]
    return load_source(dataset, path=path, split=split, revision=revision, limit=limit)


def load_environment(
    dataset: str = "reasoning_gym",
    *,
    path: str | None = None,
    split: str | None = None,
    revision: str | None = None,
    limit: int | None = None,
    eval_dataset: str | None = None,
    eval_path: str | None = None,
    tasks: Iterable[str] = DEFAULT_TASKS,
    size: int = 100,
    seed: int = 0,
    system_prompt: str | None = SYSTEM_PROMPT,
    max_completion_chars: int = MAX_COMPLETION_CHARS,
    require_commit: bool = False,
    compare_budget_s: float | None = DEFAULT_COMPARE_BUDGET_S,
    rel_tol: float = 0.0,
    abs_tol: float = 0.0,
) -> MathEnvironment:
    """Math word and competition problems with boxed answers, verified by math-verify + sympy.

    `dataset`: "reasoning_gym" (offline, seeded; default), one of SOURCES (gsm8k, math, math500, aime24,
    aime25, amc23, olympiadbench) from the HF hub, or any of those with `path=` a local JSONL in its schema.
    Rows load lazily, so verification alone never touches the network. `require_commit=True` credits only a
    `\\boxed{}` or an answer anchor (for RL formats that demand one); by default a bare answer or a concluding
    statement commits too (docs/math.md). `compare_budget_s` is the CPU-time budget of one comparison (an
    overrun is a 0 with reason `budget exceeded`); `rel_tol`/`abs_tol` (default 0, exact) credit numbers
    within that distance of a numeric gold.
    """
    require_installed("math", "math_verify", "sympy")  # a core install fails here, once, not row by row
    common = dict(split=split, revision=revision, limit=limit, tasks=tuple(tasks), size=size, seed=seed)
    train = partial(_rows, dataset, path=path, **common)
    eval_name = eval_dataset or (dataset if eval_path else None)
    evaluation = partial(_rows, eval_name, path=eval_path, **common) if eval_name else None
    return MathEnvironment(
        dataset=train,
        eval_dataset=evaluation,
        rubric=make_rubric(max_completion_chars, require_commit, compare_budget_s=compare_budget_s, rel_tol=rel_tol,
                           abs_tol=abs_tol),
        system_prompt=system_prompt,
        required_fields=("answer",),
        description="Math problems with boxed answers, verified by math-verify + sympy",
    )
