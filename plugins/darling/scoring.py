"""DARLING for one group: classes, diversity and the combined reward (the spec's §1), with options.

`DarlingScorer.score(...)` is shared by the group transform and `envsdk darling score`.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

from pydantic import BaseModel, ConfigDict, Field

from envsdk.transforms import group_advantages
from envsdk.verdict import Verdict

from .classifier import Classifier, Pair
from .partition import (
    ngram_diversity,
    number_by_first_appearance,
    pairwise_diversity,
    partition_diversity,
    short_answer_same,
    union_find_classes,
)


class DarlingConfig(BaseModel):
    """Options of the transform; the defaults are the paper's (multiplicative, union-find partition,
    floor 0.1, short-answer rule at 5 words, all rollouts)."""

    model_config = ConfigDict(extra="forbid")

    floor: float = Field(0.1, ge=0.0, description="Norm(Div) = max(Div, floor)")
    short_answer_words: int = Field(5, ge=0, description="both responses ≤ this many words → word-overlap rule")
    threshold: float | None = Field(None, description="override the classifier's τ (same ⇔ p > τ)")
    diversity: Literal["partition", "pairwise", "ngram"] = Field(
        "partition",
        description="partition: union-find classes (paper); pairwise: fraction of others judged different, "
        "no transitivity; ngram: share of a rollout's word n-grams found in no other rollout (§6.2 ablation)",
    )
    ngram: int = Field(4, ge=1, description="n of the ngram diversity")
    combine: Literal["multiply", "add"] = Field(
        "multiply", description="multiply: quality × max(Div, floor); add: z(quality) + diversity_weight · z(Div)"
    )
    diversity_weight: float = Field(1.0, description="weight of z(Div) when combine='add'")
    shift_quality: bool = Field(False, description="subtract the group's minimum quality first (so quality ≥ 0)")
    correct_only: bool = Field(False, description="diversity among correct rollouts only (the code's partition_correct)")


@dataclass
class GroupScore:
    """What DARLING computed for one group. `active` marks the rollouts that took part in the classes and
    the diversity (kept, and correct under `correct_only`); `keep` those whose reward DARLING rewrote."""

    classes: list[int]
    diversity: list[float]
    rewards: list[float]
    keep: list[bool]
    active: list[bool]
    classifier_s: float = 0.0
    classifier_pairs: int = 0
    short_answer_pairs: int = 0
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def advantages(self) -> list[float]:
        """envsdk's one advantage step with scale = none: DARLING reward − mean over the kept rollouts;
        rollouts left out (`keep` False: abstained) get 0."""
        return group_advantages(self.rewards, self.keep, "none")


class DarlingScorer:
    """Applies a DarlingConfig to groups with a classifier (None: only explicit partitions / n-grams)."""

    def __init__(self, config: DarlingConfig, classifier: Classifier | None):
        self.config = config
        self.classifier = classifier

    @property
    def threshold(self) -> float:
        if self.config.threshold is not None:
            return self.config.threshold
        return self.classifier.threshold if self.classifier is not None else 0.5

    def score(
        self,
        quality: Sequence[float],
        *,
        completions: Sequence[str] | None = None,
        prompt: str = "",
        partition: Sequence[Any] | None = None,
        active: Sequence[bool] | None = None,
        correct: Sequence[bool] | None = None,
    ) -> GroupScore:
        """Score one group. `active` marks rollouts that take part (False: abstained, reward kept as is);
        `correct` (envsdk's `Verdict.correct` per rollout) defaults to full credit, quality >= 1, and
        matters only with `correct_only`."""
        n = len(quality)
        active = list(active) if active is not None else [True] * n
        rewards_active = list(active)
        if self.config.correct_only:
            correct = list(correct) if correct is not None else [Verdict(reward=q).correct for q in quality]
            active = [a and c for a, c in zip(active, correct)]
        if partition is None and completions is None:
            raise ValueError("a group needs either an explicit partition or its completions")
        cfg, started = self.config, time.perf_counter()
        counts = {"classifier_pairs": 0, "short_answer_pairs": 0}
        if cfg.diversity == "ngram":
            if completions is None:
                raise ValueError("diversity='ngram' needs the completions")
            diversity = ngram_diversity(completions, active, cfg.ngram)
            classes = list(range(n))
        else:
            same = (
                _pairs_from_partition(partition, active)
                if partition is not None
                else self._same_pairs(prompt, list(completions), active, counts)
            )
            classes = union_find_classes(n, same)  # inactive rollouts stay singletons
            diversity = (
                partition_diversity(classes, active)
                if cfg.diversity == "partition"
                else pairwise_diversity(same, active)
            )
        elapsed = time.perf_counter() - started if counts["classifier_pairs"] else 0.0
        rewards = self._combine(list(quality), diversity, rewards_active)
        kept_div = [d for d, a in zip(diversity, active) if a]
        return GroupScore(
            classes=classes,
            diversity=diversity,
            rewards=rewards,
            keep=rewards_active,
            active=active,
            classifier_s=elapsed,
            **counts,
            metrics={
                "diversity_mean": sum(kept_div) / len(kept_div) if kept_div else 0.0,
                "num_classes": float(len({c for c, a in zip(classes, active) if a})),
            },
        )

    def _same_pairs(self, prompt: str, texts: list[str], active: list[bool], counts: dict[str, int]) -> list[Pair]:
        """Pairs judged the same: the short-answer rule first, the classifier in one batch for the rest."""
        idx = [i for i, a in enumerate(active) if a]
        same, ask = [], []
        for a_pos, i in enumerate(idx):
            for j in idx[a_pos + 1 :]:
                verdict = short_answer_same(texts[i], texts[j], self.config.short_answer_words)
                if verdict is None:
                    ask.append((i, j))
                elif verdict:
                    same.append((i, j))
        counts["short_answer_pairs"] = len(idx) * (len(idx) - 1) // 2 - len(ask)
        if ask:
            if self.classifier is None:
                raise ValueError("this group needs a classifier (long responses and no explicit partition)")
            found, asked = self.classifier.same_pairs(
                prompt, texts, ask, self.threshold, transitive=self.config.diversity == "partition", known=same
            )
            same += found
            counts["classifier_pairs"] = asked
        return same

    def _combine(self, quality: list[float], diversity: list[float], active: list[bool]) -> list[float]:
        """Quality and diversity into one reward; inactive (abstained) rollouts keep their quality."""
        cfg = self.config
        kept_q = [q for q, a in zip(quality, active) if a]
        if cfg.shift_quality and kept_q:
            low = min(kept_q)
            quality = [q - low if a else q for q, a in zip(quality, active)]
        if cfg.combine == "multiply":
            return [q * max(d, cfg.floor) if a else q for q, d, a in zip(quality, diversity, active)]
        zq = _zscores(quality, active)
        zd = _zscores(diversity, active)
        return [q + cfg.diversity_weight * d if a else r for q, d, a, r in zip(zq, zd, active, quality)]


def _zscores(values: list[float], active: list[bool]) -> list[float]:
    """Per-group z-scores over active entries (population std; a constant group gives zeros)."""
    kept = [v for v, a in zip(values, active) if a]
    if len(kept) < 2:
        return [0.0] * len(values)
    mean, std = statistics.fmean(kept), statistics.pstdev(kept)
    return [(v - mean) / std if std > 0 else 0.0 for v in values]


def _pairs_from_partition(partition: Sequence[Any], active: list[bool]) -> list[Pair]:
    """Every active pair that an explicit partition puts in one class."""
    labels = number_by_first_appearance(partition)
    idx = [i for i, a in enumerate(active) if a]
    return [(i, j) for k, i in enumerate(idx) for j in idx[k + 1 :] if labels[i] == labels[j]]

