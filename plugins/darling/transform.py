"""`DarlingTransform`: the group transform registered as `darling` (rewrites rewards only)."""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import envsdk
from envsdk.messages import prompt_text

from .classifier import Classifier
from .classifiers import load_classifier
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
            out.append(g.with_rewards(s.rewards, **{f"transform/{self.name}/{k}": v for k, v in metrics.items()}))
        return out
