"""The math rubric: one CPU-heavy correctness function (run in the executor's killable workers)."""

from __future__ import annotations

import time
from typing import Any

from envsdk import Rubric, Verdict, reward
from envsdk.messages import completion_text, prompt_text

from .budget import BUDGET_REASON, DEFAULT_COMPARE_BUDGET_S
from .verifier import MAX_COMPLETION_CHARS, verify_answer


def make_rubric(max_completion_chars: int = MAX_COMPLETION_CHARS, require_commit: bool = False, *,
                compare_budget_s: float | None = DEFAULT_COMPARE_BUDGET_S, rel_tol: float = 0.0,
                abs_tol: float = 0.0) -> Rubric:
    """A rubric whose `correct` function scores each rollout; golds are parsed once per worker (cached).

    `require_commit=True` credits only boxed or anchored answers (docs/math.md, "What counts as an answer");
    the other options are `verify_answer`'s (CPU budget of a comparison, opt-in numeric tolerances).
    """

    @reward(name="correct", cpu_heavy=True)
    def correct(completion: Any, answer: Any, prompt: Any = None, info: dict | None = None) -> Verdict:
        """1 when the committed final answer equals the gold (policy in docs/math.md), else 0."""
        started = time.perf_counter()
        question = (info or {}).get("question") or prompt_text(prompt) or None
        result = verify_answer(
            str(answer), completion_text(completion), question, max_completion_chars=max_completion_chars,
            require_commit=require_commit, compare_budget_s=compare_budget_s, rel_tol=rel_tol, abs_tol=abs_tol,
        )
        details = {"extracted": result.extracted, "reason": result.reason, "outcome": result.outcome}
        if result.reason == BUDGET_REASON:
            details["budget_exceeded"] = True  # counted by verdict_metrics as verify/budget_exceeded_rate
        duration = time.perf_counter() - started
        if result.error is not None:
            return Verdict.from_error(result.error, duration_s=duration, **details)
        return Verdict(reward=float(result.correct), passed=result.correct, duration_s=duration, details=details)

    return Rubric([correct])
