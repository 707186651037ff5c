"""`rm`: open-ended prompts scored by a Hugging Face sequence-classification reward model.

DARLING's main use case: prompts without a verifier, quality from a reward model, diversity from the
`darling` transform. The model loads on first use, so building the environment needs no download.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Sequence

import envsdk
from envsdk.messages import Text, as_messages, completion_text

PROMPTS_FILE = Path(__file__).parent / "rm_prompts.jsonl"
DEFAULT_MODEL = "Skywork/Skywork-Reward-V2-Qwen3-0.6B"


class RewardModel:
    """Scores (prompt, response) pairs with an `AutoModelForSequenceClassification` (first logit)."""

    def __init__(self, model: str, device: str = "cpu", max_length: int = 2048, batch_size: int = 8):
        self.model_name, self.device, self.max_length, self.batch_size = model, device, max_length, batch_size
        self._loaded: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._loaded is None:
                from envsdk.errors import require

                transformers = require("transformers", "darling")
                tokenizer = transformers.AutoTokenizer.from_pretrained(self.model_name)
                model = transformers.AutoModelForSequenceClassification.from_pretrained(self.model_name)
                if tokenizer.pad_token_id is None:
                    tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
                model.config.pad_token_id = tokenizer.pad_token_id
                self._loaded = (tokenizer, model.to(self.device).eval())
        return self._loaded

    def text(self, tokenizer: Any, prompt: Text, response: str) -> str:
        """The RM's chat template when it has one, else prompt and response on separate lines."""
        chat = [*as_messages(prompt), {"role": "assistant", "content": response}]
        if getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(chat, tokenize=False)
        return "\n\n".join(f"{m['role']}: {m['content']}" for m in chat)

    def score(self, prompts: Sequence[Text], responses: Sequence[str]) -> list[float]:
        import torch

        tokenizer, model = self._load()
        texts = [self.text(tokenizer, p, r) for p, r in zip(prompts, responses)]
        out: list[float] = []
        for k in range(0, len(texts), self.batch_size):
            enc = tokenizer(
                texts[k : k + self.batch_size],
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
                add_special_tokens=not getattr(tokenizer, "chat_template", None),
            ).to(self.device)
            with torch.inference_mode():
                out += model(**enc).logits[:, 0].float().tolist()
        return out


def load_prompts(path: str | Path = PROMPTS_FILE) -> list[dict]:
    """Rows with a `prompt` (and optional `id`) from a JSONL file."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def load_environment(
    model: str = DEFAULT_MODEL,
    dataset: str | Path | list[dict] | None = None,
    device: str = "cpu",
    max_length: int = 2048,
    batch_size: int = 8,
    **kwargs: Any,
) -> envsdk.Environment:
    """Open-ended prompts scored by a Hugging Face reward model (DARLING's quality signal)."""
    rm = RewardModel(model, device, max_length, batch_size)

    @envsdk.reward(group=True, name="reward_model")
    def reward_model(prompts: list, completions: list) -> list[float]:
        return rm.score(prompts, [completion_text(c) for c in completions])

    rows = dataset if isinstance(dataset, list) else load_prompts(dataset or PROMPTS_FILE)
    return envsdk.Environment(
        dataset=rows,
        rubric=envsdk.Rubric([reward_model]),
        description="open-ended prompts scored by a reward model",
        **kwargs,
    )
