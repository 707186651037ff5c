"""Local sampling from a transformers causal LM: batched, KV-cached, seeded; and its ChatClient face.

`HFGenerator` is the built-in trainer's sampler: `sample` gives n completions per prompt, each prompt
prefilled once and its cache shared by its n samples. `HFChatClient` wraps a generator as a `ChatClient`,
so the same model serves `Environment.rollout`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import torch

from .chat import ChatReply


@dataclass
class Samples:
    """Token ids of a sampled batch: prompts left-padded, completions right-padded.

    `completion_mask` covers each completion up to and including its first EOS; rows are grouped
    prompt by prompt (n consecutive rows per prompt).
    """

    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    completion_ids: torch.Tensor
    completion_mask: torch.Tensor
    texts: list[str]
    finished: torch.Tensor
    n: int = 1  # completions per prompt

    def prompt_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """The index of each row's prompt (rows are grouped n by n, in prompt order)."""
        return torch.div(rows, self.n, rounding_mode="floor")


def cache_argument(model) -> str:
    """The forward argument that takes a KV cache: transformers 5 renamed `past_key_values` to `cache`."""
    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def cache_of(output):
    """The KV cache a forward pass returned, under either generation of the API."""
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values


def top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of tokens whose probability reaches top_p (the most likely token always stays)."""
    if top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(-1)
    remove = cumulative - torch.softmax(sorted_logits, dim=-1) >= top_p
    sorted_logits = sorted_logits.masked_fill(remove, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)


class HFGenerator:
    """Samples from `model` with `tokenizer` (pad and EOS tokens required)."""

    def __init__(self, model, tokenizer, *, seed: int = 0):
        self.model = model
        self.tokenizer = tokenizer
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.generator = torch.Generator(device="cpu").manual_seed(seed)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @property
    def context(self) -> int | None:
        """The most positions the model takes (prompt and completion together); None when it does not say."""
        config = getattr(self.model, "config", None)
        return getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)

    def room(self, prompt_width: int, max_tokens: int) -> int:
        """`max_tokens` capped to what fits in the context after a prompt of `prompt_width` tokens: decoding past
        the context fails (positions out of range) or degrades, whatever the caller asked."""
        if self.context is None:
            return max_tokens
        if prompt_width >= self.context:
            raise ValueError(f"a prompt of {prompt_width} tokens leaves no room in the model's context of "
                             f"{self.context} positions")
        return min(max_tokens, self.context - prompt_width)

    def render(self, messages: list[dict[str, Any]]) -> str:
        """Chat messages as model input: the tokenizer's chat template, else the contents one per line."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return "\n".join(str(m.get("content") or "") for m in messages) + "\n"

    def encode_prompts(self, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Left-padded ids and attention mask."""
        encoded = [self.tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
        width = max(len(e) for e in encoded)
        pad = self.tokenizer.pad_token_id
        ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded], dtype=torch.long)
        mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded], dtype=torch.long)
        return ids.to(self.device), mask.to(self.device)

    def _pick(self, logits: torch.Tensor, temperature: float, top_p: float) -> torch.Tensor:
        if temperature <= 0:
            return logits.argmax(-1)
        probs = torch.softmax(top_p_filter(logits.float() / temperature, top_p), dim=-1)
        return torch.multinomial(probs.cpu(), 1, generator=self.generator).squeeze(1).to(logits.device)

    @torch.no_grad()
    def sample(
        self, prompts: list[str], n: int = 1, *, temperature: float = 1.0, top_p: float = 1.0, max_tokens: int = 64
    ) -> Samples:
        """n completions for each prompt, in prompt order; decoding stops at EOS, `max_tokens` or the end of the
        model's context (`room`)."""
        was_training = self.model.training
        self.model.eval()
        prompt_ids, prompt_mask = self.encode_prompts(prompts)
        max_tokens = self.room(prompt_ids.shape[1], max_tokens)
        positions = (prompt_mask.cumsum(-1) - 1).clamp(min=0)
        out = self.model(input_ids=prompt_ids, attention_mask=prompt_mask, position_ids=positions, use_cache=True)
        cache, cache_arg = cache_of(out), cache_argument(self.model)
        if n > 1:
            cache.batch_repeat_interleave(n)
        prompt_ids, prompt_mask = prompt_ids.repeat_interleave(n, 0), prompt_mask.repeat_interleave(n, 0)
        logits = out.logits[:, -1].repeat_interleave(n, 0)
        position = positions[:, -1:].repeat_interleave(n, 0)
        eos, pad = self.tokenizer.eos_token_id, self.tokenizer.pad_token_id
        finished = torch.zeros(len(prompt_ids), dtype=torch.bool, device=self.device)
        attention, tokens = prompt_mask, []
        for step in range(max_tokens):
            token = torch.where(finished, torch.full_like(finished, pad, dtype=torch.long), self._pick(logits, temperature, top_p))
            tokens.append(token)
            finished = finished | (token == eos)
            if bool(finished.all()) or step == max_tokens - 1:
                break
            attention = torch.cat([attention, torch.ones_like(attention[:, :1])], dim=1)
            position = position + 1
            out = self.model(input_ids=token[:, None], attention_mask=attention, position_ids=position,
                             use_cache=True, **{cache_arg: cache})
            cache, logits = cache_of(out), out.logits[:, -1]
        self.model.train(was_training)
        completion_ids = torch.stack(tokens, dim=1)
        is_eos = (completion_ids == eos).long()
        before_first_eos = (is_eos.cumsum(1) - is_eos) == 0
        completion_mask = before_first_eos.long()
        texts = self.tokenizer.batch_decode(completion_ids * completion_mask + pad * (1 - completion_mask),
                                            skip_special_tokens=True)
        return Samples(prompt_ids, prompt_mask, completion_ids, completion_mask, texts, finished, n)


class HFChatClient:
    """The `ChatClient` face of a local model, for `Environment.rollout` (eval, multi-turn episodes):
    one assistant reply per call, sampled by an `HFGenerator`. The trainer samples with the generator itself."""

    def __init__(self, generator: HFGenerator):
        self.generator = generator

    @classmethod
    def from_pretrained(cls, name: str, *, seed: int = 0, device: str | None = None) -> "HFChatClient":
        """A local model folder (`save_pretrained`, a trainer checkpoint) or a Hugging Face id, on `device`
        (default: cuda when there is one, else cpu)."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(name, padding_side="left")
        model = AutoModelForCausalLM.from_pretrained(name)
        model.to(device or ("cuda" if torch.cuda.is_available() else "cpu")).eval()
        return cls(HFGenerator(model, tokenizer, seed=seed))

    async def aclose(self) -> None:
        """Nothing to release (the `ChatClient` interface)."""

    async def chat(self, messages: list[dict[str, Any]], **sampling: Any) -> ChatReply:
        """One assistant reply: `temperature`, `top_p`, `max_tokens` are honoured."""
        samples = self.generator.sample(
            [self.generator.render(messages)],
            temperature=_given(sampling, "temperature", 1.0),
            top_p=_given(sampling, "top_p", 1.0),
            max_tokens=sampling.get("max_tokens") or 256,  # capped to the model's context by `sample`
        )
        length = int(samples.completion_mask.sum())
        usage = {"prompt_tokens": int(samples.prompt_mask.sum()), "completion_tokens": length}
        return ChatReply({"role": "assistant", "content": samples.texts[0]}, usage,
                         "stop" if bool(samples.finished[0]) else "length")


def _given(sampling: dict[str, Any], name: str, default: float) -> float:
    """A sampling argument, `default` when absent or None (a caller's "the server's default")."""
    value = sampling.get(name)
    return default if value is None else value
