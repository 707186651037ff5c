"""Exploration objectives beside DARLING, as envsdk group transforms (docs/exploration.md).

- `pkpo`: Pass@k Policy Optimization (Walder & Karkhanis, arXiv 2505.15201), unbiased pass@k / max@k rewards;
- `passk-adv`: Pass@k Training's analytic group advantage (Chen et al., arXiv 2508.10751);
- `outcome-ucb` and `outcome-batch`: outcome-based exploration (Song et al., arXiv 2509.06941).

Pure Python (math.comb): no torch, no numpy.
"""

from .estimators import maxk_estimate, maxk_weights, pass_at_k, pkpo_rewards
from .outcome import OutcomeBatch, OutcomeUCB, answer_key
from .passk import PassKAdvantage, passk_advantages
from .pkpo import PKPO

__all__ = [
    "PKPO",
    "OutcomeBatch",
    "OutcomeUCB",
    "PassKAdvantage",
    "answer_key",
    "maxk_estimate",
    "maxk_weights",
    "pass_at_k",
    "passk_advantages",
    "pkpo_rewards",
]
