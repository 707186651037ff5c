"""Pair classifier served by vLLM (`vllm serve CKPT --task classify`), called over `POST /classify`.

Pairs are sent as the paper built them, one string `CLS a SEP b SEP`, each response cut to
`max_words` words; unlike the paper's client (one request per pair) we batch `batch_size` pairs
per request and send the batches concurrently.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import httpx

from .classifier import PairClassifier
from .http_post import post_json


class VLLMClassifier(PairClassifier):
    """P(same) = `data[k].probs[-1]` of vLLM's classify endpoint."""

    name = "vllm"

    def __init__(
        self,
        base_url: str,
        model: str,
        threshold: float = 0.32,
        cls_token: str = "[CLS]",
        sep_token: str = "[SEP]",
        max_words: int = 1022,
        batch_size: int = 64,
        concurrency: int = 8,
        timeout_s: float = 600.0,
        tries: int = 3,
        backoff_s: float = 1.0,
        cache_size: int = 16384,
    ):
        super().__init__(cache_size)
        self.url = base_url.rstrip("/") + "/classify"
        self.model, self.threshold = model, threshold
        self.cls_token, self.sep_token, self.max_words = cls_token, sep_token, max_words
        self.batch_size, self.concurrency, self.tries, self.backoff_s = batch_size, concurrency, tries, backoff_s
        self.client = httpx.Client(timeout=timeout_s)

    def pair_text(self, a: str, b: str) -> str:
        cut = lambda t: " ".join(t.split()[: self.max_words])  # noqa: E731
        return f"{self.cls_token}{cut(a)}{self.sep_token}{cut(b)}{self.sep_token}"

    def _classify(self, texts: list[str]) -> list[float]:
        reply = post_json(
            self.client, self.url, {"model": self.model, "input": texts}, tries=self.tries, backoff_s=self.backoff_s
        )
        data = sorted(reply["data"], key=lambda d: d.get("index", 0))
        if len(data) != len(texts):
            raise ValueError(f"{self.url} returned {len(data)} results for {len(texts)} inputs")
        return [float(d["probs"][-1]) for d in data]

    def score_pairs(self, prompt: str, pairs: Sequence[tuple[str, str]]) -> list[float]:
        texts = [self.pair_text(a, b) for a, b in pairs]
        batches = [texts[k : k + self.batch_size] for k in range(0, len(texts), self.batch_size)]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(batches) or 1)) as pool:
            return [p for batch in pool.map(self._classify, batches) for p in batch]

    def describe(self) -> dict:
        return {**super().describe(), "url": self.url, "model": self.model}
