"""The clipped GRPO policy loss with TRL 1.16.0's exact semantics (docs/reference.md, "Training").

Kept a pure function of per-token log-probs so it can be checked against TRL value for value.
"""

from __future__ import annotations

from typing import Literal

import torch

LossType = Literal["grpo", "bnpo", "dr_grpo", "dapo"]


def _k3(ref_logps: torch.Tensor, logps: torch.Tensor) -> torch.Tensor:
    """Schulman's k3 estimator of KL(π_θ || π_ref): e^d − d − 1 with d = log π_ref − log π_θ (no clamp)."""
    d = ref_logps - logps
    return torch.exp(d) - d - 1


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> float:
    return float((x * mask).sum() / mask.sum().clamp(min=1.0))


def _aggregate(
    per_token: torch.Tensor,
    mask: torch.Tensor,
    loss_type: LossType,
    *,
    max_completion_length: int,
    num_items_in_batch: torch.Tensor,
    gradient_accumulation_steps: int,
    steps_per_generation: int,
    num_processes: int,
) -> torch.Tensor:
    """Reduce per-token losses to the micro-batch loss exactly as TRL scales it (GA included)."""
    ga = gradient_accumulation_steps
    if loss_type == "grpo":
        return ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean() / ga
    if loss_type == "bnpo":  # token mean of the local micro-batch: not invariant to how GA splits it
        return (per_token * mask).sum() / mask.sum().clamp(min=1.0) / ga
    if loss_type == "dr_grpo":
        return (per_token * mask).sum() / (per_token.size(0) * max_completion_length) / ga
    if loss_type == "dapo":  # global token mean over one accumulation window
        normalizer = num_items_in_batch.clamp(min=1.0) / num_processes * ga / steps_per_generation
        return (per_token * mask).sum() / normalizer
    raise ValueError(f"loss_type must be one of grpo, bnpo, dr_grpo, dapo; got {loss_type!r}")


def policy_loss(
    logps: torch.Tensor,
    old_logps: torch.Tensor | None,
    ref_logps: torch.Tensor | None,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    loss_type: LossType = "dapo",
    beta: float = 0.0,
    epsilon_low: float = 0.2,
    epsilon_high: float | None = None,
    max_completion_length: int | None = None,
    kl_bias_correction: bool = True,
    num_items_in_batch: torch.Tensor | float | None = None,
    gradient_accumulation_steps: int = 1,
    steps_per_generation: int = 1,
    num_processes: int = 1,
    importance_sampling_level: Literal["token", "sequence"] = "token",
    delta: float | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The micro-batch GRPO loss as TRL 1.16.0 returns it, and TRL's metrics (`kl`, `clip_ratio/*`).

    Shapes: `logps`, `old_logps`, `ref_logps`, `mask` are (B, T); `advantages` is (B,).
    `old_logps=None` means on-policy (ratio = exp(logps − logps.detach()): 1 in value, live gradient);
    `ref_logps=None` or `beta=0` means no KL term. `importance_sampling_level="sequence"` is GSPO and
    `delta` TRL's two-sided clip; both default off as in TRL.
    """
    mask = mask.to(logps.dtype)
    epsilon_high = epsilon_low if epsilon_high is None else epsilon_high
    max_completion_length = mask.shape[1] if max_completion_length is None else max_completion_length
    num_items = mask.sum() if num_items_in_batch is None else torch.as_tensor(num_items_in_batch, dtype=logps.dtype)
    adv = advantages.unsqueeze(1) if advantages.dim() == 1 else advantages

    old = logps.detach() if old_logps is None else old_logps
    log_ratio = logps - old
    if importance_sampling_level == "sequence":
        log_ratio = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)
    elif importance_sampling_level != "token":
        raise ValueError(f"importance_sampling_level must be 'token' or 'sequence', not {importance_sampling_level!r}")
    ratio = torch.exp(log_ratio)

    use_kl = beta != 0.0 and ref_logps is not None
    if use_kl:
        per_token_kl = _k3(ref_logps, logps)
        if kl_bias_correction:
            per_token_kl = per_token_kl * ratio

    clipped = torch.clamp(ratio, 1 - epsilon_low, 1 + epsilon_high)
    unclipped = ratio if delta is None else torch.clamp(ratio, max=delta)
    per_token = -torch.min(unclipped * adv, clipped * adv)
    if use_kl:
        per_token = per_token + beta * per_token_kl

    loss = _aggregate(
        per_token,
        mask,
        loss_type,
        max_completion_length=max_completion_length,
        num_items_in_batch=num_items,
        gradient_accumulation_steps=gradient_accumulation_steps,
        steps_per_generation=steps_per_generation,
        num_processes=num_processes,
    )
    return loss, _metrics(ratio.detach(), adv.detach(), mask, per_token_kl.detach() if use_kl else None,
                          epsilon_low, epsilon_high)


def _metrics(ratio, adv, mask, per_token_kl, epsilon_low, epsilon_high) -> dict[str, float]:
    """TRL's logged loss metrics: masked token means of KL and clip indicators, per-sequence extremes.

    With sequence-level ratios (shape (B, 1)) the clip means are over sequences, as in TRL.
    """
    low = ((ratio < 1 - epsilon_low) & (adv < 0)).to(mask.dtype)
    high = ((ratio > 1 + epsilon_high) & (adv > 0)).to(mask.dtype)
    region = torch.maximum(low, high)
    if ratio.shape[1] == 1:
        mean, per_seq = (lambda x: float(x.mean())), (lambda x: x.squeeze(1))
    else:
        mean, per_seq = (lambda x: _masked_mean(x, mask)), (lambda x: (x * mask).sum(-1) / mask.sum(-1))
    metrics = {
        "clip_ratio/low_mean": mean(low),
        "clip_ratio/high_mean": mean(high),
        "clip_ratio/region_mean": mean(region),
        "clip_ratio/low_min": float(_nan_reduce(per_seq(low), torch.min)),
        "clip_ratio/high_max": float(_nan_reduce(per_seq(high), torch.max)),
    }
    if per_token_kl is not None:
        metrics["kl"] = _masked_mean(per_token_kl, mask)
    return metrics


def _nan_reduce(x: torch.Tensor, reduce) -> torch.Tensor:
    """min/max ignoring NaN (empty rows); NaN when every entry is NaN, like TRL's nanmin/nanmax."""
    finite = x[~torch.isnan(x)]
    return reduce(finite) if finite.numel() else torch.tensor(float("nan"))
