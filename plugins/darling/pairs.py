"""Labelled response pairs: loading, the fixed held-out split, and accuracy with a confidence interval."""

from __future__ import annotations

import bisect
import json
import math
import random
from pathlib import Path
from typing import Sequence

from pydantic import BaseModel, ConfigDict

from .classifier import Classifier, EmbeddingClassifier


class LabelledPair(BaseModel):
    """One human judgement: are two responses to `prompt` the same (`similar` = 1) or different (0)?
    Field names follow NoveltyBench's classifier data."""

    model_config = ConfigDict(extra="ignore")

    id: str
    prompt: str = ""
    generation_0: str
    generation_1: str
    similar: int


def load_pairs(path: str | Path) -> list[LabelledPair]:
    """Pairs from a JSONL file; a line without an `id` gets its line number."""
    out = []
    for k, line in enumerate(Path(path).read_text().splitlines()):
        if line.strip():
            row = json.loads(line)
            out.append(LabelledPair.model_validate({"id": str(row.get("id", k)), **{n: v for n, v in row.items() if n != "id"}}))
    return out


def split_pairs(
    pairs: Sequence[LabelledPair], heldout_ids: Sequence[str] | None = None, fraction: float = 0.25, seed: int = 0
) -> tuple[list[LabelledPair], list[LabelledPair]]:
    """(train, held-out): by the given held-out ids, else a seeded random `fraction` of the ids."""
    if heldout_ids is None:
        ids = sorted(p.id for p in pairs)
        heldout_ids = random.Random(seed).sample(ids, round(fraction * len(ids)))
    held = set(heldout_ids)
    return [p for p in pairs if p.id not in held], [p for p in pairs if p.id in held]


def wilson_interval(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if total == 0:
        return 0.0, 1.0
    p = correct / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def rank_auc(scores: Sequence[float], labels: Sequence[int], z: float = 1.96) -> tuple[float, float, float]:
    """Threshold-free separation of the classes: the probability that a random "same" pair (label 1) scores
    above a random "different" one (ties count half), with its 95% Hanley–McNeil interval. 0.5 means the
    scores carry no information, whatever threshold is then picked on them."""
    pos = sorted(s for s, y in zip(scores, labels) if y == 1)
    neg = sorted(s for s, y in zip(scores, labels) if y == 0)
    if not pos or not neg:
        return 0.5, 0.0, 1.0
    wins = sum(bisect.bisect_left(neg, s) + (bisect.bisect_right(neg, s) - bisect.bisect_left(neg, s)) / 2 for s in pos)
    a = wins / (len(pos) * len(neg))
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    var = (a * (1 - a) + (len(pos) - 1) * (q1 - a * a) + (len(neg) - 1) * (q2 - a * a)) / (len(pos) * len(neg))
    half = z * math.sqrt(max(var, 0.0))
    return a, max(0.0, a - half), min(1.0, a + half)


class Accuracy(BaseModel):
    """Accuracy of a classifier on labelled pairs, with its 95% interval and the majority baseline."""

    n: int
    accuracy: float
    ci95: tuple[float, float]
    majority: float

    def line(self, name: str) -> str:
        lo, hi = self.ci95
        return f"{name:<14} accuracy {self.accuracy:.1%} (95% CI {lo:.1%}–{hi:.1%}, n={self.n}; majority {self.majority:.1%})"


def accuracy_of(predictions: Sequence[bool], pairs: Sequence[LabelledPair]) -> Accuracy:
    """Score same/different predictions against the labels."""
    correct = sum(int(p) == q.similar for p, q in zip(predictions, pairs))
    positives = sum(q.similar for q in pairs)
    n = len(pairs)
    return Accuracy(n=n, accuracy=correct / n, ci95=wilson_interval(correct, n), majority=max(positives, n - positives) / n)


def evaluate(classifier: Classifier, pairs: Sequence[LabelledPair], threshold: float | None = None) -> Accuracy:
    """Accuracy of `classifier` (same ⇔ P(same) > threshold, default the classifier's own)."""
    tau = classifier.threshold if threshold is None else threshold
    if isinstance(classifier, EmbeddingClassifier):  # one batched pass fills the cache
        classifier.embeddings([t for p in pairs for t in (p.generation_0, p.generation_1)])
    predictions = [
        classifier.same_probs(p.prompt, [p.generation_0, p.generation_1], [(0, 1)])[0] > tau for p in pairs
    ]
    return accuracy_of(predictions, pairs)
