"""Group transforms rewrite rewards; one final advantage step turns rewards into advantages."""

from __future__ import annotations

import logging
import math
import time
from abc import ABC, abstractmethod
from dataclasses import replace
from typing import ClassVar, Literal, Sequence

from .group import Group

Scale = Literal["group", "batch", "none"]
log = logging.getLogger("envsdk")


class GroupTransform(ABC):
    """Maps groups to groups by rewriting `rewards` (and optionally `keep`); never advantages.

    `required_scale` declares the final advantage step the transform was designed for (DARLING: "none");
    trainers and adapters enforce it or warn loudly.
    """

    name: ClassVar[str] = "transform"
    required_scale: ClassVar[Scale | None] = None

    @abstractmethod
    def apply(self, groups: Sequence[Group]) -> list[Group]:
        """Return new groups with rewritten rewards; metrics go under `transform/<name>/...`."""

    def __call__(self, groups: Sequence[Group]) -> list[Group]:
        return self.apply(groups)


def check_scale(transforms: Sequence[GroupTransform], scale: Scale, *, strict: bool = False) -> Scale:
    """Warn (or raise when strict) when the advantage scale contradicts what a transform needs."""
    for t in transforms:
        if t.required_scale is not None and t.required_scale != scale:
            message = (
                f"transform {t.name!r} needs advantage scale {t.required_scale!r} but {scale!r} is configured; "
                f"set scale={t.required_scale!r} (TRL: scale_rewards='none'; verl: norm_adv_by_std_in_grpo=False)"
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


def compute_advantages(groups: Sequence[Group], scale: Scale = "group", eps: float = 1e-4) -> list[Group]:
    """A_i = (r_i - mean_group) / (std + eps); std per group, over the batch, or none (TRL semantics).

    Only kept rollouts enter the mean and std; dropped ones get advantage 0. Groups are never mixed
    for the mean.
    """
    if scale not in ("group", "batch", "none"):
        raise ValueError(f"scale must be 'group', 'batch' or 'none', not {scale!r}")
    batch_std = _std([r for g in groups for r, k in zip(g.rewards, g.keep) if k]) if scale == "batch" else 0.0
    out = []
    for g in groups:
        kept = [r for r, k in zip(g.rewards, g.keep) if k]
        mean = sum(kept) / len(kept) if kept else 0.0
        std = {"group": _std(kept), "batch": batch_std}.get(scale)
        advantages = [
            ((r - mean) / (std + eps) if std is not None else r - mean) if k else 0.0
            for r, k in zip(g.rewards, g.keep)
        ]
        out.append(replace(g, advantages=advantages))
    return out
