"""Evaluation of a policy on an environment's eval split: pass@k, distinct correct answers, coverage@k."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from envsdk.metrics import coverage_at_k, distinct_correct, mean_pass_at_k
from envsdk.group import Group


def summarize(
    rows: Sequence[dict],
    groups: Sequence[Group],
    ks: Sequence[int],
    answer_space: Callable[[dict], list[str]] | None = None,
) -> dict[str, Any]:
    """Eval metrics over rows, each with its group of n scored samples (`Verdict.correct` decides).

    `distinct_correct` is the mean over rows of the number of different correct answers (stripped) among
    the n; `coverage@k` the mean share of a row's answer space found among its first k samples.
    """
    counts, distinct, rewards = [], [], []
    coverage: dict[int, list[float]] = {k: [] for k in ks}
    for row, group in zip(rows, groups):
        answers = [a.strip() for a in group.completions]
        correct = [v.correct for v in group.verdicts]
        counts.append((len(correct), sum(correct)))
        distinct.append(distinct_correct(answers, correct))
        rewards.extend(v.reward for v in group.verdicts)
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
