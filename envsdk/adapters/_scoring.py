"""The engine-neutral part of every adapter: regroup a trainer's flat batch, verify it through the
executor, apply group transforms and turn verdicts into the numbers a trainer accepts.

A `BatchScorer` is picklable: it carries the environment's `EnvSpec` (and an ad hoc factory when
there is one) and rebuilds the environment, executor and transforms lazily after unpickling.
"""

from __future__ import annotations

import asyncio

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..environment import Environment, EnvSpec
from ..errors import EnvsdkError
from ..executor import Executor
from ..group import Group, OnError
from ..messages import Text
from ..registry import adhoc_factory, load_environment, load_transform
from ..transforms import GroupTransform, Scale, apply_transforms
from ..verdict import Verdict

TransformLike = GroupTransform | str | tuple[str, dict]


class PartialGroupError(EnvsdkError, ValueError):
    """A batch that does not hold whole groups although a group transform or group reward needs them."""


def resolve_env(env: Environment | str, **env_kwargs: Any) -> Environment:
    """An Environment, or the one registered under a name (built with `env_kwargs`)."""
    if isinstance(env, str):
        return load_environment(env, **env_kwargs)
    if env_kwargs:
        raise TypeError("env_kwargs are only used when `env` is a registered name")
    return env


def _rebuild_env(spec: EnvSpec, factory: Callable | None) -> Environment:
    if factory is None:
        return load_environment(spec.name, **spec.kwargs)
    env = factory(**spec.kwargs)
    env.spec = spec
    return env


def _resolve_transform(t: TransformLike) -> GroupTransform:
    if isinstance(t, GroupTransform):
        return t
    name, kwargs = (t, {}) if isinstance(t, str) else t
    return load_transform(name, **kwargs)


def sample_key(row: dict, prompt: Text | None) -> str:
    """What identifies one prompt instance in a flat batch: the row id, else a hash of the prompt."""
    if row.get("id") is not None:
        return f"id:{row['id']}"
    blob = json.dumps(prompt, sort_keys=True, ensure_ascii=False, default=str)
    return "prompt:" + hashlib.sha1(blob.encode()).hexdigest()


@dataclass
class Scored:
    """The outcome of one scored batch, aligned with the input order."""

    rewards: list[float | None]
    verdicts: list[Verdict]
    groups: list[Group]
    metrics: dict[str, float] = field(default_factory=dict)


def batch_metrics(verdicts: Sequence[Verdict], groups: Sequence[Group]) -> dict[str, float]:
    """Means a trainer can log: each reward component, error and timeout rates, transform metrics."""
    n = max(len(verdicts), 1)
    out: dict[str, float] = {
        "verify/error_rate": sum(v.error is not None for v in verdicts) / n,
        "verify/timeout_rate": sum(v.timed_out for v in verdicts) / n,
    }
    sums: dict[str, list[float]] = {}
    for v in verdicts:
        for name, value in v.components.items():
            sums.setdefault(f"rewards/{name}/mean", []).append(value)
    for g in groups:
        for name, value in g.metrics.items():
            sums.setdefault(name, []).append(value)
    out.update({k: sum(v) / len(v) for k, v in sums.items() if v and all(math.isfinite(x) for x in v)})
    return out


class BatchScorer:
    """Scores flat batches of (row, prompt, completion) samples for a trainer adapter.

    `group_size` (the trainer's generations per prompt) is required whenever a transform or a group
    reward function needs whole groups; a batch whose prompt counts are not multiples of it raises
    PartialGroupError instead of scoring partial groups silently.
    """

    def __init__(
        self,
        env: Environment | str,
        *,
        transforms: Sequence[TransformLike] = (),
        on_error: OnError = "abstain",
        group_size: int | None = None,
        executor: dict[str, Any] | None = None,
        **env_kwargs: Any,
    ):
        if on_error not in ("abstain", "zero"):
            raise ValueError(f"on_error must be 'abstain' or 'zero', not {on_error!r}")
        built = resolve_env(env, **env_kwargs)
        self._spec = built.spec
        self._factory = adhoc_factory(built.spec.name) if built.spec else None
        self._transform_specs = list(transforms)
        self.on_error: OnError = on_error
        self.group_size = group_size
        self.executor_config = dict(executor or {})
        self._env: Environment | None = built
        self._transforms: list[GroupTransform] | None = None
        self._executor: Executor | None = None

    # ---- pickling: ship the spec, rebuild the rest ---------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        if self._spec is None:
            raise TypeError(
                "this environment cannot be pickled for worker processes: load it with "
                "envsdk.load_environment(name) or register its factory with envsdk.register_environment"
            )
        state = dict(self.__dict__)
        state.update(_env=None, _transforms=None, _executor=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    # ---- lazily built parts -----------------------------------------------------------------
    @property
    def env(self) -> Environment:
        if self._env is None:
            self._env = _rebuild_env(self._spec, self._factory)
        return self._env

    @property
    def transforms(self) -> list[GroupTransform]:
        if self._transforms is None:
            self._transforms = [_resolve_transform(t) for t in self._transform_specs]
        return self._transforms

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            self._executor = Executor(self.env, **self.executor_config)
        return self._executor

    @property
    def needs_whole_groups(self) -> bool:
        return bool(self._transform_specs) or self.env.rubric.has_group_funcs

    @property
    def required_scale(self) -> Scale | None:
        """The advantage scale the transforms need (the first that declares one)."""
        return next((t.required_scale for t in self.transforms if t.required_scale is not None), None)

    @property
    def name(self) -> str:
        return self._spec.name if self._spec else self.env.name

    # ---- scoring --------------------------------------------------------------------------
    def split_groups(
        self, rows: Sequence[dict], prompts: Sequence[Text], group_size: int | None = None
    ) -> list[list[int]]:
        """Indices of each group, in order of first appearance; whole groups checked when needed."""
        by_key: dict[str, list[int]] = {}
        for i, (row, prompt) in enumerate(zip(rows, prompts)):
            by_key.setdefault(sample_key(row, prompt), []).append(i)
        size = group_size or self.group_size
        if not self.needs_whole_groups:
            return list(by_key.values())
        if not size:
            raise PartialGroupError(
                "group transforms and group reward functions need the group size: pass num_generations "
                "(TRL) / rollout.n (verl) / n_samples_per_prompt (OpenRLHF) to the adapter"
            )
        groups = []
        for key, indices in by_key.items():
            if len(indices) % size:
                raise PartialGroupError(
                    f"prompt {key} has {len(indices)} completions in this batch, not a multiple of the group "
                    f"size {size}: the trainer split a group (e.g. a per-device batch smaller than a group under "
                    f"DDP). Make each device's batch hold whole groups, or drop the group transform"
                )
            groups += [indices[j : j + size] for j in range(0, len(indices), size)]
        return groups

    async def score(
        self,
        rows: Sequence[dict],
        prompts: Sequence[Text],
        completions: Sequence[Text],
        *,
        group_size: int | None = None,
        transform: bool = True,
        states: Sequence[dict] | None = None,
    ) -> Scored:
        """Verify a flat batch, transform whole groups, and return rewards aligned with the input.

        `transform=False` skips the transforms (a server flushing a group that never completed);
        `states` are per-rollout states handed to the rubric (multi-turn episodes).
        """
        rows = [{**row, "prompt": row.get("prompt", prompt)} for row, prompt in zip(rows, prompts)]
        index_groups = self.split_groups(rows, prompts, group_size)
        if self.needs_whole_groups or states is not None:
            results = await asyncio.gather(
                *(
                    self.executor.score_group(
                        [rows[i] for i in idx],
                        [completions[i] for i in idx],
                        [states[i] for i in idx] if states is not None else None,
                    )
                    for idx in index_groups
                )
            )
        else:  # independent rows: the executor chunks them into few tasks
            flat = await self.executor.score_rows(rows, list(completions))
            results = [[flat[i] for i in idx] for idx in index_groups]
        groups = [
            Group.from_verdicts(
                prompt=prompts[idx[0]],
                completions=[completions[i] for i in idx],
                verdicts=verdicts,
                env=self.name,
                example_id=rows[idx[0]].get("id"),
                answer=rows[idx[0]].get("answer"),
                on_error=self.on_error,
            )
            for idx, verdicts in zip(index_groups, results)
        ]
        if transform and self.transforms:
            groups = apply_transforms(groups, self.transforms)
        rewards: list[float | None] = [None] * len(rows)
        verdicts_out: list[Verdict] = [Verdict()] * len(rows)
        for idx, group, verdicts in zip(index_groups, groups, results):
            for i, reward, keep, verdict in zip(idx, group.rewards, group.keep, verdicts):
                rewards[i] = reward if keep else (None if self.on_error == "abstain" else 0.0)
                verdicts_out[i] = verdict
        return Scored(rewards, verdicts_out, groups, batch_metrics(verdicts_out, groups))

    async def aclose(self) -> None:
        if self._executor is not None:
            await self._executor.aclose()
            self._executor = None
