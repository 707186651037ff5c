"""Environments and a transform built ad hoc for the adapter tests (registered by conftest)."""

from __future__ import annotations

from typing import Sequence

from envsdk import Environment, Group, GroupTransform, Rubric, reward
from envsdk.messages import completion_text

WORDS = ["apple", "river", "stone", "cloud"]


@reward
def exact_or_raise(completion, answer) -> bool:
    """Exact match; the completion 'raise' makes the verifier crash on purpose."""
    text = completion_text(completion).strip()
    if text == "raise":
        raise ValueError("verifier bug")
    return text == answer


def load_flaky(**_: object) -> Environment:
    """Echo a word; a verifier that raises on the completion 'raise'."""
    rows = [{"id": f"w{i}", "prompt": f"Say {w}", "answer": w} for i, w in enumerate(WORDS)]
    return Environment(dataset=rows, rubric=Rubric([exact_or_raise]), required_fields=("answer",))


class RankTransform(GroupTransform):
    """Rewrites rewards to the rank within the group and records the group sizes it saw."""

    name = "rank"
    required_scale = "none"
    seen_sizes: list[int] = []

    def apply(self, groups: Sequence[Group]) -> list[Group]:
        out = []
        for g in groups:
            RankTransform.seen_sizes.append(g.n)
            order = sorted(range(g.n), key=lambda i: (g.rewards[i], len(g.completions[i])))
            ranks = [0.0] * g.n
            for rank, i in enumerate(order):
                ranks[i] = float(rank)
            out.append(g.with_rewards(ranks, **{"transform/rank/groups": 1.0}))
        return out
