"""Outcome-based exploration (Song et al., arXiv 2509.06941): bonuses on final answers, not on text.

- `outcome-ucb` (historical exploration): r_i + c / √N(x, a_i), where N(x, a) counts how often final answer
  a was sampled for prompt x over every batch so far, this one included (so N ≥ 1 and the bonus ≤ c).
  State: the counts per prompt (keyed by `Group.group_id`, the spine's stable group key) and the step.
- `outcome-batch` (batch exploration): r_i − c · m_i / n, where m_i is how many of the group's n kept
  rollouts share a_i's answer (itself included): repeats within a batch are penalised.

The final answer is `verdict.details["answer"]` when the verifier reports one, else the completion text
stripped (the toy tasks' whole completion is the answer). Only kept rollouts are counted or rewarded.
Each kept rollout's note (`record.annotations[name]`) holds its answer's `answer_count` N and `bonus`
(outcome-ucb), or its answer's `answer_share` m_i / n and `penalty` (outcome-batch).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, ClassVar, Sequence

from envsdk import Group, GroupTransform
from envsdk.group import Rollout

from ._common import ABSTAINED, StepCounter


def answer_key(rollout: Rollout) -> str:
    """The final answer a rollout is counted under (see the module docstring)."""
    answer = rollout.verdict.details.get("answer")
    return str(answer).strip() if answer is not None else rollout.text.strip()


class OutcomeUCB(StepCounter, GroupTransform):
    """Historical exploration: a UCB bonus c/√N(x, a) for rarely seen answers; stateful across steps."""

    name: ClassVar[str] = "outcome-ucb"

    def __init__(self, c: float = 0.5):
        self.c = float(c)
        self.counts: dict[str, Counter[str]] = {}
        self.steps = 0

    def apply(self, groups: Sequence[Group]) -> list[Group]:
        out = []
        for g in groups:
            counts = self.counts.setdefault(g.group_id, Counter())
            answers = [answer_key(r) for r, k in zip(g.rollouts, g.keep) if k]
            counts.update(answers)
            seen = [counts[answer_key(r)] if k else 0 for r, k in zip(g.rollouts, g.keep)]
            bonus = [self.c / math.sqrt(m) if k else 0.0 for m, k in zip(seen, g.keep)]
            rewards = [r + b if k else r for r, b, k in zip(g.rewards, bonus, g.keep)]
            kept = [b for b, k in zip(bonus, g.keep) if k]
            notes = [{"answer_count": m, "bonus": b} if k else ABSTAINED for m, b, k in zip(seen, bonus, g.keep)]
            out.append(g.with_rewards(rewards, **{
                f"transform/{self.name}/bonus_mean": sum(kept) / max(len(kept), 1),
                f"transform/{self.name}/answers_seen": float(len(counts)),
            }).annotate(self.name, notes))
        self.steps += 1
        return out

    def state_dict(self) -> dict[str, Any]:
        """Steps and answer counts per group id, plain JSON-able types (insertion order kept)."""
        return {**super().state_dict(), "counts": {gid: dict(c) for gid, c in self.counts.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.counts = {gid: Counter(c) for gid, c in state["counts"].items()}


class OutcomeBatch(GroupTransform):
    """Batch exploration: penalise answers repeated within a group, c · (share of the group giving it)."""

    name: ClassVar[str] = "outcome-batch"

    def __init__(self, c: float = 0.5):
        self.c = float(c)

    def apply(self, groups: Sequence[Group]) -> list[Group]:
        out = []
        for g in groups:
            answers = [answer_key(r) for r in g.rollouts]
            counts = Counter(a for a, k in zip(answers, g.keep) if k)
            n = sum(g.keep)
            share = [counts[a] / n if k else 0.0 for a, k in zip(answers, g.keep)]
            penalty = [self.c * s for s in share]
            rewards = [r - p for r, p in zip(g.rewards, penalty)]
            notes = [{"answer_share": s, "penalty": p} if k else ABSTAINED for s, p, k in zip(share, penalty, g.keep)]
            rewritten = g.with_rewards(rewards, **{f"transform/{self.name}/distinct": float(len(counts))})
            out.append(rewritten.annotate(self.name, notes))
        return out
