"""Cross-encoder pair classifiers from Hugging Face sequence-classification checkpoints, such as the
paper's released ones (`dogtooth/similarity-classifier-f168-hf`, `dogtooth/qwen3-4b-emb-finetuned-step-70-hf`).

Input as the paper served it: `CLS a SEP b SEP` (template "pair") or `<|im_start|> a <|im_end|> b <|im_end|>`
(template "qwen"), each response cut to its first `max_words` whitespace words; the prompt is not shown;
P(same) is the last softmax entry.
"""

from __future__ import annotations

from typing import Literal, Sequence

from .classifier import PairClassifier


class HFPairClassifier(PairClassifier):
    """Any `AutoModelForSequenceClassification` checkpoint (hub id or local path) scoring (a, b) pairs."""

    name = "hf-pair"

    def __init__(
        self,
        model: str,
        threshold: float = 0.5,
        template: Literal["pair", "qwen"] = "pair",
        max_words: int = 1022,
        batch_size: int = 8,
        device: str = "cpu",
        cache_size: int = 16384,
    ):
        super().__init__(cache_size)
        from envsdk.errors import require

        transformers = require("transformers", "darling")
        self.torch = require("torch", "darling")
        self.model_name, self.threshold, self.template = model, threshold, template
        self.max_words, self.batch_size, self.device = max_words, batch_size, device
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(model)
        self.model = transformers.AutoModelForSequenceClassification.from_pretrained(model).to(device).eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id
        limit = getattr(self.model.config, "max_position_embeddings", None) or 512
        self.max_tokens = min(limit, self.tokenizer.model_max_length or limit)

    def _cut(self, text: str) -> str:
        return " ".join(text.split()[: self.max_words])

    def _encode(self, batch: Sequence[tuple[str, str]]) -> dict:
        tok = self.tokenizer
        if self.template == "pair":
            return tok(
                [self._cut(a) for a, _ in batch],
                [self._cut(b) for _, b in batch],
                truncation="longest_first",
                max_length=self.max_tokens,
                padding=True,
                return_tensors="pt",
            )
        start, end = tok.convert_tokens_to_ids("<|im_start|>"), tok.convert_tokens_to_ids("<|im_end|>")
        if start == tok.unk_token_id or end == tok.unk_token_id or start is None or end is None:
            raise ValueError(f"template 'qwen' needs <|im_start|> and <|im_end|> tokens in {self.model_name}")
        half = (self.max_tokens - 3) // 2
        rows = []
        for a, b in batch:
            ia = tok(self._cut(a), add_special_tokens=False)["input_ids"][:half]
            ib = tok(self._cut(b), add_special_tokens=False)["input_ids"][:half]
            rows.append([start, *ia, end, *ib, end])
        return tok.pad({"input_ids": rows}, padding=True, return_tensors="pt")

    def score_pairs(self, prompt: str, pairs: Sequence[tuple[str, str]]) -> list[float]:
        torch, out = self.torch, []
        for k in range(0, len(pairs), self.batch_size):
            enc = {name: t.to(self.device) for name, t in self._encode(pairs[k : k + self.batch_size]).items()}
            with torch.inference_mode():
                logits = self.model(**enc).logits.float()
            probs = torch.sigmoid(logits[:, 0]) if logits.shape[-1] == 1 else torch.softmax(logits, -1)[:, -1]
            out += probs.tolist()
        return out

    def describe(self) -> dict:
        return {**super().describe(), "model": self.model_name, "template": self.template}
