"""Evaluation metrics over groups: unbiased pass@k and coverage (distinct correct answers: `envsdk.record.summarize`)."""

from __future__ import annotations

from math import comb
from typing import Iterable, Sequence


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k)/C(n, k); needs k <= n."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def mean_pass_at_k(counts: Iterable[tuple[int, int]], ks: Sequence[int]) -> dict[str, float]:
    """Mean pass@k over examples given (n, correct) per example; k larger than n is skipped."""
    counts = list(counts)
    out = {}
    for k in ks:
        usable = [pass_at_k(n, c, k) for n, c in counts if n >= k]
        if usable:
            out[f"pass@{k}"] = sum(usable) / len(usable)
    return out


def coverage_at_k(answers: Sequence[str], correct: Sequence[bool], k: int, total_valid: int) -> float:
    """Share of all valid answers found among the first k samples (diversity of correct answers)."""
    if total_valid <= 0:
        return 0.0
    return len({a for a, ok in zip(answers[:k], correct[:k]) if ok}) / total_valid
