"""Tiny tokenizers built locally (no download) for trainer and adapter tests."""

from __future__ import annotations

from typing import Iterable

PRINTABLE = [chr(c) for c in range(32, 127)] + ["\n"]


def char_tokenizer(chars: Iterable[str] = PRINTABLE, *, unk: str = "<unk>", chat_template: str | None = None,
                   padding_side: str = "right"):
    """A character-level `PreTrainedTokenizerFast`: `<pad>` = 0, `<eos>` = 1, then `unk` (when it is not one
    of `chars`) and the characters in the order given; an optional chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = list(dict.fromkeys(chars))
    specials = ["<pad>", "<eos>"] + ([] if unk in chars else [unk])
    vocab = {token: i for i, token in enumerate(specials + chars)}
    core = Tokenizer(models.WordLevel(vocab, unk_token=unk))
    core.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    core.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", padding_side=padding_side)
    if chat_template is not None:
        tok.chat_template = chat_template
    return tok
