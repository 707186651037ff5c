"""Group transforms rewrite rewards; one final advantage step turns rewards into advantages."""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Any, ClassVar, Literal, Sequence

from .group import Group

Scale = Literal["group", "batch", "none"]
log = logging.getLogger("envsdk")


class GroupTransform(ABC):
    """Maps groups to groups by rewriting `rewards` (and optionally `keep`); never advantages.

    `required_scale` is the one declaration of the final advantage step the transform was designed for
    (DARLING: "none"); the built-in trainer and every adapter enforce it through `check_scale`.
    """

    name: ClassVar[str] = "transform"
    required_scale: ClassVar[Scale | None] = None

    @abstractmethod
    def apply(self, groups: Sequence[Group]) -> list[Group]:
        """Return new groups with rewritten rewards; metrics go under `transform/<name>/...`."""

    def state_dict(self) -> dict[str, Any]:
        """What the transform carries across steps (plain, picklable values); {} when stateless.

        The built-in trainer saves it in every checkpoint and restores it on resume (docs/exploration.md).
        """
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` returned; a stateless transform has nothing to restore."""


def required_scale(transforms: Sequence[GroupTransform]) -> Scale | None:
    """The advantage scale the transforms declare (`GroupTransform.required_scale`); None when none does.

    Two transforms that declare different scales cannot run together: ValueError.
    """
    declared = {t.required_scale for t in transforms if t.required_scale is not None}
    if len(declared) > 1:
        named = ", ".join(f"{t.name}={t.required_scale!r}" for t in transforms if t.required_scale is not None)
        raise ValueError(f"the group transforms need different advantage scales ({named})")
    return declared.pop() if declared else None


def check_scale(
    transforms: Sequence[GroupTransform], scale: Scale, *, strict: bool = False, fix: str | None = None
) -> Scale:
    """Enforce the declared scale: the one check every trainer and adapter runs on its own setting.

    `scale` is the trainer's setting translated to a Scale; `fix` says how to change it in that trainer
    (e.g. "set GRPOConfig(scale_rewards='none')"). Raises ValueError when `strict`, else logs a warning.
    """
    needed = required_scale(transforms)
    if needed is not None and needed != scale:
        names = ", ".join(t.name for t in transforms if t.required_scale is not None)
        message = (
            f"transform {names} needs advantage scale {needed!r} but {scale!r} is configured; "
            f"{fix or f'set scale={needed!r}'}"
        )
        if strict:
            raise ValueError(message)
        log.warning("envsdk: %s", message)
    return scale


def apply_transforms(groups: Sequence[Group], transforms: Sequence[GroupTransform]) -> list[Group]:
    """Run transforms in order, timing each under `transform/<name>/seconds`."""
    out = list(groups)
    for t in transforms:
        started = time.perf_counter()
        out = t.apply(out)
        elapsed = time.perf_counter() - started
        out = [replace(g, metrics={**g.metrics, f"transform/{t.name}/seconds": elapsed / max(len(out), 1)}) for g in out]
    return out


def _std(values: list[float]) -> float:
    """Bessel-corrected standard deviation (TRL and verl both use ddof=1); 0 for fewer than 2 values."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def group_advantages(rewards: Sequence[float], keep: Sequence[bool], scale: Scale = "group", *,
                     batch_std: float = 0.0, eps: float = 1e-4) -> list[float]:
    """The advantage step for one group: A_i = (r_i - mean) / (std + eps), or r_i - mean for scale "none".

    Only kept rollouts enter the mean and std; dropped ones get advantage 0. `batch_std` is the std
    used when `scale="batch"`.
    """
    kept = [r for r, k in zip(rewards, keep) if k]
    mean = sum(kept) / len(kept) if kept else 0.0
    std = {"group": _std(kept), "batch": batch_std}.get(scale)
    return [((r - mean) / (std + eps) if std is not None else r - mean) if k else 0.0 for r, k in zip(rewards, keep)]


def compute_advantages(groups: Sequence[Group], scale: Scale = "group", eps: float = 1e-4) -> list[Group]:
    """The one final advantage step (TRL semantics): std per group, over the batch, or none.

    Groups are never mixed for the mean; see `group_advantages`.
    """
    if scale not in ("group", "batch", "none"):
        raise ValueError(f"scale must be 'group', 'batch' or 'none', not {scale!r}")
    batch_std = _std([r for g in groups for r, k in zip(g.rewards, g.keep) if k]) if scale == "batch" else 0.0
    return [
        replace(g, advantages=group_advantages(g.rewards, g.keep, scale, batch_std=batch_std, eps=eps)) for g in groups
    ]
