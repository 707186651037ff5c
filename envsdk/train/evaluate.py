"""Evaluation of a policy on an environment's eval split: pass@k, distinct correct answers, coverage@k."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from envsdk.metrics import coverage_at_k, distinct_correct, mean_pass_at_k
from envsdk.verdict import Verdict


def is_correct(verdict: Verdict) -> bool:
    """A rollout counts as correct when its verifier says passed, or, without a verdict on that, reward > 0."""
    return verdict.passed if verdict.passed is not None else verdict.reward > 0


def summarize(
    rows: Sequence[dict],
    texts: Sequence[Sequence[str]],
    verdicts: Sequence[Sequence[Verdict]],
    ks: Sequence[int],
    answer_space: Callable[[dict], list[str]] | None = None,
) -> dict[str, Any]:
    """Eval metrics over rows, each with its n sampled answers (stripped) and verdicts.

    `distinct_correct` is the mean over rows of the number of different correct answers among the n;
    `coverage@k` the mean share of a row's answer space found among its first k samples.
    """
    counts, distinct, rewards = [], [], []
    coverage: dict[int, list[float]] = {k: [] for k in ks}
    for row, answers, row_verdicts in zip(rows, texts, verdicts):
        answers = [a.strip() for a in answers]
        correct = [is_correct(v) for v in row_verdicts]
        counts.append((len(correct), sum(correct)))
        distinct.append(distinct_correct(answers, correct))
        rewards.extend(v.reward for v in row_verdicts)
        if answer_space is not None:
            space = len(answer_space(row))
            for k in ks:
                if k <= len(answers):
                    coverage[k].append(coverage_at_k(answers, correct, k, space))
    out: dict[str, Any] = {
        "eval": True,
        "eval_reward_mean": sum(rewards) / max(len(rewards), 1),
        **mean_pass_at_k(counts, ks),
        "distinct_correct": sum(distinct) / max(len(distinct), 1),
    }
    out.update({f"coverage@{k}": sum(v) / len(v) for k, v in coverage.items() if v})
    return out
