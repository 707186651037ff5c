"""An evaluation line: the one summary of the eval rollouts (pass@k, distinct correct answers...) plus coverage@k."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from envsdk.messages import completion_text
from envsdk.metrics import coverage_at_k
from envsdk.record import RolloutRecord, summarize


def eval_metrics(
    rows: Sequence[dict],
    records: Sequence[RolloutRecord],
    ks: Sequence[int],
    answer_space: Callable[[dict], list[str]] | None = None,
) -> dict[str, Any]:
    """An eval line's metrics from the records of n samples per row (in row order, as `Scored.records` holds them).

    Everything `envsdk.record.summarize(records, ks)` reports (`reward_mean`, `correct_rate`, unbiased `pass@k`,
    `distinct_correct`...), and the trainer's own `coverage@k` when the environment has an answer space.
    """
    out: dict[str, Any] = {"eval": True, **summarize(records, ks)}
    if answer_space is not None:
        out.update(coverage(rows, records, ks, answer_space))
    return out


def coverage(
    rows: Sequence[dict], records: Sequence[RolloutRecord], ks: Sequence[int], answer_space: Callable[[dict], list[str]]
) -> dict[str, float]:
    """`coverage@k`: the mean over rows of the share of a row's answer space found among its first k samples
    (correct ones, stripped); a k above the samples per row is left out."""
    n = len(records) // max(len(rows), 1)
    found: dict[int, list[float]] = {k: [] for k in ks if k <= n}
    for i, row in enumerate(rows):
        samples = records[i * n : (i + 1) * n]
        answers = [completion_text(r.completion or "").strip() for r in samples]
        correct = [r.verdict.correct for r in samples]
        space = len(answer_space(row))
        for k, values in found.items():
            values.append(coverage_at_k(answers, correct, k, space))
    return {f"coverage@{k}": sum(v) / len(v) for k, v in found.items() if v}
