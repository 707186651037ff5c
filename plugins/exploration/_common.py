"""What the exploration transforms share: the kept rollouts of a group, their per-rollout notes, and a step
counter they save."""

from __future__ import annotations

from typing import Any, Sequence

from envsdk import Group


def kept_values(group: Group, values: Sequence[float]) -> tuple[list[int], list[float]]:
    """Indices and values of the rollouts that count (`keep`); dropped ones stay out of every statistic."""
    idx = [i for i, k in enumerate(group.keep) if k]
    return idx, [values[i] for i in idx]


def scatter(n: int, idx: Sequence[int], values: Sequence[float]) -> list[float]:
    """A length-n list with `values` at `idx` and 0 elsewhere (dropped rollouts get reward 0)."""
    out = [0.0] * n
    for i, v in zip(idx, values):
        out[i] = v
    return out


ABSTAINED = {"note": "abstained: took no part"}
"""The note a transform publishes for a rollout left out of the baseline (`keep` False)."""


def scatter_notes(n: int, idx: Sequence[int], notes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-rollout notes for `Group.annotate`: `notes` at `idx`, the abstained note elsewhere."""
    out = [ABSTAINED] * n
    for i, note in zip(idx, notes):
        out[i] = note
    return out


class StepCounter:
    """Counts the batches a transform instance has transformed: its training step.

    Every face calls a transform once per generation batch (the built-in trainer, TRL's reward function,
    verl's manager), so the count is the step; `state_dict` carries it through checkpoints.
    """

    steps: int = 0

    def state_dict(self) -> dict[str, Any]:
        return {"steps": self.steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.steps = int(state["steps"])
