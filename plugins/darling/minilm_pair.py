"""The default classifier: a MiniLM bi-encoder whose top layers and pair head we fine-tuned on
NoveltyBench's human-labelled pairs of open-ended responses (weights shipped in `weights/`).

Each response is embedded once (long ones in 256-token windows, mean-pooled over every token of every
window, never truncated, plus a mean over its opening tokens); a pair's P(same) is a logistic function
of the two cosines, so a group of n rollouts costs n encoder passes, not n² pair passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from pydantic import BaseModel, Field
from torch import nn

from .chunking import pad_rows, windows
from .classifier import EmbeddingClassifier
from .cosine import minilm_path
from .finetuned_io import load_finetuned, save_finetuned

WEIGHTS_DIR = Path(__file__).parent / "weights"
WEIGHTS_FILE = "minilm-pair.safetensors"
SPEC_FILE = "minilm-pair.json"


class PairModelSpec(BaseModel):
    """Architecture and provenance of a trained pair model (saved next to its weights)."""

    trainable_layers: int = Field(2, ge=0, le=6, description="top encoder layers fine-tuned and shipped")
    chunk_tokens: int = Field(256, ge=16, le=512, description="window length, [CLS] and [SEP] included")
    opening_tokens: int = Field(64, ge=1, description="tokens of the first window pooled as the opening")
    threshold: float = Field(0.5, description="same ⇔ P(same) > threshold")
    training: dict = Field(default_factory=dict, description="data, split, settings and held-out metrics")


Window = tuple[torch.Tensor, torch.Tensor, list[int], list[bool]]


def pool_windows(batches: list[Window], n_texts: int, opening_tokens: int) -> torch.Tensor:
    """Two L2-normalised means per text, concatenated: over all tokens of all its windows, and over
    the first `opening_tokens` tokens of its first window (openings tell jokes and stories apart).
    `batches` holds (token states, attention mask, owning text, is-first-window) per window batch."""
    dim = batches[0][0].shape[-1]
    total, count = torch.zeros(n_texts, dim), torch.zeros(n_texts, 1)
    opening, open_count = torch.zeros(n_texts, dim), torch.zeros(n_texts, 1)
    for states, mask, owner, first in batches:
        m = mask.unsqueeze(-1).to(states.dtype)
        index = torch.tensor(owner)
        total = total.index_add(0, index, (states * m).sum(1))
        count = count.index_add(0, index, m.sum(1))
        head = m[:, :opening_tokens] * torch.tensor(first, dtype=states.dtype).view(-1, 1, 1)
        opening = opening.index_add(0, index, (states[:, :opening_tokens] * head).sum(1))
        open_count = open_count.index_add(0, index, head.sum(1))
    normalize = nn.functional.normalize
    return torch.cat([normalize(total / count.clamp_min(1), dim=-1), normalize(opening / open_count.clamp_min(1), dim=-1)], -1)


class CosineHead(nn.Module):
    """Logistic regression on the two cosines (whole response, opening) of a pair of embeddings.

    Few parameters on purpose: with ~750 training pairs a wide head over embedding features overfits,
    while fine-tuning the encoder to make these cosines meaningful does not."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        with torch.no_grad():  # start near the frozen model's best cosine threshold (~0.85)
            self.linear.weight.fill_(10.0)
            self.linear.bias.fill_(-17.0)

    def forward(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        half = u.shape[-1] // 2
        cosines = torch.stack([(u[..., :half] * v[..., :half]).sum(-1), (u[..., half:] * v[..., half:]).sum(-1)], -1)
        return self.linear(cosines).squeeze(-1)


class MiniLMPairModel(nn.Module):
    """MiniLM encoder + pair head; `trainable_state_dict` holds only what training changed."""

    def __init__(self, spec: PairModelSpec, base_path: str | None = None):
        super().__init__()
        from transformers import AutoModel, AutoTokenizer

        base = base_path or minilm_path()
        self.spec = spec
        self.tokenizer = AutoTokenizer.from_pretrained(base)
        self.bert = AutoModel.from_pretrained(base)
        self.head = CosineHead()

    @property
    def num_layers(self) -> int:
        return self.bert.config.num_hidden_layers

    def trainable_prefixes(self) -> list[str]:
        first = self.num_layers - self.spec.trainable_layers
        return [f"bert.encoder.layer.{i}." for i in range(first, self.num_layers)] + ["head."]

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        prefixes = tuple(self.trainable_prefixes())
        return {k: v.detach().clone() for k, v in self.state_dict().items() if k.startswith(prefixes)}

    def chunk(self, texts: Sequence[str], max_windows: int | None = None) -> tuple[list[list[int]], list[int], list[bool]]:
        """Token windows of every text (with [CLS]/[SEP]), the text each came from, and whether it is
        that text's first window. `max_windows` keeps only the first windows (training shortcut)."""
        tok, size = self.tokenizer, self.spec.chunk_tokens - 2
        rows, owner, first = [], [], []
        for k, ids in enumerate(tok(list(texts), add_special_tokens=False, verbose=False)["input_ids"]):
            for w_index, w in enumerate(windows(ids, size)[:max_windows]):
                rows.append([tok.cls_token_id, *w, tok.sep_token_id])
                owner.append(k)
                first.append(w_index == 0)
        return rows, owner, first

    def pad(self, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        return pad_rows(rows, self.tokenizer.pad_token_id)

    def embed(self, texts: Sequence[str], batch_windows: int = 16) -> torch.Tensor:
        rows, owner, first = self.chunk(texts)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))  # similar lengths pad less
        batches = []
        for k in range(0, len(order), batch_windows):
            part = order[k : k + batch_windows]
            ids, mask = self.pad([rows[i] for i in part])
            out = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            batches.append((out, mask, [owner[i] for i in part], [first[i] for i in part]))
        return pool_windows(batches, len(texts), self.spec.opening_tokens)

    def save(self, directory: Path) -> None:
        """Write the fine-tuned tensors (fp16) and the spec."""
        save_finetuned(directory, WEIGHTS_FILE, SPEC_FILE, self.trainable_state_dict(), self.spec)

    @classmethod
    def load(cls, directory: Path, base_path: str | None = None) -> MiniLMPairModel:
        spec = PairModelSpec.model_validate_json((directory / SPEC_FILE).read_text())
        model = cls(spec, base_path)
        model.load_state_dict(load_finetuned(directory / WEIGHTS_FILE, model.trainable_state_dict()), strict=False)
        return model.eval()


class MiniLMPairClassifier(EmbeddingClassifier):
    """The offline CPU default. Domain: open-ended English chat responses (WildChat-style prompts, as in
    NoveltyBench); for math strategies prefer `qwen3-math` or `final-answer`."""

    name = "minilm-pair"

    def __init__(
        self,
        weights: str | Path | None = None,
        threshold: float | None = None,
        threads: int | None = None,
        cache_size: int = 4096,
    ):
        super().__init__(cache_size)
        directory = Path(weights) if weights else WEIGHTS_DIR
        if not (directory / WEIGHTS_FILE).exists():
            raise FileNotFoundError(f"no {WEIGHTS_FILE} in {directory}; train one with `envsdk darling train-classifier`")
        if threads:
            torch.set_num_threads(threads)
        self.weights_dir = directory
        self.model = MiniLMPairModel.load(directory)
        self.threshold = threshold if threshold is not None else self.model.spec.threshold

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with torch.inference_mode():
            return self.model.embed(texts).numpy()

    def compare(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            logits = self.model.head(torch.from_numpy(left), torch.from_numpy(right))
        return torch.sigmoid(logits).numpy()

    def describe(self) -> dict:
        return {**super().describe(), "weights": str(self.weights_dir)}
