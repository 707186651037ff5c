"""Cheap classifiers without a model: final-answer equality (math) and n-gram overlap (ablations)."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .classifier import EmbeddingClassifier

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")


def last_boxed(text: str) -> str | None:
    """The content of the last \\boxed{...} (balanced braces), or None."""
    start = text.rfind("\\boxed")
    if start < 0:
        return None
    open_at = text.find("{", start)
    if open_at < 0:
        return None
    depth = 0
    for k in range(open_at, len(text)):
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return text[open_at + 1 : k]
    return None


def final_answer(text: str) -> str | None:
    """The last \\boxed answer, else the last number, normalised for comparison (spaces, $, commas)."""
    found = last_boxed(text)
    if found is None:
        numbers = _NUMBER.findall(text)
        found = numbers[-1] if numbers else None
    if found is None:
        return None
    return re.sub(r"[\s$]|\\[,!;]|\\left|\\right", "", found).replace(",", "").rstrip(".")


class FinalAnswerClassifier(EmbeddingClassifier):
    """Same ⇔ both responses end with the same final answer. Strategy-blind: only useful where the
    answer itself is the diversity you want (or as a cheap baseline); responses without an answer
    differ from everything."""

    name = "final-answer"
    threshold = 0.5

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([final_answer(t) for t in texts], dtype=object)

    def compare(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.array([float(a is not None and a == b) for a, b in zip(left, right)])


class LexicalClassifier(EmbeddingClassifier):
    """Same ⇔ the Jaccard overlap of the two responses' lower-cased word n-gram sets exceeds the
    threshold. Each text's n-gram set is computed once per group and cached."""

    name = "lexical"

    def __init__(self, n: int = 1, threshold: float = 0.5, cache_size: int = 4096):
        super().__init__(cache_size)
        self.n, self.threshold = n, threshold

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty(len(texts), dtype=object)
        for k, t in enumerate(texts):
            w = t.lower().split()
            out[k] = frozenset(tuple(w[i : i + self.n]) for i in range(len(w) - self.n + 1))
        return out

    def compare(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.array([len(a & b) / len(a | b) if a | b else 1.0 for a, b in zip(left, right)])

    def describe(self) -> dict:
        return {**super().describe(), "n": self.n}
