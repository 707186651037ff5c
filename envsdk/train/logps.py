"""Per-token log-probs of sampled completions, with each prompt's forward pass shared by its n samples.

A group's rows share one prompt, so the prompt is run once per distinct prompt in the micro-batch and
its KV cache (with gradients) is gathered to the rows; only completion tokens are run per row. Equal to
a full prompt+completion forward up to float rounding, and several times cheaper when prompts are long.
"""

from __future__ import annotations

import torch

from envsdk.clients.hf_generator import Samples, cache_argument, cache_of


def token_logps(model, samples: Samples, rows: torch.Tensor | None, temperature: float) -> torch.Tensor:
    """Log-probs `(len(rows), T)` of the completion tokens of `rows` (None: all), from logits ÷ temperature (TRL)."""
    if rows is None:
        rows = torch.arange(len(samples.completion_ids), device=samples.completion_ids.device)
    prompts, inverse = torch.unique(samples.prompt_rows(rows), return_inverse=True)
    first = prompts * samples.n  # the first row of each distinct prompt carries its ids
    prompt_ids, prompt_mask = samples.prompt_ids[first], samples.prompt_mask[first]
    completion_ids = samples.completion_ids[rows]
    attention = torch.cat([prompt_mask[inverse], samples.completion_mask[rows]], dim=1)
    positions = (attention.cumsum(-1) - 1).clamp(min=0)  # as a full left-padded forward numbers them
    width = prompt_ids.shape[1]
    prompt_positions = (prompt_mask.cumsum(-1) - 1).clamp(min=0)
    prefill = model(input_ids=prompt_ids, attention_mask=prompt_mask, position_ids=prompt_positions,
                    use_cache=True, logits_to_keep=1)
    logits = [prefill.logits[:, -1][inverse].unsqueeze(1)]  # predicts each row's first completion token
    if completion_ids.shape[1] > 1:
        cache = cache_of(prefill)
        cache.batch_select_indices(inverse)
        rest = model(input_ids=completion_ids[:, :-1], attention_mask=attention[:, :-1],
                     position_ids=positions[:, width:-1], use_cache=True, **{cache_argument(model): cache})
        logits.append(rest.logits)
    logits = torch.cat(logits, dim=1).float() / temperature
    return torch.log_softmax(logits, dim=-1).gather(-1, completion_ids.unsqueeze(-1)).squeeze(-1)

