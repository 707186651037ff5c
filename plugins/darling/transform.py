"""`DarlingTransform`: the group transform registered as `darling` (rewrites rewards; notes each rollout's
class and diversity on the record)."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar, Sequence

import envsdk
from envsdk.messages import prompt_text

from .classifier import Classifier
from .classifiers import load_classifier
from .partition import number_by_first_appearance
from .scoring import DarlingConfig, DarlingScorer, GroupScore


class DarlingTransform(envsdk.GroupTransform):
    """DARLING: quality × max(Div, 0.1), Div from semantic equivalence classes within each group.

    `classifier` is a registered name (see `envsdk_darling.CLASSIFIERS`) or a Classifier instance;
    `classifier_options` go to its constructor; the other keywords are `DarlingConfig` fields.
    Needs the final advantage step with scale = none (advantage = reward − group mean).
    """

    name: ClassVar[str] = "darling"
    required_scale: ClassVar[envsdk.transforms.Scale | None] = "none"

    def __init__(
        self,
        classifier: str | Classifier | None = "minilm-pair",
        classifier_options: dict[str, Any] | None = None,
        **options: Any,
    ):
        self.config = DarlingConfig(**options)
        needs_classifier = self.config.diversity != "ngram" and classifier is not None
        self.classifier = (
            load_classifier(classifier, lazy=True, **(classifier_options or {})) if needs_classifier else None
        )
        self.scorer = DarlingScorer(self.config, self.classifier)

    def score_group(self, group: envsdk.Group) -> GroupScore:
        """Classes, raw diversity and DARLING rewards for one group (inputs: its current rewards)."""
        return self.scorer.score(
            group.rewards,
            completions=group.completions,
            prompt=prompt_text(group.prompt),
            active=group.keep,
            correct=[v.correct for v in group.verdicts],
        )

    def apply(self, groups: Sequence[envsdk.Group]) -> list[envsdk.Group]:
        out = []
        for g in groups:
            s = self.score_group(g)
            metrics = {
                "classifier_s": s.classifier_s,
                "classifier_pairs": float(s.classifier_pairs),
                "short_answer_pairs": float(s.short_answer_pairs),
                **s.metrics,
            }
            rewritten = g.with_rewards(s.rewards, **{f"transform/{self.name}/{k}": v for k, v in metrics.items()})
            out.append(rewritten.annotate(self.name, self.rollout_notes(g.rewards, s)))
        return out

    def rollout_notes(self, quality: Sequence[float], score: GroupScore) -> list[dict[str, Any]]:
        """What DARLING says of each rollout (`record.annotations["darling"]`).

        A rollout that took part: `quality` (the reward DARLING read, before `shift_quality`) and `diversity`
        (raw Div_i, before the floor); under the default partition also `class` (its equivalence class,
        numbered 0, 1, ... by first appearance among the rollouts that took part) and `class_size`
        (pairwise and n-gram diversity form no classes). A kept rollout outside the classes (wrong, under
        `correct_only`) gets its quality, diversity 0 and a note; an abstained one only a note.
        """
        partition = self.config.diversity == "partition"
        labels = number_by_first_appearance([c for c, a in zip(score.classes, score.active) if a])
        sizes, labels = Counter(labels), iter(labels)
        notes: list[dict[str, Any]] = []
        for q, div, kept, active in zip(quality, score.diversity, score.keep, score.active):
            if not kept:
                notes.append({"note": "abstained: took no part"})
            elif not active:
                notes.append({"quality": q, "diversity": 0.0, "note": "not correct: no class (correct_only)"})
            elif partition:
                label = next(labels)
                notes.append({"quality": q, "diversity": div, "class": label, "class_size": sizes[label]})
            else:
                notes.append({"quality": q, "diversity": div})
        return notes
