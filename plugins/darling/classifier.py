"""The one batched interface every equivalence classifier implements, with its caches.

`same_probs(prompt, texts, pairs)` returns P("same") for the requested index pairs of one group.
Embedding classifiers encode each text once (n passes, not n² pairs) and cache the vectors;
pair classifiers score the requested pairs in one batch and cache each pair's probability.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Any, Generic, Sequence, TypeVar

import numpy as np

from .partition import Pair, transitive_same_pairs

V = TypeVar("V")


def text_key(*parts: str) -> str:
    """A compact cache key for one or more texts."""
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


class LRUCache(Generic[V]):
    """A small least-recently-used map (rollout texts repeat across the groups of a step and epochs)."""

    def __init__(self, maxsize: int = 4096):
        self.maxsize = maxsize
        self._data: OrderedDict[str, V] = OrderedDict()

    def get(self, key: str) -> V | None:
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key]
        return None

    def put(self, key: str, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


class Classifier(ABC):
    """Decides whether two responses to one prompt are the same (equivalent) or different.

    Two responses are the same when `same_probs` > `threshold` (the paper's rule p > τ).
    """

    name: str = "classifier"
    threshold: float = 0.5
    pays_per_pair: bool = False  # each pair costs a model pass, so skipping pairs by transitivity pays

    def same_pairs(
        self,
        prompt: str,
        texts: Sequence[str],
        pairs: Sequence[Pair],
        threshold: float,
        transitive: bool = False,
        known: Sequence[Pair] = (),
    ) -> tuple[list[Pair], int]:
        """The pairs judged the same (P(same) > threshold) and how many pairs were scored. With
        `transitive` (classes, not per-pair answers, are wanted) a classifier that pays per pair skips
        the pairs whose class is already settled, by its answers or by the `known` same pairs
        (`transitive_same_pairs`): same classes, fewer passes."""

        def decide(batch: list[Pair]) -> list[bool]:
            return [p > threshold for p in self.same_probs(prompt, texts, batch)]

        if transitive and self.pays_per_pair:
            return transitive_same_pairs(len(texts), pairs, decide, known)
        verdicts = decide(list(pairs))
        return [pair for pair, same in zip(pairs, verdicts) if same], len(pairs)

    @abstractmethod
    def same_probs(self, prompt: str, texts: Sequence[str], pairs: Sequence[Pair]) -> list[float]:
        """P(same) for each (i, j) pair of `texts`, one batch per call."""

    def same_matrix(self, prompt: str, texts: Sequence[str]) -> np.ndarray:
        """The full symmetric n×n matrix of P(same) (diagonal 1), for inspection and tests."""
        n = len(texts)
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        out = np.eye(n)
        for (i, j), p in zip(pairs, self.same_probs(prompt, texts, pairs)):
            out[i, j] = out[j, i] = p
        return out

    def describe(self) -> dict[str, Any]:
        """What to record in run metadata."""
        return {"name": self.name, "threshold": self.threshold}


class EmbeddingClassifier(Classifier):
    """A classifier that embeds each text once and compares embeddings pairwise."""

    def __init__(self, cache_size: int = 4096):
        self._cache: LRUCache[np.ndarray] = LRUCache(cache_size)

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (uncached: called only for texts not seen recently)."""

    @abstractmethod
    def compare(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """P(same) for each row pair of two equally long embedding arrays."""

    def embeddings(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of `texts`, computing only the ones missing from the cache (in one batch)."""
        keys = [text_key(t) for t in texts]
        missing = {k: t for k, t in zip(keys, texts) if self._cache.get(k) is None}
        if missing:
            for k, e in zip(missing, self.embed(list(missing.values()))):
                self._cache.put(k, e)
        return np.stack([self._cache.get(k) for k in keys])

    def same_probs(self, prompt: str, texts: Sequence[str], pairs: Sequence[Pair]) -> list[float]:
        if not pairs:
            return []
        needed = sorted({i for p in pairs for i in p})
        emb = dict(zip(needed, self.embeddings([texts[i] for i in needed])))
        left = np.stack([emb[i] for i, _ in pairs])
        right = np.stack([emb[j] for _, j in pairs])
        return [float(p) for p in self.compare(left, right)]


class PairClassifier(Classifier):
    """A classifier that reads both texts at once (cross-encoders, served models, LLM judges)."""

    pays_per_pair = True

    def __init__(self, cache_size: int = 16384):
        self._cache: LRUCache[float] = LRUCache(cache_size)

    @abstractmethod
    def score_pairs(self, prompt: str, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """P(same) for each (text_a, text_b), as one batch."""

    def same_probs(self, prompt: str, texts: Sequence[str], pairs: Sequence[Pair]) -> list[float]:
        keys = [text_key(prompt, texts[i], texts[j]) for i, j in pairs]
        todo = {k: (texts[i], texts[j]) for k, (i, j) in zip(keys, pairs) if self._cache.get(k) is None}
        if todo:
            for k, p in zip(todo, self.score_pairs(prompt, list(todo.values()))):
                self._cache.put(k, float(p))
        return [self._cache.get(k) for k in keys]
