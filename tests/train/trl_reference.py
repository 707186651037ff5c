"""Drive TRL 1.16.0's own GRPO loss on given per-token log-probs, for exact comparisons."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import torch


class _Identity:
    """Single-process accelerator: gathers and reductions are identities."""

    num_processes = 1

    def gather(self, x):
        return x

    gather_for_metrics = gather

    def reduce(self, x, reduction="sum"):
        return x


def trl_loss(logps, old, ref, advantages, mask, *, loss_type, beta, epsilon_low=0.2, epsilon_high=0.28,
             max_completion_length=8, bias_correction=True, num_items_in_batch=None, ga=1, steps_per_generation=1,
             importance_sampling_level="token", delta=None):
    """Run TRL 1.16.0's own `GRPOTrainer._compute_loss` on given per-token log-probs.

    `self` is a plain namespace carrying TRL's configuration; its log-prob hook hands back `logps`
    (a leaf tensor), so the loss and its gradient are TRL's. Returns (loss, metrics).
    """
    from trl.trainer.grpo_trainer import GRPOTrainer

    B, T = logps.shape
    metrics = defaultdict(lambda: defaultdict(list))
    stub = SimpleNamespace(
        _get_per_token_logps_and_entropies=lambda *a, **k: (logps, torch.zeros_like(logps), None),
        top_entropy_quantile=1.0,
        aux_loss_enabled=False,
        off_policy_mask_threshold=None,
        importance_sampling_level=importance_sampling_level,
        beta=beta,
        loss_type=loss_type,
        epsilon_low=epsilon_low,
        epsilon_high=epsilon_high,
        use_vllm=False,
        vllm_importance_sampling_correction=False,
        model=SimpleNamespace(training=True),
        current_gradient_accumulation_steps=ga,
        max_completion_length=max_completion_length,
        accelerator=_Identity(),
        _entropy_bonus_enabled=False,
        _metrics=metrics,
        args=SimpleNamespace(use_bias_correction_kl=bias_correction, delta=delta,
                             steps_per_generation=steps_per_generation),
    )
    inputs = {
        "prompt_ids": torch.zeros(B, 1, dtype=torch.long),
        "prompt_mask": torch.ones(B, 1, dtype=torch.long),
        "completion_ids": torch.zeros(B, T, dtype=torch.long),
        "completion_mask": mask,
        "advantages": advantages,
        "num_items_in_batch": mask.sum() if num_items_in_batch is None else torch.as_tensor(num_items_in_batch),
    }
    if old is not None:
        inputs["old_per_token_logps"] = old
    if ref is not None:
        inputs["ref_per_token_logps"] = ref
    loss = GRPOTrainer._compute_loss(stub, None, inputs)
    return loss, {k: v[-1] for k, v in metrics["train"].items()}
