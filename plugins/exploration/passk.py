"""`passk-adv`: Pass@k Training's analytic group advantage (Chen et al., arXiv 2508.10751).

With N rollouts of which N_neg are incorrect, the group's pass@k reward is R̄ = 1 − C(N_neg, k)/C(N, k)
and σ = √(R̄(1−R̄)); the closed-form advantages are

    Â_pos = (1 − R̄) / σ,      Â_neg = (1 − R̄ − C(N_neg−1, k−1)/C(N−1, k−1)) / σ,

0 for every rollout when σ = 0 (all correct or all incorrect). They sum to zero over the group, and they
are PKPO's un-baselined rewards minus their mean, divided by k·σ (docs/exploration.md).
"""

from __future__ import annotations

import math
from typing import ClassVar, Sequence

import envsdk
from envsdk import Group, GroupTransform

from ._common import kept_values, scatter, scatter_notes
from .estimators import _check


def passk_advantages(correct: Sequence[bool], k: int) -> list[float]:
    """Â_i for one group's correctness flags (the equations above)."""
    n, n_neg = len(correct), sum(not c for c in correct)
    _check(n, k)
    mean = 1.0 - math.comb(n_neg, k) / math.comb(n, k)
    sigma = math.sqrt(mean * (1.0 - mean))
    if sigma == 0.0:
        return [0.0] * n
    neg = (1.0 - mean - math.comb(n_neg - 1, k - 1) / math.comb(n - 1, k - 1)) / sigma if n_neg else 0.0
    return [(1.0 - mean) / sigma if c else neg for c in correct]


class PassKAdvantage(GroupTransform):
    """Rewards become the pass@k advantages (they have mean zero, so the `none` step keeps them as they are).

    Correctness is `verdict.correct` (the pass@k rule), so earlier transforms' rewards are replaced: put it
    first, or alone. k is capped at the number of kept rollouts. Each kept rollout's note
    (`record.annotations["passk-adv"]`) holds `correct` and its `passk_advantage`.
    """

    name: ClassVar[str] = "passk-adv"
    required_scale: ClassVar[envsdk.transforms.Scale | None] = "none"

    def __init__(self, k: int = 4):
        if k < 1:
            raise ValueError(f"passk-adv: k must be at least 1, got {k}")
        self.k = k

    def apply(self, groups: Sequence[Group]) -> list[Group]:
        out = []
        for g in groups:
            idx, correct = kept_values(g, [v.correct for v in g.verdicts])
            k = min(self.k, len(idx))
            adv = passk_advantages(correct, k) if idx else []
            notes = [{"correct": c, "passk_advantage": a} for c, a in zip(correct, adv)]
            rewritten = g.with_rewards(scatter(g.n, idx, adv), **{f"transform/{self.name}/k": float(k)})
            out.append(rewritten.annotate(self.name, scatter_notes(g.n, idx, notes)))
        return out
