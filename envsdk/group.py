"""Groups: all rollouts of one prompt instance, with rewards a transform may rewrite."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Mapping, Sequence

from .messages import Text, completion_text
from .verdict import Verdict

OnError = Literal["zero", "abstain"]


def make_group_id(env_name: str, example_id: str | None = None, prompt: Text | None = None) -> str:
    """A stable id: hash of (environment name, example id or group key), or of the prompt when there is none.

    Which rollouts form one group is decided by `envsdk.scoring.group_key`; this only names the group.
    """
    key = example_id if example_id is not None else json.dumps(prompt, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(f"{env_name}\x00{key}".encode()).hexdigest()[:16]


def baseline_entry(verdict: Verdict, on_error: OnError = "abstain") -> tuple[bool, float]:
    """How a verdict enters its group's baseline, on every path: whether it is kept (not when its verifier failed
    under `on_error="abstain"`) and its reward (0 for a failed verifier)."""
    return not (on_error == "abstain" and verdict.failed), (0.0 if verdict.failed else verdict.reward)


@dataclass
class Rollout:
    """One sampled completion with its verdict."""

    rollout_index: int
    completion: Text
    verdict: Verdict
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return completion_text(self.completion)


@dataclass
class Group:
    """The n rollouts of one prompt instance.

    `prompt` is the row's own prompt (never a trainer's rendering of it), so a transform that reads it
    sees the same input on every path. `rewards` starts as the verdicts' rewards; transforms rewrite it. `keep` marks rollouts that
    count in the baseline (False for abstained errors or filtered rollouts). `advantages` is set
    only by the final advantage step. `annotations[i]` holds what each transform says of rollout i, by
    transform name (`annotate`); the rollout records carry it to disk and the report.
    """

    group_id: str
    prompt: Text
    rollouts: list[Rollout]
    rewards: list[float]
    keep: list[bool]
    env: str = ""
    example_id: str | None = None
    answer: Any = None
    advantages: list[float] | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    annotations: list[dict[str, dict[str, Any]]] | None = None

    @classmethod
    def from_verdicts(
        cls,
        *,
        prompt: Text,
        completions: list[Text],
        verdicts: list[Verdict],
        env: str = "",
        example_id: str | None = None,
        answer: Any = None,
        states: list[dict] | None = None,
        on_error: OnError = "abstain",
        group_id: str | None = None,
    ) -> Group:
        """Build a group; failed verdicts are left out of the baseline when `on_error="abstain"`.

        `group_id` is the id the spine gives it (`envsdk.scoring.batch.group_id`); else one made from `example_id`.
        """
        if len(completions) != len(verdicts):
            raise ValueError(f"{len(completions)} completions but {len(verdicts)} verdicts")
        states = states or [{} for _ in completions]
        rollouts = [Rollout(i, c, v, s) for i, (c, v, s) in enumerate(zip(completions, verdicts, states))]
        entries = [baseline_entry(v, on_error) for v in verdicts]
        return cls(
            group_id=group_id if group_id is not None else make_group_id(env, example_id, prompt),
            prompt=prompt,
            rollouts=rollouts,
            rewards=[reward for _, reward in entries],
            keep=[kept for kept, _ in entries],
            env=env,
            example_id=example_id,
            answer=answer,
        )

    @property
    def n(self) -> int:
        return len(self.rollouts)

    @property
    def completions(self) -> list[str]:
        """Completion texts, in rollout order."""
        return [r.text for r in self.rollouts]

    @property
    def verdicts(self) -> list[Verdict]:
        return [r.verdict for r in self.rollouts]

    def with_rewards(self, rewards: list[float], *, keep: list[bool] | None = None, **metrics: float) -> Group:
        """A copy with new rewards (and optionally a new keep mask and extra metrics)."""
        if len(rewards) != self.n:
            raise ValueError(f"group {self.group_id} has {self.n} rollouts but got {len(rewards)} rewards")
        return replace(
            self,
            rewards=[float(r) for r in rewards],
            keep=list(keep) if keep is not None else list(self.keep),
            metrics={**self.metrics, **metrics},
        )

    def annotate(self, transform: str, notes: Sequence[Mapping[str, Any]]) -> Group:
        """A copy where rollout i carries `notes[i]` under the transform's name (e.g. DARLING's class and
        diversity): plain JSON values, shown per rollout by `envsdk report`."""
        if len(notes) != self.n:
            raise ValueError(f"group {self.group_id} has {self.n} rollouts but got {len(notes)} annotations")
        current = self.annotations or [{} for _ in range(self.n)]
        return replace(self, annotations=[{**old, transform: dict(new)} for old, new in zip(current, notes)])
