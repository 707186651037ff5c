"""A pair cross-encoder: prompt and both responses in one input, `[CLS] prompt [SEP] a [SEP] b [SEP]`.

Unlike the bi-encoder default (`minilm-pair`), every layer sees both responses at once, so it can
compare them token by token. Long responses are cut to their start and end (where openings and final
answers sit), sharing one token budget. Scoring is symmetric: each pair is read in both orders and the
two probabilities averaged, so P(a, b) = P(b, a) exactly. Weights are the encoder's fine-tuned tensors
(the word-embedding table stays the base model's and is not stored) plus a one-logit head.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
from pydantic import BaseModel, Field

from .chunking import pad_rows
from .classifier import PairClassifier
from .finetuned_io import load_finetuned, save_finetuned

WEIGHTS_FILE = "cross-encoder.safetensors"
SPEC_FILE = "cross-encoder.json"
DEFAULT_DIR = Path(__file__).parent / "weights" / "cross-encoder"
FROZEN_PREFIX = "bert.embeddings.word_embeddings."


class CrossEncoderSpec(BaseModel):
    """Input layout and provenance of a trained cross-encoder (saved next to its weights)."""

    max_tokens: int = Field(128, ge=16, le=512, description="whole input, special tokens included")
    prompt_tokens: int = Field(24, ge=0, description="at most this many tokens of the prompt (its start)")
    threshold: float = Field(0.5, description="same ⇔ P(same) > threshold")
    training: dict = Field(default_factory=dict, description="data, split, settings and validation metrics")


def head_tail(ids: list[int], budget: int) -> list[int]:
    """The first ⌈budget/2⌉ and last ⌊budget/2⌋ tokens (all of them when they fit): the opening tells
    jokes and stories apart, the ending holds the final answer."""
    if len(ids) <= budget:
        return ids
    if budget <= 0:
        return []
    tail = budget // 2
    return ids[: budget - tail] + (ids[-tail:] if tail else [])


def split_budget(len_a: int, len_b: int, budget: int) -> tuple[int, int]:
    """Token budgets for two responses: half each, a short one's unused share going to the other."""
    half = budget // 2
    if len_a <= half:
        return len_a, min(len_b, budget - len_a)
    if len_b <= budget - half:
        return min(len_a, budget - len_b), len_b
    return half, budget - half


def pair_ids(prompt_ids: list[int], a: list[int], b: list[int], cls: int, sep: int, max_tokens: int) -> list[int]:
    """`[CLS] prompt [SEP] a [SEP] b [SEP]` within `max_tokens`, each response cut by `head_tail`."""
    budget = max(0, max_tokens - 4 - len(prompt_ids))
    ka, kb = split_budget(len(a), len(b), budget)
    return [cls, *prompt_ids, sep, *head_tail(a, ka), sep, *head_tail(b, kb), sep]


class CrossEncoder(torch.nn.Module):
    """A BERT-style encoder with a one-logit head, reading tokenized pairs in both orders."""

    def __init__(self, spec: CrossEncoderSpec, base_path: str | None = None):
        super().__init__()
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, logging

        from .cosine import minilm_path

        base = base_path or minilm_path()
        self.spec = spec
        self.tokenizer = AutoTokenizer.from_pretrained(base)
        verbosity = logging.get_verbosity()
        logging.set_verbosity_error()  # the fresh head's "newly initialized" report is expected
        try:
            self.model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
        finally:
            logging.set_verbosity(verbosity)
        self._ids: dict[str, list[int]] = {}

    def tokens(self, text: str) -> list[int]:
        """Token ids of a text without special tokens (memoised: a group's texts recur across pairs)."""
        if text not in self._ids:
            if len(self._ids) > 4096:
                self._ids.clear()
            self._ids[text] = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        return self._ids[text]

    def rows(self, triples: Sequence[tuple[str, str, str]]) -> list[list[int]]:
        """Input ids of every (prompt, a, b) in order (a, b), followed by every one in order (b, a)."""
        tok, spec = self.tokenizer, self.spec
        ids = [(self.tokens(p)[: spec.prompt_tokens], self.tokens(a), self.tokens(b)) for p, a, b in triples]
        cls, sep = tok.cls_token_id, tok.sep_token_id
        return [pair_ids(p, a, b, cls, sep, spec.max_tokens) for p, a, b in ids] + [
            pair_ids(p, b, a, cls, sep, spec.max_tokens) for p, a, b in ids
        ]

    def logits(self, rows: list[list[int]]) -> torch.Tensor:
        """One logit per row (rows padded to the longest)."""
        ids, mask = pad_rows(rows, self.tokenizer.pad_token_id)
        return self.model(input_ids=ids, attention_mask=mask).logits[:, 0]

    def symmetric_probs(self, triples: Sequence[tuple[str, str, str]], batch_rows: int = 32) -> torch.Tensor:
        """P(same) per (prompt, a, b): the mean of sigmoid(logit) over its two orders."""
        rows = self.rows(triples)
        with torch.inference_mode():
            logits = torch.cat([self.logits(rows[k : k + batch_rows]) for k in range(0, len(rows), batch_rows)])
        probs = torch.sigmoid(logits.float())
        return (probs[: len(triples)] + probs[len(triples) :]) / 2

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """Every tensor training changes: all but the (frozen) word-embedding table."""
        return {k: v.detach().clone() for k, v in self.model.state_dict().items() if not k.startswith(FROZEN_PREFIX)}

    def save(self, directory: Path) -> None:
        """Write the fine-tuned tensors (fp16) and the spec."""
        save_finetuned(directory, WEIGHTS_FILE, SPEC_FILE, self.trainable_state_dict(), self.spec)

    @classmethod
    def load(cls, directory: Path, base_path: str | None = None) -> CrossEncoder:
        if not (directory / WEIGHTS_FILE).exists():
            raise FileNotFoundError(
                f"no {WEIGHTS_FILE} in {directory}; train one with "
                "`envsdk darling train-classifier --model cross-encoder` (docs/darling.md)"
            )
        model = cls(CrossEncoderSpec.model_validate_json((directory / SPEC_FILE).read_text()), base_path)
        tensors = load_finetuned(directory / WEIGHTS_FILE, model.trainable_state_dict())
        model.model.load_state_dict(tensors, strict=False)
        return model.eval()


class CrossEncoderClassifier(PairClassifier):
    """`cross-encoder`: the MiniLM cross-encoder fine-tuned on NoveltyBench pairs. Trained weights are
    not shipped (22 MB of fp16 encoder tensors); `weights=` names the directory `train-classifier` wrote.
    Costs n(n−1) encoder passes per group of n (both orders), fewer with the transitive shortcut."""

    name = "cross-encoder"
    pays_per_pair = True

    def __init__(
        self,
        weights: str | Path | None = None,
        threshold: float | None = None,
        threads: int | None = None,
        base_path: str | None = None,
        batch_rows: int = 32,
        cache_size: int = 16384,
    ):
        super().__init__(cache_size)
        if threads:
            torch.set_num_threads(threads)
        self.weights_dir = Path(weights) if weights else DEFAULT_DIR
        self.model = CrossEncoder.load(self.weights_dir, base_path)
        self.threshold = threshold if threshold is not None else self.model.spec.threshold
        self.batch_rows = batch_rows

    def score_pairs(self, prompt: str, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return self.model.symmetric_probs([(prompt, a, b) for a, b in pairs], self.batch_rows).tolist()

    def describe(self) -> dict:
        return {**super().describe(), "weights": str(self.weights_dir)}
