"""`pkpo`: Pass@k Policy Optimization (Walder & Karkhanis, arXiv 2505.15201) as a group transform.

Rewrites each group's rewards f_1..f_n (0/1: pass@k; continuous: max@k) into `pkpo_rewards`, whose
policy gradient (1/n) Σ s_i ∇log p(x_i) is an unbiased estimate of ∇ max@k, with the leave-one-out
baseline by default. Each kept rollout's note (`record.annotations["pkpo"]`) holds the reward it read
(`reward_in`) and its s_i (`pkpo_reward`). k can be annealed linearly from `k` to `k_end` over
`anneal_steps` steps (the transform counts the batches it has transformed; docs/exploration.md, "Steps and
state").
"""

from __future__ import annotations

from typing import ClassVar, Sequence

import envsdk
from envsdk import Group, GroupTransform

from ._common import StepCounter, kept_values, scatter, scatter_notes
from .estimators import Baseline, maxk_estimate, pkpo_rewards


class PKPO(StepCounter, GroupTransform):
    """Unbiased pass@k / max@k reward transform; needs the `none` advantage step (its rewards carry
    their own baseline and scale: dividing by the group's std would reweight the estimator)."""

    name: ClassVar[str] = "pkpo"
    required_scale: ClassVar[envsdk.transforms.Scale | None] = "none"

    def __init__(self, k: int = 4, k_end: int | None = None, anneal_steps: int = 0, baseline: Baseline = "loo-1"):
        if k < 1 or (k_end is not None and k_end < 1):
            raise ValueError(f"pkpo: k and k_end must be at least 1, got k={k}, k_end={k_end}")
        if baseline not in ("none", "loo-1"):
            raise ValueError(f"pkpo: baseline must be 'none' or 'loo-1', not {baseline!r}")
        if k_end is not None and anneal_steps < 1:
            raise ValueError("pkpo: k_end needs anneal_steps >= 1 (the steps over which k moves to k_end)")
        self.k, self.k_end, self.anneal_steps, self.baseline = k, k_end, anneal_steps, baseline
        self.steps = 0

    def k_at(self, step: int) -> int:
        """k at a step: linear from `k` to `k_end` over `anneal_steps`, rounded; `k` without annealing."""
        if self.k_end is None:
            return self.k
        frac = min(step / self.anneal_steps, 1.0)
        return round(self.k + (self.k_end - self.k) * frac)

    def apply(self, groups: Sequence[Group]) -> list[Group]:
        k_now = self.k_at(self.steps)
        out = []
        for g in groups:
            idx, f = kept_values(g, g.rewards)
            k = min(k_now, len(idx))
            s = pkpo_rewards(f, k, self.baseline) if idx else []
            metrics = {f"transform/{self.name}/k": float(k),
                       f"transform/{self.name}/maxk_estimate": maxk_estimate(f, k) if idx else 0.0}
            notes = [{"reward_in": fi, "pkpo_reward": si} for fi, si in zip(f, s)]
            rewritten = g.with_rewards(scatter(g.n, idx, s), **metrics)
            out.append(rewritten.annotate(self.name, scatter_notes(g.n, idx, notes)))
        self.steps += 1
        return out
