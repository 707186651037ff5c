"""The default policy when no `--model` is given: a tiny GPT-2 and a character tokenizer, built locally.

Nothing is downloaded. Environments that define `warm_start(rng) -> (prompt, completion)` get a short
supervised stage first, so the policy starts with a preference, as a pretrained model would. torch is
imported where it is used: `TinyConfig` (read by every `envsdk train` command's options) costs no torch import,
so a command says what it does before torch has loaded.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

PAD, EOS, UNK = "<pad>", "<eos>", "<unk>"


@dataclass
class TinyConfig:
    """Size of the tiny policy, its warm start, and its default RL learning rate."""

    n_embd: int = 64
    n_layer: int = 2
    n_head: int = 4
    n_positions: int = 160
    warm_start_steps: int = 150
    warm_start_batch: int = 64
    warm_start_lr: float = 3e-3
    learning_rate: float = 1e-3  # the RL learning rate when none is given (3e-3 makes toy runs unstable)


def char_tokenizer():
    """A character-level fast tokenizer over printable ASCII, with pad, EOS and unknown tokens."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = [c for c in string.printable if c not in "\t\r\x0b\x0c"]
    vocab = {tok: i for i, tok in enumerate([PAD, EOS, UNK, *chars])}
    core = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=core, pad_token=PAD, eos_token=EOS, unk_token=UNK)


def tiny_model(tokenizer, config: TinyConfig, seed: int):
    """A freshly initialised GPT-2 sized by `config` (deterministic for a seed)."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(seed)
    model_config = GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=config.n_embd,
        n_layer=config.n_layer,
        n_head=config.n_head,
        n_positions=config.n_positions,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        resid_pdrop=0.0,  # no dropout: sampling and training must see the same policy
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        loss_type="ForCausalLM",
    )
    model = GPT2LMHeadModel(model_config)
    model.loss_type = "ForCausalLM"  # transformers reads the model's attribute (not the config's) and warns when unset
    return model


def warm_start(model, tokenizer, sampler, config: TinyConfig, seed: int, render) -> float:
    """Fit `model` on pairs from `sampler` (completion tokens + EOS only); returns the last loss."""
    import torch

    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.warm_start_lr, weight_decay=0.0)
    model.train()
    loss = torch.tensor(0.0)
    for _ in range(config.warm_start_steps):
        pairs = [sampler(rng) for _ in range(config.warm_start_batch)]
        ids, labels, attention = _supervised_batch(tokenizer, pairs, render)
        loss = model(input_ids=ids, attention_mask=attention, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.zero_grad(set_to_none=True)
    return float(loss.detach())


def _supervised_batch(tokenizer, pairs, render):
    """Right-padded prompt+completion+EOS ids; labels only on the completion and EOS."""
    import torch

    rows, label_rows = [], []
    for prompt, completion in pairs:
        p = tokenizer(render([{"role": "user", "content": prompt}]), add_special_tokens=False)["input_ids"]
        c = tokenizer(completion, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        rows.append(p + c)
        label_rows.append([-100] * len(p) + c)
    width = max(len(r) for r in rows)
    pad = tokenizer.pad_token_id
    ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows])
    labels = torch.tensor([r + [-100] * (width - len(r)) for r in label_rows])
    attention = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
    return ids, labels, attention
