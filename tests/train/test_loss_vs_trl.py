"""`policy_loss` equals TRL 1.16.0's `_compute_loss` in value, metrics and gradient (docs/reference.md, "Training")."""

from __future__ import annotations

import pytest
import torch

from envsdk.train import policy_loss
from tests.train.trl_reference import trl_loss

LOSS_TYPES = ["grpo", "bnpo", "dr_grpo", "dapo"]
CASES = {  # name: (off_policy, beta, bias_correction)
    "on-beta0": (False, 0.0, True),
    "on-beta0.04": (False, 0.04, True),
    "on-beta0.04-nobias": (False, 0.04, False),
    "off-beta0": (True, 0.0, True),
    "off-beta0.04": (True, 0.04, True),
    "off-beta0.04-nobias": (True, 0.04, False),
}
GOLDEN_DAPO_OFF_BETA0 = 0.0483613046


def _both(golden, loss_type, off, beta, bias, dtype=torch.float64, **kw):
    """(ours, TRL's): each a (loss, metrics, grad wrt logps) triple on the same inputs."""
    results = []
    for fn in ("ours", "trl"):
        logps = golden.logps.to(dtype).clone().requires_grad_(True)
        old = golden.old.to(dtype) if off else None
        ref = golden.ref.to(dtype) if beta else None
        args = (logps, old, ref, golden.advantages.to(dtype), golden.mask.to(dtype))
        if fn == "ours":
            loss, metrics = policy_loss(*args, loss_type=loss_type, beta=beta, epsilon_low=0.2, epsilon_high=0.28,
                                        max_completion_length=8, kl_bias_correction=bias, **kw)
        else:
            kw_trl = {("bias_correction" if k == "kl_bias_correction" else k): v for k, v in kw.items()}
            kw_trl = {("ga" if k == "gradient_accumulation_steps" else k): v for k, v in kw_trl.items()}
            loss, metrics = trl_loss(*args, loss_type=loss_type, beta=beta, bias_correction=bias, **kw_trl)
        loss.backward()
        results.append((loss.detach(), metrics, logps.grad))
    return results


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("loss_type", LOSS_TYPES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_loss_value_and_gradient_match_trl(golden, loss_type, case, dtype):
    (ours, our_metrics, our_grad), (theirs, their_metrics, their_grad) = _both(golden, loss_type, *CASES[case], dtype)
    assert torch.allclose(ours, theirs, atol=1e-6, rtol=0)
    assert torch.allclose(our_grad, their_grad, atol=1e-6, rtol=0)
    their_metrics.pop("entropy")  # computed from logits, outside the loss
    for name, value in their_metrics.items():
        assert our_metrics[name] == pytest.approx(value, abs=1e-6), name


def test_dapo_off_policy_matches_the_recorded_golden_value(golden):
    (ours, _, _), _ = _both(golden, "dapo", True, 0.0, True)
    assert float(ours) == pytest.approx(GOLDEN_DAPO_OFF_BETA0, abs=1e-9)


@pytest.mark.parametrize("level,delta", [("sequence", None), ("token", 1.1)])
def test_gspo_and_two_sided_clip_match_trl(golden, level, delta):
    for loss_type in LOSS_TYPES:
        (ours, _, g1), (theirs, _, g2) = _both(golden, loss_type, True, 0.04, True,
                                               importance_sampling_level=level, delta=delta)
        assert torch.allclose(ours, theirs, atol=1e-10) and torch.allclose(g1, g2, atol=1e-10)


def _accumulated(golden, loss_type, fn):
    """Sum of micro-losses and grads over micro-batches {0,1},{2,3} with GA=2, steps_per_generation=2."""
    logps = golden.logps.clone().requires_grad_(True)
    total = 0.0
    for rows in ([0, 1], [2, 3]):
        args = (logps[rows], golden.old[rows], golden.ref[rows], golden.advantages[rows], golden.mask[rows])
        kw = dict(loss_type=loss_type, beta=0.04, num_items_in_batch=golden.mask.sum(), steps_per_generation=2)
        if fn == "ours":
            loss, _ = policy_loss(*args, **kw, epsilon_low=0.2, epsilon_high=0.28, max_completion_length=8,
                                  gradient_accumulation_steps=2)
        else:
            loss, _ = trl_loss(*args, **kw, ga=2)
        loss.backward()
        total = total + loss.detach()
    return total, logps.grad


@pytest.mark.parametrize("loss_type", LOSS_TYPES)
def test_gradient_accumulation_matches_trl(golden, loss_type):
    ours, our_grad = _accumulated(golden, loss_type, "ours")
    theirs, their_grad = _accumulated(golden, loss_type, "trl")
    assert torch.allclose(ours, theirs, atol=1e-10) and torch.allclose(our_grad, their_grad, atol=1e-10)


@pytest.mark.parametrize("loss_type", ["grpo", "dr_grpo", "dapo"])
def test_accumulated_loss_equals_the_single_batch_loss(golden, loss_type):
    accumulated, _ = _accumulated(golden, loss_type, "ours")
    (single, _, _), _ = _both(golden, loss_type, True, 0.04, True)
    assert float(accumulated) == pytest.approx(float(single), abs=1e-10)


def test_bnpo_is_not_invariant_to_accumulation_as_in_trl(golden):
    accumulated, _ = _accumulated(golden, "bnpo", "ours")
    (single, _, _), _ = _both(golden, "bnpo", True, 0.04, True)
    assert abs(float(accumulated) - float(single)) > 1e-3


def test_on_policy_ratio_is_one_with_live_gradient(golden):
    logps = golden.logps.clone().requires_grad_(True)
    loss, metrics = policy_loss(logps, None, None, golden.advantages, golden.mask, loss_type="dapo")
    loss.backward()
    expected = -(golden.advantages * golden.mask.sum(-1)).sum() / golden.mask.sum()
    assert float(loss.detach()) == pytest.approx(float(expected), abs=1e-12)
    assert metrics["clip_ratio/region_mean"] == 0.0
    # on-policy, d loss / d logp of a token is -A_i / (tokens in the batch): the ratio's gradient is live
    expected_grad = -golden.advantages[:, None] * golden.mask / golden.mask.sum()
    assert torch.allclose(logps.grad, expected_grad, atol=1e-12)


def test_k3_is_zero_when_the_reference_is_the_policy(golden):
    _, metrics = policy_loss(golden.logps, None, golden.logps.clone(), golden.advantages, golden.mask, beta=0.1)
    assert metrics["kl"] == 0.0
