"""Shared-prompt log-probs: one prefill per prompt gives what a full prompt+completion forward gives."""

from __future__ import annotations

import torch

from envsdk.clients.hf_generator import HFGenerator
from envsdk.train.logps import token_logps
from envsdk.train.tiny import TinyConfig, char_tokenizer, tiny_model


def _full_forward_logps(model, samples, rows, temperature):
    """The plain reference: every row runs its own left-padded prompt and completion."""
    attention = torch.cat([samples.prompt_mask[rows], samples.completion_mask[rows]], dim=1)
    ids = torch.cat([samples.prompt_ids[rows], samples.completion_ids[rows]], dim=1)
    width = samples.completion_ids.shape[1]
    logits = model(input_ids=ids, attention_mask=attention, position_ids=(attention.cumsum(-1) - 1).clamp(min=0)).logits
    logps = torch.log_softmax(logits[:, -width - 1 : -1] / temperature, dim=-1)
    return logps.gather(-1, samples.completion_ids[rows].unsqueeze(-1)).squeeze(-1)


def _sampled_batch():
    tokenizer = char_tokenizer()
    model = tiny_model(tokenizer, TinyConfig(n_layer=1), seed=0)
    prompts = ["a longer prompt than the others\n", "short\n", "mid length\n"]
    return model, HFGenerator(model, tokenizer, seed=1).sample(prompts, 4, max_tokens=5)


def test_shared_prompt_logps_equal_a_full_forward_on_shuffled_rows():
    model, samples = _sampled_batch()
    rows = torch.tensor([7, 0, 11, 3, 4, 9])  # several prompts, in no order, some groups partly
    mask = samples.completion_mask[rows].bool()
    ours = token_logps(model, samples, rows, temperature=0.7)
    reference = _full_forward_logps(model, samples, rows, temperature=0.7)
    assert torch.allclose(ours[mask], reference[mask], atol=1e-5)


def test_shared_prompt_logps_give_the_full_forward_gradients():
    model, samples = _sampled_batch()
    grads = []
    for fn in (token_logps, _full_forward_logps):
        model.zero_grad()
        (fn(model, samples, torch.arange(12), 1.0) * samples.completion_mask).sum().backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    assert torch.allclose(grads[0], grads[1], atol=1e-4)
