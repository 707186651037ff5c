"""The closed forms behind PKPO and Pass@k Training (docs/exploration.md, "PKPO").

For n samples with rewards sorted ascending, f_(1) ≤ … ≤ f_(n), the unbiased estimate of max@k (the
expected best of k independent samples; pass@k when rewards are 0/1) averages max over all C(n, k)
subsets, and the sample at sorted position m is the maximum of C(m−1, k−1) of them:

    max@k ≈ Σ_m w_m f_(m),   w_m = C(m−1, k−1) / C(n, k).

Python's big integers keep the binomials exact; the one division rounds once.
"""

from __future__ import annotations

import math
from typing import Literal, Sequence

Baseline = Literal["none", "loo-1"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """ρ(n, c, k) = 1 − C(n−c, k) / C(n, k): the unbiased pass@k estimate from c correct of n."""
    _check(n, k)
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def maxk_weights(n: int, k: int) -> list[float]:
    """w_m = C(m−1, k−1) / C(n, k) for sorted positions m = 1..n (they sum to 1)."""
    _check(n, k)
    total = math.comb(n, k)
    return [math.comb(m - 1, k - 1) / total for m in range(1, n + 1)]


def maxk_estimate(rewards: Sequence[float], k: int) -> float:
    """The unbiased max@k estimate Σ_m w_m f_(m) (0 for k = 0: the best of no samples)."""
    if k == 0:
        return 0.0
    return sum(w * f for w, f in zip(maxk_weights(len(rewards), k), sorted(rewards)))


def pkpo_rewards(rewards: Sequence[float], k: int, baseline: Baseline = "loo-1") -> list[float]:
    """PKPO's transformed rewards s_i: (1/n) Σ_i s_i ∇log p(x_i) is an unbiased estimate of ∇ max@k.

    Without a baseline, s_i = n/C(n,k) · Σ_{S ∋ i, |S| = k} max_{j∈S} f_j, which in sorted order is
    s_(i) = n/C(n,k) · [C(i−1, k−1) f_(i) + Σ_{m>i} C(m−2, k−2) f_(m)]; for 0/1 rewards a correct sample
    gets k and an incorrect one k·ρ(n−1, c, k−1).
    `loo-1` subtracts from every subset term its max without i (independent of x_i, so still unbiased):
    s_i −= k · maxk_estimate(others, k−1), the paper's leave-one-out variance reduction.
    """
    n = len(rewards)
    _check(n, k)
    order = sorted(range(n), key=lambda i: rewards[i])
    f = [float(rewards[i]) for i in order]
    total = math.comb(n, k)
    # tail[m] = Σ_{j>m} C(j−2, k−2) f_(j), in 1-based sorted positions
    tail = [0.0] * (n + 2)
    for m in range(n, 0, -1):
        tail[m - 1] = tail[m] + (math.comb(m - 2, k - 2) * f[m - 1] if m >= 2 and k >= 2 else 0.0)
    out = [0.0] * n
    for pos in range(1, n + 1):
        s = n * (math.comb(pos - 1, k - 1) * f[pos - 1] + tail[pos]) / total
        if baseline == "loo-1":
            s -= k * maxk_estimate(f[: pos - 1] + f[pos:], k - 1)
        elif baseline != "none":
            raise ValueError(f"baseline must be 'none' or 'loo-1', not {baseline!r}")
        out[order[pos - 1]] = s
    return out


def _check(n: int, k: int) -> None:
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the group size {n}, got k={k}")
